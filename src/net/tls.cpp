// The TLS transport (tls.h). Everything that touches a socket, a timer or an SSL object runs on
// the host's one I/O thread; other threads reach a link through its queue and mailbox (both
// under locks) and by posting work to that thread.
#include "net/tls.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace stoffel::net {

namespace {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One read takes what the TLS layer has (a record is at most 16 KiB); small frames queued
// together are written as one buffer of up to this size, so they share TLS records.
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kCoalesce = 64 * 1024;
constexpr char kBindingLabel[] = "EXPORTER-stoffel-link-v1";

int link_ex_index() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

Bytes make_frame(std::uint8_t channel, const std::uint8_t* data, std::size_t size) {
  Bytes f(frame::kHeaderSize + size);
  const auto h = frame::encode_header(static_cast<std::uint32_t>(size), channel);
  std::memcpy(f.data(), h.data(), h.size());
  if (size > 0) std::memcpy(f.data() + frame::kHeaderSize, data, size);
  return f;
}

Bytes ready_frame() {
  std::uint8_t p[frame::kReadySize];
  std::memcpy(p, frame::kReadyMagic.data(), 8);
  p[8] = static_cast<std::uint8_t>(frame::kVersion & 0xff);
  p[9] = static_cast<std::uint8_t>(frame::kVersion >> 8);
  return make_frame(frame::kTransportChannel, p, sizeof p);
}

Bytes bye_frame() {
  return make_frame(frame::kTransportChannel, frame::kByeMagic.data(), frame::kByeMagic.size());
}

bool is_eof(const asio::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

class LinkImpl;

// What the host and its links share. Links keep it alive: their sockets need the io_context.
struct Core {
  explicit Core(TlsOptions o) : ssl(asio::ssl::context::tls), options(std::move(o)) {}
  asio::io_context io;
  asio::ssl::context ssl;
  TlsOptions options;
  std::mutex mu;
  std::condition_variable cv;  // retry waits end early when the host stops
  bool stopping = false;
  std::vector<std::weak_ptr<LinkImpl>> links;

  void log(const std::string& line) const {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
};

class LinkImpl final : public Link, public std::enable_shared_from_this<LinkImpl> {
 public:
  enum class Role { kClient, kServer };
  using Done = std::function<void(Result<void>)>;

  LinkImpl(std::shared_ptr<Core> core, Role role)
      : core_(std::move(core)),
        stream_(core_->io, core_->ssl),
        timer_(core_->io),
        role_(role),
        own_(std::make_shared<Mailbox>(core_->options.receive_buffer_bytes)),
        sink_(own_) {
    SSL_set_ex_data(stream_.native_handle(), link_ex_index(), this);
  }
  ~LinkImpl() override = default;

  tcp::socket& socket() { return stream_.next_layer(); }
  bool permanent_failure() const { return permanent_; }

  // --- Link ---------------------------------------------------------------------------------
  const PublicKey& peer_key() const override { return peer_key_; }
  const std::string& peer_address() const override { return address_; }
  const std::array<std::uint8_t, 32>& channel_binding() const override { return binding_; }

  Result<void> send(std::uint8_t channel, Bytes payload) override {
    if (channel == frame::kTransportChannel || channel > frame::kMaxChannel) {
      return make_error(ErrorKind::Network,
                        "no channel " + std::to_string(channel) + " for sending");
    }
    if (payload.size() > core_->options.max_frame) {
      return make_error(ErrorKind::Network, "message of " + std::to_string(payload.size()) +
                                                " bytes exceeds the frame limit of " +
                                                std::to_string(core_->options.max_frame) +
                                                " bytes");
    }
    Bytes f = make_frame(channel, payload.data(), payload.size());
    std::unique_lock lk(mu_);
    const auto deadline = Clock::now() + core_->options.send_timeout;
    // Backpressure: wait while the queue is full. A frame always fits into an empty queue.
    while (!closed_ && !finishing_ && queued_bytes_ > 0 &&
           queued_bytes_ + f.size() > core_->options.send_queue_bytes) {
      if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) {
        lk.unlock();
        const std::string why = "the peer has not read for " +
                                std::to_string(core_->options.send_timeout.count()) +
                                " ms (send queue full)";
        close(why);
        return make_error(ErrorKind::Network, "link to " + address_ + " closed: " + why);
      }
    }
    if (closed_)
      return make_error(ErrorKind::Network, "link to " + address_ + " is closed: " + reason_);
    if (finishing_) return {};  // the link is ending: nothing more goes out (Link::finish)
    enqueue_locked(std::move(f));
    return {};
  }

  Result<std::optional<Frame>> receive(std::uint8_t channel, milliseconds timeout) override {
    std::shared_ptr<Mailbox> box;
    {
      std::lock_guard lk(sink_mu_);
      if (sink_ != own_)
        return make_error(ErrorKind::Network, "link to " + address_ + " was handed to a mailbox");
      box = own_;
    }
    return box->receive(channel, timeout);
  }

  void redirect(std::shared_ptr<Mailbox> mailbox, std::size_t tag) override {
    std::lock_guard lk(sink_mu_);
    mailbox->take_all(*own_, tag);
    sink_ = std::move(mailbox);
    tag_ = tag;
    if (!sink_gone_reason_.empty()) sink_->mark_gone(tag_, sink_gone_reason_);
  }

  void finish() override {
    {
      std::lock_guard lk(mu_);
      if (closed_ || finishing_) return;
      finishing_ = true;
      enqueue_locked(bye_frame());
    }
    post([](LinkImpl& self) { self.arm_linger(); });
  }

  void close(const std::string& reason) override {
    if (!mark_closed(reason)) return;
    post([](LinkImpl& self) { self.teardown(); });
  }

  bool is_open() const override {
    std::lock_guard lk(mu_);
    return !closed_;
  }

  bool peer_finished() const override {
    std::lock_guard lk(mu_);
    return closed_ || peer_bye_;
  }

  bool wait_closed(milliseconds timeout) override {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return closed_ && torn_down_; });
  }

