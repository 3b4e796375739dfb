// Session messages (node/wire.h): round trips, and every malformed form refused without a
// crash (truncations at every length, extra bytes, out-of-range counts, random mutations).
#include <gtest/gtest.h>
#include <sodium.h>

#include <random>

#include "node/wire.h"

namespace stoffel::node {
namespace {

Roster sample_roster(std::size_t n = 4, std::uint16_t t = 1) {
  Roster r;
  r.field = math::FieldKind::Bn254;
  r.t = t;
  r.clients = 2;
  r.instance_id = 0x0123456789abcdefULL;
  for (std::size_t i = 0; i < 16; ++i) r.session[i] = static_cast<std::uint8_t>(i);
  for (std::size_t i = 0; i < 32; ++i) r.program[i] = static_cast<std::uint8_t>(0xf0 ^ i);
  r.entry = "main";
  for (std::size_t p = 0; p < n; ++p) {
    RosterEntry e;
    e.key.fill(static_cast<std::uint8_t>(p + 1));
    e.address = "127.0.0.1:" + std::to_string(9000 + p);
    r.parties.push_back(e);
  }
  return r;
}

TEST(Wire, RosterRoundTripAndDigest) {
  const Roster r = sample_roster();
  const net::Bytes b = r.encode();
  auto d = Roster::decode(b);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->encode(), b);
  EXPECT_EQ(d->n(), 4u);
  EXPECT_EQ(d->parties[3].address, "127.0.0.1:9003");
  EXPECT_EQ(d->index_of(r.parties[2].key), 2u);
  EXPECT_FALSE(d->index_of(net::PublicKey{}).has_value());
  // The digest is SHA-256 of the encoding (libsodium's SHA-256 as the reference).
  Digest expected{};
  ASSERT_GE(sodium_init(), 0);
  crypto_hash_sha256(expected.data(), b.data(), b.size());
  EXPECT_EQ(r.digest(), expected);
  auto msg = decode_roster(encode_roster(r, MsgType::kSessionInfo), MsgType::kSessionInfo);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->digest(), r.digest());
  EXPECT_FALSE(decode_roster(encode_roster(r, MsgType::kRoster), MsgType::kSessionInfo).ok());
}

TEST(Wire, RosterAndRegistrationCarryTheBackend) {
  Roster r = sample_roster();
  r.avss = true;
  auto d = Roster::decode(r.encode());
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(d->avss);
  EXPECT_NE(d->digest(), sample_roster().digest());  // the backend is part of the session
  Registration reg{1, 4, 1, math::FieldKind::Bls12_381, 0, {}, "main", "h:1"};
  reg.avss = true;
  auto back = decode_registration(encode(reg));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->avss);
  net::Bytes bytes = encode(reg);
  bytes[8] = 7;  // type, party id, n, t, field, then the backend byte
  EXPECT_FALSE(decode_registration(bytes).ok());
}

// The MPC protocol version (N17) travels last in REGISTER; a REGISTER of a build from before it
// (the same bytes without the version) is refused with that said, and a registration of another
// version does not match the session, whatever else agrees.
TEST(Wire, RegistrationCarriesTheProtocolVersion) {
  Registration reg{1, 4, 1, math::FieldKind::Bls12_381, 0, {}, "main", "h:1"};
  EXPECT_EQ(reg.protocol, mpc::kProtocolVersion);
  reg.protocol = 7;
  net::Bytes bytes = encode(reg);
  auto back = decode_registration(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->protocol, 7u);
  bytes.resize(bytes.size() - 2);
  auto old = decode_registration(bytes);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().kind, ErrorKind::Protocol);
  EXPECT_NE(old.error().message.find("REGISTER without an MPC protocol version"),
            std::string::npos)
      << old.error().message;
  bytes.push_back(0);
  bytes.push_back(0);
  auto zero = decode_registration(bytes);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("MPC protocol version 0"), std::string::npos);

  Registration session{0, 4, 1, math::FieldKind::Bls12_381, 0, {}, "main", "h:0"};
  Registration same = session;
  same.party_id = 3;
  same.address = "h:3";
  EXPECT_EQ(registration_mismatch(same, session), std::nullopt);
  Registration older = same;
  older.protocol = static_cast<std::uint16_t>(mpc::kProtocolVersion - 1);
  older.n = 7;  // the version is named first: it explains the rest
  const auto why = registration_mismatch(older, session);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "this party runs MPC protocol version " +
                      std::to_string(mpc::kProtocolVersion - 1) + ", the session version " +
                      std::to_string(mpc::kProtocolVersion) +
                      ": run the same stoffel-run build on every party");
  Registration other_t = same;
  other_t.t = 0;
  EXPECT_EQ(registration_mismatch(other_t, session),
            std::optional<std::string>("this party's t = 0 differs from the session's 1"));
}

