// The TLS transport on 127.0.0.1 with ports chosen by the OS: meshes, pinning, malformed and
// oversized input, disconnects, backpressure.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/frame.h"
#include "net/identity.h"
#include "net/link_endpoint.h"
#include "net/tls.h"

namespace stoffel::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kData = 1;
constexpr std::uint8_t kSide = 2;

// Log lines of one host, for assertions.
struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  LogFn fn() {
    return [this](const std::string& l) {
      std::lock_guard lk(mu);
      lines.push_back(l);
    };
  }
  bool contains(const std::string& part) {
    std::lock_guard lk(mu);
    for (const auto& l : lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
  // Waits (bounded) for a line containing `part`.
  bool wait_for(const std::string& part, std::chrono::milliseconds limit = 10s) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (contains(part)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return contains(part);
  }
  std::string all() {
    std::lock_guard lk(mu);
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
  }
};

struct Node {
  explicit Node(Identity i) : id(std::move(i)) {}
  Log log;  // first: the host logs until it is destroyed
  Identity id;
  std::unique_ptr<TlsHost> host;
  std::uint16_t port = 0;
};

std::unique_ptr<Node> make_node(TlsOptions opts = {}, bool listen = true, KeyFilter filter = {}) {
  auto id = Identity::generate();
  EXPECT_TRUE(id.ok());
  auto n = std::make_unique<Node>(std::move(*id));
  opts.log = n->log.fn();
  auto h = TlsHost::create(n->id, opts);
  EXPECT_TRUE(h.ok()) << h.error().message;
  n->host = std::move(*h);
  if (listen) {
    auto p = n->host->listen("127.0.0.1", 0, std::move(filter));
    EXPECT_TRUE(p.ok()) << p.error().message;
    n->port = *p;
    EXPECT_NE(n->port, 0);
  }
  return n;
}

HostPort addr(const Node& n) {
  return HostPort{"127.0.0.1", n.port};
}

std::shared_ptr<Link> must_accept(Node& n, std::chrono::milliseconds wait = 10s) {
  auto a = n.host->accept(wait);
  EXPECT_TRUE(a.ok());
  if (!a.ok() || !*a) {
    ADD_FAILURE() << "nothing accepted; log:\n" << n.log.all();
    return nullptr;
  }
  return **a;
}

// n endpoints, fully connected: i dials j > i with j's key pinned; j identifies i by key.
struct Mesh {
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<LinkEndpoint>> eps;
};

Mesh make_mesh(std::size_t n, TlsOptions opts = {}) {
  Mesh m;
  for (std::size_t i = 0; i < n; ++i) m.nodes.push_back(make_node(opts));
  for (std::size_t i = 0; i < n; ++i) {
    m.eps.push_back(std::make_unique<LinkEndpoint>(i, n, kData, opts.receive_buffer_bytes));
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      auto l = m.nodes[i]->host->connect(addr(*m.nodes[j]), m.nodes[j]->id.public_key(), 10s);
      EXPECT_TRUE(l.ok()) << l.error().message;
      EXPECT_TRUE(m.eps[i]->attach(j, *l).ok());
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t k = 0; k < j; ++k) {
      auto l = must_accept(*m.nodes[j]);
      if (!l) return m;
      std::size_t from = n;
      for (std::size_t i = 0; i < n; ++i) {
        if (m.nodes[i]->id.public_key() == l->peer_key()) from = i;
      }
      EXPECT_LT(from, j);
      EXPECT_TRUE(m.eps[j]->attach(from, l).ok());
    }
  }
  return m;
}

Message must_receive(Endpoint& ep, std::chrono::milliseconds wait = 10s) {
  const auto end = Clock::now() + wait;
  while (Clock::now() < end) {
    auto r = ep.receive(50ms);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    if (*r) return std::move(**r);
  }
  ADD_FAILURE() << "no message within the time limit";
  return {};
}

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10s) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

