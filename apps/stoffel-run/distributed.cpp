#include "distributed.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "bytecode/reader.h"
#include "mpc/session_params.h"
#include "net/tls.h"
#include "node/node.h"

namespace stoffel::cli {

namespace {

// `stoffel-run -`: the program from standard input (docs/cli.md), e.g. straight from
// `stoffel-asm prog.stfa -o - | stoffel-run -`. Read once, bounded like a file.
Result<LoadedProgram> program_from_stdin() {
  const std::string what = "Error: cannot load '-' (standard input): ";
  if (isatty(STDIN_FILENO) != 0) {
    return make_error(ErrorKind::Load,
                      what +
                          "it is a terminal; give the program through a pipe or a redirection "
                          "(stoffel-run - < prog.stflb)");
  }
  LoadedProgram lp;
  uint8_t chunk[64 * 1024];
  while (lp.bytes.size() <= bytecode::kMaxFileSize) {
    const size_t got = std::fread(chunk, 1, sizeof chunk, stdin);
    lp.bytes.insert(lp.bytes.end(), chunk, chunk + got);
    if (got < sizeof chunk) break;
  }
  if (std::ferror(stdin) != 0) {
    return make_error(ErrorKind::Load, what + "reading failed: " + std::strerror(errno));
  }
  if (lp.bytes.size() > bytecode::kMaxFileSize) {
    return make_error(ErrorKind::Load,
                      what + "larger than " + std::to_string(bytecode::kMaxFileSize) + " bytes");
  }
  auto program = bytecode::read_program(lp.bytes);
  if (!program) return program.error().with_context(what);
  if (program->functions.empty())
    return make_error(ErrorKind::Load, "Error: compiled program contains no functions");
  lp.program = std::move(*program);
  return lp;
}

}  // namespace

Result<LoadedProgram> load_program(const std::string& path) {
  if (path == "-") return program_from_stdin();
  // The reader's own file function gives the errors (missing, a directory, unreadable); the
  // bytes are then read once more and parsed again, so the program that runs is exactly the one
  // whose SHA-256 names it.
  auto checked = bytecode::read_program_file(path);
  if (!checked) return checked.error().with_context("Error: cannot load '" + path + "': ");
  LoadedProgram lp;
  std::ifstream in(path, std::ios::binary);
  lp.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto program = bytecode::read_program(lp.bytes);
  if (!in || !program)
    return make_error(ErrorKind::Load, "Error: cannot load '" + path + "': the file changed");
  if (program->functions.empty())
    return make_error(ErrorKind::Load, "Error: compiled program contains no functions");
  lp.program = std::move(*program);
  return lp;
}

bool avss_backend(const RunOptions& opts) {
  std::string backend = opts.mpc_backend;
  for (char& c : backend) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return backend == "avss" || backend == "adkg";
}

Result<math::FieldKind> check_mpc_settings(const RunOptions& opts) {
  std::string backend = opts.mpc_backend;
  for (char& c : backend) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (backend != "honeybadger" && backend != "hb" && !avss_backend(opts)) {
    return make_error(ErrorKind::Usage, "Error: unknown --mpc-backend '" + opts.mpc_backend +
                                            "' (honeybadger, hb, avss, adkg)");
  }
  auto field = math::parse_curve_name(opts.mpc_curve);
  if (!field) return field.error().with_context("Error: ");
  // The one check of n and t (W12), also for a program that turns out not to need MPC.
  if (auto ok = mpc::validate_parameters(opts.n_parties, opts.threshold); !ok) {
    return ok.error().with_context("Error: --n-parties " + std::to_string(opts.n_parties) +
                                   " with --threshold " + std::to_string(opts.threshold) + ": ");
  }
  return *field;
}

namespace {

void err_line(const std::string& s) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", s.c_str());
}

Result<net::HostPort> address(const std::string& text, const std::string& fallback,
                              const char* flag) {
  auto hp = net::parse_host_port(text.empty() ? fallback : text);
  if (!hp)
    return make_error(ErrorKind::Usage, "Error: " + std::string(flag) + ": " + hp.error().message);
  return hp;
}

}  // namespace