TEST(Wire, RosterRefusesEveryTruncationAndExtraBytes) {
  const net::Bytes b = sample_roster().encode();
  for (std::size_t len = 0; len < b.size(); ++len) {
    EXPECT_FALSE(Roster::decode(std::span(b.data(), len)).ok()) << len;
  }
  net::Bytes longer = b;
  longer.push_back(0);
  EXPECT_FALSE(Roster::decode(longer).ok());
}

TEST(Wire, RosterRefusesBadContent) {
  auto bad = [](auto mutate) {
    Roster r = sample_roster();
    mutate(r);
    return Roster::decode(r.encode());
  };
  EXPECT_FALSE(bad([](Roster& r) { r.parties[1].key = r.parties[2].key; }).ok());
  // 4 < 3*2 + 1: a peer's malformed message (Protocol), not a usage error as for the flags (found
  // by fuzz target node_wire).
  auto t2 = bad([](Roster& r) { r.t = 2; });
  ASSERT_FALSE(t2.ok());
  EXPECT_EQ(t2.error().kind, ErrorKind::Protocol);
  EXPECT_NE(t2.error().message.find("malformed roster: invalid MPC parameters"), std::string::npos);
  EXPECT_FALSE(bad([](Roster& r) { r.parties.clear(); }).ok());
  EXPECT_FALSE(bad([](Roster& r) { r.clients = kMaxClients + 1; }).ok());
  EXPECT_FALSE(bad([](Roster& r) { r.entry = std::string("ma\0in", 5); }).ok());
  net::Bytes b = sample_roster().encode();
  b[5] = 9;  // unknown field
  EXPECT_FALSE(Roster::decode(b).ok());
  b = sample_roster().encode();
  b[6] = 2;  // unknown backend
  EXPECT_FALSE(Roster::decode(b).ok());
  b = sample_roster().encode();
  b[7] = 0xff, b[8] = 0xff;  // n = 65535: refused before anything is sized for it
  auto r = Roster::decode(b);
  ASSERT_FALSE(r.ok());
  b = sample_roster().encode();
  b[0] = 'X';
  EXPECT_FALSE(Roster::decode(b).ok());
}

// Entry names and addresses reach logs and terminals (the bootnode logs where a party joined
// from): a control character in them is refused, not passed on (found by the node_wire fuzz
// target: a roster address with \x01 decoded).
TEST(Wire, ControlCharactersInEntryAndAddressAreRefused) {
  for (const char* s : {"127.0.0.1:9000\x1b[2J", "a\nParty 3 joined", "x\x7f:1", "\x01"}) {
    auto r = Roster::decode([&] {
      Roster ro = sample_roster();
      ro.parties[2].address = s;
      return ro.encode();
    }());
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_NE(r.error().message.find("address contains a control character"), std::string::npos)
        << r.error().message;
    Roster ro = sample_roster();
    ro.entry = s;
    EXPECT_FALSE(Roster::decode(ro.encode()).ok()) << s;

    Registration reg;
    reg.n = 4;
    reg.t = 1;
    reg.entry = "main";
    reg.address = s;
    auto bad = decode_registration(encode(reg));
    ASSERT_FALSE(bad.ok()) << s;
    EXPECT_NE(bad.error().message.find("malformed REGISTER: address contains a control"),
              std::string::npos)
        << bad.error().message;
    reg.address = "10.0.0.1:9000";
    reg.entry = s;
    EXPECT_FALSE(decode_registration(encode(reg)).ok()) << s;
  }
  // UTF-8 is not a control character.
  Roster ro = sample_roster();
  ro.entry = "gr\xc3\xbc\xc3\x9f" "e";
  EXPECT_TRUE(Roster::decode(ro.encode()).ok());
}

// A registration whose n and t violate n >= 3t + 1 is refused where it is decoded (W12), so a
// bootnode never builds a roster from it.
TEST(Wire, RegistrationWithTooManyFaultyPartiesIsRefused) {
  auto ok = decode_registration(
      encode(Registration{1, 4, 1, math::FieldKind::Bls12_381, 0, {}, "main", "h:1"}));
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  auto bad = decode_registration(
      encode(Registration{1, 4, 2, math::FieldKind::Bls12_381, 0, {}, "main", "h:1"}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Protocol);
  EXPECT_NE(bad.error().message.find("violates n >= 3t + 1"), std::string::npos);
}

TEST(Wire, RandomMutationsNeverCrash) {
  std::mt19937_64 rng(7);
  const std::vector<net::Bytes> valid = {
      encode_roster(sample_roster(7, 2), MsgType::kRoster),
      encode(Registration{3, 5, 1, math::FieldKind::Curve25519, 2, {}, "main", "h:1"}),
      encode(std::vector<ClientEntry>{{{}, 1, 2, {0, 1}}, {{}, kAnyIndex, 3, {1, 1, 0}}}),
      encode(Refusal{RefuseCode::kProgramMismatch, "program differs"}),
  };
  std::size_t accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    net::Bytes b = valid[static_cast<std::size_t>(round) % valid.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % b.size();
      switch (rng() % 3) {
        case 0:
          b[at] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          b.resize(at + 1);
          break;
        default:
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng()));
      }
    }
    accepted += decode_roster(b, MsgType::kRoster).ok();
    accepted += decode_registration(b).ok();
    accepted += decode_client_set(b).ok();
    accepted += decode_refusal(b).ok();
  }
  // Some mutations keep a message valid (a changed key byte); most do not. Either way: no crash.
  EXPECT_LT(accepted, 4000u);
}

