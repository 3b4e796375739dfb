#include "node/wire.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "mpc/session_params.h"

namespace stoffel::node {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::array<std::uint8_t, 4> kRosterMagic{'S', 'T', 'R', 'O'};

class Writer {
 public:
  // The reservation covers every small message in one allocation (and keeps GCC 12's
  // -Wstringop-overflow from misjudging the first growth of a one-byte vector).
  explicit Writer(MsgType type) {
    b_.reserve(128);
    b_.push_back(static_cast<std::uint8_t>(type));
  }
  Writer() { b_.reserve(128); }
  void u8(std::uint8_t v) { b_.push_back(v); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  template <std::size_t N>
  void raw(const std::array<std::uint8_t, N>& a) {
    b_.insert(b_.end(), a.begin(), a.end());
  }
  void bytes(std::span<const std::uint8_t> s) { b_.insert(b_.end(), s.begin(), s.end()); }
  // Strings are bounded by the encoder's caller; a longer one is cut (never happens for values
  // that passed validation, and the decoder would refuse it).
  void str(const std::string& s, std::size_t max) {
    const std::size_t n = std::min(s.size(), max);
    u16(static_cast<std::uint16_t>(n));
    const std::size_t at = b_.size();
    b_.resize(at + n);
    if (n > 0) std::memcpy(b_.data() + at, s.data(), n);
  }
  net::Bytes take() { return std::move(b_); }

 private:
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  net::Bytes b_;
};

bool is_control(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// Reads fields in order; the first shortfall sets an error, after which reads return zeros.
class Reader {
 public:
  Reader(std::span<const std::uint8_t> b, const char* what) : b_(b), what_(what) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64() { return le(8); }
  template <std::size_t N>
  std::array<std::uint8_t, N> raw() {
    std::array<std::uint8_t, N> a{};
    if (need(N)) {
      std::memcpy(a.data(), b_.data() + pos_, N);
      pos_ += N;
    }
    return a;
  }
  // A string field. Entry names and addresses end up in logs and on terminals (the bootnode
  // logs where a party joined from and names a mismatched entry): control characters in them
  // (terminal escapes, newlines forging log lines) are refused like NUL. A REFUSED reason is
  // read with `controls` allowed and sanitised by its decoder instead, so the refusal is still
  // shown.
  std::string str(std::size_t max, const char* field, bool controls = false) {
    const std::size_t n = u16();
    if (n > max) {
      fail(std::string(field) + " of " + std::to_string(n) + " bytes (at most " +
           std::to_string(max) + ")");
      return {};
    }
    if (!need(n)) return {};
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    if (s.find('\0') != std::string::npos) {
      fail(std::string(field) + " contains a NUL byte");
    } else if (!controls && std::any_of(s.begin(), s.end(), is_control)) {
      fail(std::string(field) + " contains a control character");
    }
    return s;
  }
  // `count` input kinds (kInputInteger or kInputFixedPoint), bounded by kMaxInputs and by the
  // bytes present before anything is allocated.
  std::vector<std::uint8_t> kinds(std::size_t count) {
    if (count > kMaxInputs) {
      fail(std::to_string(count) + " inputs (at most " + std::to_string(kMaxInputs) + ")");
      return {};
    }
    if (!need(count)) return {};
    std::vector<std::uint8_t> k(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                b_.begin() + static_cast<std::ptrdiff_t>(pos_ + count));
    pos_ += count;
    for (std::uint8_t v : k) {
      if (v > kInputFixedPoint) {
        fail("unknown input kind " + std::to_string(v));
        break;
      }
    }
    return k;
  }
  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }
  std::size_t left() const { return b_.size() - pos_; }
  // The result so far, before the end (bytes may be left).
  Result<void> status() const {
    if (!error_.empty())
      return make_error(ErrorKind::Protocol, "malformed " + std::string(what_) + ": " + error_);
    return {};
  }
  // The result: an error if anything failed or bytes are left over.
  Result<void> finish() {
    if (error_.empty() && pos_ != b_.size()) {
      error_ = std::to_string(b_.size() - pos_) + " bytes too many";
    }
    if (!error_.empty())
      return make_error(ErrorKind::Protocol, "malformed " + std::string(what_) + ": " + error_);
    return {};
  }

 private:
  bool need(std::size_t n) {
    if (!error_.empty()) return false;
    if (b_.size() - pos_ < n) {
      fail("truncated");
      return false;
    }
    return true;
  }
  std::uint64_t le(std::size_t n) {
    if (!need(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(b_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
  const char* what_;
  std::string error_;
};

// Checks the type byte and returns a reader over the rest.
Result<Reader> open(std::span<const std::uint8_t> msg, MsgType type, const char* what) {
  if (msg.empty() || msg[0] != static_cast<std::uint8_t>(type)) {
    return make_error(ErrorKind::Protocol, std::string("expected a ") + what + " message");
  }
  return Reader(msg.subspan(1), what);
}

Result<math::FieldKind> field_from(std::uint8_t v) {
  if (v > static_cast<std::uint8_t>(math::FieldKind::Curve25519)) {
    return make_error(ErrorKind::Protocol, "unknown field " + std::to_string(v));
  }
  return static_cast<math::FieldKind>(v);
}

}  // namespace

Digest sha256(std::span<const std::uint8_t> bytes) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

std::string digest_hex(const Digest& d) {
  return net::key_hex(d);
}

// --- roster -----------------------------------------------------------------------------------

net::Bytes Roster::encode() const {
  Writer w;
  w.raw(kRosterMagic);
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(field));
  w.u8(avss ? 1 : 0);
  w.u16(static_cast<std::uint16_t>(parties.size()));
  w.u16(t);
  w.u16(clients);
  w.u64(instance_id);
  w.raw(session);
  w.raw(program);
  w.str(entry, kMaxEntry);
  for (const auto& p : parties) {
    w.raw(p.key);
    w.str(p.address, kMaxAddress);
  }
  return w.take();
}

namespace {
Result<Roster> read_roster(Reader& r) {
  Roster ro;
  if (r.raw<4>() != kRosterMagic) r.fail("bad magic");
  if (r.u8() != kVersion) r.fail("unknown version");
  const std::uint8_t field = r.u8();
  const std::uint8_t backend = r.u8();
  const std::size_t n = r.u16();
  ro.t = r.u16();
  ro.clients = r.u16();
  ro.instance_id = r.u64();
  ro.session = r.raw<16>();
  ro.program = r.raw<32>();
  ro.entry = r.str(kMaxEntry, "entry");
  if (auto f = field_from(field); f) {
    ro.field = *f;
  } else {
    r.fail(f.error().message);
  }
  if (backend > 1) r.fail("unknown backend " + std::to_string(backend));
  ro.avss = backend == 1;
  if (n == 0 || n > kMaxParties) r.fail("n = " + std::to_string(n));
  if (ro.clients > kMaxClients) r.fail(std::to_string(ro.clients) + " clients");
  // Each entry takes at least 34 bytes: a count the bytes cannot hold is refused before the
  // vector is sized for it.
  if (r.left() < n * 34) r.fail("truncated");
  if (auto ok = r.status(); !ok) return ok.error();
  ro.parties.resize(n);
  for (auto& p : ro.parties) {
    p.key = r.raw<32>();
    p.address = r.str(kMaxAddress, "address");
  }
  if (auto ok = r.finish(); !ok) return ok.error();
  // validate_parameters speaks of flags (ErrorKind::Usage); here the numbers are a peer's.
  if (auto ok = mpc::validate_parameters(n, ro.t); !ok) {
    return make_error(ErrorKind::Protocol, "malformed roster: " + ok.error().message);
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (ro.parties[i].key == ro.parties[j].key) {
        return make_error(ErrorKind::Protocol, "malformed roster: parties " + std::to_string(i) +
                                                   " and " + std::to_string(j) +
                                                   " have the same key");
      }
    }
  }
  return ro;
}
}  // namespace

Result<Roster> Roster::decode(std::span<const std::uint8_t> bytes) {
  Reader r(bytes, "roster");
  return read_roster(r);
}

Digest Roster::digest() const {
  return sha256(encode());
}

std::optional<std::size_t> Roster::index_of(const net::PublicKey& key) const {
  for (std::size_t i = 0; i < parties.size(); ++i) {
    if (parties[i].key == key) return i;
  }
  return std::nullopt;
}

net::Bytes encode_roster(const Roster& r, MsgType type) {
  Writer w(type);
  w.bytes(r.encode());
  return w.take();
}

Result<Roster> decode_roster(std::span<const std::uint8_t> msg, MsgType type) {
  if (msg.empty() || msg[0] != static_cast<std::uint8_t>(type)) {
    return make_error(ErrorKind::Protocol, "expected a roster message");
  }
  return Roster::decode(msg.subspan(1));
}

// --- the rest -----------------------------------------------------------------------------------

Result<MsgType> message_type(std::span<const std::uint8_t> msg) {
  if (msg.empty()) return make_error(ErrorKind::Protocol, "empty session message");
  if (msg[0] < 1 || msg[0] > static_cast<std::uint8_t>(MsgType::kFinished)) {
    return make_error(ErrorKind::Protocol,
                      "unknown session message type " + std::to_string(msg[0]));
  }
  return static_cast<MsgType>(msg[0]);
}

net::Bytes encode(const Challenge& m) {
  Writer w(MsgType::kChallenge);
  w.u8(kVersion);
  w.raw(m.nonce);
  w.raw(m.session);
  return w.take();
}

Result<Challenge> decode_challenge(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kChallenge, "CHALLENGE");
  if (!r) return r.error();
  Challenge m;
  if (r->u8() != kVersion) r->fail("unknown version");
  m.nonce = r->raw<32>();
  m.session = r->raw<16>();
  if (auto ok = r->finish(); !ok) return ok.error();
  return m;
}

net::Bytes encode(const Proof& m) {
  Writer w(MsgType::kProof);
  w.raw(m.nonce);
  w.raw(m.mac);
  return w.take();
}

Result<Proof> decode_proof(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kProof, "PROOF");
  if (!r) return r.error();
  Proof m;
  m.nonce = r->raw<32>();
  m.mac = r->raw<32>();
  if (auto ok = r->finish(); !ok) return ok.error();
  return m;
}

net::Bytes encode_confirm(const net::Mac& mac) {
  Writer w(MsgType::kConfirm);
  w.raw(mac);
  return w.take();
}

Result<net::Mac> decode_confirm(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kConfirm, "CONFIRM");
  if (!r) return r.error();
  net::Mac m = r->raw<32>();
  if (auto ok = r->finish(); !ok) return ok.error();
  return m;
}