  std::string close_reason() const override {
    std::lock_guard lk(mu_);
    return reason_;
  }

  // --- the I/O thread -----------------------------------------------------------------------

  // Starts the TLS handshake on the connected socket; `done` is called once, when the link is
  // established (the peer's READY arrived) or has failed.
  void start(std::string address, std::optional<PublicKey> pin, KeyFilter filter, Done done,
             Clock::time_point deadline) {
    address_ = std::move(address);
    pin_ = pin;
    filter_ = std::move(filter);
    done_ = std::move(done);
    asio::error_code ec;
    socket().set_option(tcp::no_delay(true), ec);
    socket().set_option(asio::socket_base::keep_alive(true), ec);
    const int fd = socket().native_handle();
    // A peer that vanishes without a FIN (power loss, cable) is noticed after about 30 s of
    // silence, and unacknowledged data is given up after the send timeout.
    const int idle = 15, interval = 5, count = 3;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    const unsigned user_timeout = static_cast<unsigned>(core_->options.send_timeout.count());
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
    arm_timer(deadline, "handshake timed out");
    auto self = shared_from_this();
    stream_.async_handshake(
        role_ == Role::kClient ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
        [self](const asio::error_code& e) { self->on_handshake(e); });
  }

  // Called by OpenSSL during the handshake with the peer's certificate.
  bool check_peer(const PublicKey& key) {
    if (pin_ && key != *pin_) {
      reject_ = "the peer presented key " + key_short(key) + ", expected " + key_short(*pin_);
      return false;
    }
    if (filter_ && !filter_(key)) {
      reject_ = "key " + key_short(key) + " is not accepted here";
      return false;
    }
    peer_key_ = key;
    verified_ = true;
    return true;
  }
  void set_reject(std::string why) { reject_ = std::move(why); }