TEST(Tls, MeshOfFourExchangesMessagesWithTrueSenders) {
  Mesh m = make_mesh(4);
  const std::size_t n = 4;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      Bytes p = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(j)};
      ASSERT_TRUE(m.eps[i]->send(j, p).ok());
      ASSERT_TRUE(m.eps[i]->send_on(kSide, j, Bytes{0xAA, static_cast<std::uint8_t>(i)}).ok());
    }
  }
  // A large message (several TLS records, several reads) arrives intact.
  const Bytes big = pattern(5'000'000, 3);
  ASSERT_TRUE(m.eps[3]->send(0, big).ok());
  for (std::size_t j = 0; j < n; ++j) {
    std::vector<int> seen(n, 0);
    for (std::size_t k = 0; k < n + (j == 0 ? 1 : 0); ++k) {
      Message msg = must_receive(*m.eps[j]);
      ASSERT_LT(msg.from, n);
      if (msg.payload.size() == big.size()) {
        EXPECT_EQ(msg.from, 3u);
        EXPECT_EQ(msg.payload, big);
        continue;
      }
      ASSERT_EQ(msg.payload.size(), 2u);
      EXPECT_EQ(msg.payload[0], msg.from);  // the transport's sender matches the content
      EXPECT_EQ(msg.payload[1], j);
      ++seen[msg.from];
    }
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << "at " << j << " from " << i;
    for (std::size_t k = 0; k < n; ++k) {
      auto f = m.eps[j]->receive_on(kSide, 5s);
      ASSERT_TRUE(f.ok() && *f);
      EXPECT_EQ((*f)->payload[0], 0xAA);
      EXPECT_EQ((*f)->payload[1], (*f)->from);
    }
  }
  EXPECT_EQ(m.eps[0]->counters().messages_received, 5u);
  EXPECT_GE(m.eps[3]->counters().bytes_sent, big.size());
  // Orderly end: nobody logs a lost link.
  std::vector<std::thread> th;
  for (auto& ep : m.eps) th.emplace_back([&ep] { ep->finish(10s); });
  for (auto& t : th) t.join();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j) {
        EXPECT_EQ(m.eps[i]->gone(j).value_or(""), "finished");
      }
    }
    EXPECT_EQ(m.nodes[i]->log.all(), "");
  }
}

TEST(Tls, ChannelBindingIsSharedByBothEndsOnly) {
  auto a = make_node(), b = make_node();
  auto l1 = b->host->connect(addr(*a), a->id.public_key(), 10s);
  ASSERT_TRUE(l1.ok());
  auto r1 = must_accept(*a);
  ASSERT_TRUE(r1);
  EXPECT_EQ((*l1)->channel_binding(), r1->channel_binding());
  EXPECT_EQ(r1->peer_key(), b->id.public_key());
  EXPECT_EQ((*l1)->peer_key(), a->id.public_key());
  auto l2 = b->host->connect(addr(*a), a->id.public_key(), 10s);
  ASSERT_TRUE(l2.ok());
  EXPECT_NE((*l1)->channel_binding(), (*l2)->channel_binding());
}

TEST(Tls, WrongPinnedKeyIsRefusedAtOnce) {
  auto a = make_node(), b = make_node();
  auto other = Identity::generate();
  const auto start = Clock::now();
  // Even with retries, a wrong key is final: no waiting for the deadline.
  auto l = b->host->connect(addr(*a), other->public_key(), 20s, true);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("presented key " + key_short(a->id.public_key())),
            std::string::npos)
      << l.error().message;
  EXPECT_LT(Clock::now() - start, 5s);
  // The listener saw the handshake fail and keeps serving.
  auto good = b->host->connect(addr(*a), a->id.public_key(), 10s);
  EXPECT_TRUE(good.ok());
}

