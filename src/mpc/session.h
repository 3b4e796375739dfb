// An in-process MPC session (decision M1, the embedded engine of stoffel-run): n parties and the
// clients, connected by the in-memory transport (src/net), with an optional fault plan.
//
// Threads are the caller's: typically one thread per party calling Party methods, and one
// thread running the clients (run_clients). abort() unblocks everybody.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "math/field_kind.h"
#include "mpc/party.h"
#include "mpc/session_params.h"
#include "stoffel/result.h"

namespace stoffel::mpc {

// A client's clear inputs, already encoded as field elements (integers as p - |v| when
// negative; fixed-point values scaled by 2^16 and rounded by the caller).
struct ClientInputs {
  uint64_t client_id;
  std::vector<FieldBytes> values;
};

// What a client received through Party::send_output, reconstructed robustly: the values and
// each value's label (the label of the call that sent it).
struct ClientOutput {
  uint64_t client_id;
  std::vector<FieldBytes> values;
  std::vector<uint32_t> labels;
};

class LocalSession {
 public:
  virtual ~LocalSession() = default;

  // Validates n, t (M2) and builds the parties and clients on in-memory links.
  static Result<std::unique_ptr<LocalSession>> create(SessionParams config,
                                                      std::vector<ClientInputs> clients);

  virtual const SessionParams& config() const = 0;
  virtual Party& party(size_t i) = 0;
  // Runs the client side of the input protocol for every client, then waits for and
  // reconstructs outputs until `finish_clients()` is called. Blocks; run it in its own thread.
  virtual Result<void> run_clients() = 0;
  virtual void finish_clients() = 0;
  virtual std::vector<ClientOutput> client_outputs() const = 0;
  // Makes every blocked and future interactive call fail with this reason (a party failed).
  virtual void abort(const std::string& reason) = 0;
};

}  // namespace stoffel::mpc