  // Fails the link from the I/O thread (before or after it was established).
  void fail(const std::string& reason) {
    if (mark_closed(reason)) teardown();
  }

  // The host shuts down: close without a log line.
  void shutdown() {
    quiet_ = true;
    if (mark_closed("shut down")) teardown();
  }

 private:
  // Work for the I/O thread. Only an open link posts (the host closes every link before its
  // io_context stops), so no handler is stranded holding the link.
  template <typename Fn>
  void post(Fn fn) {
    asio::post(core_->io, [self = shared_from_this(), fn]() { fn(*self); });
  }

  void enqueue_locked(Bytes f) {
    queued_bytes_ += f.size();
    queue_.push_back(std::move(f));
    if (!write_active_) {
      write_active_ = true;
      post([](LinkImpl& self) { self.do_write(); });
    }
  }

  bool mark_closed(const std::string& reason) {
    std::lock_guard lk(mu_);
    if (closed_) return false;
    closed_ = true;
    reason_ = reason;
    queue_.clear();
    queued_bytes_ = 0;
    cv_.notify_all();
    return true;
  }

  void arm_timer(Clock::time_point deadline, std::string why) {
    timer_.expires_at(deadline);
    std::weak_ptr<LinkImpl> weak = weak_from_this();
    timer_.async_wait([weak, why = std::move(why)](const asio::error_code& ec) {
      if (ec) return;  // cancelled
      if (auto self = weak.lock()) self->fail(why);
    });
  }

  void arm_linger() {
    if (state_ == State::kClosed) return;
    arm_timer(Clock::now() + core_->options.linger_timeout,
              "the peer did not close after our goodbye");
  }

  void on_handshake(const asio::error_code& ec) {
    if (state_ == State::kClosed) return;
    if (ec) {
      // Refused by our own check (the peer's key), or the TLS layer failed (garbage bytes, a
      // peer that is not speaking TLS 1.3, a refused certificate): not worth retrying.
      if (!reject_.empty()) {
        permanent_ = true;
        fail(reject_);
      } else {
        permanent_ = ec.category() == asio::error::get_ssl_category();
        fail("TLS handshake failed: " + ec.message());
      }
      return;
    }
    if (!verified_) {
      permanent_ = true;
      fail("the peer presented no usable certificate");
      return;
    }
    if (SSL_export_keying_material(stream_.native_handle(), binding_.data(), binding_.size(),
                                   kBindingLabel, sizeof kBindingLabel - 1, nullptr, 0, 0) != 1) {
      fail("cannot export TLS keying material");
      return;
    }
    state_ = State::kAwaitReady;
    {
      std::lock_guard lk(mu_);
      enqueue_locked(ready_frame());
    }
    start_read();
  }

  void established() {
    state_ = State::kOpen;
    timer_.cancel();
    if (done_) std::exchange(done_, nullptr)(Result<void>{});
  }

  // --- reading ------------------------------------------------------------------------------
  void start_read() {
    if (state_ == State::kClosed || reading_ || paused_) return;
    reading_ = true;
    auto self = shared_from_this();
    stream_.async_read_some(asio::buffer(rbuf_), [self](const asio::error_code& ec, std::size_t n) {
      self->reading_ = false;
      self->on_read(ec, n);
    });
  }

  void on_read(const asio::error_code& ec, std::size_t n) {
    if (state_ == State::kClosed) return;
    if (ec) {
      if (is_eof(ec)) {
        peer_eof_ = true;
        bool bye;
        {
          std::lock_guard lk(mu_);
          bye = peer_bye_;
        }
        if (!bye) {
          fail(state_ == State::kOpen ? "connection closed by the peer without goodbye"
                                      : "connection closed during the handshake");
        } else {
          maybe_finished();
        }
        return;
      }
      if (state_ == State::kAwaitReady && ec.category() == asio::error::get_ssl_category()) {
        // TLS 1.3: a server that rejects our certificate says so only now, with an alert.
        permanent_ = true;
        fail("the peer refused the connection: " + ec.message());
        return;
      }
      fail("connection lost: " + ec.message());
      return;
    }
    if (!feed(rbuf_.data(), n)) return;
    start_read();
  }