TEST(Tls, ListenerRefusesKeysItDoesNotKnow) {
  auto allowed = Identity::generate();
  const PublicKey ok_key = allowed->public_key();
  auto a = make_node({}, true, [ok_key](const PublicKey& k) { return k == ok_key; });
  auto stranger = make_node({}, false);
  const auto start = Clock::now();
  auto l = stranger->host->connect(addr(*a), a->id.public_key(), 20s, true);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("refused"), std::string::npos) << l.error().message;
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_TRUE(a->log.wait_for("is not accepted here")) << a->log.all();
  // The accepted key gets in.
  TlsOptions o;
  auto friend_host = TlsHost::create(*allowed, o);
  ASSERT_TRUE(friend_host.ok());
  auto l2 = (*friend_host)->connect(addr(*a), a->id.public_key(), 10s);
  EXPECT_TRUE(l2.ok()) << l2.error().message;
  auto acc = must_accept(*a);
  ASSERT_TRUE(acc);
  EXPECT_EQ(acc->peer_key(), ok_key);
}

TEST(Tls, ConnectRetriesUntilTheListenerIsUp) {
  // Find a free port, close it, then start listening there only after a delay.
  auto probe = make_node();
  const std::uint16_t port = probe->port;
  auto made = Identity::generate();
  ASSERT_TRUE(made.ok());
  Identity id = std::move(*made);
  const PublicKey key = id.public_key();
  probe.reset();
  std::unique_ptr<TlsHost> late;
  std::thread starter([&] {
    std::this_thread::sleep_for(300ms);
    auto h = TlsHost::create(id);
    ASSERT_TRUE(h.ok());
    late = std::move(*h);
    EXPECT_TRUE(late->listen("127.0.0.1", port).ok());
  });
  auto b = make_node({}, false);
  auto l = b->host->connect(HostPort{"127.0.0.1", port}, key, 10s, true);
  starter.join();
  EXPECT_TRUE(l.ok()) << l.error().message;
  // Without retry, a port nobody listens on fails fast.
  auto c = make_node();
  const std::uint16_t dead = c->port;
  c.reset();
  auto r = b->host->connect(HostPort{"127.0.0.1", dead}, std::nullopt, 10s, false);
  EXPECT_FALSE(r.ok());
}

TEST(Tls, OversizedFrameClosesThatLinkOnly) {
  TlsOptions small;
  small.max_frame = 1 << 20;
  auto a = make_node(small);
  TlsOptions large;
  large.max_frame = 8 << 20;
  auto b = make_node(large, false);
  auto l = b->host->connect(addr(*a), a->id.public_key(), 10s);
  ASSERT_TRUE(l.ok());
  auto in = must_accept(*a);
  ASSERT_TRUE(in);
  ASSERT_TRUE((*l)->send(kData, pattern(100, 1)).ok());
  ASSERT_TRUE((*l)->send(kData, pattern(2 << 20, 1)).ok());
  auto first = in->receive(kData, 10s);
  ASSERT_TRUE(first.ok() && *first);
  EXPECT_EQ((*first)->payload, pattern(100, 1));
  auto second = in->receive(kData, 10s);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("exceeds the limit of 1048576"), std::string::npos)
      << second.error().message;
  EXPECT_TRUE(a->log.wait_for("frame of 2097152 bytes exceeds the limit")) << a->log.all();
  EXPECT_TRUE(wait_until([&] { return !(*l)->is_open(); }));
  // The process keeps serving: a new connection works.
  auto l2 = b->host->connect(addr(*a), a->id.public_key(), 10s);
  ASSERT_TRUE(l2.ok());
  auto in2 = must_accept(*a);
  ASSERT_TRUE(in2);
  ASSERT_TRUE((*l2)->send(kData, pattern(1 << 20, 9)).ok());  // exactly the limit
  auto got = in2->receive(kData, 10s);
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ((*got)->payload, pattern(1 << 20, 9));
  // A sender never sends what its own limit forbids.
  EXPECT_FALSE((*l2)->send(kData, pattern((8 << 20) + 1, 0)).ok());
}