net::Bytes encode(const Registration& m) {
  Writer w(MsgType::kRegister);
  w.u16(m.party_id);
  w.u16(m.n);
  w.u16(m.t);
  w.u8(static_cast<std::uint8_t>(m.field));
  w.u8(m.avss ? 1 : 0);
  w.u16(m.clients);
  w.raw(m.program);
  w.str(m.entry, kMaxEntry);
  w.str(m.address, kMaxAddress);
  w.u16(m.protocol);
  return w.take();
}

Result<Registration> decode_registration(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kRegister, "REGISTER");
  if (!r) return r.error();
  Registration m;
  m.party_id = r->u16();
  m.n = r->u16();
  m.t = r->u16();
  const std::uint8_t field = r->u8();
  const std::uint8_t backend = r->u8();
  m.clients = r->u16();
  m.program = r->raw<32>();
  m.entry = r->str(kMaxEntry, "entry");
  m.address = r->str(kMaxAddress, "address");
  if (r->status().ok() && r->left() == 0) {
    // Builds from before N17 end the message here.
    return make_error(ErrorKind::Protocol,
                      "REGISTER without an MPC protocol version: the party runs a stoffel-run "
                      "older than protocol version " +
                          std::to_string(mpc::kProtocolVersion) +
                          " (this one's); run the same stoffel-run build on every party");
  }
  m.protocol = r->u16();
  if (m.protocol == 0) r->fail("MPC protocol version 0");
  if (auto f = field_from(field); f) {
    m.field = *f;
  } else {
    r->fail(f.error().message);
  }
  if (backend > 1) r->fail("unknown backend " + std::to_string(backend));
  m.avss = backend == 1;
  if (auto ok = r->finish(); !ok) return ok.error();
  if (m.n == 0 || m.n > kMaxParties || m.party_id >= m.n) {
    return make_error(ErrorKind::Protocol, "malformed REGISTER: party id " +
                                               std::to_string(m.party_id) + " of " +
                                               std::to_string(m.n));
  }
  // The one n >= 3t + 1 check (W12): a bootnode never builds a roster the parties would refuse.
  if (auto ok = mpc::validate_parameters(m.n, m.t); !ok) {
    return make_error(ErrorKind::Protocol, "malformed REGISTER: " + ok.error().message);
  }
  if (m.clients > kMaxClients) {
    return make_error(ErrorKind::Protocol,
                      "malformed REGISTER: " + std::to_string(m.clients) + " clients");
  }
  return m;
}