int run_distributed(const RunOptions& opts) {
  using Role = RunOptions::Role;
  node::NodeIo io = node::NodeIo::standard();
  node::NodeCommon common;
  if (!opts.identity.empty()) common.identity_path = opts.identity;
  common.timeout = std::chrono::milliseconds(static_cast<long long>(opts.timeout_seconds * 1000));
  const char* token_env = std::getenv("STOFFEL_AUTH_TOKEN");
  const std::string token = token_env != nullptr ? token_env : "";

  if (opts.role == Role::kBootnode) {
    node::BootnodeOptions bo;
    bo.common = common;
    auto bind = address(opts.bind, "127.0.0.1:9000", "--bind");
    if (!bind) {
      err_line(bind.error().message);
      return kExitBadFlags;
    }
    bo.bind = *bind;
    if (opts.n_parties_given) bo.n_parties = opts.n_parties;
    bo.token = token;
    return node::run_bootnode(bo, io);
  }

  if (opts.role == Role::kClient) {
    node::ClientOptions co;
    co.common = common;
    co.inputs = opts.inputs;
    co.n = opts.n_parties;
    co.index = opts.client_index;
    for (const auto& s : opts.servers) {
      auto hp = address(s, "", "--servers");
      if (!hp) {
        err_line(hp.error().message);
        return kExitBadFlags;
      }
      co.servers.push_back(*hp);
    }
    return node::run_client(co, io);
  }

  // A --preprocess session runs no program.
  std::optional<LoadedProgram> program;
  if (!opts.preprocess) {
    auto loaded = load_program(opts.program);
    if (!loaded) {
      err_line(loaded.error().message);
      return kExitBadProgram;
    }
    program = std::move(*loaded);
  }
  auto field = check_mpc_settings(opts);
  if (!field) {
    err_line(field.error().message);
    return kExitBadFlags;
  }
  node::PartyOptions po;
  po.common = common;
  if (program) {
    po.program = &program->program;
    po.program_bytes = program->bytes;
  }
  if (!opts.preproc_store.empty()) {
    po.store =
        node::PartyStoreOptions{opts.preproc_store, opts.store_key, opts.store_map_size_mib << 20};
  }
  if (opts.preprocess) {
    po.preprocess = node::PreprocessAmounts{opts.pre_triples, opts.pre_randoms, opts.pre_bits};
  }
  po.entry = opts.entry;
  po.party_id = opts.party_id;
  po.session.n = opts.n_parties;
  po.session.t = opts.threshold;
  po.session.field = *field;
  po.session.avss = avss_backend(opts);
  po.wait_for_clients = opts.wait_for_clients;
  po.token = token;
  po.stats = opts.stats;
  po.max_call_depth = opts.max_call_depth;
  po.max_steps = opts.max_steps;
  po.trace = vm::TraceOptions{opts.trace_instr, opts.trace_regs, opts.trace_stack};
  const bool leader = opts.role == Role::kLeader;
  auto bind = address(opts.bind, leader ? "127.0.0.1:9000" : "127.0.0.1:0", "--bind");
  if (!bind) {
    err_line(bind.error().message);
    return kExitBadFlags;
  }
  po.bind = *bind;
  if (leader) return node::run_leader(po, io);
  auto boot = address(opts.bootstrap, "", "--bootstrap");
  if (!boot) {
    err_line(boot.error().message);
    return kExitBadFlags;
  }
  po.bootstrap = *boot;
  return node::run_party(po, io);
}

int run_keygen(const KeygenOptions& opts) {
  auto key = node::keygen(opts.output);
  if (!key) {
    err_line("Error: " + key.error().message);
    return kExitBadFlags;
  }
  std::printf("Wrote %s (mode 0600)\nPublic key: %s\n", opts.output.c_str(), key->c_str());
  return kExitOk;
}

}  // namespace stoffel::cli
