#include "net/fault_network.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>

namespace stoffel::net {

class FaultyNetwork::Port final : public Endpoint {
 public:
  Port(FaultyNetwork& net, std::size_t id, std::optional<SenderFaults> faults, std::uint64_t seed)
      : net_(net), inner_(net.inner_->endpoint(id)), faults_(std::move(faults)), rng_(seed) {
    active_ = faults_.has_value();
  }

  std::size_t id() const override { return inner_.id(); }
  std::size_t size() const override { return inner_.size(); }

  Result<void> send(std::size_t to, Bytes payload) override {
    if (!active_.load(std::memory_order_acquire)) return inner_.send(to, std::move(payload));
    std::unique_lock lock(mu_);  // the generator and the message count are per sender
    const std::uint64_t index = sent_++;
    if (crashed_ ||
        (faults_ && faults_->crash_after_messages && index >= *faults_->crash_after_messages)) {
      crashed_ = true;
      down_.store(true, std::memory_order_release);
      lock.unlock();
      if (net_.closed()) return inner_.send(to, {});  // report the close like a live sender
      std::lock_guard g(net_.mu_);
      ++net_.counters_.crashed_sends;
      return {};
    }
    if (!faults_ || index < faults_->start_after_messages ||
        (faults_->end_after_messages && index >= *faults_->end_after_messages)) {
      lock.unlock();
      return inner_.send(to, std::move(payload));
    }
    if (std::find(faults_->omit_to.begin(), faults_->omit_to.end(), to) != faults_->omit_to.end()) {
      std::lock_guard g(net_.mu_);
      ++net_.counters_.omitted;
      return {};
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    if (faults_->drop_probability > 0 && unit(rng_) < faults_->drop_probability) {
      std::lock_guard g(net_.mu_);
      ++net_.counters_.dropped;
      return {};
    }
    if (faults_->corrupt_probability > 0 && unit(rng_) < faults_->corrupt_probability &&
        !payload.empty()) {
      if (net_.plan_.corrupt) {
        net_.plan_.corrupt(id(), to, payload, rng_);
      } else {
        std::uniform_int_distribution<std::size_t> pos(0, payload.size() - 1);
        std::uniform_int_distribution<int> byte(1, 255);
        payload[pos(rng_)] ^= static_cast<std::uint8_t>(byte(rng_));
      }
      std::lock_guard g(net_.mu_);
      ++net_.counters_.corrupted;
    }
    std::uint32_t delay = faults_->delay_ms;
    if (auto d = faults_->delay_to_ms.find(to); d != faults_->delay_to_ms.end()) delay += d->second;
    if (faults_->jitter_ms > 0) {
      delay += std::uniform_int_distribution<std::uint32_t>(0, faults_->jitter_ms)(rng_);
    }
    if (delay == 0) {
      lock.unlock();
      return inner_.send(to, std::move(payload));
    }
    lock.unlock();
    if (net_.closed()) return inner_.send(to, {});
    net_.schedule(Delayed{std::chrono::steady_clock::now() + std::chrono::milliseconds(delay), 0,
                          id(), to, std::move(payload)});
    return {};
  }

  Result<std::optional<Message>> receive(std::chrono::milliseconds timeout) override {
    if (down_.load(std::memory_order_acquire)) {
      return make_error("endpoint " + std::to_string(id()) + " has crashed (injected fault)");
    }
    return inner_.receive(timeout);
  }
  EndpointCounters counters() const override { return inner_.counters(); }

  void crash() {
    std::lock_guard lock(mu_);
    crashed_ = true;
    down_.store(true, std::memory_order_release);
    active_ = true;
  }
  void set_faults(const SenderFaults& f) {
    std::lock_guard lock(mu_);
    faults_ = f;
    sent_ = 0;
    active_ = true;
  }
  Endpoint& inner() { return inner_; }

 private:
  FaultyNetwork& net_;
  Endpoint& inner_;
  std::optional<SenderFaults> faults_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::uint64_t sent_ = 0;
  bool crashed_ = false;
  std::atomic<bool> active_{false};  // any fault configured: take the slow path
  std::atomic<bool> down_{false};    // crashed: receives fail too
};

FaultyNetwork::FaultyNetwork(std::unique_ptr<Network> inner, FaultPlan plan)
    : inner_(std::move(inner)), plan_(std::move(plan)) {
  bool needs_thread = false;
  for (std::size_t i = 0; i < inner_->size(); ++i) {
    std::optional<SenderFaults> f;
    if (auto it = plan_.senders.find(i); it != plan_.senders.end()) {
      f = it->second;
      needs_thread =
          needs_thread || f->delay_ms > 0 || f->jitter_ms > 0 || !f->delay_to_ms.empty();
    }
    // Each sender gets its own stream so that its decisions do not depend on other threads.
    const std::uint64_t seed = plan_.seed * 0x9E3779B97F4A7C15ull + i;
    ports_.push_back(std::make_unique<Port>(*this, i, std::move(f), seed));
  }
  if (needs_thread) delivery_ = std::thread([this] { run_delivery(); });
}

FaultyNetwork::~FaultyNetwork() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (delivery_.joinable()) delivery_.join();
}

Endpoint& FaultyNetwork::endpoint(std::size_t i) {
  return *ports_.at(i);
}

void FaultyNetwork::close(Error reason) {
  inner_->close(std::move(reason));
  {
    std::lock_guard lock(mu_);
    delayed_.clear();
  }
  cv_.notify_all();
}

void FaultyNetwork::close_endpoint(std::size_t i, const std::string& reason) {
  inner_->close_endpoint(i, reason);
}

void FaultyNetwork::set_faults(std::size_t endpoint, const SenderFaults& faults) {
  if (endpoint < ports_.size()) ports_[endpoint]->set_faults(faults);
}

void FaultyNetwork::crash(std::size_t endpoint) {
  if (endpoint < ports_.size()) ports_[endpoint]->crash();
}

FaultCounters FaultyNetwork::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void FaultyNetwork::schedule(Delayed d) {
  {
    std::lock_guard lock(mu_);
    d.order = order_++;
    ++counters_.delayed;
    delayed_.push_back(std::move(d));
    std::push_heap(delayed_.begin(), delayed_.end(), Later{});
  }
  cv_.notify_all();
}

void FaultyNetwork::run_delivery() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (delayed_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto due = delayed_.front().due;
    if (std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    std::pop_heap(delayed_.begin(), delayed_.end(), Later{});
    Delayed d = std::move(delayed_.back());
    delayed_.pop_back();
    lock.unlock();
    // Errors (closed network) are ignored: the message is lost like any message in flight.
    (void)ports_[d.from]->inner().send(d.to, std::move(d.payload));
    lock.lock();
  }
}

}  // namespace stoffel::net