int raw_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(Tls, GarbageAndSilenceDoNotStopTheListener) {
  TlsOptions o;
  o.handshake_timeout = 500ms;
  auto a = make_node(o);
  // Plain text where TLS is expected.
  int fd = raw_connect(a->port);
  ASSERT_GE(fd, 0);
  const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  // Random bytes that look like a TLS record header claiming a huge record.
  Bytes rnd = pattern(4096, 0x16);
  rnd[0] = 0x16, rnd[1] = 0x03, rnd[2] = 0x01, rnd[3] = 0xff, rnd[4] = 0xff;
  int fd2 = raw_connect(a->port);
  ASSERT_GE(fd2, 0);
  ASSERT_EQ(::write(fd2, rnd.data(), rnd.size()), static_cast<ssize_t>(rnd.size()));
  // A connection that says nothing at all.
  int fd3 = raw_connect(a->port);
  ASSERT_GE(fd3, 0);
  EXPECT_TRUE(a->log.wait_for("TLS handshake failed")) << a->log.all();
  EXPECT_TRUE(a->log.wait_for("handshake timed out", 5s)) << a->log.all();
  ::close(fd);
  ::close(fd2);
  ::close(fd3);
  // Still serving.
  auto b = make_node({}, false);
  auto l = b->host->connect(addr(*a), a->id.public_key(), 10s);
  EXPECT_TRUE(l.ok()) << l.error().message;
  EXPECT_TRUE(must_accept(*a) != nullptr);
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A TLS client written directly against OpenSSL (not our transport), so a test can send what
// our own sender never would: frames that break the framing after a correct handshake.
class RawTlsClient {
 public:
  RawTlsClient(const Identity& id, std::uint16_t port) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_use_certificate(ctx_, id.certificate());
    SSL_CTX_use_PrivateKey(ctx_, id.pkey());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    fd_ = raw_connect(port);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    ok_ = fd_ >= 0 && SSL_connect(ssl_) == 1;
  }
  ~RawTlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  bool write(const Bytes& b) { return SSL_write(ssl_, b.data(), static_cast<int>(b.size())) > 0; }
  Bytes frame(std::uint8_t channel, const Bytes& payload) {
    return header(static_cast<std::uint32_t>(payload.size()), channel) + payload;
  }
  static Bytes header(std::uint32_t length, std::uint8_t channel) {
    const auto h = frame::encode_header(length, channel);
    Bytes f(frame::kHeaderSize);
    std::memcpy(f.data(), h.data(), h.size());
    return f;
  }
  Bytes ready() { return frame(0, Bytes{'S', 'T', 'F', 'R', 'E', 'A', 'D', 'Y', 1, 0}); }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool ok_ = false;
};

TEST(Tls, MalformedFramesAfterTheHandshakeCloseThatLink) {
  auto a = make_node();
  auto peer = Identity::generate();
  ASSERT_TRUE(peer.ok());
  struct Case {
    const char* what;
    std::function<Bytes(RawTlsClient&)> bytes;
    const char* logged;
  };
  const std::vector<Case> cases = {
      {"data before READY",
       [](RawTlsClient& c) {
         return c.frame(1, Bytes{1, 2});
       },
       "data before READY"},
      {"reserved bytes",
       [](RawTlsClient& c) {
         Bytes f = c.frame(1, Bytes{1});
         f[5] = 0xff;
         return c.ready() + f;
       },
       "non-zero reserved bytes"},
      {"unknown channel", [](RawTlsClient& c) { return c.ready() + c.frame(200, Bytes{1}); },
       "unknown channel 200"},
      {"4 GiB frame",
       [](RawTlsClient& c) { return c.ready() + RawTlsClient::header(0xffffffffu, 1); },
       "frame of 4294967295 bytes exceeds the limit"},
      {"second READY", [](RawTlsClient& c) { return c.ready() + c.ready(); },
       "unexpected transport frame"},
  };
  for (const auto& c : cases) {
    RawTlsClient raw(*peer, a->port);
    ASSERT_TRUE(raw.ok()) << c.what;
    ASSERT_TRUE(raw.write(c.bytes(raw))) << c.what;
    EXPECT_TRUE(a->log.wait_for(c.logged)) << c.what << "\n" << a->log.all();
  }
  // None of them stopped the listener.
  auto b = make_node({}, false);
  auto l = b->host->connect(addr(*a), a->id.public_key(), 10s);
  EXPECT_TRUE(l.ok()) << l.error().message;
  // The transport refuses to send on channel 0 or above 15 itself.
  EXPECT_FALSE((*l)->send(0, Bytes{1}).ok());
  EXPECT_FALSE((*l)->send(16, Bytes{1}).ok());
}

