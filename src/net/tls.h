// TLS 1.3 over TCP (decision N5): the links between processes, with standalone Asio and
// OpenSSL 3. Knows nothing of MPC or of sessions: it connects, accepts, authenticates peers by
// public key and moves frames (net/frame.h).
//
// * A TlsHost owns one I/O thread and every socket of the process; nothing else in the process
//   touches a socket, and the protocols own none (they see links through net::Endpoint).
// * Both ends present a self-signed certificate made from their Ed25519 identity (decision N6).
//   Who is acceptable is decided by public key during the handshake: a connection is made with
//   the key the dialler expects (pinned), and a listener may restrict the keys it accepts.
//   No CA, no host names, no certificate dates.
// * A link counts as established only once the peer's READY frame has arrived (frame.h): on
//   TLS 1.3 the client finishes its handshake before the server has checked the client's key.
// * Sending is bounded: each link queues at most `send_queue_bytes`; send() then blocks (the
//   backpressure) and a peer that stops reading for `send_timeout` is disconnected. Receiving
//   is bounded by the mailbox (net/mailbox.h) and by `max_frame`, checked before allocating.
// * A malformed or oversized frame, a failed handshake or garbage bytes close that one link
//   with a logged reason; the process and its other links go on.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/identity.h"
#include "net/mailbox.h"
#include "net/transport.h"
#include "stoffel/result.h"

namespace stoffel::net {

using LogFn = std::function<void(const std::string& line)>;

struct TlsOptions {
  std::size_t max_frame = std::size_t{64} << 20;              // payload bytes of one frame
  std::size_t send_queue_bytes = std::size_t{32} << 20;       // per link
  std::size_t receive_buffer_bytes = std::size_t{256} << 20;  // per mailbox, before reads pause
  std::chrono::milliseconds handshake_timeout{10'000};        // TCP + TLS + READY
  std::chrono::milliseconds send_timeout{60'000};             // a full queue for this long: close
  std::chrono::milliseconds linger_timeout{10'000};           // after BYE, for the peer's close
  // Incoming connections in their handshake or established but not yet taken by accept();
  // beyond this, new connections are closed at once.
  std::size_t max_pending_accepts = 64;
  LogFn log;  // one line per event worth knowing (a link lost, refused, malformed); null: stderr
};

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
};

// "host:port" or "[v6addr]:port". Port 0 is allowed (listen: the OS picks).
Result<HostPort> parse_host_port(std::string_view text);

// One established TLS connection to a peer whose public key was checked in the handshake.
class Link {
 public:
  virtual ~Link() = default;

  virtual const PublicKey& peer_key() const = 0;
  virtual const std::string& peer_address() const = 0;  // "ip:port" of the other end
  // 32 bytes of keying material exported from this TLS connection (RFC 8446 §7.5): the two ends
  // hold the same bytes and no other connection does, so a proof computed over them cannot be
  // replayed on another connection.
  virtual const std::array<std::uint8_t, 32>& channel_binding() const = 0;

  // Queues a frame on `channel` (1..frame::kMaxChannel); blocks while the send queue is full.
  // Error when the link is closed, or the payload exceeds the frame limit.
  virtual Result<void> send(std::uint8_t channel, Bytes payload) = 0;
  // The next frame on `channel`, before the link is redirected to a shared mailbox. nullopt on
  // timeout; an error once the link is closed and every frame received has been taken.
  virtual Result<std::optional<Frame>> receive(std::uint8_t channel,
                                               std::chrono::milliseconds timeout) = 0;
  // From now on delivers every frame (including those received but not yet taken) to
  // `mailbox`, tagged `tag`, and reports the link's closing there (Mailbox::mark_gone).
  virtual void redirect(std::shared_ptr<Mailbox> mailbox, std::size_t tag) = 0;

  // Orderly end: sends what is queued, then BYE; the link closes when the peer has closed its
  // side too, or after the linger timeout. Later sends are dropped.
  virtual void finish() = 0;
  // Closes at once (queued frames are dropped), logging `reason`.
  virtual void close(const std::string& reason) = 0;
  virtual bool is_open() const = 0;
  // True once the peer said BYE (it finished) or the link closed.
  virtual bool peer_finished() const = 0;
  // Waits until the link is closed; false on timeout.
  virtual bool wait_closed(std::chrono::milliseconds timeout) = 0;
  virtual std::string close_reason() const = 0;
};

using KeyFilter = std::function<bool(const PublicKey& key)>;

class TlsHost {
 public:
  static Result<std::unique_ptr<TlsHost>> create(const Identity& identity, TlsOptions options = {});
  // Closes every link and listener and joins the I/O thread.
  virtual ~TlsHost() = default;
  // Closes every link, listener and connection attempt now (blocked connect() calls return);
  // later calls fail. The I/O thread ends with the host.
  virtual void shutdown() = 0;

  virtual const PublicKey& public_key() const = 0;
  virtual const TlsOptions& options() const = 0;

  // Accepts connections on host:port (port 0: one the OS picks) and returns the port bound.
  // `filter` is asked during each handshake whether the peer's key is acceptable (null: any
  // key). Established links wait for accept().
  virtual Result<std::uint16_t> listen(const std::string& host, std::uint16_t port,
                                       KeyFilter filter = {}) = 0;
  virtual void stop_listening() = 0;
  // The next established incoming link, waiting at most `timeout`.
  virtual Result<std::optional<std::shared_ptr<Link>>> accept(
      std::chrono::milliseconds timeout) = 0;

  // Connects to `to`; with `pin`, the peer must present exactly that key. With `retry`,
  // failures to reach the peer (refused, unreachable, reset, timed out) are retried with
  // backoff (100 ms doubling to 2 s) until `timeout` has passed; a peer that presents the wrong
  // key, or refuses ours, is never retried.
  virtual Result<std::shared_ptr<Link>> connect(const HostPort& to, std::optional<PublicKey> pin,
                                                std::chrono::milliseconds timeout,
                                                bool retry = false) = 0;
};

}  // namespace stoffel::net
