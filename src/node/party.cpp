// One party of a distributed session (node.h): register with the bootnode, form the mesh, take
// the clients, run the program with embed::run_party on the TLS links, say goodbye.
#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "embed/party_run.h"
#include "mpc/hb/hb_party.h"
#include "mpc/store_plan.h"
#include "net/link_endpoint.h"
#include "node/bootnode.h"
#include "node/common.h"
#include "node/party_store.h"
#include "vm/secret.h"
#include "vm/share_type.h"

namespace stoffel::node {

namespace {

using detail::Clock;
using std::chrono::milliseconds;

// Client connections that have not yet said hello, at most: beyond this, new ones are closed
// (each waits at most kStepTimeout, so a flood cannot hold the session for long).
constexpr std::size_t kMaxWaitingClients = 256;

// A step failed: the exit code and the one-line reason.
struct Failure {
  int code;
  std::string message;
};

// What the session registers as its program (the bootnode refuses a party that differs): the
// program file's SHA-256 and the entry function, or for a --preprocess session the SHA-256 of a
// fixed label and an entry naming the amounts (party_store.h), so a party asking for other
// amounts is refused with both amounts in the message.
struct SessionWork {
  Digest program{};
  std::string entry;
};

SessionWork session_work(const PartyOptions& o) {
  if (o.preprocess) {
    SessionWork w;
    static constexpr std::string_view kLabel = "stoffel-run --preprocess session v1";
    w.entry = preprocess_entry(*o.preprocess);
    w.program =
        sha256(std::span(reinterpret_cast<const std::uint8_t*>(kLabel.data()), kLabel.size()));
    return w;
  }
  return SessionWork{sha256(o.program_bytes), o.entry};
}

class PartySession {
 public:
  PartySession(const PartyOptions& o, NodeIo& io) : o_(o), io_(io) {}
  ~PartySession() { wipe_store_secret(); }
  PartySession(const PartySession&) = delete;
  PartySession& operator=(const PartySession&) = delete;

  int run() {
    if (auto f = setup()) return report(*f);
    if (auto f = register_with_bootnode()) return report(*f);
    open_store();
    if (auto f = form_mesh()) return report(*f);
    if (auto f = accept_clients()) return report(*f);
    return execute();
  }

 private:
  int report(const Failure& f) {
    io_.err(f.message);
    if (ep_) ep_->close(f.message);
    return f.code;
  }
  void note(const std::string& line) { io_.err(line); }
  std::string me() const { return "party " + std::to_string(o_.party_id); }

  // --- identity, listener --------------------------------------------------------------------
  std::optional<Failure> setup() {
    if (o_.program == nullptr && !o_.preprocess) return Failure{kExitBadFlags, "Error: no program"};
    if (auto f = check_store_flags()) return f;
    if (auto ok = mpc::validate(o_.session); !ok) {
      return Failure{kExitBadFlags, "Error: " + ok.error().message};
    }
    if (o_.party_id >= o_.session.n) {
      return Failure{kExitBadFlags, "Error: --party-id " + std::to_string(o_.party_id) +
                                        " is not below --n-parties " + std::to_string(o_.session.n)};
    }
    if (o_.wait_for_clients > kMaxClients) {
      return Failure{kExitBadFlags,
                     "Error: --wait-for-clients is at most " + std::to_string(kMaxClients)};
    }
    if (o_.entry.size() > kMaxEntry) return Failure{kExitBadFlags, "Error: entry name too long"};
    auto key = net::AuthKey::from_token(o_.token);
    if (!key) {
      return Failure{kExitBadFlags,
                     "Error: STOFFEL_AUTH_TOKEN must be set to the session's shared secret "
                     "(for example: export STOFFEL_AUTH_TOKEN=$(openssl rand -hex 32))"};
    }
    auth_.emplace(std::move(*key));
    auto id = detail::load_identity(o_.common);
    if (!id) return Failure{kExitBadFlags, "Error: " + id.error().message};
    identity_.emplace(std::move(*id));
    if (o_.store) {
      // The key now, so a missing or unreadable key file stops this party before the session
      // forms; the store itself can only be opened once the roster is known.
      std::vector<std::string> notes;
      auto secret = party_store_secret(*o_.store, *identity_, o_.preprocess.has_value(), notes);
      if (!secret) {
        return Failure{kExitStore,
                       "Error: " + me() + ": preprocessing store: " + secret.error().message};
      }
      store_secret_ = std::move(*secret);
      for (const auto& n : notes) note(n);
    }
    auto host = net::TlsHost::create(*identity_, detail::tls_options(o_.common, io_));
    if (!host) return Failure{kExitEngine, "Error: " + host.error().message};
    host_ = std::move(*host);
    auto port = host_->listen(o_.bind.host, o_.bind.port);
    if (!port) return Failure{kExitListen, "Error: " + me() + ": " + port.error().message};
    address_ = net::HostPort{o_.bind.host, *port}.to_string();
    if (address_.size() > kMaxAddress) return Failure{kExitBadFlags, "Error: --bind too long"};
    work_ = session_work(o_);
    program_hash_ = work_.program;
    note("Party " + std::to_string(o_.party_id) + " listening on " + address_ + " (key " +
         net::key_hex(identity_->public_key()) + ")");
    return std::nullopt;
  }