  // Cuts the bytes into frames (frame::Assembler). False once the link has failed.
  bool feed(const std::uint8_t* p, std::size_t n) {
    auto fed = assembler_.feed(std::span<const std::uint8_t>(p, n),
                               [this](std::uint8_t channel, Bytes&& payload) {
                                 return deliver(channel, std::move(payload));
                               });
    if (!fed) {
      fail("protocol error: " + fed.error().message);
      return false;
    }
    return *fed;
  }

  bool deliver(std::uint8_t channel, Bytes&& payload) {
    if (channel == frame::kTransportChannel) {
      const auto c = frame::parse_control(payload);
      if (c == frame::Control::kReady && state_ == State::kAwaitReady) {
        established();
        return true;
      }
      if (c == frame::Control::kBye && state_ == State::kOpen) {
        on_peer_bye();
        return true;
      }
      fail("protocol error: unexpected transport frame");
      return false;
    }
    if (state_ != State::kOpen) {
      fail("protocol error: data before READY");
      return false;
    }
    bool ignore;
    {
      std::lock_guard lk(mu_);
      ignore = peer_bye_;
    }
    if (ignore) {
      fail("protocol error: data after goodbye");
      return false;
    }
    Frame f{0, channel, std::move(payload)};
    // Held by the mailbox, which the link holds: weak, or the two would keep each other alive.
    std::weak_ptr<LinkImpl> weak = weak_from_this();
    auto resume = [weak]() {
      auto self = weak.lock();
      if (!self || !self->is_open()) return;
      self->post([](LinkImpl& s) {
        s.paused_ = false;
        s.start_read();
      });
    };
    std::lock_guard lk(sink_mu_);
    f.from = tag_;
    if (!sink_->push(std::move(f), std::move(resume))) paused_ = true;
    return true;
  }

  void on_peer_bye() {
    {
      std::lock_guard lk(mu_);
      peer_bye_ = true;
    }
    {
      std::lock_guard lk(sink_mu_);
      sink_->mark_gone(sink_ == own_ ? 0 : tag_, "finished");
    }
    // The peer sends nothing more; end our side too once our queue is out.
    finish();
  }

  // --- writing ------------------------------------------------------------------------------
  void do_write() {
    std::unique_lock lk(mu_);
    if (closed_ || state_ == State::kClosed) {
      write_active_ = false;
      return;
    }
    if (queue_.empty()) {
      write_active_ = false;
      const bool bye_out = finishing_;
      lk.unlock();
      if (bye_out && !write_shut_) {
        // BYE has gone out: close our sending side. The peer reads to the end, then closes.
        write_shut_ = true;
        asio::error_code ec;
        socket().shutdown(tcp::socket::shutdown_send, ec);
        maybe_finished();
      }
      return;
    }
    if (queue_.front().size() >= kCoalesce || queue_.size() == 1) {
      wbuf_ = std::move(queue_.front());
      queue_.pop_front();
    } else {
      wbuf_.clear();
      while (!queue_.empty() && wbuf_.size() + queue_.front().size() <= kCoalesce) {
        wbuf_.insert(wbuf_.end(), queue_.front().begin(), queue_.front().end());
        queue_.pop_front();
      }
    }
    lk.unlock();
    auto self = shared_from_this();
    asio::async_write(
        stream_, asio::buffer(wbuf_),
        [self](const asio::error_code& ec, std::size_t n) { self->on_written(ec, n); });
  }

  void on_written(const asio::error_code& ec, std::size_t n) {
    if (state_ == State::kClosed) return;
    if (ec) {
      fail("connection lost while sending: " + ec.message());
      return;
    }
    {
      std::lock_guard lk(mu_);
      queued_bytes_ -= std::min(queued_bytes_, n);
      cv_.notify_all();
    }
    wbuf_ = Bytes();
    do_write();
  }

