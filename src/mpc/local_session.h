// LocalSession's implementation, exposed for tests and benchmarks: the engines behind the
// parties (explicit preprocessing, pool sizes) and the fault-injecting network when one is used.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "mpc/hb/hb_party.h"
#include "mpc/session.h"
#include "net/fault_network.h"
#include "net/transport.h"

namespace stoffel::mpc {

class LocalSessionImpl final : public LocalSession {
 public:
  // As LocalSession::create, with an optional fault plan for the transport.
  static Result<std::unique_ptr<LocalSessionImpl>> make(SessionParams config,
                                                        std::vector<ClientInputs> clients,
                                                        std::optional<net::FaultPlan> faults = {});
  ~LocalSessionImpl() override;

  const SessionParams& config() const override { return config_; }
  Party& party(std::size_t i) override { return *parties_.at(i); }
  Result<void> run_clients() override;
  void finish_clients() override;
  std::vector<ClientOutput> client_outputs() const override;
  void abort(const std::string& reason) override;

  HbParty& engine(std::size_t i) { return *parties_.at(i); }
  net::Network& network() { return *network_; }
  net::FaultyNetwork* faults() { return faults_; }  // null without a fault plan

 private:
  LocalSessionImpl() = default;

  SessionParams config_;
  std::vector<ClientInputs> clients_;  // ascending by client id; endpoint n + index
  std::unique_ptr<net::Network> network_;
  net::FaultyNetwork* faults_ = nullptr;
  std::vector<std::unique_ptr<HbParty>> parties_;
  std::atomic<bool> finished_{false};
  mutable std::mutex outputs_mu_;
  std::vector<ClientOutput> outputs_;
};

}  // namespace stoffel::mpc