  // --- bootnode: authenticate, register, receive the roster -----------------------------------
  std::optional<Failure> register_with_bootnode() {
    const auto deadline = Clock::now() + o_.common.timeout;
    const std::string where = "the bootnode at " + o_.bootstrap.to_string();
    auto fail = [&](const std::string& why) {
      return Failure{kExitRegistration, "Error: " + me() + ": session registration failed: " + why};
    };
    auto conn = host_->connect(o_.bootstrap, std::nullopt, o_.common.timeout, true);
    if (!conn) return fail(conn.error().message);
    std::shared_ptr<net::Link> link = *conn;
    const auto step = [&] { return std::min(deadline, Clock::now() + detail::kStepTimeout); };

    auto msg = detail::receive_session(*link, step(), "the challenge from " + where);
    if (!msg) return fail(msg.error().message);
    if (auto f = refused(*msg, where)) return f;
    auto ch = decode_challenge(*msg);
    if (!ch) return fail(ch.error().message);
    net::AuthTranscript t;
    t.binding = link->channel_binding();
    t.responder_key = link->peer_key();
    t.initiator_key = identity_->public_key();
    t.session = ch->session;
    t.responder_nonce = ch->nonce;
    if (!net::random_bytes(t.initiator_nonce.data(), t.initiator_nonce.size())) {
      return fail("no randomness");
    }
    (void)link->send(
        kSessionChannel,
        encode(Proof{t.initiator_nonce, net::auth_proof(*auth_, net::AuthRole::kInitiator, t)}));
    msg = detail::receive_session(*link, step(), "the bootnode's proof from " + where);
    if (!msg) return fail(msg.error().message);
    if (auto f = refused(*msg, where)) return f;
    auto confirm = decode_confirm(*msg);
    if (!confirm) return fail(confirm.error().message);
    if (!net::auth_verify(*auth_, net::AuthRole::kResponder, t, *confirm)) {
      return fail(where +
                  " cannot prove that it knows STOFFEL_AUTH_TOKEN (wrong token, or not "
                  "the session's bootnode)");
    }

    Registration reg;
    reg.party_id = static_cast<std::uint16_t>(o_.party_id);
    reg.n = static_cast<std::uint16_t>(o_.session.n);
    reg.t = static_cast<std::uint16_t>(o_.session.t);
    reg.field = o_.session.field;
    reg.avss = o_.session.avss;
    reg.clients = static_cast<std::uint16_t>(o_.wait_for_clients);
    reg.program = program_hash_;
    reg.entry = work_.entry;
    reg.address = address_;
    (void)link->send(kSessionChannel, encode(reg));
    note("Registered with " + where + " as party " + std::to_string(o_.party_id) +
         "; waiting for the other parties");
    for (;;) {
      msg = detail::receive_session(*link, deadline, "the roster from " + where);
      if (!msg) return fail(msg.error().message);
      if (auto f = refused(*msg, where)) return f;
      auto type = message_type(*msg);
      if (type && *type == MsgType::kStatus) continue;
      auto roster = decode_roster(*msg, MsgType::kRoster);
      if (!roster) return fail(roster.error().message);
      if (auto bad = check_roster(*roster, ch->session)) return fail(*bad);
      roster_ = std::move(*roster);
      break;
    }
    link->finish();
    digest_ = roster_.digest();
    note("Session ready: instance_id=" + std::to_string(roster_.instance_id) + ", " +
         std::to_string(roster_.n()) + " parties, roster " + digest_hex(digest_).substr(0, 16) +
         "…");
    return std::nullopt;
  }

