// Writes the seed corpora of the fuzz targets (run by scripts/fuzz-seeds; the output is
// committed under tests/fuzz/corpus/<target>/seed-*):
//
//   fuzz_seeds programs <corpus dir> <.stfa/.stflb files or folders...>
//       stfl/    every input program as STFL
//       interp/  for every function: a program with that function first (the interpreter
//                target's entry) and the functions it may call, constants renumbered
//       asm/     the disassembly of every input program, and the .stfa sources as written
//   fuzz_seeds mpc <corpus dir>
//       mpc_party/, mpc_client/  for every configuration of mpc_script.h: the messages party 0
//                and the client received in an honest multi-party run of the workload
//       mpc_client_robust/  the messages of party n - 1 to the client, for the one-malicious-party
//                target (its honest part is read from mpc_client/)
//       mpc_wire/   one of those messages of each channel and length, for the decoders alone
//   fuzz_seeds net <corpus dir>
//       node_wire/  every session message (node/wire.h) as the parties, bootnode and clients
//                encode it
//       net_frame/  streams of a TLS link: READY, session and MPC frames, BYE; a frame of
//                exactly the 64 MiB limit and one byte over it (headers only)
//
// Inputs that do not assemble or read (error cases) become raw seeds of asm/ and stfl/. Old
// seed-* files of the folders written are removed first; other files (regression inputs) are
// kept.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bytecode/assembler.h"
#include "bytecode/reader.h"
#include "bytecode/writer.h"
#include "mpc_script.h"
#include "net/frame.h"
#include "net/memory_network.h"
#include "node/wire.h"

namespace fs = std::filesystem;
using namespace stoffel;
using namespace stoffel::bytecode;

namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "fuzz_seeds: %s\n", message.c_str());
  std::exit(1);
}

void clear_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("seed-", 0) == 0) fs::remove(entry.path());
  }
}

void write_file(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) die("cannot write " + path.string());
}

// A file-name-safe form of a function or file name.
std::string safe(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 48)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

// Function `index` first, then (in file order) every function it may reach: by CALL, or by a
// string constant naming it (closures are created from a function's name).
Program extract(const Program& p, size_t index) {
  std::vector<bool> keep(p.functions.size(), false);
  std::vector<size_t> work{index};
  keep[index] = true;
  auto reach = [&](const std::string& name) {
    for (size_t j = 0; j < p.functions.size(); ++j) {
      if (!keep[j] && p.functions[j].name == name) {
        keep[j] = true;
        work.push_back(j);
      }
    }
  };
  while (!work.empty()) {
    const Function& f = p.functions[work.back()];
    work.pop_back();
    for (const Instruction& ins : f.code) {
      if (ins.op == Opcode::CALL) reach(ins.name);
      if (ins.op == Opcode::LDI && ins.b < p.constants.size() &&
          p.constants[ins.b].tag == ConstTag::String) {
        reach(p.constants[ins.b].str);
      }
    }
  }
  Program out;
  out.version = p.version;
  std::map<uint32_t, uint32_t> renumber;
  auto take = [&](const Function& f) {
    Function g = f;
    for (Instruction& ins : g.code) {
      if (ins.op != Opcode::LDI || ins.b >= p.constants.size()) continue;
      auto [it, fresh] = renumber.try_emplace(ins.b, static_cast<uint32_t>(out.constants.size()));
      if (fresh) out.constants.push_back(p.constants[ins.b]);
      ins.b = it->second;
    }
    out.functions.push_back(std::move(g));
  };
  take(p.functions[index]);
  for (size_t j = 0; j < p.functions.size(); ++j) {
    if (keep[j] && j != index) take(p.functions[j]);
  }
  return out;
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// nullopt for a file that does not assemble or read (an error case: kept as raw text or bytes).
std::optional<Program> load(const fs::path& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  if (path.extension() == ".stfa") {
    auto p = assemble(std::string(bytes.begin(), bytes.end()), path.string());
    if (!p) return std::nullopt;
    return std::move(*p);
  }
  auto p = read_program(bytes);
  if (!p) return std::nullopt;
  return std::move(*p);
}

int programs(const fs::path& corpus, const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    if (fs::is_directory(in)) {
      for (const auto& e : fs::recursive_directory_iterator(in)) {
        const auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".stfa" || ext == ".stflb")) files.push_back(e.path());
      }
    } else {
      files.emplace_back(in);
    }
  }
  std::sort(files.begin(), files.end());
  for (const char* dir : {"stfl", "interp", "asm"}) clear_seeds(corpus / dir);
  // Contents already written, as strings (g++ 12 warns falsely on ordering byte vectors).
  std::set<std::string> seen_stfl, seen_interp, seen_asm;
  auto key = [](const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); };
  size_t written = 0;
  for (const auto& file : files) {
    const std::string stem = safe(file.stem().string());
    const std::vector<uint8_t> raw = read_file(file);
    auto write_text = [&](const std::string& name, const std::string& text) {
      if (!seen_asm.insert(text).second) return;
      write_file(corpus / "asm" / name,
                 std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
      ++written;
    };
    if (file.extension() == ".stfa") {
      // The source as written: comments, label definitions, literals in every spelling.
      write_text("seed-src-" + stem + ".stfa", std::string(raw.begin(), raw.end()));
    }
    const std::optional<Program> loaded = load(file);
    if (!loaded) {
      if (file.extension() != ".stfa" && seen_stfl.insert(key(raw)).second) {
        write_file(corpus / "stfl" / ("seed-bad-" + stem + ".stflb"), raw);
        ++written;
      }
      continue;
    }
    const Program& p = *loaded;
    auto whole = write_program(p);
    if (!whole) die(file.string() + ": " + whole.error().message);
    if (seen_stfl.insert(key(*whole)).second) {
      write_file(corpus / "stfl" / ("seed-" + stem + ".stflb"), *whole);
      ++written;
    }
    write_text("seed-" + stem + ".stfa", disassemble(p));
    for (size_t i = 0; i < p.functions.size(); ++i) {
      const Program one = extract(p, i);
      auto bytes = write_program(one);
      if (!bytes) die(file.string() + ": " + bytes.error().message);
      const std::string name = "seed-" + stem + "-" + safe(p.functions[i].name);
      if (seen_interp.insert(key(*bytes)).second) {
        write_file(corpus / "interp" / (name + ".stflb"), *bytes);
        ++written;
      }
    }
  }
  std::printf("fuzz_seeds: %zu program seeds from %zu files\n", written, files.size());
  return 0;
}

