#include "mpc/async_hub.h"

#include <string>

#include "mpc/session_params.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

// The Outbox the instances write to: other parties through the transport, this party through
// the loopback queue.
class AsyncHub::Out final : public async_wire::Outbox {
 public:
  explicit Out(AsyncHub& hub) : hub_(hub) {}
  void to_all(net::Bytes payload) override {
    for (std::size_t p = 0; p < hub_.cfg_.n; ++p) {
      if (p != hub_.cfg_.self) hub_.send(p, payload);
    }
    hub_.loopback_.push_back(std::move(payload));
  }
  void to(std::size_t party, net::Bytes payload) override {
    if (party == hub_.cfg_.self) {
      hub_.loopback_.push_back(std::move(payload));
    } else {
      hub_.send(party, std::move(payload));
    }
  }

 private:
  AsyncHub& hub_;
};

Result<std::unique_ptr<AsyncHub>> AsyncHub::create(const AsyncConfig& config, CoinSource& coins,
                                                   SendFn send, SuspectFn suspect) {
  if (auto ok = validate_parameters(config.n, config.t); !ok) {
    return ok.error().with_context("async protocols: ");
  }
  if (config.self >= config.n) {
    return make_error(ErrorKind::Usage, "async protocols: party id " + std::to_string(config.self) +
                                            " is not below n = " + std::to_string(config.n));
  }
  if (config.rbc_window == 0 || config.aba_window == 0 || config.aba_max_rounds == 0 ||
      config.rbc_bracha_max > config.rbc_max_payload ||
      config.rbc_max_payload > (std::size_t{1} << 30)) {
    return make_error(
        ErrorKind::Usage,
        "async protocols: windows must be positive, bracha_max <= max_payload <= 1 GiB");
  }
  auto code = math::ErasureCode::create(config.t + 1, config.n);
  if (!code) return code.error();
  return std::unique_ptr<AsyncHub>(
      new AsyncHub(config, *code, coins, std::move(send), std::move(suspect)));
}

AsyncHub::AsyncHub(const AsyncConfig& config, math::ErasureCode code, CoinSource& coins,
                   SendFn send, SuspectFn suspect)
    : cfg_(config),
      code_(code),
      coins_(coins),
      send_(std::move(send)),
      suspect_(std::move(suspect)),
      out_(std::make_unique<Out>(*this)),
      sources_(config.n) {
  rbc_.n = aba_.n = config.n;
  rbc_.t = aba_.t = config.t;
  rbc_.self = aba_.self = config.self;
  rbc_.max_payload = config.rbc_max_payload;
  rbc_.bracha_max = config.rbc_bracha_max;
  aba_.coins = config.aba_coins;
  aba_.max_rounds = config.aba_max_rounds;
  aba_.round_window = config.aba_round_window;
}

AsyncHub::~AsyncHub() = default;

void AsyncHub::send(std::size_t to, net::Bytes payload) {
  if (!health_) return;
  if (auto r = send_(to, std::move(payload)); !r) health_ = r.error();
}

void AsyncHub::handle(std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body) {
  if (from >= cfg_.n || from == cfg_.self) return;  // clients take no part; own ones loop back
  process(from, id, body);
  drain_loopback();
}

void AsyncHub::drain_loopback() {
  if (draining_) return;
  draining_ = true;
  while (!loopback_.empty()) {
    net::Bytes m = std::move(loopback_.front());
    loopback_.pop_front();
    process(cfg_.self, wire::parse_header(m)->id, wire::body(m));
  }
  draining_ = false;
}

void AsyncHub::process(std::size_t from, std::uint64_t id, std::span<const std::uint8_t> body) {
  auto m = async_wire::parse(id, body);
  bool ok = m.has_value();
  if (ok)
    ok = m->protocol == async_wire::Protocol::kRbc ? process_rbc(from, *m) : process_aba(from, *m);
  if (!ok) {
    ++stats_.invalid_messages;
    if (from != cfg_.self && suspect_) suspect_(from);
  }
}

bool AsyncHub::process_rbc(std::size_t from, const async_wire::Message& m) {
  if (m.party >= cfg_.n) return false;
  Source& src = sources_[m.party];
  const std::uint64_t s = m.session;
  if (s < src.next_take || src.delivered.count(s)) return true;  // finished here: late message
  auto it = src.open.find(s);
  if (it == src.open.end()) {
    // Own broadcasts are started by broadcast(), never by a message.
    if (m.party == cfg_.self || s - src.next_take >= cfg_.rbc_window) {
      ++stats_.dropped_messages;
      return true;
    }
    it = src.open.emplace(s, std::make_unique<RbcInstance>(rbc_, code_, m.party, s)).first;
  }
  if (src.bytes + m.content.size() > cfg_.rbc_buffer_bytes) {
    ++stats_.dropped_messages;
    return true;
  }
  RbcInstance& inst = *it->second;
  const std::size_t before = inst.held_bytes();
  const bool ok = inst.handle(from, m, *out_);
  src.bytes = src.bytes - before + inst.held_bytes();
  if (inst.delivered()) finish_rbc(m.party, s);
  return ok;
}

