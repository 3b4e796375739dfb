#include "node/bootnode.h"

#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "node/common.h"

namespace stoffel::node {

namespace {

using detail::Clock;
using std::chrono::milliseconds;

// Connections being served at once (authenticating, or registered and waiting for the
// session); beyond this, new connections are closed at once.
constexpr std::size_t kMaxConnections = 256;

std::string short_hex(const Digest& d) {
  return digest_hex(d).substr(0, 16);
}

class Server final : public BootnodeServer {
 public:
  Server(const BootnodeOptions& options, NodeIo& io, net::Identity identity,
         std::unique_ptr<net::TlsHost> host, net::AuthKey key, std::uint16_t port,
         std::optional<Registration> expect)
      : options_(options),
        io_(io),
        identity_(std::move(identity)),
        host_(std::move(host)),
        key_(std::move(key)),
        port_(port),
        expect_(std::move(expect)) {
    new_session_locked();
  }

  ~Server() override {
    host_->shutdown();
    for (auto& w : workers_) w.thread.join();
  }

  std::uint16_t port() const override { return port_; }

  void serve(const std::atomic<bool>* stop) override {
    while (stop == nullptr || !stop->load()) {
      auto a = host_->accept(milliseconds(200));
      reap();
      if (!a || !*a) continue;
      std::shared_ptr<net::Link> link = std::move(**a);
      if (workers_.size() >= kMaxConnections) {
        log("refused " + link->peer_address() + ": too many connections");
        link->close("too many connections");
        continue;
      }
      auto& w = workers_.emplace_back();
      w.done = std::make_shared<std::atomic<bool>>(false);
      w.thread = std::thread([this, link, done = w.done] {
        handle(link);
        done->store(true);
      });
    }
    host_->shutdown();
    for (auto& w : workers_) w.thread.join();
    workers_.clear();
  }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  struct Registered {
    Registration reg;
    std::shared_ptr<net::Link> link;
  };

  void log(const std::string& line) { io_.err("[bootnode] " + line); }

  void reap() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void new_session_locked() {
    registered_.clear();
    params_ = expect_;
    if (!net::random_bytes(session_.data(), session_.size())) session_.fill(0);
  }

  std::size_t target_n_locked() const {
    if (options_.n_parties) return *options_.n_parties;
    return params_ ? params_->n : 0;
  }

  // One connection: authentication, registration, then waiting for the session to form.
  void handle(const std::shared_ptr<net::Link>& link) {
    const std::string who =
        link->peer_address() + " (key " + net::key_short(link->peer_key()) + ")";
    const auto deadline = Clock::now() + std::min(options_.common.timeout, detail::kStepTimeout);
    Challenge ch;
    if (!net::random_bytes(ch.nonce.data(), ch.nonce.size())) {
      link->close("no randomness");
      return;
    }
    {
      std::lock_guard lk(mu_);
      ch.session = session_;
    }
    if (!link->send(kSessionChannel, encode(ch))) return;

    auto msg = detail::receive_session(*link, deadline, "a proof of the token");
    if (!msg) {
      log("dropped " + who + ": " + msg.error().message);
      link->close(msg.error().message);
      return;
    }
    auto proof = decode_proof(*msg);
    if (!proof) {
      log("refused " + who + ": " + proof.error().message);
      detail::refuse(*link, RefuseCode::kBadRequest, proof.error().message);
      return;
    }
    net::AuthTranscript t;
    t.binding = link->channel_binding();
    t.responder_key = identity_.public_key();
    t.initiator_key = link->peer_key();
    t.session = ch.session;
    t.responder_nonce = ch.nonce;
    t.initiator_nonce = proof->nonce;
    if (!net::auth_verify(key_, net::AuthRole::kInitiator, t, proof->mac)) {
      log("refused " + who + ": no valid proof of STOFFEL_AUTH_TOKEN (wrong token?)");
      detail::refuse(*link, RefuseCode::kAuthentication,
                     "authentication failed: the bootnode does not accept this party's proof of "
                     "STOFFEL_AUTH_TOKEN (is the token the same on every machine?)");
      return;
    }
    if (!link->send(kSessionChannel,
                    encode_confirm(net::auth_proof(key_, net::AuthRole::kResponder, t)))) {
      return;
    }

    // From here on every message on this link comes from a party that knows the token.
    msg = detail::receive_session(*link, deadline, "the registration");
    if (!msg) {
      log("dropped " + who + ": " + msg.error().message);
      link->close(msg.error().message);
      return;
    }
    auto reg = decode_registration(*msg);
    if (!reg) {
      log("refused " + who + ": " + reg.error().message);
      detail::refuse(*link, RefuseCode::kBadRequest, reg.error().message);
      return;
    }
    if (!admit(*reg, link, ch.session, who)) return;

    // Wait until the session forms (the roster has been sent and this link is finishing) or
    // the party goes away. A registered party has nothing more to say.
    for (;;) {
      auto f = link->receive(kSessionChannel, milliseconds(200));
      if (!f) break;  // closed: finished after the roster, or gone
      if (*f) {
        log("party " + std::to_string(reg->party_id) + " sent an unexpected message; closing");
        link->close("unexpected message while waiting for the session");
        break;
      }
      if (link->peer_finished()) break;
    }
    std::lock_guard lk(mu_);
    auto it = registered_.find(reg->party_id);
    if (it != registered_.end() && it->second.link == link) {
      registered_.erase(it);
      log("party " + std::to_string(reg->party_id) + " left before the session started, have " +
          std::to_string(registered_.size()) + "/" + std::to_string(target_n_locked()));
      broadcast_status_locked();
    }
  }

