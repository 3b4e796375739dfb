#include "mpc/local_session.h"

#include <algorithm>
#include <string>
#include <thread>

#include "mpc/client.h"
#include "net/memory_network.h"

namespace stoffel::mpc {

Result<std::unique_ptr<LocalSession>> LocalSession::create(SessionParams config,
                                                           std::vector<ClientInputs> clients) {
  auto s = LocalSessionImpl::make(std::move(config), std::move(clients));
  if (!s) return s.error();
  return std::unique_ptr<LocalSession>(std::move(*s));
}

Result<std::unique_ptr<LocalSessionImpl>> LocalSessionImpl::make(
    SessionParams config, std::vector<ClientInputs> clients, std::optional<net::FaultPlan> faults) {
  if (auto ok = validate(config); !ok) return ok.error();
  std::sort(clients.begin(), clients.end(),
            [](const ClientInputs& a, const ClientInputs& b) { return a.client_id < b.client_id; });
  for (std::size_t i = 1; i < clients.size(); ++i) {
    if (clients[i].client_id == clients[i - 1].client_id) {
      return make_error(ErrorKind::Usage,
                        "client id " + std::to_string(clients[i].client_id) + " given twice");
    }
  }
  auto canonical = math::visit_field(config.field, [&](auto tag) -> Result<void> {
    using F = typename decltype(tag)::type;
    for (const auto& c : clients) {
      for (std::size_t i = 0; i < c.values.size(); ++i) {
        if (auto v = F::from_bytes(c.values[i]); !v) {
          return make_error(ErrorKind::Usage, "client " + std::to_string(c.client_id) + " input " +
                                                  std::to_string(i) + ": " + v.error().message);
        }
      }
    }
    return {};
  });
  if (!canonical) return canonical.error();

  std::unique_ptr<LocalSessionImpl> s(new LocalSessionImpl());
  s->config_ = config;
  s->clients_ = std::move(clients);
  const std::size_t endpoints = config.n + s->clients_.size();
  std::unique_ptr<net::Network> net = std::make_unique<net::InMemoryNetwork>(endpoints);
  if (faults) {
    auto faulty = std::make_unique<net::FaultyNetwork>(std::move(net), std::move(*faults));
    s->faults_ = faulty.get();
    net = std::move(faulty);
  }
  s->network_ = std::move(net);

  PartyConfig ec;
  static_cast<SessionParams&>(ec) = config;
  for (std::size_t i = 0; i < s->clients_.size(); ++i) {
    ec.clients.push_back({s->clients_[i].client_id, config.n + i});
  }
  std::vector<net::Endpoint*> ports;
  for (std::size_t i = 0; i < config.n; ++i) ports.push_back(&s->network_->endpoint(i));
  auto parties = make_parties(ec, ports);
  if (!parties) return parties.error();
  s->parties_ = std::move(*parties);
  return s;
}

LocalSessionImpl::~LocalSessionImpl() {
  // Wake anything still blocked before the parties and the network go away.
  if (network_) network_->close(make_error(ErrorKind::Network, "session destroyed"));
}

Result<void> LocalSessionImpl::run_clients() {
  const std::size_t count = clients_.size();
  std::vector<Result<std::vector<FieldBytes>>> results(count, std::vector<FieldBytes>{});
  std::vector<std::vector<std::uint32_t>> labels(count);
  auto run_one = [&](std::size_t i) {
    results[i] = math::visit_field(config_.field, [&](auto tag) {
      using F = typename decltype(tag)::type;
      ClientRunner<F> runner(network_->endpoint(config_.n + i), config_.n, config_.t,
                             clients_[i].client_id, clients_[i].values, finished_,
                             std::chrono::milliseconds(config_.receive_timeout_ms));
      auto r = runner.run();
      labels[i] = runner.labels();
      return r;
    });
  };
  // One thread per client: each waits on its own inbox.
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < count; ++i) threads.emplace_back(run_one, i);
  if (count > 0) run_one(0);
  for (auto& th : threads) th.join();
  std::vector<ClientOutput> outs;
  for (std::size_t i = 0; i < count; ++i) {
    if (!results[i]) return results[i].error();
    outs.push_back(ClientOutput{clients_[i].client_id, std::move(*results[i]), std::move(labels[i])});
  }
  std::lock_guard lock(outputs_mu_);
  outputs_ = std::move(outs);
  return {};
}

void LocalSessionImpl::finish_clients() {
  finished_.store(true, std::memory_order_release);
}

std::vector<ClientOutput> LocalSessionImpl::client_outputs() const {
  std::lock_guard lock(outputs_mu_);
  return outputs_;
}

void LocalSessionImpl::abort(const std::string& reason) {
  network_->close(make_error(ErrorKind::AbortedByPeer, "session aborted: " + reason));
}

}  // namespace stoffel::mpc