  // Both sides said goodbye and the peer's end of the stream has arrived: done.
  void maybe_finished() {
    if (write_shut_ && peer_eof_) fail("finished");
  }

  // --- closing ------------------------------------------------------------------------------
  void teardown() {
    if (state_ == State::kClosed) return;
    const State was = state_;
    state_ = State::kClosed;
    std::string reason;
    {
      std::lock_guard lk(mu_);
      reason = reason_;
    }
    asio::error_code ec;
    timer_.cancel();
    socket().close(ec);
    if (!quiet_ && reason != "finished") {
      const std::string who = address_.empty() ? std::string("a peer") : address_;
      if (was == State::kOpen) {
        core_->log("[net] link to " + who + " (key " + key_short(peer_key_) +
                   ") closed: " + reason);
      } else if (role_ == Role::kServer) {
        core_->log("[net] refused incoming connection from " + who + ": " + reason);
      }
    }
    {
      std::lock_guard lk(sink_mu_);
      if (sink_ == own_) {
        own_->close("link to " + address_ + " closed: " + reason, true);
      } else {
        sink_->mark_gone(tag_, reason);
      }
      sink_gone_reason_ = reason;
    }
    if (done_) std::exchange(done_, nullptr)(make_error(ErrorKind::Network, reason));
    {
      std::lock_guard lk(mu_);
      torn_down_ = true;
      cv_.notify_all();
    }
  }

  enum class State { kHandshake, kAwaitReady, kOpen, kClosed };

  std::shared_ptr<Core> core_;  // first member: destroyed last (the socket needs the io_context)
  asio::ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  const Role role_;

  // Set before the handshake, then read-only (or I/O thread only).
  std::string address_;
  std::optional<PublicKey> pin_;
  KeyFilter filter_;
  Done done_;
  std::string reject_;
  PublicKey peer_key_{};
  bool verified_ = false;
  bool permanent_ = false;
  bool quiet_ = false;
  std::array<std::uint8_t, 32> binding_{};

  // I/O thread only.
  State state_ = State::kHandshake;
  std::array<std::uint8_t, kReadChunk> rbuf_{};
  frame::Assembler assembler_{core_->options.max_frame};
  bool reading_ = false;
  bool paused_ = false;
  bool peer_eof_ = false;
  bool write_shut_ = false;
  Bytes wbuf_;

  // Shared with sending threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Bytes> queue_;
  std::size_t queued_bytes_ = 0;
  bool write_active_ = false;
  bool closed_ = false;
  bool torn_down_ = false;
  bool finishing_ = false;
  bool peer_bye_ = false;
  std::string reason_;

  // Where received frames go.
  std::mutex sink_mu_;
  std::shared_ptr<Mailbox> own_;
  std::shared_ptr<Mailbox> sink_;
  std::size_t tag_ = 0;
  std::string sink_gone_reason_;
};