  // Checks a registration against the session; registers it, or refuses it. True if
  // registered.
  bool admit(const Registration& reg, const std::shared_ptr<net::Link>& link,
             const net::SessionId& session, const std::string& who) {
    std::unique_lock lk(mu_);
    auto refuse = [&](RefuseCode code, const std::string& why) {
      lk.unlock();
      log("refused party " + std::to_string(reg.party_id) + " at " + who + ": " + why);
      detail::refuse(*link, code, why);
      return false;
    };
    if (session != session_) {
      return refuse(RefuseCode::kBadRequest,
                    "the session this connection was for has started meanwhile; connect again");
    }
    if (options_.n_parties && reg.n != *options_.n_parties) {
      return refuse(RefuseCode::kParameterMismatch,
                    "this party has n = " + std::to_string(reg.n) +
                        ", the bootnode's session n = " + std::to_string(*options_.n_parties));
    }
    if (params_) {
      const Registration& p = *params_;
      if (reg.protocol == p.protocol && reg.program != p.program) {
        return refuse(RefuseCode::kProgramMismatch,
                      "program mismatch: this party's program has SHA-256 " +
                          digest_hex(reg.program) + ", the session's program has SHA-256 " +
                          digest_hex(p.program));
      }
      if (auto diff = registration_mismatch(reg, p)) {
        return refuse(RefuseCode::kParameterMismatch, *diff);
      }
    }
    for (const auto& [id, r] : registered_) {
      if (r.link->peer_key() == link->peer_key() && id != reg.party_id && r.link->is_open()) {
        return refuse(RefuseCode::kDuplicate,
                      "this key is already registered as party " + std::to_string(id));
      }
    }
    if (auto it = registered_.find(reg.party_id); it != registered_.end()) {
      const bool same_key = it->second.link->peer_key() == link->peer_key();
      if (!same_key && it->second.link->is_open()) {
        return refuse(RefuseCode::kDuplicate, "party id " + std::to_string(reg.party_id) +
                                                  " is already registered by another key (" +
                                                  net::key_short(it->second.link->peer_key()) +
                                                  ")");
      }
      it->second.link->close("registered again");
      registered_.erase(it);
    }
    if (!params_) params_ = reg;
    registered_[reg.party_id] = Registered{reg, link};
    const std::size_t n = target_n_locked();
    log("Party " + std::to_string(reg.party_id) + " joined from " + reg.address + ", have " +
        std::to_string(registered_.size()) + "/" + std::to_string(n));
    broadcast_status_locked();
    if (registered_.size() == n) form_session_locked();
    return true;
  }