std::optional<std::string> registration_mismatch(const Registration& reg,
                                                 const Registration& session) {
  if (reg.protocol != session.protocol) {
    return "this party runs MPC protocol version " + std::to_string(reg.protocol) +
           ", the session version " + std::to_string(session.protocol) +
           ": run the same stoffel-run build on every party";
  }
  auto differs = [](const char* what, const std::string& mine, const std::string& theirs)
      -> std::optional<std::string> {
    if (mine == theirs) return std::nullopt;
    return "this party's " + std::string(what) + " " + mine + " differs from the session's " +
           theirs;
  };
  const std::optional<std::string> diffs[] = {
      differs("n =", std::to_string(reg.n), std::to_string(session.n)),
      differs("t =", std::to_string(reg.t), std::to_string(session.t)),
      differs("field", std::string(math::field_kind_name(reg.field)),
              std::string(math::field_kind_name(session.field))),
      differs("--mpc-backend", reg.avss ? "avss" : "honeybadger",
              session.avss ? "avss" : "honeybadger"),
      differs("--wait-for-clients", std::to_string(reg.clients), std::to_string(session.clients)),
      differs("entry", "'" + reg.entry + "'", "'" + session.entry + "'"),
  };
  for (const auto& d : diffs) {
    if (d) return d;
  }
  return std::nullopt;
}

