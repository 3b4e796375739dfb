// Fuzz target: the session messages of distributed runs (node/wire.h), as bytes from another
// machine: the payload of one frame on the session channel, given to every decoder (a party,
// the bootnode and a client each call the one they expect, so any of them may get anything),
// and the party addresses a roster or REGISTER carries to net::parse_host_port (a party dials
// what the bootnode's roster says).
//
// Input: the frame payload (type byte first).
//
// Properties:
//  * message_type accepts exactly the known type bytes; a decoder accepts only its own type;
//  * a decoded message re-encodes to exactly the input (the format is canonical), except that
//    a REFUSED reason has its control characters replaced (it is shown to a user): there the
//    re-encoding is the input so sanitised, and decodes to the same message;
//  * what decodes is within the documented bounds (n, t, party id, clients, inputs, indices,
//    string lengths, distinct roster keys), and a roster's digest is the SHA-256 of its bytes;
//  * errors are clean: ErrorKind::Protocol, a message of printable ASCII (peer bytes never reach
//    a log or terminal raw), of bounded length;
//  * an address that parses prints back to text that parses to the same host and port.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "mpc/session_params.h"
#include "net/tls.h"
#include "node/wire.h"

using namespace stoffel;
using namespace stoffel::node;

namespace {

std::span<const std::uint8_t> span_of(const net::Bytes& b) { return {b.data(), b.size()}; }

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

// Strings of session messages go to logs and terminals: no control characters (UTF-8 bytes
// above 0x7f are allowed).
bool no_controls(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

template <typename T>
void check_error(const Result<T>& r, const char* decoder) {
  if (r) return;
  const std::string what = std::string(decoder) + ": " + r.error().message;
  fuzz::check(r.error().kind == ErrorKind::Protocol, "a decoder error that is not Protocol", what);
  fuzz::check(!r.error().message.empty() && r.error().message.size() <= 300,
              "a decoder error without a message or with a long one", what);
  fuzz::check(printable(r.error().message), "a decoder error with unprintable bytes", what);
}

void check_same(const net::Bytes& again, std::span<const std::uint8_t> msg, const char* what) {
  fuzz::check(std::equal(again.begin(), again.end(), msg.begin(), msg.end()),
              "a decoded message does not re-encode to the same bytes", what);
}

void check_address(const std::string& address) {
  fuzz::check(address.size() <= kMaxAddress && no_controls(address),
              "a decoded address out of bounds or with control characters");
  auto hp = net::parse_host_port(address);
  if (!hp) {
    fuzz::check(no_controls(hp.error().message), "an address error with control characters",
                hp.error().message);
    return;
  }
  auto again = net::parse_host_port(hp->to_string());
  fuzz::check(again.ok() && again->host == hp->host && again->port == hp->port,
              "a parsed address does not print back to itself", address);
}

void check_roster(const Roster& r, std::span<const std::uint8_t> roster_bytes) {
  fuzz::check(r.n() >= 1 && r.n() <= kMaxParties, "a roster with n out of range");
  fuzz::check(mpc::validate_parameters(r.n(), r.t).ok(), "a roster with n < 3t + 1");
  fuzz::check(r.clients <= kMaxClients, "a roster with too many clients");
  fuzz::check(r.entry.size() <= kMaxEntry && no_controls(r.entry),
              "a roster entry out of bounds or with control characters");
  for (std::size_t i = 0; i < r.n(); ++i) {
    fuzz::check(r.index_of(r.parties[i].key) == i, "roster keys are not distinct");
    check_address(r.parties[i].address);
  }
  check_same(r.encode(), roster_bytes, "roster");
  fuzz::check(r.digest() == sha256(roster_bytes), "the roster digest is not its bytes' SHA-256");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::uint8_t> msg(data, size);

  auto type = message_type(msg);
  check_error(type, "message_type");
  fuzz::check(type.ok() == (size > 0 && data[0] >= 1 && data[0] <= 14),
              "message_type accepts an unknown type or refuses a known one");
  // Only the decoder of the message's own type may accept it.
  const auto own = [&](MsgType t) { return size > 0 && data[0] == static_cast<std::uint8_t>(t); };
  std::size_t accepted = 0;
  const auto verdict = [&](const auto& r, MsgType t, const char* name) {
    check_error(r, name);
    fuzz::check(!r.ok() || own(t), "a decoder accepts another type's message", name);
    accepted += r.ok() ? 1 : 0;
    return r.ok();
  };

  if (auto m = decode_challenge(msg); verdict(m, MsgType::kChallenge, "CHALLENGE")) {
    check_same(encode(*m), msg, "CHALLENGE");
  }
  if (auto m = decode_proof(msg); verdict(m, MsgType::kProof, "PROOF")) {
    check_same(encode(*m), msg, "PROOF");
  }
  if (auto m = decode_confirm(msg); verdict(m, MsgType::kConfirm, "CONFIRM")) {
    check_same(encode_confirm(*m), msg, "CONFIRM");
  }
  if (auto m = decode_registration(msg); verdict(m, MsgType::kRegister, "REGISTER")) {
    fuzz::check(m->n >= 1 && m->n <= kMaxParties && m->party_id < m->n &&
                    mpc::validate_parameters(m->n, m->t).ok() && m->clients <= kMaxClients,
                "a REGISTER out of bounds");
    fuzz::check(m->entry.size() <= kMaxEntry && no_controls(m->entry),
                "a REGISTER entry out of bounds or with control characters");
    check_address(m->address);
    check_same(encode(*m), msg, "REGISTER");
  }
  if (auto m = decode_status(msg); verdict(m, MsgType::kStatus, "STATUS")) {
    check_same(encode(*m), msg, "STATUS");
  }
  for (const MsgType t : {MsgType::kRoster, MsgType::kSessionInfo}) {
    auto m = decode_roster(msg, t);
    if (verdict(m, t, t == MsgType::kRoster ? "ROSTER" : "SESSION_INFO")) {
      check_roster(*m, msg.subspan(1));
      check_same(encode_roster(*m, t), msg, "ROSTER");
    }
  }
  if (auto m = decode_refusal(msg); verdict(m, MsgType::kRefused, "REFUSED")) {
    fuzz::check(m->reason.size() <= kMaxReason && no_controls(m->reason),
                "a REFUSED reason out of bounds or with control characters");
    // The input with the reason's control characters replaced, as the decoder does.
    net::Bytes sanitised(msg.begin(), msg.end());
    for (std::size_t i = 4; i < sanitised.size(); ++i) {
      if (sanitised[i] < 0x20 || sanitised[i] == 0x7f) sanitised[i] = '?';
    }
    const net::Bytes again = encode(*m);
    check_same(again, span_of(sanitised), "REFUSED");
    auto twice = decode_refusal(again);
    fuzz::check(twice.ok() && twice->code == m->code && twice->reason == m->reason,
                "a REFUSED message changes in encode/decode");
  }
  if (auto m = decode_peer_hello(msg); verdict(m, MsgType::kPeerHello, "PEER_HELLO")) {
    check_same(encode(*m), msg, "PEER_HELLO");
  }
  if (auto m = decode_client_hello(msg); verdict(m, MsgType::kClientHello, "CLIENT_HELLO")) {
    fuzz::check(m->inputs <= kMaxInputs && (m->index == kAnyIndex || m->index < kMaxClients),
                "a CLIENT_HELLO out of bounds");
    check_same(encode(*m), msg, "CLIENT_HELLO");
  }
  if (auto m = decode_client_set(msg); verdict(m, MsgType::kClientSet, "CLIENT_SET")) {
    fuzz::check(m->size() <= kMaxClients, "a CLIENT_SET with too many clients");
    check_same(encode(std::span<const ClientEntry>(*m)), msg, "CLIENT_SET");
  }
  if (auto m = decode_assignment(msg); verdict(m, MsgType::kAssign, "ASSIGN")) {
    fuzz::check(m->clients <= kMaxClients && m->index < m->clients, "an ASSIGN out of bounds");
    check_same(encode(*m), msg, "ASSIGN");
  }
  if (auto m = decode_done(msg); verdict(m, MsgType::kDone, "DONE")) {
    check_same(encode(*m), msg, "DONE");
  }
  if (auto m = decode_finished(msg); verdict(m, MsgType::kFinished, "FINISHED")) {
    check_same(encode(*m), msg, "FINISHED");
  }
  fuzz::check(accepted <= 1, "more than one decoder accepts a message");
  fuzz::check(accepted == 0 || type.ok(), "a decoder accepts a message of no known type");
  return 0;
}