void AsyncHub::finish_rbc(std::size_t broadcaster, std::uint64_t session) {
  Source& src = sources_[broadcaster];
  auto it = src.open.find(session);
  const std::size_t held = it->second->held_bytes();
  net::Bytes payload = it->second->take_payload();
  src.bytes = src.bytes - held + payload.size();
  src.delivered.emplace(session, std::move(payload));
  src.open.erase(it);
  ++stats_.rbc_delivered;
}

bool AsyncHub::process_aba(std::size_t from, const async_wire::Message& m) {
  const std::uint64_t s = m.session;
  if (halted_.count(s)) return true;
  auto it = agreements_.find(s);
  if (it == agreements_.end()) {
    if (s < aba_low_ || s - aba_low_ >= cfg_.aba_window) {
      ++stats_.dropped_messages;
      return true;
    }
    it = agreements_.emplace(s, std::make_unique<AbaInstance>(aba_, s, coins_)).first;
  }
  const bool ok = it->second->handle(from, m, *out_);
  if (it->second->halted()) finish_aba(s);
  return ok;
}

void AsyncHub::finish_aba(std::uint64_t session) {
  auto it = agreements_.find(session);
  halted_.emplace(session, *it->second->decision());
  ++stats_.aba_decided;
  stats_.aba_rounds += it->second->decided_in() + 1;
  agreements_.erase(it);
  while (halted_.count(aba_low_)) ++aba_low_;
}

Result<std::uint64_t> AsyncHub::broadcast(std::span<const std::uint8_t> payload) {
  if (payload.size() > cfg_.rbc_max_payload) {
    return make_error("a broadcast carries at most " + std::to_string(cfg_.rbc_max_payload) +
                      " bytes, this one has " + std::to_string(payload.size()));
  }
  const std::uint64_t s = broadcasts_++;
  Source& src = sources_[cfg_.self];
  auto it = src.open.emplace(s, std::make_unique<RbcInstance>(rbc_, code_, cfg_.self, s)).first;
  ++stats_.rbc_started;
  it->second->start(payload, *out_);
  drain_loopback();
  return s;
}

std::optional<net::Bytes> AsyncHub::take(std::size_t from) {
  if (from >= cfg_.n) return std::nullopt;
  Source& src = sources_[from];
  auto it = src.delivered.find(src.next_take);
  if (it == src.delivered.end()) return std::nullopt;
  net::Bytes payload = std::move(it->second);
  src.delivered.erase(it);
  src.bytes -= payload.size();
  ++src.next_take;
  return payload;
}

std::optional<std::pair<std::size_t, net::Bytes>> AsyncHub::take_any() {
  std::size_t best = cfg_.n;
  for (std::size_t p = 0; p < cfg_.n; ++p) {
    if (p == cfg_.self || !sources_[p].delivered.count(sources_[p].next_take)) continue;
    if (best == cfg_.n || sources_[p].next_take < sources_[best].next_take) best = p;
  }
  if (best == cfg_.n) return std::nullopt;
  auto payload = take(best);
  return std::make_pair(best, std::move(*payload));
}

std::uint64_t AsyncHub::propose(bool value) {
  const std::uint64_t s = proposals_++;
  ++stats_.aba_proposed;
  if (halted_.count(s)) return s;  // decided by the others' TERMs before this party proposed
  auto it = agreements_.find(s);
  if (it == agreements_.end()) {
    it = agreements_.emplace(s, std::make_unique<AbaInstance>(aba_, s, coins_)).first;
  }
  it->second->propose(value, *out_);
  if (it->second->halted()) finish_aba(s);
  drain_loopback();
  return s;
}

Result<std::optional<bool>> AsyncHub::result(std::uint64_t session) const {
  if (session >= proposals_) {
    return make_error("binary agreement session " + std::to_string(session) +
                      " was not proposed by this party (" + std::to_string(proposals_) +
                      " sessions so far)");
  }
  if (auto h = halted_.find(session); h != halted_.end()) return std::optional<bool>(h->second);
  auto it = agreements_.find(session);
  if (it == agreements_.end()) return std::optional<bool>();
  if (auto d = it->second->decision()) return std::optional<bool>(*d);
  if (it->second->failure()) return make_error(ErrorKind::Protocol, *it->second->failure());
  return std::optional<bool>();
}

}  // namespace stoffel::mpc