net::Bytes encode(const Status& m) {
  Writer w(MsgType::kStatus);
  w.u16(m.registered);
  w.u16(m.n);
  return w.take();
}

Result<Status> decode_status(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kStatus, "STATUS");
  if (!r) return r.error();
  Status m;
  m.registered = r->u16();
  m.n = r->u16();
  if (auto ok = r->finish(); !ok) return ok.error();
  return m;
}

net::Bytes encode(const Refusal& m) {
  Writer w(MsgType::kRefused);
  w.u8(static_cast<std::uint8_t>(m.code));
  w.str(m.reason, kMaxReason);
  return w.take();
}

Result<Refusal> decode_refusal(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kRefused, "REFUSED");
  if (!r) return r.error();
  Refusal m;
  const std::uint8_t code = r->u8();
  m.reason = r->str(kMaxReason, "reason", /*controls=*/true);
  if (code < 1 || code > static_cast<std::uint8_t>(RefuseCode::kSessionFull)) {
    r->fail("unknown code " + std::to_string(code));
  }
  m.code = static_cast<RefuseCode>(code);
  // The reason is shown to a user: control characters (terminal escapes) are replaced.
  for (char& c : m.reason) {
    if (is_control(c)) c = '?';
  }
  if (auto ok = r->finish(); !ok) return ok.error();
  return m;
}

net::Bytes encode(const PeerHello& m) {
  Writer w(MsgType::kPeerHello);
  w.raw(m.roster);
  w.u16(m.party_id);
  return w.take();
}

