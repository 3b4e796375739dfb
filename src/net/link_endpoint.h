// net::Endpoint over TLS links (tls.h): the same protocol code that runs on the in-memory
// network runs on this one between processes.
//
// The endpoint is participant `id()` of `size()`; each peer it talks to is one Link attached
// under the peer's index, so the sender of a message is the index of the link it came in on:
// authenticated by the key checked in that link's handshake, never read from the message.
// Messages of the protocol travel on one channel of the links; the processes' own session
// messages (rosters, client sets, goodbyes) on other channels of the same links.
//
// A peer that is gone (its link closed, or it was never attached) is a crashed party: what is
// sent to it is dropped, as a crashed party reads nothing, and receiving goes on with the
// others. gone() says which peers are gone and why.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/mailbox.h"
#include "net/tls.h"
#include "net/transport.h"

namespace stoffel::net {

class LinkEndpoint final : public Endpoint {
 public:
  LinkEndpoint(std::size_t self, std::size_t size, std::uint8_t data_channel,
               std::size_t buffer_bytes);
  // Closes the links still attached (without goodbye).
  ~LinkEndpoint() override;
  LinkEndpoint(const LinkEndpoint&) = delete;
  LinkEndpoint& operator=(const LinkEndpoint&) = delete;

  // Grows the endpoint to `size` participants (clients join after the parties).
  void resize(std::size_t size);
  // Attaches `link` as participant `index`: what it receives is tagged `index` from now on.
  // Error if `index` is this endpoint, out of range, or already attached.
  Result<void> attach(std::size_t index, std::shared_ptr<Link> link);
  bool attached(std::size_t index) const;
  std::shared_ptr<Link> link(std::size_t index) const;

  std::size_t id() const override { return self_; }
  std::size_t size() const override;
  Result<void> send(std::size_t to, Bytes payload) override;
  Result<std::optional<Message>> receive(std::chrono::milliseconds timeout) override;
  EndpointCounters counters() const override;

  // The same over another channel of the links (1..frame::kMaxChannel, not the data channel).
  Result<void> send_on(std::uint8_t channel, std::size_t to, Bytes payload);
  Result<std::optional<Frame>> receive_on(std::uint8_t channel, std::chrono::milliseconds timeout);

  // Why peer `index` is gone ("finished" after its goodbye), or nullopt while its link is up.
  // A peer never attached is not reported here; see attached().
  std::optional<std::string> gone(std::size_t index) const;
  // Number of messages dropped because their receiver was gone.
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // Orderly end: every link sends what it has queued and a goodbye; waits (at most `timeout`)
  // until every peer has said goodbye too and the links are closed.
  void finish(std::chrono::milliseconds timeout);
  // Aborts: receive() fails with `reason` from now on, the links are closed.
  void close(const std::string& reason);

 private:
  Result<void> send_frame(std::uint8_t channel, std::size_t to, Bytes payload);

  const std::size_t self_;
  const std::uint8_t channel_;
  std::shared_ptr<Mailbox> mailbox_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Link>> links_;  // index = participant; null: self or not attached
  std::atomic<std::uint64_t> bytes_sent_{0}, messages_sent_{0}, bytes_received_{0},
      messages_received_{0}, dropped_{0};
};

}  // namespace stoffel::net
