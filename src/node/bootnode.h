// The bootnode (docs/network.md): the one place parties meet before they know each other.
//
// Every connection must first prove knowledge of STOFFEL_AUTH_TOKEN (net/auth.h) and is then
// one party's registration: its id, its key (from the TLS handshake), its address, and what it
// runs (program SHA-256, entry, n, t, field, clients). The first registration of a session (or
// the leader's own parameters) fixes what the session runs; a registration that differs is
// refused with both values named. Once n distinct party ids have registered the bootnode draws
// the instance id, sends each party the roster and starts collecting the next session.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "node/node.h"
#include "node/wire.h"

namespace stoffel::node {

class BootnodeServer {
 public:
  // Loads or makes the identity and listens on options.bind. `expect`: the parameters every
  // registration must match (the leader's); none: the first registrant's. Errors carry the
  // exit code to use (kExitBadFlags, kExitListen).
  struct StartError {
    int exit_code;
    std::string message;
  };
  static std::variant<std::unique_ptr<BootnodeServer>, StartError> start(
      const BootnodeOptions& options, NodeIo& io, std::optional<Registration> expect = {});
  virtual ~BootnodeServer() = default;

  virtual std::uint16_t port() const = 0;
  // Serves registrations until `stop` is set (never, with null); then closes everything.
  virtual void serve(const std::atomic<bool>* stop) = 0;
};

}  // namespace stoffel::node
