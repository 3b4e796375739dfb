// The transport interface the MPC protocols talk to (docs/decisions.md, A3: protocols own no socket
// and no thread; the same protocol code runs over in-memory links and sockets).
//
// An endpoint is one participant of a session: parties 0..n-1 and the clients after them. A
// message is an opaque byte string sent point to point. "Authenticated" means the receiver
// learns the true sender index from the transport (Message::from), never from the message
// itself: protocols must not trust sender fields inside payloads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stoffel/result.h"

namespace stoffel::net {

using Bytes = std::vector<std::uint8_t>;

struct Message {
  std::size_t from = 0;  // set by the transport: the authenticated sender endpoint
  Bytes payload;
};

// Per-endpoint traffic counters (benchmarks, `--stats`).
struct EndpointCounters {
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_received = 0;
};

// One endpoint's view of the network. send() may be called from any thread; receive() by one
// thread at a time (the endpoint's owner).
class Endpoint {
 public:
  virtual ~Endpoint() = default;

  virtual std::size_t id() const = 0;
  virtual std::size_t size() const = 0;  // number of endpoints in the network

  // Queues `payload` for endpoint `to` (which may be this endpoint). Error when the network has
  // been closed or `to` is out of range. Delivery is FIFO per (sender, receiver) pair unless a
  // fault-injecting wrapper reorders.
  virtual Result<void> send(std::size_t to, Bytes payload) = 0;

  // The next message for this endpoint, waiting at most `timeout` (zero: just poll).
  // nullopt on timeout; an error carrying the reason once the network (or this endpoint) has
  // been closed.
  virtual Result<std::optional<Message>> receive(std::chrono::milliseconds timeout) = 0;

  virtual EndpointCounters counters() const = 0;
};

class Network {
 public:
  virtual ~Network() = default;

  virtual std::size_t size() const = 0;
  virtual Endpoint& endpoint(std::size_t i) = 0;

  // Aborts the whole network: every blocked and later receive() and send() fails with `reason`
  // (queued messages are discarded), whose kind says why: ErrorKind::Network for a closed
  // network, ErrorKind::AbortedByPeer when a session stops because one of its parties failed.
  // The first reason wins; later calls do nothing.
  virtual void close(Error reason) = 0;
  virtual bool closed() const = 0;

  // Closes one endpoint's inbox: receive() still returns the messages already queued, then fails
  // with `reason`; messages sent to it afterwards are dropped. Used to tell a client that no more
  // messages will come.
  virtual void close_endpoint(std::size_t i, const std::string& reason) = 0;
};

}  // namespace stoffel::net