TEST(Tls, CrashedPeerIsReportedGoneAndOthersKeepWorking) {
  Mesh m = make_mesh(3);
  ASSERT_EQ(m.eps.size(), 3u);
  // Party 2 dies abruptly: its host goes away without goodbye.
  m.eps[2].reset();
  m.nodes[2]->host.reset();
  ASSERT_TRUE(wait_until([&] { return m.eps[0]->gone(2).has_value(); }));
  EXPECT_NE(m.eps[0]->gone(2).value(), "finished");
  EXPECT_TRUE(m.nodes[0]->log.wait_for("closed")) << m.nodes[0]->log.all();
  // Sending to it is a silent drop; the others still talk.
  EXPECT_TRUE(m.eps[0]->send(2, Bytes{1}).ok());
  EXPECT_TRUE(wait_until([&] { return m.eps[0]->dropped() >= 1; }));
  ASSERT_TRUE(m.eps[1]->send(0, Bytes{7}).ok());
  Message msg = must_receive(*m.eps[0]);
  EXPECT_EQ(msg.from, 1u);
  EXPECT_EQ(msg.payload, Bytes{7});
  EXPECT_FALSE(m.eps[0]->gone(1).has_value());
}

TEST(Tls, BackpressurePausesAndResumesWithoutLoss) {
  TlsOptions o;
  o.receive_buffer_bytes = 1 << 20;  // reads pause beyond 1 MiB waiting
  o.send_queue_bytes = 256 << 10;
  Mesh m = make_mesh(2, o);
  ASSERT_EQ(m.eps.size(), 2u);
  constexpr std::size_t kFrames = 80, kSize = 256 << 10;  // 20 MiB in all
  std::thread sender([&] {
    for (std::size_t i = 0; i < kFrames; ++i) {
      ASSERT_TRUE(m.eps[0]->send(1, pattern(kSize, static_cast<std::uint8_t>(i))).ok());
    }
  });
  std::this_thread::sleep_for(300ms);  // the receiver is slow to start reading
  for (std::size_t i = 0; i < kFrames; ++i) {
    Message msg = must_receive(*m.eps[1]);
    ASSERT_EQ(msg.payload.size(), kSize);
    ASSERT_EQ(msg.payload, pattern(kSize, static_cast<std::uint8_t>(i))) << "frame " << i;
  }
  sender.join();
  EXPECT_FALSE(m.eps[0]->gone(1).has_value());
}

TEST(Tls, APeerThatNeverReadsIsDisconnected) {
  TlsOptions o;
  o.receive_buffer_bytes = 1 << 20;
  o.send_queue_bytes = 256 << 10;
  o.send_timeout = 500ms;
  Mesh m = make_mesh(2, o);
  ASSERT_EQ(m.eps.size(), 2u);
  // Party 1 never reads. Party 0's sends block once every buffer is full, then the link is
  // given up after the send timeout, and later sends are drops.
  std::size_t sent = 0;
  const auto start = Clock::now();
  while (!m.eps[0]->gone(1) && Clock::now() - start < 60s) {
    ASSERT_TRUE(m.eps[0]->send(1, pattern(256 << 10, 0)).ok());
    ++sent;
  }
  ASSERT_TRUE(m.eps[0]->gone(1).has_value()) << "sent " << sent << " frames";
  EXPECT_NE(m.eps[0]->gone(1)->find("has not read"), std::string::npos) << *m.eps[0]->gone(1);
}

}  // namespace
}  // namespace stoffel::net
