#include "net/memory_network.h"

#include <utility>

namespace stoffel::net {

class InMemoryNetwork::Port final : public Endpoint {
 public:
  Port(InMemoryNetwork& net, std::size_t id) : net_(net), id_(id) {}

  std::size_t id() const override { return id_; }
  std::size_t size() const override { return net_.size(); }

  Result<void> send(std::size_t to, Bytes payload) override {
    const std::size_t bytes = payload.size();
    if (auto ok = net_.deliver(id_, to, std::move(payload)); !ok) return ok;
    bytes_sent_.fetch_add(bytes, std::memory_order_relaxed);
    messages_sent_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }

  Result<std::optional<Message>> receive(std::chrono::milliseconds timeout) override {
    Inbox& in = *net_.inboxes_[id_];
    std::unique_lock lock(in.mu);
    auto ready = [&] { return net_.closed() || !in.queue.empty() || in.closed; };
    if (!ready()) {
      if (timeout.count() <= 0 || !in.cv.wait_for(lock, timeout, ready)) {
        return std::optional<Message>{};
      }
    }
    if (net_.closed()) return net_.close_reason();
    if (in.queue.empty())
      return make_error(ErrorKind::Network, in.reason);  // endpoint closed and drained
    Message m = std::move(in.queue.front());
    in.queue.pop_front();
    lock.unlock();
    bytes_received_.fetch_add(m.payload.size(), std::memory_order_relaxed);
    messages_received_.fetch_add(1, std::memory_order_relaxed);
    return std::optional<Message>(std::move(m));
  }

  EndpointCounters counters() const override {
    return {bytes_sent_.load(std::memory_order_relaxed),
            messages_sent_.load(std::memory_order_relaxed),
            bytes_received_.load(std::memory_order_relaxed),
            messages_received_.load(std::memory_order_relaxed)};
  }

 private:
  InMemoryNetwork& net_;
  std::size_t id_;
  std::atomic<std::uint64_t> bytes_sent_{0}, messages_sent_{0};
  std::atomic<std::uint64_t> bytes_received_{0}, messages_received_{0};
};

InMemoryNetwork::InMemoryNetwork(std::size_t endpoints) {
  inboxes_.reserve(endpoints);
  ports_.reserve(endpoints);
  for (std::size_t i = 0; i < endpoints; ++i) {
    inboxes_.push_back(std::make_unique<Inbox>());
    ports_.push_back(std::make_unique<Port>(*this, i));
  }
}

InMemoryNetwork::~InMemoryNetwork() = default;

Endpoint& InMemoryNetwork::endpoint(std::size_t i) {
  return *ports_.at(i);
}

Error InMemoryNetwork::close_reason() const {
  std::lock_guard lock(reason_mu_);
  return reason_;
}

Result<void> InMemoryNetwork::deliver(std::size_t from, std::size_t to, Bytes payload) {
  if (to >= inboxes_.size()) {
    return make_error(ErrorKind::Usage, "send from endpoint " + std::to_string(from) +
                                            " to unknown endpoint " + std::to_string(to) +
                                            " (network of " + std::to_string(inboxes_.size()) +
                                            ")");
  }
  if (closed()) return close_reason();
  Inbox& in = *inboxes_[to];
  {
    std::lock_guard lock(in.mu);
    if (in.closed) return {};  // the receiver has finished; the message is simply not read
    in.queue.push_back(Message{from, std::move(payload)});
  }
  in.cv.notify_one();
  return {};
}

void InMemoryNetwork::close(Error reason) {
  {
    std::lock_guard lock(reason_mu_);
    if (closed()) return;
    if (reason.message.empty()) reason.message = "network closed";
    reason_ = std::move(reason);
    closed_.store(true, std::memory_order_release);
  }
  // Taking each inbox lock before notifying guarantees that a receiver between its predicate
  // check and its wait cannot miss the wake-up.
  for (auto& in : inboxes_) {
    {
      std::lock_guard lock(in->mu);
      in->queue.clear();
    }
    in->cv.notify_all();
  }
}

void InMemoryNetwork::close_endpoint(std::size_t i, const std::string& reason) {
  if (i >= inboxes_.size()) return;
  Inbox& in = *inboxes_[i];
  {
    std::lock_guard lock(in.mu);
    if (in.closed) return;
    in.closed = true;
    in.reason = reason.empty() ? std::string("endpoint closed") : reason;
  }
  in.cv.notify_all();
}

}  // namespace stoffel::net
