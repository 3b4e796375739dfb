// HbPartyImpl<F>: client input (masked inputs) and output to clients (decision N4). Included
// only by the per-field translation units (field_<name>.cpp).
#pragma once

#include <sodium.h>

#include <string>

#include "mpc/hb/party_impl.h"
#include "mpc/wire.h"

namespace stoffel::mpc {

// --- client input -----------------------------------------------------------------------------
//
// For each input the parties spend one random mask [r] (a fresh share from the mask pool) and
// send their shares of r to the client, which decodes r robustly and sends m = x + r to every
// party. A client could send different m to different parties, so the parties then compare a
// hash of all m of the call (one round): a party continues only when at least n - t parties
// (itself included) saw exactly what it saw. If the client was consistent every honest party
// passes; if it was not, at most one group of honest parties can pass and the others fail with
// an error, so no party ever holds shares of an input the others disagree on without noticing.
// The share of x is m - [r].
template <typename F>
Result<std::vector<std::vector<FieldBytes>>> HbPartyImpl<F>::receive_client_inputs(
    std::span<const ClientInputCount> input_counts) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < input_counts.size(); ++i) {
    const auto& c = input_counts[i];
    if (i > 0 && input_counts[i - 1].client_id >= c.client_id) {
      return make_error(ErrorKind::Usage,
                        "client inputs: client ids must be ascending and distinct");
    }
    if (!find_client(c.client_id)) {
      return make_error(ErrorKind::Usage,
                        "client inputs: no client with id " + std::to_string(c.client_id));
    }
    if (c.count > kMaxClientInputs) {
      return make_error(ErrorKind::Usage, "client inputs: client " + std::to_string(c.client_id) +
                                              " asks for " + std::to_string(c.count) +
                                              " inputs (at most " +
                                              std::to_string(kMaxClientInputs) + ")");
    }
    total += c.count;
  }
  std::vector<std::vector<FieldBytes>> result(input_counts.size());
  if (total == 0) return result;
  if (auto ok = ensure(Needs{0, total, 0, 0}); !ok) return ok.error();
  const std::span<const F> taken = masks_.take(total);
  std::vector<F> masks(taken.begin(), taken.end());

  std::size_t offset = 0;
  for (const auto& c : input_counts) {
    if (c.count == 0) continue;
    const auto* client = find_client(c.client_id);
    const std::uint64_t seq = input_seq_[c.client_id];
    if (auto ok = router_.send(
            client->endpoint,
            wire::encode_elements<F>(wire::Channel::kInputMask, seq,
                                     std::span<const F>(masks.data() + offset, c.count)));
        !ok) {
      return ok.error();
    }
    offset += c.count;
  }

  std::vector<F> masked(total);
  crypto_generichash_state hash;
  crypto_generichash_init(&hash, nullptr, 0, crypto_generichash_BYTES);
  offset = 0;
  for (const auto& c : input_counts) {
    if (c.count == 0) continue;
    const auto* client = find_client(c.client_id);
    const std::uint64_t seq = input_seq_[c.client_id]++;
    auto msg = router_.take_client_message(client->endpoint, seq, "a client's masked inputs");
    if (!msg) return msg.error();
    const auto& [count, payload] = *msg;
    if (count != c.count ||
        !wire::decode_elements<F>(wire::body(payload),
                                  std::span<F>(masked.data() + offset, c.count))) {
      return make_error(ErrorKind::Protocol, "client " + std::to_string(c.client_id) + " sent " +
                                                 std::to_string(count) +
                                                 " masked inputs (or invalid ones), expected " +
                                                 std::to_string(c.count));
    }
    std::uint8_t id_bytes[16];
    for (int b = 0; b < 8; ++b) {
      id_bytes[b] = static_cast<std::uint8_t>(c.client_id >> (8 * b));
      id_bytes[8 + b] = static_cast<std::uint8_t>(c.count >> (8 * b));
    }
    crypto_generichash_update(&hash, id_bytes, sizeof(id_bytes));
    crypto_generichash_update(&hash, payload.data() + wire::kHeaderSize,
                              payload.size() - wire::kHeaderSize);
    offset += c.count;
  }
  // 31 bytes of the digest are a canonical field element in every field (< 2^248 < p).
  std::array<std::uint8_t, 32> digest{};
  crypto_generichash_final(&hash, digest.data(), digest.size());
  digest[31] = 0;
  const F mine = *F::from_bytes(digest);

  const std::uint64_t round = router_.next_round();
  if (auto ok = send_to_others(
          wire::encode_shares<F>(wire::Channel::kRound, round, std::span<const F>(&mine, 1)));
      !ok) {
    return ok.error();
  }
  const std::size_t n = cfg_.n, quorum = n - cfg_.t;
  std::size_t agree = 1, heard = 1;
  auto on_message = [&](std::size_t, std::uint32_t cnt, std::span<const std::uint8_t> body) {
    F v{};
    if (cnt != 1 || !wire::decode_shares<F>(body, std::span<F>(&v, 1))) return false;
    ++heard;
    if (v == mine) ++agree;
    return true;
  };
  auto progress = [&]() -> Result<bool> {
    if (agree >= quorum) return true;
    if (agree + (n - heard) < quorum) {
      return make_error(ErrorKind::Protocol,
                        "client inputs: parties received different masked inputs (a client "
                        "sent inconsistent values, or a party is faulty)");
    }
    return false;
  };
  auto awaited = [&](std::size_t p) { return wait_for(p); };
  if (auto ok = router_.gather(round, "the parties' view of the client inputs", on_message,
                               progress, awaited);
      !ok) {
    return ok.error();
  }

  offset = 0;
  for (std::size_t i = 0; i < input_counts.size(); ++i) {
    result[i].resize(input_counts[i].count);
    for (std::size_t k = 0; k < input_counts[i].count; ++k) {
      result[i][k] = store(masked[offset + k] - masks[offset + k]);
    }
    offset += input_counts[i].count;
  }
  math::wipe(std::span<F>(masks));
  return result;
}

// --- output to a client -------------------------------------------------------------------------
// Each party sends its shares straight to the client, which decodes them robustly; the label
// follows them as one more element, the same at every party (a constant polynomial, so the
// client's decoder recovers it like a value).
template <typename F>
Result<void> HbPartyImpl<F>::send_output(std::uint64_t client_id, std::span<const FieldBytes> shares,
                                         std::uint32_t label) {
  const auto* client = find_client(client_id);
  if (!client) return make_error("send_output: no client with id " + std::to_string(client_id));
  auto vals = load_all(shares, "send_output");
  if (!vals) return vals.error();
  vals->push_back(F::from_u64(label));
  const std::uint64_t seq = output_seq_[client_id]++;
  return router_.send(client->endpoint, wire::encode_elements<F>(wire::Channel::kOutput, seq,
                                                                 std::span<const F>(*vals)));
}

}  // namespace stoffel::mpc