// --- MPC: record what party 0 and the client receive in an honest run ------------------------

class RecordingEndpoint final : public net::Endpoint {
 public:
  explicit RecordingEndpoint(net::Endpoint& inner) : inner_(inner) {}
  std::size_t id() const override { return inner_.id(); }
  std::size_t size() const override { return inner_.size(); }
  Result<void> send(std::size_t to, net::Bytes payload) override {
    return inner_.send(to, std::move(payload));
  }
  Result<std::optional<net::Message>> receive(std::chrono::milliseconds timeout) override {
    auto r = inner_.receive(timeout);
    if (r && *r) {
      std::lock_guard lock(mu_);
      log_.emplace_back((*r)->from, (*r)->payload);
    }
    return r;
  }
  net::EndpointCounters counters() const override { return inner_.counters(); }

  std::vector<std::pair<std::size_t, net::Bytes>> messages() const {
    std::lock_guard lock(mu_);
    return log_;
  }

  std::vector<uint8_t> script(size_t config_index) const {
    std::lock_guard lock(mu_);
    std::vector<uint8_t> out{static_cast<uint8_t>(config_index)};
    for (const auto& [from, payload] : log_) {
      if (!fuzz::append_record(out, from, payload)) die("a message does not fit a script record");
    }
    return out;
  }

 private:
  net::Endpoint& inner_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::size_t, net::Bytes>> log_;
};

