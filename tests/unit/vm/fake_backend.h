// A fake MPC engine for VM tests: one party, threshold 0, so a share *is* the value, over the
// field of the Mersenne prime 2^61 - 1. It counts interactive calls so tests can check batching.
#pragma once

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "vm/mpc_backend.h"

namespace stoffel::vm::testing {

class FakeBackend final : public MpcBackend {
 public:
  static constexpr uint64_t kP = (uint64_t{1} << 61) - 1;

  FakeBackend() { info_ = EngineInfo{0, 1, 0, 7, "fake", "mersenne61"}; }
  bool is_ready() const override { return ready; }
  const EngineInfo& info() const override { return info_; }

  static FieldBytes put(uint64_t v) {
    FieldBytes b{};
    std::memcpy(b.data(), &v, sizeof v);
    return b;
  }
  static uint64_t get(const FieldBytes& b) {
    uint64_t v;
    std::memcpy(&v, b.data(), sizeof v);
    return v;
  }
  // Shift-and-add keeps it portable (no __int128, which -Wpedantic rejects); tests only.
  static uint64_t mulmod(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    a %= kP;
    while (b != 0) {
      if (b & 1) r = (r + a) % kP;
      a = (a << 1) % kP;
      b >>= 1;
    }
    return r;
  }

  FieldBytes encode_int(int64_t v) const override {
    const int64_t m = v % static_cast<int64_t>(kP);
    return put(static_cast<uint64_t>(m < 0 ? m + static_cast<int64_t>(kP) : m));
  }
  Result<int64_t> decode_int(const FieldBytes& v) const override {
    const uint64_t x = get(v);
    return x > kP / 2 ? static_cast<int64_t>(x) - static_cast<int64_t>(kP)
                      : static_cast<int64_t>(x);
  }
  Result<FieldBytes> check_canonical(const FieldBytes& v) const override {
    if (get(v) >= kP) return make_error("not canonical");
    return v;
  }
  FieldBytes share_public(const FieldBytes& v) const override { return v; }
  FieldBytes add(const FieldBytes& a, const FieldBytes& b) const override {
    return put((get(a) + get(b)) % kP);
  }
  FieldBytes sub(const FieldBytes& a, const FieldBytes& b) const override {
    return put((get(a) + kP - get(b)) % kP);
  }
  FieldBytes neg(const FieldBytes& a) const override { return put((kP - get(a)) % kP); }
  FieldBytes mul_public(const FieldBytes& s, const FieldBytes& k) const override {
    return put(mulmod(get(s), get(k)));
  }
  Result<FieldBytes> inverse(const FieldBytes& v) const override {
    uint64_t base = get(v), e = kP - 2, r = 1;
    if (base == 0) return make_error("inverse of 0");
    while (e != 0) {
      if (e & 1) r = mulmod(r, base);
      base = mulmod(base, base);
      e >>= 1;
    }
    return put(r);
  }
  Result<FieldBytes> interpolate(std::span<const FieldBytes> s) const override {
    if (s.empty()) return make_error("no shares");
    return s[0];  // t = 0: every share is the value
  }
  Result<std::vector<FieldBytes>> mul(std::span<const FieldBytes> a,
                                      std::span<const FieldBytes> b) override {
    ++mul_calls;
    std::vector<FieldBytes> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(put(mulmod(get(a[i]), get(b[i]))));
    return out;
  }
  Result<std::vector<FieldBytes>> open(std::span<const FieldBytes> s) override {
    ++open_calls;
    opened_values += s.size();
    return std::vector<FieldBytes>(s.begin(), s.end());
  }
  Result<FieldBytes> random() override { return put(12345); }
  Result<std::vector<FieldBytes>> truncate(std::span<const FieldBytes> s, uint32_t,
                                           uint32_t f) override {
    std::vector<FieldBytes> out;
    for (const auto& x : s) {
      const int64_t v = *decode_int(x);
      out.push_back(encode_int(v >= 0 ? v >> f : -((-v) >> f)));
    }
    return out;
  }
  // Comparisons on the decoded values (the fake's values are small, so k is not needed); one call
  // per batch, counted.
  Result<std::vector<FieldBytes>> less_than_zero(std::span<const FieldBytes> s,
                                                 uint32_t k) override {
    ++compare_calls;
    last_compare_bits = k;
    std::vector<FieldBytes> out;
    for (const auto& x : s) out.push_back(encode_int(*decode_int(x) < 0 ? 1 : 0));
    return out;
  }
  Result<std::vector<FieldBytes>> equal_zero(std::span<const FieldBytes> s, uint32_t k) override {
    ++compare_calls;
    last_compare_bits = k;
    std::vector<FieldBytes> out;
    for (const auto& x : s) out.push_back(encode_int(*decode_int(x) == 0 ? 1 : 0));
    return out;
  }
  Result<void> send_output(uint64_t client, std::span<const FieldBytes> s,
                           const ShareType&) override {
    for (const auto& x : s) outputs.emplace_back(client, *decode_int(x));
    return {};
  }

  // Reliable broadcast and agreement for this one party, when `async` is set (otherwise the
  // interface's defaults answer): a broadcast is delivered at once, an agreement decides the
  // proposed value; the payloads and timeouts the VM passed are recorded.
  Result<uint64_t> rbc_broadcast(std::span<const uint8_t> payload) override {
    if (!async) return MpcBackend::rbc_broadcast(payload);
    delivered.emplace_back(payload.begin(), payload.end());
    return broadcasts++;
  }
  Result<std::vector<uint8_t>> rbc_receive(uint32_t from, uint64_t timeout_ms) override {
    if (!async) return MpcBackend::rbc_receive(from, timeout_ms);
    last_timeout = timeout_ms;
    if (delivered.empty()) return make_error("nothing within " + std::to_string(timeout_ms));
    std::vector<uint8_t> m = std::move(delivered.front());
    delivered.erase(delivered.begin());
    return m;
  }
  Result<std::pair<uint32_t, std::vector<uint8_t>>> rbc_receive_any(uint64_t timeout_ms) override {
    auto m = rbc_receive(0, timeout_ms);
    if (!m) return m.error();
    return std::make_pair(uint32_t{0}, std::move(*m));
  }
  Result<uint64_t> aba_propose(bool value) override {
    if (!async) return MpcBackend::aba_propose(value);
    proposals.push_back(value);
    return proposals.size() - 1;
  }
  Result<bool> aba_result(uint64_t session, uint64_t timeout_ms) override {
    if (!async) return MpcBackend::aba_result(session, timeout_ms);
    if (session >= proposals.size()) return make_error("no session " + std::to_string(session));
    return static_cast<bool>(proposals[session]);
  }

  bool ready = true;
  bool async = false;
  uint64_t broadcasts = 0;
  uint64_t last_timeout = 0;
  std::vector<std::vector<uint8_t>> delivered;
  std::vector<bool> proposals;
  int mul_calls = 0;
  int compare_calls = 0;
  uint32_t last_compare_bits = 0;
  int open_calls = 0;
  size_t opened_values = 0;
  std::vector<std::pair<uint64_t, int64_t>> outputs;

 private:
  EngineInfo info_;
};

}  // namespace stoffel::vm::testing