  void broadcast_status_locked() {
    const Status st{static_cast<std::uint16_t>(registered_.size()),
                    static_cast<std::uint16_t>(target_n_locked())};
    for (auto& [id, r] : registered_) (void)r.link->send(kSessionChannel, encode(st));
  }

  // All n parties are in: the roster goes to each, and the next session starts collecting.
  void form_session_locked() {
    Roster roster;
    const Registration& p = *params_;
    roster.field = p.field;
    roster.avss = p.avss;
    roster.t = p.t;
    roster.clients = p.clients;
    roster.session = session_;
    roster.program = p.program;
    roster.entry = p.entry;
    std::uint8_t id_bytes[8];
    if (!net::random_bytes(id_bytes, sizeof id_bytes)) return;
    for (int i = 0; i < 8; ++i) roster.instance_id |= std::uint64_t{id_bytes[i]} << (8 * i);
    for (auto& [id, r] : registered_) {
      roster.parties.push_back(RosterEntry{r.link->peer_key(), r.reg.address});
    }
    const net::Bytes msg = encode_roster(roster, MsgType::kRoster);
    for (auto& [id, r] : registered_) {
      (void)r.link->send(kSessionChannel, msg);
      r.link->finish();
    }
    log("Session ready! instance_id=" + std::to_string(roster.instance_id) + ", " +
        std::to_string(roster.n()) + " parties, program SHA-256 " + short_hex(roster.program) +
        "…, roster " + short_hex(roster.digest()) + "…");
    new_session_locked();
  }

  const BootnodeOptions options_;
  NodeIo& io_;
  net::Identity identity_;
  std::unique_ptr<net::TlsHost> host_;
  net::AuthKey key_;
  const std::uint16_t port_;
  const std::optional<Registration> expect_;
  std::list<Worker> workers_;  // serve()'s thread only

  std::mutex mu_;
  net::SessionId session_{};
  std::optional<Registration> params_;
  std::map<std::uint16_t, Registered> registered_;  // party id -> registration (ordered: roster)
};

}  // namespace

std::variant<std::unique_ptr<BootnodeServer>, BootnodeServer::StartError> BootnodeServer::start(
    const BootnodeOptions& options, NodeIo& io, std::optional<Registration> expect) {
  auto key = net::AuthKey::from_token(options.token);
  if (!key) {
    return StartError{kExitBadFlags,
                      "Error: STOFFEL_AUTH_TOKEN must be set to the session's shared secret "
                      "(for example: export STOFFEL_AUTH_TOKEN=$(openssl rand -hex 32))"};
  }
  if (options.n_parties && (*options.n_parties == 0 || *options.n_parties > kMaxParties)) {
    return StartError{kExitBadFlags, "Error: --n-parties must be from 1 to 255"};
  }
  auto id = detail::load_identity(options.common);
  if (!id) return StartError{kExitBadFlags, "Error: " + id.error().message};
  auto host = net::TlsHost::create(*id, detail::tls_options(options.common, io));
  if (!host) return StartError{kExitBootnode, "Error: " + host.error().message};
  auto port = (*host)->listen(options.bind.host, options.bind.port);
  if (!port) return StartError{kExitListen, "Error: bootnode: " + port.error().message};
  const net::PublicKey pub = id->public_key();
  auto server = std::make_unique<Server>(options, io, std::move(*id), std::move(*host),
                                         std::move(*key), *port, std::move(expect));
  io.err("[bootnode] Listening on " + net::HostPort{options.bind.host, *port}.to_string() +
         " (key " + net::key_hex(pub) + ")");
  return std::unique_ptr<BootnodeServer>(std::move(server));
}

int run_bootnode(const BootnodeOptions& options, NodeIo& io, const std::atomic<bool>* stop) {
  auto started = BootnodeServer::start(options, io);
  if (auto* e = std::get_if<BootnodeServer::StartError>(&started)) {
    io.err(e->message);
    return e->exit_code;
  }
  std::get<0>(started)->serve(stop);
  return kExitOk;
}

}  // namespace stoffel::node