Result<PeerHello> decode_peer_hello(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kPeerHello, "PEER_HELLO");
  if (!r) return r.error();
  PeerHello m;
  m.roster = r->raw<32>();
  m.party_id = r->u16();
  if (auto ok = r->finish(); !ok) return ok.error();
  return m;
}

net::Bytes encode(const ClientHello& m) {
  Writer w(MsgType::kClientHello);
  w.u8(kVersion);
  w.u16(m.index);
  w.u32(m.inputs);
  for (std::uint32_t i = 0; i < m.inputs; ++i) w.u8(i < m.kinds.size() ? m.kinds[i] : kInputInteger);
  return w.take();
}

Result<ClientHello> decode_client_hello(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kClientHello, "CLIENT_HELLO");
  if (!r) return r.error();
  ClientHello m;
  if (r->u8() != kVersion) r->fail("unknown version");
  m.index = r->u16();
  m.inputs = r->u32();
  m.kinds = r->kinds(m.inputs);
  if (auto ok = r->finish(); !ok) return ok.error();
  if (m.index != kAnyIndex && m.index >= kMaxClients) {
    return make_error(ErrorKind::Protocol,
                      "malformed CLIENT_HELLO: client index " + std::to_string(m.index));
  }
  return m;
}

net::Bytes encode(std::span<const ClientEntry> set) {
  Writer w(MsgType::kClientSet);
  w.u16(static_cast<std::uint16_t>(set.size()));
  for (const auto& e : set) {
    w.raw(e.key);
    w.u16(e.index);
    w.u32(e.inputs);
    for (std::uint32_t i = 0; i < e.inputs; ++i) {
      w.u8(i < e.kinds.size() ? e.kinds[i] : kInputInteger);
    }
  }
  return w.take();
}

Result<std::vector<ClientEntry>> decode_client_set(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kClientSet, "CLIENT_SET");
  if (!r) return r.error();
  const std::size_t count = r->u16();
  if (count > kMaxClients) r->fail(std::to_string(count) + " clients");
  // Every entry is at least 38 bytes: checked before the entries are allocated.
  if (r->left() < count * 38) r->fail("length does not match the count");
  std::vector<ClientEntry> set;
  if (auto ok = r->status(); !ok) return ok.error();
  set.resize(count);
  for (auto& e : set) {
    e.key = r->raw<32>();
    e.index = r->u16();
    e.inputs = r->u32();
    e.kinds = r->kinds(e.inputs);
    if (auto ok = r->status(); !ok) return ok.error();
  }
  if (auto ok = r->finish(); !ok) return ok.error();
  return set;
}

net::Bytes encode(const Assignment& m) {
  Writer w(MsgType::kAssign);
  w.u16(m.index);
  w.u16(m.clients);
  w.u32(m.inputs);
  w.u64(m.instance_id);
  return w.take();
}

Result<Assignment> decode_assignment(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kAssign, "ASSIGN");
  if (!r) return r.error();
  Assignment m;
  m.index = r->u16();
  m.clients = r->u16();
  m.inputs = r->u32();
  m.instance_id = r->u64();
  if (auto ok = r->finish(); !ok) return ok.error();
  if (m.clients > kMaxClients || m.index >= m.clients) {
    return make_error(ErrorKind::Protocol, "malformed ASSIGN: client " + std::to_string(m.index) +
                                               " of " + std::to_string(m.clients));
  }
  return m;
}

net::Bytes encode(const Done&) {
  Writer w(MsgType::kDone);
  return w.take();
}

Result<Done> decode_done(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kDone, "DONE");
  if (!r) return r.error();
  if (auto ok = r->finish(); !ok) return ok.error();
  return Done{};
}

net::Bytes encode(const Finished&) {
  Writer w(MsgType::kFinished);
  return w.take();
}

Result<Finished> decode_finished(std::span<const std::uint8_t> msg) {
  auto r = open(msg, MsgType::kFinished, "FINISHED");
  if (!r) return r.error();
  if (auto ok = r->finish(); !ok) return ok.error();
  return Finished{};
}

}  // namespace stoffel::node
