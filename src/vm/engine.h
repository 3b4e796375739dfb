// The VM's only view of MPC: an engine interface (style.md: the VM talks to MPC only through
// it, so VM tests can use a fake engine and MPC tests need no VM). The MPC layer implements it.
// Without an engine, every operation that needs one fails with "MPC engine not configured".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "stoffel/result.h"
#include "vm/heap_objects.h"

namespace stoffel::vm {

class MpcEngine {
 public:
  virtual ~MpcEngine() = default;
  virtual bool is_ready() const = 0;
};

// Client inputs held by a party: per client (in ascending client-id order), a list of shares.
struct ClientStore {
  struct Client {
    uint64_t client_id;
    std::vector<std::vector<uint8_t>> shares;  // engine encoding, one per input
  };
  std::vector<Client> clients;
};

}  // namespace stoffel::vm