// OpenSSL's certificate check, replaced: the chain means nothing (self-signed, no CA); the one
// question is whether the key in the peer's certificate is one we accept.
int verify_peer(X509_STORE_CTX* store, void*) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* link =
      ssl == nullptr ? nullptr : static_cast<LinkImpl*>(SSL_get_ex_data(ssl, link_ex_index()));
  if (link == nullptr) return 0;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf == nullptr) {
    link->set_reject("the peer presented no certificate");
    return 0;
  }
  auto key = certificate_key(leaf);
  if (!key) {
    link->set_reject("the peer's certificate: " + key.error().message);
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  if (!link->check_peer(*key)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

// A connection attempt until its TLS handshake starts.
struct Attempt {
  explicit Attempt(asio::io_context& io) : timer(io), resolver(io) {}
  asio::steady_timer timer;
  tcp::resolver resolver;
  bool settled = false;
};

class HostImpl final : public TlsHost {
 public:
  HostImpl(std::shared_ptr<Core> core, PublicKey key)
      : core_(std::move(core)), key_(key), work_(asio::make_work_guard(core_->io)) {
    thread_ = std::thread([this] { core_->io.run(); });
  }

  ~HostImpl() override {
    shutdown();
    work_.reset();
    thread_.join();
    std::lock_guard lk(amu_);
    accepted_.clear();
  }

  void shutdown() override {
    {
      std::lock_guard lk(core_->mu);
      if (core_->stopping) return;
      core_->stopping = true;
      core_->cv.notify_all();
    }
    // Close everything on the I/O thread; with no work left, run() returns once the work guard
    // is released.
    on_io<int>([this] {
      close_acceptor();
      std::vector<std::shared_ptr<LinkImpl>> live;
      {
        std::lock_guard lk(core_->mu);
        for (auto& w : core_->links) {
          if (auto l = w.lock()) live.push_back(std::move(l));
        }
        core_->links.clear();
      }
      for (auto& l : live) l->shutdown();
      for (auto& w : attempts_) {
        if (auto a = w.lock()) {
          a->timer.cancel();
          a->resolver.cancel();
        }
      }
      attempts_.clear();
      return 0;
    });
    std::lock_guard lk(amu_);
    acv_.notify_all();
  }

  const PublicKey& public_key() const override { return key_; }
  const TlsOptions& options() const override { return core_->options; }

  Result<std::uint16_t> listen(const std::string& host, std::uint16_t port,
                               KeyFilter filter) override {
    return on_io<Result<std::uint16_t>>([&]() -> Result<std::uint16_t> {
      if (stopping()) return make_error(ErrorKind::Network, "the host is shut down");
      if (acceptor_) return make_error(ErrorKind::Network, "already listening");
      asio::error_code ec;
      tcp::resolver resolver(core_->io);
      auto found = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
      if (ec || found.empty()) {
        return make_error(ErrorKind::Network, "cannot listen on " +
                                                  HostPort{host, port}.to_string() + ": " +
                                                  (ec ? ec.message() : "no address"));
      }
      auto acc = std::make_unique<tcp::acceptor>(core_->io);
      const tcp::endpoint ep = found.begin()->endpoint();
      acc->open(ep.protocol(), ec);
      if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acc->bind(ep, ec);
      if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return make_error(
            ErrorKind::Network,
            "cannot listen on " + HostPort{host, port}.to_string() + ": " + ec.message());
      }
      const auto bound = acc->local_endpoint(ec).port();
      acceptor_ = std::move(acc);
      filter_ = std::move(filter);
      accept_timer_ = std::make_unique<asio::steady_timer>(core_->io);
      do_accept();
      return bound;
    });
  }

  void stop_listening() override {
    on_io<int>([&] {
      close_acceptor();
      return 0;
    });
  }

  Result<std::optional<std::shared_ptr<Link>>> accept(milliseconds timeout) override {
    std::unique_lock lk(amu_);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      while (!accepted_.empty()) {
        std::shared_ptr<Link> l = std::move(accepted_.front());
        accepted_.pop_front();
        --pending_;
        if (l->is_open()) return std::optional<std::shared_ptr<Link>>(std::move(l));
      }
      if (acv_.wait_until(lk, deadline) == std::cv_status::timeout && accepted_.empty()) {
        return std::optional<std::shared_ptr<Link>>{};
      }
    }
  }

  Result<std::shared_ptr<Link>> connect(const HostPort& to, std::optional<PublicKey> pin,
                                        milliseconds timeout, bool retry) override {
    const auto deadline = Clock::now() + timeout;
    milliseconds backoff(100);
    for (;;) {
      bool permanent = false;
      auto r = attempt(to, pin, deadline, &permanent);
      if (r || !retry || permanent) return r;
      std::unique_lock lk(core_->mu);
      const auto wake = std::min(deadline, Clock::now() + backoff);
      core_->cv.wait_until(lk, wake, [&] { return core_->stopping; });
      if (core_->stopping)
        return make_error(ErrorKind::Network,
                          "cannot connect to " + to.to_string() + ": shut down");
      if (Clock::now() >= deadline) {
        return make_error(ErrorKind::Network, "cannot connect to " + to.to_string() + " within " +
                                                  std::to_string(timeout.count()) +
                                                  " ms: " + r.error().message);
      }
      backoff = std::min(backoff * 2, milliseconds(2000));
    }
  }

 private:
  // Runs `fn` on the I/O thread and returns its result.
  template <typename T, typename Fn>
  T on_io(Fn fn) {
    if (std::this_thread::get_id() == thread_.get_id()) return fn();
    std::promise<T> p;
    asio::post(core_->io, [&] { p.set_value(fn()); });
    return p.get_future().get();
  }

  bool stopping() const {
    std::lock_guard lk(core_->mu);
    return core_->stopping;
  }

  void close_acceptor() {
    if (!acceptor_) return;
    asio::error_code ec;
    acceptor_->close(ec);
    if (accept_timer_) accept_timer_->cancel();
    acceptor_.reset();
  }

  void track(const std::shared_ptr<LinkImpl>& link) {
    std::lock_guard lk(core_->mu);
    std::erase_if(core_->links, [](const std::weak_ptr<LinkImpl>& w) { return w.expired(); });
    core_->links.push_back(link);
  }

  void do_accept() {
    if (!acceptor_) return;
    auto link = std::make_shared<LinkImpl>(core_, LinkImpl::Role::kServer);
    acceptor_->async_accept(link->socket(), [this, link](const asio::error_code& ec) {
      if (!acceptor_ || ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors and the like: try again shortly rather than spin.
        core_->log("[net] accept failed: " + ec.message());
        accept_timer_->expires_after(milliseconds(100));
        accept_timer_->async_wait([this](const asio::error_code& e) {
          if (!e) do_accept();
        });
        return;
      }
      asio::error_code e2;
      const auto remote = link->socket().remote_endpoint(e2);
      const std::string address =
          e2 ? std::string("?")
             : remote.address().to_string() + ":" + std::to_string(remote.port());
      bool admit;
      {
        std::lock_guard lk(amu_);
        admit = pending_ < core_->options.max_pending_accepts;
        if (admit) ++pending_;
      }
      if (!admit) {
        core_->log("[net] refused incoming connection from " + address +
                   ": too many connections waiting");
        link->socket().close(e2);
      } else {
        track(link);
        link->start(
            address, std::nullopt, filter_,
            [this, weak = std::weak_ptr<LinkImpl>(link)](Result<void> r) {
              std::lock_guard lk(amu_);
              if (!r) {
                --pending_;
                return;
              }
              if (auto l = weak.lock()) {
                accepted_.push_back(std::move(l));
                acv_.notify_all();
              } else {
                --pending_;
              }
            },
            Clock::now() + core_->options.handshake_timeout);
      }
      do_accept();
    });
  }

  Result<std::shared_ptr<Link>> attempt(const HostPort& to, const std::optional<PublicKey>& pin,
                                        Clock::time_point deadline, bool* permanent) {
    {
      std::lock_guard lk(core_->mu);
      if (core_->stopping)
        return make_error(ErrorKind::Network,
                          "cannot connect to " + to.to_string() + ": shut down");
    }
    // One attempt gets the handshake timeout (or what is left of the caller's time).
    const auto until = std::min(deadline, Clock::now() + core_->options.handshake_timeout);
    auto link = std::make_shared<LinkImpl>(core_, LinkImpl::Role::kClient);
    auto promise = std::make_shared<std::promise<Result<void>>>();
    auto future = promise->get_future();
    const std::string address = to.to_string();
    asio::post(core_->io, [this, link, to, pin, until, address, promise]() {
      track(link);
      // Until the TLS handshake starts (the link's own timer then bounds it), this attempt's
      // timer bounds resolution and connection; whichever finishes first settles the attempt.
      auto st = std::make_shared<Attempt>(core_->io);
      auto settle = [st, link, promise](const std::string& error) {
        if (st->settled) return;
        st->settled = true;
        st->timer.cancel();
        st->resolver.cancel();
        link->fail(error);
        promise->set_value(make_error(ErrorKind::Network, error));
      };
      if (stopping()) {
        settle("shut down");
        return;
      }
      std::erase_if(attempts_, [](const std::weak_ptr<Attempt>& w) { return w.expired(); });
      attempts_.push_back(st);
      st->timer.expires_at(until);
      st->timer.async_wait([settle](const asio::error_code& ec) {
        settle(ec == asio::error::operation_aborted ? "shut down" : "timed out");
      });
      st->resolver.async_resolve(
          to.host, std::to_string(to.port), tcp::resolver::numeric_service,
          [st, settle, link, pin, until, address, promise](const asio::error_code& ec,
                                                           tcp::resolver::results_type found) {
            if (st->settled) return;
            if (ec) {
              settle("cannot resolve " + address + ": " + ec.message());
              return;
            }
            asio::async_connect(
                link->socket(), found,
                [st, settle, link, pin, until, address, promise](const asio::error_code& e,
                                                                 const tcp::endpoint&) {
                  if (st->settled) return;
                  if (e || !link->is_open()) {
                    settle(e ? e.message() : std::string("shut down"));
                    return;
                  }
                  st->settled = true;
                  st->timer.cancel();
                  link->start(
                      address, pin, {},
                      [promise](Result<void> r) { promise->set_value(std::move(r)); }, until);
                });
          });
    });
    auto r = future.get();
    if (!r) {
      *permanent = link->permanent_failure();
      return make_error(ErrorKind::Network,
                        "cannot connect to " + address + ": " + r.error().message);
    }
    return std::shared_ptr<Link>(link);
  }

  std::shared_ptr<Core> core_;
  PublicKey key_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;

  // I/O thread only.
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> accept_timer_;
  KeyFilter filter_;
  std::vector<std::weak_ptr<Attempt>> attempts_;  // connections being made

  // Incoming links: in their handshake or waiting for accept() (both count as pending).
  std::mutex amu_;
  std::condition_variable acv_;
  std::deque<std::shared_ptr<Link>> accepted_;
  std::size_t pending_ = 0;
};

}  // namespace

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text) {
  const auto bad = [&](const char* why) {
    return make_error(ErrorKind::Network,
                      "bad address '" + std::string(text) + "': " + why + " (expected host:port)");
  };
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("unterminated [address]");
    }
    hp.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return bad("an IPv6 address needs [brackets]");
    port = text.substr(colon + 1);
  }
  if (hp.host.empty()) return bad("no host");
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || v > 65535) {
    return bad("the port is not a number from 0 to 65535");
  }
  hp.port = static_cast<std::uint16_t>(v);
  return hp;
}

Result<std::unique_ptr<TlsHost>> TlsHost::create(const Identity& identity, TlsOptions options) {
  if (options.max_frame == 0 || options.max_frame > 0xffffffffu) {
    return make_error(ErrorKind::Network,
                      "TLS options: max_frame must be from 1 to 2^32 - 1 bytes");
  }
  auto core = std::make_shared<Core>(std::move(options));
  SSL_CTX* ctx = core->ssl.native_handle();
  // TLS 1.3 only: no renegotiation, no legacy suites, the certificate is encrypted.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx, identity.certificate()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, identity.pkey()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return make_error(ErrorKind::Network, "cannot set up TLS with this identity");
  }
  // Every connection is a full handshake with both keys checked: no tickets, no resumption.
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verify_peer, nullptr);
  return std::unique_ptr<TlsHost>(
      std::make_unique<HostImpl>(std::move(core), identity.public_key()));
}

}  // namespace stoffel::net