  std::optional<Failure> refused(const net::Bytes& msg, const std::string& where) {
    auto type = message_type(msg);
    if (!type || *type != MsgType::kRefused) return std::nullopt;
    auto r = decode_refusal(msg);
    return Failure{kExitRegistration,
                   "Error: " + me() + ": " + where +
                       " refused the registration: " + (r ? r->reason : r.error().message)};
  }

  // The roster must describe the session this party asked for, with this party in its place.
  std::optional<std::string> check_roster(const Roster& r, const net::SessionId& session) {
    if (r.session != session) return "the roster is for another session";
    if (r.n() != o_.session.n || r.t != o_.session.t || r.field != o_.session.field ||
        r.avss != o_.session.avss ||
        r.clients != o_.wait_for_clients || r.entry != work_.entry) {
      return "the roster's parameters differ from this party's";
    }
    if (r.program != program_hash_) {
      return "program mismatch: this party's program has SHA-256 " + digest_hex(program_hash_) +
             ", the session's has " + digest_hex(r.program);
    }
    const RosterEntry& mine = r.parties[o_.party_id];
    if (mine.key != identity_->public_key() || mine.address != address_) {
      return "the roster does not list this party as party " + std::to_string(o_.party_id);
    }
    return std::nullopt;
  }

  // --- the preprocessing store ------------------------------------------------------------------
  // Flag combinations only the node can judge; they stop the party before it joins anything.
  std::optional<Failure> check_store_flags() {
    auto bad = [&](const std::string& why) { return Failure{kExitBadFlags, "Error: " + why}; };
    if (o_.preprocess) {
      if (!o_.store) return bad("--preprocess needs --preproc-store DIR (where the material goes)");
      const auto& a = *o_.preprocess;
      if (a.triples == 0 && a.randoms == 0 && a.bits == 0) {
        return bad("nothing to preprocess: give --triples N, --random M and/or --bits B");
      }
      if (o_.wait_for_clients > 0) return bad("--preprocess takes no clients (--wait-for-clients)");
    }
    if (!o_.store) return std::nullopt;
    if (auto ok = check_store_options(*o_.store, o_.common.identity_path.has_value()); !ok) {
      return bad(ok.error().message);
    }
    if (!o_.preprocess) {
      // An online run reads an existing store: say so now if there is none, rather than after
      // the session has formed.
      const std::string dir = party_store_dir(o_.store->dir, o_.party_id);
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0) {
        return Failure{kExitStore, "Error: " + me() + ": no preprocessing store in " + dir +
                                       " (fill one first: stoffel-run --preprocess as a session "
                                       "of the same parties)"};
      }
    }
    return std::nullopt;
  }

  // Opens this party's store for the roster just received. A failure is remembered, not
  // reported yet: the party still forms the session and takes part in the agreement on stored
  // material (reporting no store, so the others are not left waiting for it), then stops.
  void open_store() {
    if (!o_.store) return;
    auto s =
        open_party_store(*o_.store, store_secret_, roster_, o_.party_id, o_.preprocess.has_value());
    wipe_store_secret();
    if (s) {
      store_ = std::move(*s);
    } else {
      store_error_ = s.error().message;
      note(me() + ": the preprocessing store cannot be used: " + store_error_ +
           " (taking part in the session's agreement on stored material, then stopping)");
    }
  }

  void wipe_store_secret() {
    if (!store_secret_.empty()) sodium_memzero(store_secret_.data(), store_secret_.size());
    store_secret_.clear();
  }

  // Online run: before anything consumes preprocessing, the parties agree on the stored items
  // (mpc::HbParty::use_store, as the embedded engine does).
  std::optional<Failure> agree_on_store(mpc::HbParty& party) {
    auto used = party.use_store(store_.get());
    if (!store_error_.empty()) {
      return Failure{kExitStore, "Error: " + me() + ": preprocessing store: " + store_error_};
    }
    if (!used) {
      return Failure{kExitStore, "Error: " + me() + ": " + used.error().message};
    }
    note(loaded_line(*used));
    if (!used->note.empty()) note("warning: preprocessing store: " + used->note);
    return std::nullopt;
  }