template <typename F>
void record(size_t config_index, const fs::path& corpus) {
  const fuzz::MpcConfig& c = fuzz::kMpcConfigs[config_index];
  net::InMemoryNetwork network(c.n + 1);
  RecordingEndpoint party0(network.endpoint(0));
  RecordingEndpoint client_ep(network.endpoint(c.n));
  auto algebra = mpc::Algebra<F>::create(c.n, c.t);
  if (!algebra) die(algebra.error().message);
  std::vector<std::unique_ptr<mpc::HbPartyImpl<F>>> parties;
  for (size_t i = 0; i < c.n; ++i) {
    net::Endpoint& ep = i == 0 ? static_cast<net::Endpoint&>(party0) : network.endpoint(i);
    parties.push_back(
        std::make_unique<mpc::HbPartyImpl<F>>(fuzz::engine_config(c, i), ep, *algebra));
  }

  std::atomic<bool> finished{false};
  Result<std::vector<mpc::FieldBytes>> client_out = std::vector<mpc::FieldBytes>{};
  std::thread client([&] {
    std::vector<mpc::FieldBytes> inputs;
    for (int64_t v : fuzz::kClientInputs) inputs.push_back(F::from_i64(v).to_bytes());
    mpc::ClientRunner<F> runner(client_ep, c.n, c.t, fuzz::kClientId, std::move(inputs), finished,
                                std::chrono::milliseconds(10'000));
    client_out = runner.run();
  });
  std::vector<Result<void>> status(c.n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < c.n; ++i) {
    threads.emplace_back([&, i] {
      status[i] = fuzz::party_workload(*parties[i], c);
      if (!status[i])
        network.close(status[i].error().with_context("party " + std::to_string(i) + ": "));
    });
  }
  for (auto& th : threads) th.join();
  finished.store(true);
  client.join();
  for (size_t i = 0; i < c.n; ++i) {
    if (!status[i])
      die(std::string(c.name) + ": party " + std::to_string(i) + ": " + status[i].error().message);
  }
  if (!client_out) die(std::string(c.name) + ": client: " + client_out.error().message);

  const std::string name = std::string("seed-") + c.name;
  write_file(corpus / "mpc_party" / name, party0.script(config_index));
  write_file(corpus / "mpc_client" / name, client_ep.script(config_index));

  // mpc_client_robust: the messages of party n - 1 as its records, where they arrived.
  {
    const size_t m = c.n - 1;
    std::vector<uint8_t> seed{static_cast<uint8_t>(config_index), static_cast<uint8_t>(m)};
    size_t advance = 0;
    for (const auto& [from, payload] : client_ep.messages()) {
      if (from != m) {
        ++advance;
        continue;
      }
      // Record format: u8 advance, u16 length, payload (append_record writes the same layout).
      if (advance > 255 || !fuzz::append_record(seed, advance, payload)) die("record too large");
      advance = 0;
    }
    write_file(corpus / "mpc_client_robust" / name, seed);
  }

  // mpc_wire: one message of each (channel, length) party 0 received, behind the decoder
  // parameters: the slot count an agreement message declares (its first body word) and a
  // value bound.
  std::set<std::pair<uint8_t, size_t>> kinds;
  size_t k = 0;
  for (const auto& [from, payload] : party0.messages()) {
    if (payload.size() < mpc::wire::kHeaderSize ||
        !kinds.insert({payload[0], payload.size()}).second) {
      continue;
    }
    const size_t slots = payload.size() >= mpc::wire::kHeaderSize + 4 ? payload[16] : 0;
    std::vector<uint8_t> seed{static_cast<uint8_t>(slots), 0x00, 0x04};
    seed.insert(seed.end(), payload.begin(), payload.end());
    write_file(corpus / "mpc_wire" / (name + "-" + std::to_string(k++)), seed);
  }
}

int mpc_seeds(const fs::path& corpus) {
  clear_seeds(corpus / "mpc_party");
  clear_seeds(corpus / "mpc_client");
  clear_seeds(corpus / "mpc_wire");
  clear_seeds(corpus / "mpc_client_robust");
  for (size_t i = 0; i < fuzz::kMpcConfigCount; ++i) {
    math::visit_field(fuzz::kMpcConfigs[i].field,
                      [&](auto tag) { record<typename decltype(tag)::type>(i, corpus); });
  }
  std::printf("fuzz_seeds: %zu MPC configurations recorded\n", fuzz::kMpcConfigCount);
  return 0;
}

// Real encodings of every session message, with the values of a session of 4 parties.
std::vector<std::pair<std::string, net::Bytes>> session_messages() {
  using namespace stoffel::node;
  const auto fill = [](auto& a, std::uint8_t from) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(from + i);
  };
  Challenge challenge;
  fill(challenge.nonce, 1);
  fill(challenge.session, 100);
  Proof proof;
  fill(proof.nonce, 40);
  fill(proof.mac, 80);
  net::Mac confirm;
  fill(confirm, 120);
  const std::string program = "the program's bytes";
  Registration reg;
  reg.party_id = 2;
  reg.n = 4;
  reg.t = 1;
  reg.field = math::FieldKind::Bls12_381;
  reg.clients = 2;
  reg.program = sha256(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(program.data()), program.size()));
  reg.entry = "main";
  reg.address = "127.0.0.1:40002";
  Roster roster;
  roster.field = math::FieldKind::Bn254;
  roster.t = 1;
  roster.clients = 2;
  roster.instance_id = 0x0123456789abcdefULL;
  fill(roster.session, 100);
  roster.program = reg.program;
  roster.entry = "main";
  const char* addresses[] = {"127.0.0.1:40000", "[::1]:40001", "localhost:40002", "10.0.0.4:0"};
  for (std::uint8_t i = 0; i < 4; ++i) {
    RosterEntry e;
    fill(e.key, static_cast<std::uint8_t>(32 * i));
    e.address = addresses[i];
    roster.parties.push_back(e);
  }
  std::vector<ClientEntry> set(2);
  fill(set[0].key, 7);
  set[0].inputs = 2;
  fill(set[1].key, 9);
  set[1].index = 1;
  set[1].inputs = 0;
  PeerHello hello{roster.digest(), 3};
  return {
      {"challenge", encode(challenge)},
      {"proof", encode(proof)},
      {"confirm", encode_confirm(confirm)},
      {"register", encode(reg)},
      {"status", encode(Status{3, 4})},
      {"roster", encode_roster(roster, MsgType::kRoster)},
      {"session_info", encode_roster(roster, MsgType::kSessionInfo)},
      {"refused", encode(Refusal{RefuseCode::kProgramMismatch,
                                 "another program than the session's (sha256 0123...)"})},
      {"peer_hello", encode(hello)},
      {"client_hello_any", encode(ClientHello{kAnyIndex, 2, {0, 1}})},
      {"client_hello_index", encode(ClientHello{3, 3, {1, 0, 1}})},
      {"client_set", encode(std::span<const ClientEntry>(set))},
      {"assign", encode(Assignment{1, 2, 2, roster.instance_id})},
      {"done", encode(Done{})},
      {"finished", encode(Finished{})},
  };
}

