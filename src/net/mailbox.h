// Where the frames a TLS link receives wait for their reader: one FIFO per channel, shared by
// every link attached to it (each frame tagged with the index its link was attached under).
//
// Memory is bounded: once the frames waiting in a mailbox exceed its limit, the link that
// delivered the last one stops reading from its socket (TCP then slows the sender down) until a
// reader has taken enough for the mailbox to drain below half the limit.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/frame.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::net {

struct Frame {
  std::size_t from = 0;  // the tag of the link it came from (its peer's index)
  std::uint8_t channel = 0;
  Bytes payload;
};

class Mailbox {
 public:
  explicit Mailbox(std::size_t limit_bytes) : limit_(limit_bytes) {}
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Queues a frame (the I/O thread). Returns false when the mailbox is now over its limit: the
  // caller must stop reading; `resume` is called (from the thread that drains the mailbox, with
  // no lock held) once it has drained below half the limit.
  bool push(Frame frame, std::function<void()> resume);
  // Queues a frame whatever the limit (messages a process sends to itself).
  void push_unbounded(Frame frame);

  // The next frame on `channel`, waiting at most `timeout`; nullopt on timeout, or early when a
  // link is marked gone meanwhile. Once the mailbox
  // is closed: an error with the close reason (after the frames already queued if it was closed
  // with `drain`).
  Result<std::optional<Frame>> receive(std::uint8_t channel, std::chrono::milliseconds timeout);

  void close(const std::string& reason, bool drain);
  bool closed() const;

  // The link tagged `from` has closed (its peer is gone); frames it delivered stay queued.
  void mark_gone(std::size_t from, const std::string& reason);
  std::optional<std::string> gone(std::size_t from) const;
  // How many links have been marked gone since the mailbox was made (waiters use it to notice).
  std::uint64_t gone_events() const;
  // Wakes every receiver once (a waiter looking at gone() re-checks).
  void notify();

  // Moves every queued frame of `other` into this mailbox, re-tagged `tag`.
  void take_all(Mailbox& other, std::size_t tag);

 private:
  std::vector<std::function<void()>> drained_locked();

  const std::size_t limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::array<std::deque<Frame>, frame::kMaxChannel + 1> queues_;
  std::size_t bytes_ = 0;
  std::vector<std::function<void()>> resume_;
  bool closed_ = false;
  bool drain_ = false;
  std::string reason_;
  std::map<std::size_t, std::string> gone_;
  std::uint64_t gone_events_ = 0;
};

}  // namespace stoffel::net