  // --preprocess: every party fills its store with one new lot (the same items at the same
  // positions everywhere), then confirms it; a lot one party lacks is dropped by all.
  int fill(mpc::HbParty& party) {
    const auto& a = *o_.preprocess;
    const auto start = Clock::now();
    note("Preprocessing " + std::to_string(a.triples) + " triples, " + std::to_string(a.randoms) +
         " random shares and " + std::to_string(a.bits) + " random bits into " +
         party_store_dir(o_.store->dir, o_.party_id));
    mpc::PoolSizes amounts;
    amounts.triples = static_cast<std::size_t>(a.triples);
    amounts.randoms = static_cast<std::size_t>(a.randoms);
    amounts.bits = static_cast<std::size_t>(a.bits);
    auto lot = party.fill_store(store_.get(), amounts);
    // The confirmation ends with an asynchronous agreement: stay until every party is done.
    serve_until_all_finished(party);
    int code = kExitOk;
    if (!store_error_.empty()) {
      note("Error: " + me() + ": preprocessing store: " + store_error_);
      code = kExitStore;
    } else if (!lot) {
      note("Error: " + me() + ": preprocessing failed: " + lot.error().message);
      code = kExitStore;
    } else {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f",
                    std::chrono::duration<double>(Clock::now() - start).count());
      io_.out("Stored " + std::to_string(lot->triples) + " triples, " +
              std::to_string(lot->randoms) + " random shares and " + std::to_string(lot->bits) +
              " random bits in " + party_store_dir(o_.store->dir, o_.party_id) + " (lot " +
              mpc::short_lot_id(lot->id) + ", " + secs + " s)");
    }
    ep_->finish(o_.common.timeout);
    host_->shutdown();
    return code;
  }

