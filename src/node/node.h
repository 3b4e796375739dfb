// Distributed sessions (docs/network.md): one process per role, talking over authenticated TLS
// (src/net). The roles are the reference's (docs/network.md; docs/decisions.md, N1-N7, W3):
//
// * bootnode: authenticates parties by STOFFEL_AUTH_TOKEN, collects n registrations and sends
//   every party the roster (party i = roster entry i: its key and address; decision N2).
// * party: registers, forms the full mesh of TLS links pinned to the roster's keys, takes the
//   clients' inputs, and runs the program with the same per-party code as the embedded engine
//   (embed::run_party) on those links.
// * leader: a bootnode and party 0 in one process (the party listens on the bootnode's port +
//   1000).
// * client: connects to every party, checks that they present one roster and the keys it names,
//   gives its inputs by the masked-input protocol and prints the outputs sent to it.
//
// Each run_* function returns the process's exit code (docs/cli.md; W4) after printing what
// the user should see through NodeIo. Nothing here calls exit().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "math/field_kind.h"
#include "mpc/session_params.h"
#include "net/tls.h"
#include "vm/trace.h"

namespace stoffel::node {

// Exit codes of distributed runs (docs/cli.md; docs/decisions.md, W4).
enum NodeExit : int {
  kExitOk = 0,
  kExitBadFlags = 2,
  kExitExecution = 4,
  kExitStore = 5,          // the preprocessing store cannot be made or used, --preprocess failed
  kExitBootnode = 10,      // the bootnode cannot run
  kExitListen = 11,        // cannot listen on --bind
  kExitRegistration = 12,  // refused or failed to join the session (token, program, roster, mesh)
  kExitEngine = 13,        // the MPC engine cannot be set up
  kExitClientConnect = 21,
  kExitClientProtocol = 22,
  kExitClientTimeout = 23,
  kExitClientIdentity = 24,  // a server presents another key or roster, or refuses the client
  kExitClientChannel = 25,   // the servers closed their links before the client was done
};

// Where a node's user-visible lines go: stdout (results) and stderr (progress, errors).
struct NodeIo {
  std::function<void(const std::string&)> out;
  std::function<void(const std::string&)> err;
  static NodeIo standard();  // stdout / stderr, each line flushed
};

// Shared by every role.
struct NodeCommon {
  std::optional<std::string> identity_path;    // --identity; none: a fresh key for this run
  std::chrono::milliseconds timeout{300'000};  // --timeout: bound on every wait
};

struct BootnodeOptions {
  NodeCommon common;
  net::HostPort bind{"127.0.0.1", 9000};
  std::optional<std::size_t> n_parties;  // none: the first registrant's n
  std::string token;                     // STOFFEL_AUTH_TOKEN
};

// --preproc-store and its companions, for a party or the leader (docs/store.md, "Distributed
// sessions"; party_store.h).
struct PartyStoreOptions {
  std::string dir;       // --preproc-store DIR: this party's store is DIR/party-<i>
  std::string key_file;  // --store-key FILE; empty: a key derived from --identity
  std::uint64_t map_size = std::uint64_t{1} << 30;  // --store-map-size, in bytes
};

// --preprocess --triples N --random M --bits B: a session that fills every party's store with
// one new lot instead of running a program.
struct PreprocessAmounts {
  std::uint64_t triples = 0, randoms = 0, bits = 0;
};

struct PartyOptions {
  NodeCommon common;
  const bytecode::Program* program = nullptr;  // none with `preprocess`
  std::vector<std::uint8_t> program_bytes;     // the file, for its SHA-256 (program identity)
  std::string entry = "main";
  std::size_t party_id = 0;
  net::HostPort bootstrap;
  net::HostPort bind;
  // n, t, field of the session (W12), checked by mpc::validate; the roster must agree on them.
  // The instance id comes from the roster, the receive timeout from common.timeout.
  mpc::SessionParams session;
  std::size_t wait_for_clients = 0;
  std::string token;
  bool stats = false;
  std::uint32_t max_call_depth = 1'000'000;
  std::uint64_t max_steps = 0;  // instruction budget of the party's VM; 0 = none
  vm::TraceOptions trace;
  // The party's preprocessing store: an online run uses its material first (agreed by all
  // parties, never twice); with `preprocess`, the session fills it and runs no program.
  std::optional<PartyStoreOptions> store;
  std::optional<PreprocessAmounts> preprocess;
};

struct ClientOptions {
  NodeCommon common;
  std::vector<std::string> inputs;     // as --inputs, parsed by embed::parse_client_value
  std::vector<net::HostPort> servers;  // party i at position i
  std::size_t n = 5;
  std::optional<std::size_t> index;  // --client-index
};

// Runs a bootnode until `stop` is set (or forever).
int run_bootnode(const BootnodeOptions& options, NodeIo& io,
                 const std::atomic<bool>* stop = nullptr);
// Runs one party of a session; `party_id` 0 with options.bootstrap = the leader's own bootnode.
int run_party(const PartyOptions& options, NodeIo& io);
// Runs the leader: a bootnode on options.bind and party 0 on the same host at port + 1000.
int run_leader(const PartyOptions& options, NodeIo& io);
int run_client(const ClientOptions& options, NodeIo& io);

// Writes a new identity key (mode 0600) and returns its public key in hex.
Result<std::string> keygen(const std::string& path);

}  // namespace stoffel::node
