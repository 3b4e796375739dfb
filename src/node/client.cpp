// A client of a distributed session (node.h): connects to every party, checks their roster and
// keys, runs the masked-input protocol (mpc::ClientRunner, the same client code as the embedded
// engine's) and prints the outputs the program sends it.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "embed/embedded_run.h"
#include "math/fields.h"
#include "mpc/client.h"
#include "net/link_endpoint.h"
#include "node/common.h"
#include "vm/secret.h"
#include "vm/share_type.h"
#include "vm/value_format.h"

namespace stoffel::node {

namespace {

using detail::Clock;
using std::chrono::milliseconds;

class ClientSession {
 public:
  ClientSession(const ClientOptions& o, NodeIo& io) : o_(o), io_(io) {}

  ~ClientSession() {
    if (host_) host_->shutdown();  // ends the dials still retrying
    for (auto& d : dials_) d.join();
  }

  int run() {
    if (auto code = setup(); code != kExitOk) return code;
    for (std::size_t i = 0; i < o_.n; ++i) dials_.emplace_back([this, i] { dial(i); });
    const int code = session();
    if (code == kExitOk) {
      ep_->finish(std::min(o_.common.timeout, milliseconds(10'000)));
    } else {
      ep_->close("client stopped");
    }
    return code;
  }

 private:
  int fail(int code, const std::string& why) {
    io_.err("Error: client: " + why);
    return code;
  }

  int setup() {
    if (o_.n == 0 || o_.n > kMaxParties)
      return fail(kExitBadFlags, "--n-parties must be from 1 to 255");
    if (o_.servers.size() != o_.n) {
      return fail(kExitBadFlags, "--servers lists " + std::to_string(o_.servers.size()) +
                                     " addresses for --n-parties " + std::to_string(o_.n));
    }
    if (o_.inputs.size() > kMaxInputs) return fail(kExitBadFlags, "too many inputs");
    if (o_.index && *o_.index >= kMaxClients)
      return fail(kExitBadFlags, "--client-index too large");
    for (const auto& token : o_.inputs) {
      auto v = embed::parse_client_value(token);
      if (!v) return fail(kExitBadFlags, v.error().message);
      values_.push_back(*v);
      kinds_.push_back(embed::client_value_type(token).kind == vm::ShareType::Kind::SecretFixedPoint
                           ? kInputFixedPoint
                           : kInputInteger);
    }
    auto id = detail::load_identity(o_.common);
    if (!id) return fail(kExitBadFlags, id.error().message);
    identity_.emplace(std::move(*id));
    auto host = net::TlsHost::create(*identity_, detail::tls_options(o_.common, io_));
    if (!host) return fail(kExitClientConnect, host.error().message);
    host_ = std::move(*host);
    // The client is participant n of its own view; parties are 0..n-1.
    ep_ = std::make_unique<net::LinkEndpoint>(o_.n, o_.n + 1, kMpcChannel,
                                              host_->options().receive_buffer_bytes);
    deadline_ = Clock::now() + o_.common.timeout;
    return kExitOk;
  }

  // Connects to server i (retrying until it is up), checks what it presents, says hello.
  void dial(std::size_t i) {
    const net::HostPort& addr = o_.servers[i];
    auto link = host_->connect(addr, std::nullopt, detail::left_until(deadline_), true);
    if (!link) {
      record_unreachable(i, link.error().message);
      return;
    }
    auto msg =
        detail::receive_session(**link, deadline_, "the session from server " + addr.to_string());
    if (!msg) {
      record_unreachable(i, msg.error().message);
      return;
    }
    std::string problem;
    int code = kExitClientIdentity;
    auto type = message_type(*msg);
    if (type && *type == MsgType::kRefused) {
      auto r = decode_refusal(*msg);
      problem = "server " + addr.to_string() +
                " refused this client: " + (r ? r->reason : r.error().message);
    } else if (auto roster = decode_roster(*msg, MsgType::kSessionInfo); !roster) {
      problem = "server " + addr.to_string() + ": " + roster.error().message;
      code = kExitClientProtocol;
    } else if (roster->n() != o_.n) {
      problem = "server " + addr.to_string() + " is in a session of " +
                std::to_string(roster->n()) + " parties, not --n-parties " + std::to_string(o_.n);
    } else if (roster->parties[i].key != (*link)->peer_key()) {
      const auto other = roster->index_of((*link)->peer_key());
      problem = "server " + addr.to_string() + " (position " + std::to_string(i) +
                " in --servers) presents key " + net::key_short((*link)->peer_key()) +
                ", but the roster gives party " + std::to_string(i) + " key " +
                net::key_short(roster->parties[i].key) +
                (other ? " (this is party " + std::to_string(*other) +
                             "'s key: list the servers in party order)"
                       : std::string(" (a key not in the roster)"));
    } else {
      std::lock_guard lk(mu_);
      if (!roster_) {
        roster_ = std::move(*roster);
      } else if (roster_->digest() != roster->digest()) {
        problem = "server " + addr.to_string() + " presents another roster than the other servers";
      }
    }
    if (!problem.empty()) {
      (*link)->close(problem);
      std::lock_guard lk(mu_);
      if (fatal_code_ == kExitOk) {
        fatal_code_ = code;
        fatal_ = problem;
      }
      return;
    }
    const ClientHello hello{o_.index ? static_cast<std::uint16_t>(*o_.index) : kAnyIndex,
                            static_cast<std::uint32_t>(values_.size()), kinds_};
    (void)(*link)->send(kSessionChannel, encode(hello));
    (void)ep_->attach(i, *link);
    std::lock_guard lk(mu_);
    ++connected_;
  }

  void record_unreachable(std::size_t i, const std::string& why) {
    std::lock_guard lk(mu_);
    unreachable_[i] = why;
  }

  // Reads the session channel: assignments, goodbyes, refusals. Returns an exit code, or
  // kExitOk once the runner may start (phase 1) / the session is done (phase 2).
  int pump(bool want_done) {
    const std::size_t n = o_.n;
    for (;;) {
      const std::size_t t = roster_t();  // the roster's once a server has presented it
      {
        std::lock_guard lk(mu_);
        if (fatal_code_ != kExitOk) return fail(fatal_code_, fatal_);
        if (unreachable_.size() > n - (2 * t + 1) && !assigned_) {
          std::string why;
          for (const auto& [i, e] : unreachable_) why += "; " + e;
          return fail(kExitClientConnect, "cannot reach enough servers (" +
                                              std::to_string(n - unreachable_.size()) + " of " +
                                              std::to_string(n) + ", 2t+1 needed)" + why);
        }
      }
      if (!want_done && assigned_) return kExitOk;
      if (want_done && done_.size() >= t + 1) return kExitOk;
      if (Clock::now() >= deadline_) {
        std::size_t connected;
        {
          std::lock_guard lk(mu_);
          connected = connected_;
        }
        if (!assigned_ && connected < 2 * t + 1) {
          return fail(kExitClientConnect, "connected to only " + std::to_string(connected) +
                                              " of " + std::to_string(n) + " servers within " +
                                              detail::seconds(o_.common.timeout) +
                                              " (2t+1 = " + std::to_string(2 * t + 1) + " needed)");
        }
        return fail(kExitClientTimeout,
                    std::string("timed out after ") + detail::seconds(o_.common.timeout) +
                        (want_done ? " waiting for the parties to finish"
                                   : " waiting for the session to take this client"));
      }
      // Messages already received come first: a party's DONE arrives before its goodbye.
      auto f = ep_->receive_on(kSessionChannel, milliseconds(0));
      if (!f) return fail(kExitClientChannel, f.error().message);
      if (!*f) {
        std::size_t gone = 0;
        for (std::size_t p = 0; p < n; ++p) {
          if (ep_->gone(p) && !(want_done && done_.count(p))) ++gone;
        }
        if (roster_known() && gone > n - (t + 1)) {
          return fail(kExitClientChannel,
                      "the servers closed their connections before the session was done");
        }
        f = ep_->receive_on(kSessionChannel, milliseconds(50));
        if (!f) return fail(kExitClientChannel, f.error().message);
      }
      if (!*f || (*f)->from >= n) continue;
      const std::size_t from = (*f)->from;
      const net::Bytes& msg = (*f)->payload;
      auto type = message_type(msg);
      if (!type) continue;
      if (*type == MsgType::kAssign) {
        auto a = decode_assignment(msg);
        if (!a || assignments_.count(from)) continue;
        assignments_[from] = *a;
        // t + 1 parties that agree include an honest one.
        std::size_t same = 0;
        for (const auto& [p, b] : assignments_) {
          same += b.index == a->index && b.clients == a->clients && b.inputs == a->inputs &&
                  b.instance_id == a->instance_id;
        }
        if (same >= t + 1 && !assigned_) {
          if (a->inputs != values_.size()) {
            return fail(kExitClientProtocol, "the parties expect " + std::to_string(a->inputs) +
                                                 " inputs, not " + std::to_string(values_.size()));
          }
          assigned_ = *a;
        }
      } else if (*type == MsgType::kDone) {
        done_.insert(from);
      } else if (*type == MsgType::kRefused) {
        auto r = decode_refusal(msg);
        return fail(kExitClientIdentity,
                    "server " + o_.servers[from].to_string() +
                        " refused this client: " + (r ? r->reason : r.error().message));
      }
    }
  }

  bool roster_known() {
    std::lock_guard lk(mu_);
    return roster_.has_value();
  }
  std::size_t roster_t() {
    std::lock_guard lk(mu_);
    return roster_ ? roster_->t : (o_.n - 1) / 3;
  }

  int session() {
    if (int code = pump(false); code != kExitOk) return code;
    math::FieldKind field;
    std::size_t t;
    const Assignment as = *assigned_;
    {
      std::lock_guard lk(mu_);
      field = roster_->field;
      t = roster_->t;
    }
    io_.err("Client " + std::to_string(as.index) + " of " + std::to_string(as.clients) +
            " in session " + std::to_string(as.instance_id) + "; sending " +
            std::to_string(values_.size()) + " inputs");
    std::vector<mpc::FieldBytes> inputs;
    math::visit_field(field, [&](auto tag) {
      using F = typename decltype(tag)::type;
      for (std::int64_t v : values_) inputs.push_back(F::from_i64(v).to_bytes());
    });
    // The input protocol and the outputs run beside the session channel, which says when the
    // parties are done.
    std::atomic<bool> finished{false};
    Result<std::vector<mpc::FieldBytes>> outputs = std::vector<mpc::FieldBytes>{};
    std::vector<std::uint32_t> labels;  // each output's type (vm::ShareType::output_label)
    std::thread runner([&] {
      outputs = math::visit_field(field, [&](auto tag) {
        using F = typename decltype(tag)::type;
        mpc::ClientRunner<F> r(*ep_, o_.n, t, as.index, inputs, finished, o_.common.timeout);
        auto got = r.run();
        labels = r.labels();
        return got;
      });
    });
    const int code = pump(true);
    finished = true;
    if (code != kExitOk) ep_->close("client stopped");
    runner.join();
    if (code != kExitOk) return code;
    if (!outputs) return fail(kExitClientProtocol, outputs.error().message);
    if (!outputs->empty()) {
      std::string line = "Client " + std::to_string(as.index) + " output: ";
      for (std::size_t k = 0; k < outputs->size(); ++k) {
        if (k > 0) line += ", ";
        auto v = math::visit_field(field, [&](auto tag) -> Result<std::int64_t> {
          using F = typename decltype(tag)::type;
          auto x = F::from_bytes((*outputs)[k]);
          if (!x) return x.error();
          return x->to_i64();
        });
        if (!v) {
          line += "<" + v.error().message + ">";
          continue;
        }
        // Read as the program's type for it (the label came as robustly as the value).
        const auto type = vm::ShareType::from_output_label(k < labels.size() ? labels[k] : 0);
        line += vm::display_string(vm::clear_from_int(*v, type.value_or(vm::ShareType::secret_int(64))));
      }
      io_.out(line);
    }
    return kExitOk;
  }

  const ClientOptions& o_;
  NodeIo& io_;
  std::vector<std::int64_t> values_;
  std::vector<std::uint8_t> kinds_;  // how each input was given (CLIENT_HELLO)
  std::optional<net::Identity> identity_;
  std::unique_ptr<net::TlsHost> host_;
  std::unique_ptr<net::LinkEndpoint> ep_;
  Clock::time_point deadline_;
  std::vector<std::thread> dials_;

  // Shared with the dialling threads.
  std::mutex mu_;
  std::optional<Roster> roster_;
  std::size_t connected_ = 0;
  std::map<std::size_t, std::string> unreachable_;
  int fatal_code_ = kExitOk;
  std::string fatal_;

  // The main thread's (pump).
  std::map<std::size_t, Assignment> assignments_;
  std::optional<Assignment> assigned_;
  std::set<std::size_t> done_;
};

}  // namespace

int run_client(const ClientOptions& options, NodeIo& io) {
  ClientSession s(options, io);
  return s.run();
}

}  // namespace stoffel::node