  // --- mesh: every pair of parties, lower id dials higher --------------------------------------
  std::optional<Failure> form_mesh() {
    const std::size_t n = roster_.n(), self = o_.party_id;
    const auto deadline = Clock::now() + o_.common.timeout;
    ep_ = std::make_unique<net::LinkEndpoint>(self, n + o_.wait_for_clients, kMpcChannel,
                                              host_->options().receive_buffer_bytes);
    std::vector<std::shared_ptr<net::Link>> dialled(n);
    std::vector<std::string> dial_errors(n);
    std::vector<std::thread> dials;
    for (std::size_t j = self + 1; j < n; ++j) {
      dials.emplace_back([&, j] {
        auto addr = net::parse_host_port(roster_.parties[j].address);
        if (!addr) {
          dial_errors[j] = addr.error().message;
          return;
        }
        auto link =
            host_->connect(*addr, roster_.parties[j].key, detail::left_until(deadline), true);
        if (!link) {
          dial_errors[j] = link.error().message;
          return;
        }
        (void)(*link)->send(kSessionChannel,
                            encode(PeerHello{digest_, static_cast<std::uint16_t>(self)}));
        auto hello =
            detail::receive_session(**link, std::min(deadline, Clock::now() + detail::kStepTimeout),
                                    "party " + std::to_string(j) + "'s hello");
        if (auto bad = check_hello(hello, j)) {
          dial_errors[j] = *bad;
          (*link)->close(*bad);
          return;
        }
        dialled[j] = *link;
      });
    }
    // Meanwhile: links from the lower ids, and clients that are early.
    std::size_t lower = 0;
    while (lower < self && Clock::now() < deadline) {
      auto a = host_->accept(std::min(detail::left_until(deadline), milliseconds(200)));
      if (!a || !*a) continue;
      std::shared_ptr<net::Link> link = std::move(**a);
      const auto idx = roster_.index_of(link->peer_key());
      if (!idx) {
        if (early_clients_.size() < kMaxWaitingClients) {
          early_clients_.push_back(std::move(link));
        } else {
          link->close("too many connections waiting");
        }
        continue;
      }
      if (*idx >= self || ep_->attached(*idx)) {
        link->close("unexpected connection from party " + std::to_string(*idx));
        continue;
      }
      auto hello =
          detail::receive_session(*link, std::min(deadline, Clock::now() + detail::kStepTimeout),
                                  "party " + std::to_string(*idx) + "'s hello");
      if (auto bad = check_hello(hello, *idx)) {
        note("warning: " + me() + ": refused a link from party " + std::to_string(*idx) + ": " +
             *bad);
        link->close(*bad);
        continue;
      }
      (void)link->send(kSessionChannel,
                       encode(PeerHello{digest_, static_cast<std::uint16_t>(self)}));
      if (ep_->attach(*idx, link)) ++lower;
    }
    for (auto& d : dials) d.join();
    for (std::size_t j = self + 1; j < n; ++j) {
      if (dialled[j]) (void)ep_->attach(j, dialled[j]);
    }
    std::vector<std::size_t> missing;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == self || ep_->attached(j)) continue;
      missing.push_back(j);
      note("warning: " + me() + ": no link to party " + std::to_string(j) +
           (dial_errors[j].empty() ? std::string(" (it did not connect)") : ": " + dial_errors[j]) +
           "; it is treated as crashed");
    }
    if (missing.size() > roster_.t) {
      return Failure{kExitRegistration,
                     "Error: " + me() + ": only " + std::to_string(n - missing.size()) + " of " +
                         std::to_string(n) + " parties are connected, more than t = " +
                         std::to_string(roster_.t) + " are missing"};
    }
    note("Connected to " + std::to_string(n - 1 - missing.size()) + " of " + std::to_string(n - 1) +
         " other parties (local party_id=" + std::to_string(self) + ")");
    return std::nullopt;
  }

  std::optional<std::string> check_hello(const Result<net::Bytes>& msg, std::size_t expected) {
    if (!msg) return msg.error().message;
    auto h = decode_peer_hello(*msg);
    if (!h) return h.error().message;
    if (h->roster != digest_)
      return "it has another roster (" + digest_hex(h->roster).substr(0, 16) + "…)";
    if (h->party_id != expected) {
      return "its key is party " + std::to_string(expected) + "'s but it says it is party " +
             std::to_string(h->party_id);
    }
    return std::nullopt;
  }

  // --- clients ---------------------------------------------------------------------------------
  struct ClientConn {
    std::shared_ptr<net::Link> link;
    ClientEntry entry;
  };

  std::optional<Failure> accept_clients() {
    const std::size_t m = o_.wait_for_clients, n = roster_.n();
    const auto deadline = Clock::now() + o_.common.timeout;
    std::map<net::PublicKey, ClientConn> clients;
    struct Waiting {
      std::shared_ptr<net::Link> link;
      Clock::time_point since;
    };
    std::vector<Waiting> waiting;
    auto admit_link = [&](std::shared_ptr<net::Link> link) {
      if (roster_.index_of(link->peer_key())) {
        link->close("a party's key on a client connection");
        return;
      }
      (void)link->send(kSessionChannel, encode_roster(roster_, MsgType::kSessionInfo));
      if (waiting.size() >= kMaxWaitingClients) {
        link->close("too many connections waiting");
        return;
      }
      waiting.push_back(Waiting{std::move(link), Clock::now()});
    };
    for (auto& l : early_clients_) admit_link(std::move(l));
    early_clients_.clear();
    if (m > 0) note("Waiting for " + std::to_string(m) + " clients");
    // A client that goes away before the session starts (it found a server it does not trust,
    // say) gives its slot back.
    auto drop_departed = [&] {
      for (auto it = clients.begin(); it != clients.end();) {
        if (it->second.link->is_open() && !it->second.link->peer_finished()) {
          ++it;
          continue;
        }
        note("Client " + it->second.link->peer_address() + " left, have " +
             std::to_string(clients.size() - 1) + "/" + std::to_string(m));
        it = clients.erase(it);
      }
      return clients.size();
    };
    while (drop_departed() < m) {
      if (Clock::now() >= deadline) {
        return Failure{kExitRegistration, "Error: " + me() + ": only " +
                                              std::to_string(clients.size()) + " of " +
                                              std::to_string(m) + " clients connected within " +
                                              detail::seconds(o_.common.timeout)};
      }
      auto a = host_->accept(milliseconds(20));
      if (a && *a) admit_link(std::move(**a));
      for (auto it = waiting.begin(); it != waiting.end();) {
        auto f = it->link->receive(kSessionChannel, milliseconds(0));
        if (!f) {
          it = waiting.erase(it);  // went away
          continue;
        }
        if (!*f) {
          if (Clock::now() - it->since > detail::kStepTimeout) {
            it->link->close("no hello from the client");
            it = waiting.erase(it);
          } else {
            ++it;
          }
          continue;
        }
        auto hello = decode_client_hello((*f)->payload);
        net::Link& link = *it->link;
        std::optional<std::pair<RefuseCode, std::string>> no;
        if (!hello) {
          no = {{RefuseCode::kBadRequest, hello.error().message}};
        } else if (clients.size() >= m) {
          no = {{RefuseCode::kSessionFull,
                 "the session already has its " + std::to_string(m) + " clients"}};
        } else if (clients.count(link.peer_key())) {
          no = {{RefuseCode::kDuplicate, "a client with this key is already connected"}};
        } else if (hello->index != kAnyIndex && hello->index >= m) {
          no = {{RefuseCode::kBadRequest, "client index " + std::to_string(hello->index) +
                                              " is not below the session's " + std::to_string(m) +
                                              " clients"}};
        } else if (hello->index != kAnyIndex &&
                   std::any_of(clients.begin(), clients.end(), [&](const auto& c) {
                     return c.second.entry.index == hello->index;
                   })) {
          no = {{RefuseCode::kDuplicate,
                 "client index " + std::to_string(hello->index) + " is taken"}};
        }
        if (no) {
          note("refused client " + link.peer_address() + " (key " +
               net::key_short(link.peer_key()) + "): " + no->second);
          detail::refuse(link, no->first, no->second);
        } else {
          clients[link.peer_key()] =
              ClientConn{it->link,
                         ClientEntry{link.peer_key(), hello->index, hello->inputs, hello->kinds}};
          note("Client " + link.peer_address() + " (key " + net::key_short(link.peer_key()) +
               ") joined, have " + std::to_string(clients.size()) + "/" + std::to_string(m));
        }
        it = waiting.erase(it);
      }
    }
    for (auto& w : waiting)
      detail::refuse(*w.link, RefuseCode::kSessionFull, "the session is full");
    if (m == 0) return std::nullopt;

    // The parties must agree on the clients (keys, requested slots, input counts).
    std::vector<ClientEntry> set;
    for (auto& [k, c] : clients) set.push_back(c.entry);  // ascending by key
    const net::Bytes mine = encode(set);
    for (std::size_t p = 0; p < n; ++p) {
      if (p != o_.party_id && ep_->attached(p)) (void)ep_->send_on(kSessionChannel, p, mine);
    }
    std::vector<std::uint8_t> heard(n, 0);
    std::size_t agree = 1;
    std::vector<std::size_t> disagree;
    for (;;) {
      bool waiting_for_someone = false;
      for (std::size_t p = 0; p < n; ++p) {
        if (p != o_.party_id && !heard[p] && ep_->attached(p) && !ep_->gone(p))
          waiting_for_someone = true;
      }
      if (!waiting_for_someone || Clock::now() >= deadline) break;
      auto f = ep_->receive_on(kSessionChannel,
                               std::min(detail::left_until(deadline), milliseconds(200)));
      if (!f) return Failure{kExitRegistration, "Error: " + me() + ": " + f.error().message};
      if (!*f || (*f)->from >= n || heard[(*f)->from]) continue;
      heard[(*f)->from] = 1;
      auto theirs = decode_client_set((*f)->payload);
      if (theirs && *theirs == set) {
        ++agree;
      } else {
        disagree.push_back((*f)->from);
      }
    }
    if (agree < n - roster_.t) {
      std::string who;
      for (std::size_t p : disagree) who += (who.empty() ? "" : ", ") + std::to_string(p);
      return Failure{kExitRegistration,
                     "Error: " + me() + ": the parties do not agree on the clients (only " +
                         std::to_string(agree) + " of " + std::to_string(n) + " saw the same " +
                         std::to_string(m) + " clients" +
                         (who.empty() ? "" : "; different: parties " + who) + ")"};
    }

    // Slots: asked-for indexes first, then the free ones in key order.
    std::vector<ClientConn*> slot(m, nullptr);
    for (auto& [k, c] : clients) {
      if (c.entry.index != kAnyIndex) slot[c.entry.index] = &c;
    }
    std::size_t next = 0;
    for (auto& [k, c] : clients) {
      if (c.entry.index != kAnyIndex) continue;
      while (slot[next] != nullptr) ++next;
      slot[next] = &c;
    }
    for (std::size_t k = 0; k < m; ++k) {
      ClientConn& c = *slot[k];
      const Assignment as{static_cast<std::uint16_t>(k), static_cast<std::uint16_t>(m),
                          c.entry.inputs, roster_.instance_id};
      (void)c.link->send(kSessionChannel, encode(as));
      (void)ep_->attach(n + k, c.link);
      counts_.push_back({k, c.entry.inputs});
      // The kinds are part of the agreed client set, so every honest party checks the same.
      std::vector<vm::ShareType> types;
      for (std::uint8_t kind : c.entry.kinds) {
        types.push_back(kind == kInputFixedPoint
                            ? vm::ShareType::fixed_point(64, vm::kDefaultFractionalBits)
                            : vm::ShareType::secret_int(64));
      }
      input_types_.push_back(std::move(types));
    }
    return std::nullopt;
  }

  // --- the program -------------------------------------------------------------------------------
  int execute() {
    const std::size_t n = roster_.n();
    // The session's parameters are this party's (check_roster made sure the roster agrees); the
    // instance id is the roster's.
    mpc::PartyConfig cfg;
    static_cast<mpc::SessionParams&>(cfg) = o_.session;
    cfg.id = o_.party_id;
    cfg.instance_id = roster_.instance_id;
    cfg.receive_timeout_ms =
        static_cast<std::uint32_t>(std::min<long long>(o_.common.timeout.count(), 0xffffffffLL));
    for (const auto& c : counts_) cfg.clients.push_back({c.client_id, n + c.client_id});
    if (o_.preprocess) {
      // Exactly the requested amounts go into the store: no extra first batch.
      cfg.initial_triples = 0;
      cfg.initial_randoms = 0;
    }
    note(std::string("Creating MPC engine (backend=") + (cfg.avss ? "avss" : "honeybadger") +
         ", n=" + std::to_string(n) +
         ", t=" + std::to_string(roster_.t) +
         ", field=" + std::string(math::field_kind_name(roster_.field)) + ")");
    auto party = mpc::make_party(cfg, *ep_);
    if (!party) return report(Failure{kExitEngine, "Error: " + party.error().message});
    if (o_.preprocess) return fill(**party);
    if (o_.store) {
      if (auto f = agree_on_store(**party)) {
        ep_->finish(o_.common.timeout);
        host_->shutdown();
        io_.err(f->message);
        return f->code;
      }
    }

    note("Starting VM execution of '" + o_.entry + "'...");
    embed::PartyRunOptions ro;
    ro.max_call_depth = o_.max_call_depth;
    ro.max_steps = o_.max_steps;
    ro.trace = o_.trace;
    ro.client_input_types = input_types_;
    const embed::PartyRunResult r = embed::run_party(**party, *o_.program, o_.entry, counts_, ro);
    // Reliable broadcast and agreement are asynchronous: a party done with its program keeps
    // handling messages until every party is done, since the others may still need its echoes
    // and votes (as the embedded engine's parties do, embedded_run.cpp).
    if (r.ok) serve_until_all_finished(**party);

    // Clients learn that this party sent all it will send; then every link ends in order.
    for (const auto& c : counts_)
      (void)ep_->send_on(kSessionChannel, n + c.client_id, encode(Done{}));
    if (!r.out.empty()) {
      std::string out = r.out;
      if (out.back() == '\n') out.pop_back();
      io_.out(out);
    }
    for (std::size_t p : r.stats.suspected_parties) {
      note("warning: party " + std::to_string(p) + " sent wrong shares (noticed by party " +
           std::to_string(o_.party_id) + ")");
    }
    if (o_.stats) {
      std::string s = embed::format_party_stats(o_.party_id, r.stats, r.program_ms);
      if (!s.empty() && s.back() == '\n') s.pop_back();
      note(s);
    }
    int code = kExitOk;
    if (r.ok) {
      io_.out("Program returned: " + r.result);
    } else {
      note("Execution error in '" + o_.entry + "': " + r.error.message);
      if (!r.where.empty()) note("  " + r.where);
      code = kExitExecution;
    }
    ep_->finish(o_.common.timeout);
    host_->shutdown();
    return code;
  }

  void serve_until_all_finished(mpc::Party& party) {
    const std::size_t n = roster_.n();
    for (std::size_t p = 0; p < n; ++p) {
      if (p != o_.party_id) (void)ep_->send_on(kSessionChannel, p, encode(Finished{}));
    }
    std::vector<std::uint8_t> finished(n, 0);
    finished[o_.party_id] = 1;
    const auto deadline = Clock::now() + o_.common.timeout;
    for (;;) {
      for (;;) {
        auto f = ep_->receive_on(kSessionChannel, milliseconds(0));
        if (!f || !*f) break;
        if ((*f)->from < n && decode_finished((*f)->payload)) finished[(*f)->from] = 1;
      }
      bool waiting = false;
      for (std::size_t p = 0; p < n; ++p) {
        // A peer that is gone (crashed, or never connected) will not need us any more.
        if (!finished[p] && ep_->attached(p) && !ep_->gone(p)) waiting = true;
      }
      if (!waiting) return;
      if (Clock::now() >= deadline) {
        note("warning: " + me() + ": not every party finished within " +
             detail::seconds(o_.common.timeout));
        return;
      }
      if (!party.serve(milliseconds(20))) return;
    }
  }

  const PartyOptions& o_;
  NodeIo& io_;
  std::optional<net::AuthKey> auth_;
  std::optional<net::Identity> identity_;
  std::unique_ptr<net::TlsHost> host_;
  std::string address_;
  Digest program_hash_{};
  SessionWork work_;
  std::vector<std::uint8_t> store_secret_;  // until the store is open; wiped
  std::unique_ptr<store::PreprocStore> store_;
  std::string store_error_;  // why this party's store cannot be used
  Roster roster_;
  Digest digest_{};
  std::unique_ptr<net::LinkEndpoint> ep_;
  std::vector<std::shared_ptr<net::Link>> early_clients_;
  std::vector<mpc::Party::ClientInputCount> counts_;
  std::vector<std::vector<vm::ShareType>> input_types_;  // per client in counts_, per input
};

}  // namespace

