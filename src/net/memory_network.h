// In-memory transport for n parties and the clients of one process (docs/decisions.md, M1: the
// embedded engine; also every protocol test). One thread-safe FIFO inbox per endpoint; send() moves
// the payload into the receiver's inbox, so a message costs one allocation made by the sender.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/transport.h"

namespace stoffel::net {

class InMemoryNetwork final : public Network {
 public:
  explicit InMemoryNetwork(std::size_t endpoints);
  ~InMemoryNetwork() override;
  InMemoryNetwork(const InMemoryNetwork&) = delete;
  InMemoryNetwork& operator=(const InMemoryNetwork&) = delete;

  std::size_t size() const override { return ports_.size(); }
  Endpoint& endpoint(std::size_t i) override;
  void close(Error reason) override;
  bool closed() const override { return closed_.load(std::memory_order_acquire); }
  void close_endpoint(std::size_t i, const std::string& reason) override;

 private:
  struct Inbox {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Message> queue;
    bool closed = false;  // close_endpoint: drain, then fail
    std::string reason;
  };
  class Port;

  Result<void> deliver(std::size_t from, std::size_t to, Bytes payload);
  Error close_reason() const;

  std::vector<std::unique_ptr<Inbox>> inboxes_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::atomic<bool> closed_{false};
  mutable std::mutex reason_mu_;
  Error reason_;
};

}  // namespace stoffel::net