TEST(Wire, SmallMessagesRoundTrip) {
  Challenge c;
  c.nonce.fill(7);
  c.session.fill(9);
  auto c2 = decode_challenge(encode(c));
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->nonce, c.nonce);
  EXPECT_EQ(c2->session, c.session);

  Proof p;
  p.nonce.fill(1);
  p.mac.fill(2);
  auto p2 = decode_proof(encode(p));
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->mac, p.mac);
  net::Mac m;
  m.fill(3);
  EXPECT_EQ(*decode_confirm(encode_confirm(m)), m);

  Registration reg{2, 5, 1, math::FieldKind::Bls12_381, 3, {}, "main", "10.0.0.2:9003"};
  reg.program.fill(0xab);
  auto reg2 = decode_registration(encode(reg));
  ASSERT_TRUE(reg2.ok()) << reg2.error().message;
  EXPECT_EQ(reg2->party_id, 2);
  EXPECT_EQ(reg2->address, "10.0.0.2:9003");
  EXPECT_EQ(reg2->program, reg.program);
  reg.party_id = 5;  // not below n
  EXPECT_FALSE(decode_registration(encode(reg)).ok());

  auto st = decode_status(encode(Status{3, 5}));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->registered, 3);

  auto ref = decode_refusal(encode(Refusal{RefuseCode::kAuthentication, "bad\x1b[31m token\n"}));
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->code, RefuseCode::kAuthentication);
  EXPECT_EQ(ref->reason, "bad?[31m token?");  // no terminal escapes reach the user

  PeerHello h;
  h.roster.fill(4);
  h.party_id = 6;
  auto h2 = decode_peer_hello(encode(h));
  ASSERT_TRUE(h2.ok());
  EXPECT_EQ(h2->party_id, 6);

  auto ch = decode_client_hello(encode(ClientHello{kAnyIndex, 6, {0, 1, 0, 1, 1, 0}}));
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->inputs, 6u);
  EXPECT_EQ(ch->kinds, (std::vector<std::uint8_t>{0, 1, 0, 1, 1, 0}));
  EXPECT_FALSE(decode_client_hello(encode(ClientHello{0, kMaxInputs + 1, {}})).ok());
  // A kind other than integer (0) or fixed point (1), and kinds missing: malformed.
  net::Bytes bad_kind = encode(ClientHello{kAnyIndex, 2, {0, 1}});
  bad_kind.back() = 2;
  auto bk = decode_client_hello(bad_kind);
  ASSERT_FALSE(bk.ok());
  EXPECT_NE(bk.error().message.find("unknown input kind 2"), std::string::npos) << bk.error().message;
  net::Bytes no_kinds = encode(ClientHello{kAnyIndex, 2, {0, 1}});
  no_kinds.resize(no_kinds.size() - 2);
  EXPECT_FALSE(decode_client_hello(no_kinds).ok());

  std::vector<ClientEntry> set(3);
  set[1].key.fill(5);
  set[1].index = 1;
  set[2].inputs = 9;
  set[2].kinds = {0, 1, 1, 0, 0, 0, 1, 0, 1};
  auto set2 = decode_client_set(encode(set));
  ASSERT_TRUE(set2.ok());
  EXPECT_EQ(*set2, set);
  net::Bytes short_set = encode(set);
  short_set.pop_back();
  EXPECT_FALSE(decode_client_set(short_set).ok());

  auto as = decode_assignment(encode(Assignment{1, 2, 6, 99}));
  ASSERT_TRUE(as.ok());
  EXPECT_EQ(as->instance_id, 99u);
  EXPECT_FALSE(decode_assignment(encode(Assignment{2, 2, 6, 99})).ok());

  EXPECT_TRUE(decode_done(encode(Done{})).ok());
  EXPECT_FALSE(decode_done(net::Bytes{13, 0}).ok());
  EXPECT_FALSE(message_type(net::Bytes{}).ok());
  EXPECT_FALSE(message_type(net::Bytes{0}).ok());
  EXPECT_TRUE(decode_finished(encode(Finished{})).ok());
  EXPECT_FALSE(decode_finished(encode(Done{})).ok());
  EXPECT_FALSE(message_type(net::Bytes{15}).ok());
  EXPECT_EQ(*message_type(encode(Done{})), MsgType::kDone);
  // A message of another type is not taken for this one.
  EXPECT_FALSE(decode_done(encode(Status{})).ok());
}

}  // namespace
}  // namespace stoffel::node