int net_seeds(const fs::path& corpus) {
  clear_seeds(corpus / "node_wire");
  clear_seeds(corpus / "net_frame");
  const auto messages = session_messages();
  for (const auto& [name, bytes] : messages) {
    write_file(corpus / "node_wire" / ("seed-" + name), bytes);
  }
  // net_frame inputs: limit selector (>= 4: the real 64 MiB limit), chunking seed, stream.
  const auto frame_of = [](std::uint8_t channel, std::span<const std::uint8_t> payload) {
    const auto h = net::frame::encode_header(static_cast<std::uint32_t>(payload.size()), channel);
    // Sized once and filled by memcpy, as net/tls.cpp does: growing the vector makes GCC 12
    // misjudge the copy (-Warray-bounds, -Wstringop-overflow).
    std::vector<std::uint8_t> f(h.size() + payload.size());
    std::memcpy(f.data(), h.data(), h.size());
    if (!payload.empty()) std::memcpy(f.data() + h.size(), payload.data(), payload.size());
    return f;
  };
  std::vector<std::uint8_t> ready(net::frame::kReadyMagic.begin(), net::frame::kReadyMagic.end());
  ready.push_back(1);
  ready.push_back(0);
  const std::vector<std::uint8_t> bye(net::frame::kByeMagic.begin(), net::frame::kByeMagic.end());
  const std::vector<std::uint8_t> mpc_message{0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
  const auto stream = [&](std::uint8_t selector, std::uint8_t seed,
                          std::initializer_list<std::vector<std::uint8_t>> frames) {
    std::vector<std::uint8_t> s{selector, seed};
    for (const auto& f : frames) s.insert(s.end(), f.begin(), f.end());
    return s;
  };
  // A session: READY, the messages on the session channel, an MPC message, BYE.
  std::vector<std::uint8_t> session{0xff, 7};
  for (const auto& f : {frame_of(0, ready), frame_of(1, mpc_message)}) {
    session.insert(session.end(), f.begin(), f.end());
  }
  for (const auto& [name, bytes] : messages) {
    const auto f = frame_of(2, bytes);
    session.insert(session.end(), f.begin(), f.end());
  }
  const auto bye_frame = frame_of(0, bye);
  session.insert(session.end(), bye_frame.begin(), bye_frame.end());
  write_file(corpus / "net_frame" / "seed-session", session);
  write_file(corpus / "net_frame" / "seed-ready-bye",
             stream(0xff, 0, {frame_of(0, ready), frame_of(15, {}), frame_of(0, bye)}));
  // Headers at the limit: 64 MiB announced (accepted, the payload never comes) and one more.
  const auto at_limit = net::frame::encode_header(64u << 20, 2);
  const auto over_limit = net::frame::encode_header((64u << 20) + 1, 2);
  write_file(corpus / "net_frame" / "seed-at-limit",
             stream(0xff, 3, {std::vector<std::uint8_t>(at_limit.begin(), at_limit.end()),
                              std::vector<std::uint8_t>(100, 0xab)}));
  write_file(corpus / "net_frame" / "seed-over-limit",
             stream(0xff, 3, {std::vector<std::uint8_t>(over_limit.begin(), over_limit.end())}));
  // A small limit (selector 2: 10 bytes): one frame within it, then one over it.
  write_file(corpus / "net_frame" / "seed-small-limit",
             stream(2, 1, {frame_of(3, bye), frame_of(3, ready), frame_of(3, ready)}));
  std::printf("fuzz_seeds: %zu session messages, 5 frame streams\n", messages.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 3 && args[0] == "programs") {
    return programs(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  }
  if (args.size() == 2 && args[0] == "mpc") return mpc_seeds(args[1]);
  if (args.size() == 2 && args[0] == "net") return net_seeds(args[1]);
  std::fprintf(stderr,
               "usage: fuzz_seeds programs <corpus dir> <.stfa/.stflb files or folders...>\n"
               "       fuzz_seeds mpc <corpus dir>\n"
               "       fuzz_seeds net <corpus dir>\n");
  return 2;
}