int run_party(const PartyOptions& options, NodeIo& io) {
  PartySession s(options, io);
  return s.run();
}

int run_leader(const PartyOptions& options, NodeIo& io) {
  BootnodeOptions bo;
  bo.common = options.common;
  bo.bind = options.bind;
  bo.n_parties = options.session.n;
  bo.token = options.token;
  // The leader's own parameters are the session's: a party that differs is refused.
  Registration expect;
  expect.n = static_cast<std::uint16_t>(options.session.n);
  expect.t = static_cast<std::uint16_t>(options.session.t);
  expect.field = options.session.field;
  expect.avss = options.session.avss;
  expect.clients = static_cast<std::uint16_t>(options.wait_for_clients);
  const SessionWork work = session_work(options);
  expect.program = work.program;
  expect.entry = work.entry;
  auto started = BootnodeServer::start(bo, io, expect);
  if (auto* e = std::get_if<BootnodeServer::StartError>(&started)) {
    io.err(e->message);
    return e->exit_code;
  }
  auto& server = *std::get<0>(started);
  std::atomic<bool> stop{false};
  std::thread bootnode([&] { server.serve(&stop); });

  PartyOptions po = options;
  po.party_id = 0;
  po.bootstrap = net::HostPort{options.bind.host == "0.0.0.0" ? "127.0.0.1" : options.bind.host,
                               server.port()};
  // The leader's party listens on the same host at the bootnode's port + 1000 (the
  // reference's rule); with port 0 the operating system picks both.
  po.bind = options.bind;
  po.bind.port =
      options.bind.port == 0
          ? 0
          : static_cast<std::uint16_t>(std::min<unsigned>(server.port() + 1000u, 65535u));
  const int code = run_party(po, io);
  stop = true;
  bootnode.join();
  return code;
}

}  // namespace stoffel::node
