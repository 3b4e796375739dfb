// Adapts one MPC party (mpc::Party) to the VM's engine interface (vm::MpcBackend). This layer is
// the only place that knows both the VM and the MPC layer.
#pragma once

#include "mpc/avss/avss_party.h"
#include "mpc/party.h"
#include "vm/mpc_backend.h"

namespace stoffel::embed {

class PartyBackend final : public vm::MpcBackend {
 public:
  explicit PartyBackend(mpc::Party& party);

  bool is_ready() const override { return true; }
  const vm::EngineInfo& info() const override { return info_; }

  vm::FieldBytes encode_int(int64_t v) const override { return party_.encode_int(v); }
  Result<int64_t> decode_int(const vm::FieldBytes& v) const override {
    return party_.decode_int(v);
  }
  Result<vm::FieldBytes> check_canonical(const vm::FieldBytes& v) const override {
    return party_.check_canonical(v);
  }
  vm::FieldBytes share_public(const vm::FieldBytes& v) const override {
    return party_.share_public(v);
  }
  vm::FieldBytes add(const vm::FieldBytes& a, const vm::FieldBytes& b) const override {
    return party_.add(a, b);
  }
  vm::FieldBytes sub(const vm::FieldBytes& a, const vm::FieldBytes& b) const override {
    return party_.sub(a, b);
  }
  vm::FieldBytes neg(const vm::FieldBytes& a) const override { return party_.neg(a); }
  vm::FieldBytes mul_public(const vm::FieldBytes& s, const vm::FieldBytes& k) const override {
    return party_.mul_public(s, k);
  }
  Result<vm::FieldBytes> inverse(const vm::FieldBytes& v) const override {
    return party_.inverse(v);
  }
  Result<vm::FieldBytes> interpolate(std::span<const vm::FieldBytes> shares) const override;

  Result<std::vector<vm::FieldBytes>> mul(std::span<const vm::FieldBytes> a,
                                          std::span<const vm::FieldBytes> b) override {
    return party_.mul(a, b);
  }
  Result<std::vector<vm::FieldBytes>> open(std::span<const vm::FieldBytes> s) override {
    return party_.open(s);
  }
  Result<vm::FieldBytes> random() override { return party_.random(); }
  Result<std::vector<vm::FieldBytes>> truncate(std::span<const vm::FieldBytes> s, uint32_t k,
                                               uint32_t f) override {
    return party_.truncate(s, k, f);
  }
  Result<std::vector<vm::FieldBytes>> less_than_zero(std::span<const vm::FieldBytes> s,
                                                     uint32_t k) override {
    return party_.less_than_zero(s, k);
  }
  Result<std::vector<vm::FieldBytes>> equal_zero(std::span<const vm::FieldBytes> s,
                                                 uint32_t k) override {
    return party_.equal_zero(s, k);
  }
  // The MPC layer speaks field elements only; the type travels to the client as the output's
  // label (vm::ShareType::output_label), so the client reads the values as the program meant
  // them (integer, fixed point, bool), on the embedded engine and in distributed sessions alike.
  Result<void> send_output(uint64_t client, std::span<const vm::FieldBytes> s,
                           const vm::ShareType& type) override {
    return party_.send_output(client, s, type.output_label());
  }
  Result<uint64_t> rbc_broadcast(std::span<const uint8_t> payload) override {
    return party_.rbc_broadcast(payload);
  }
  Result<std::vector<uint8_t>> rbc_receive(uint32_t from, uint64_t timeout_ms) override {
    return party_.rbc_receive(from, std::chrono::milliseconds(timeout_ms));
  }
  Result<std::pair<uint32_t, std::vector<uint8_t>>> rbc_receive_any(uint64_t timeout_ms) override;
  Result<uint64_t> aba_propose(bool value) override { return party_.aba_propose(value); }
  Result<bool> aba_result(uint64_t session, uint64_t timeout_ms) override {
    return party_.aba_result(session, std::chrono::milliseconds(timeout_ms));
  }
  Result<std::vector<uint8_t>> open_exp(const vm::FieldBytes& share,
                                        std::span<const uint8_t> commitments,
                                        std::string_view group,
                                        std::span<const uint8_t> base) override;
  // Verifiable sharings: only on the AVSS backend (an mpc::AvssParty); the defaults otherwise.
  std::vector<uint8_t> commitments_linear(std::span<const std::span<const uint8_t>> inputs,
                                          std::span<const vm::FieldBytes> factors,
                                          const vm::FieldBytes& constant) const override;
  Result<std::pair<vm::FieldBytes, std::vector<uint8_t>>> random_committed() override;
  Result<std::vector<vm::FieldBytes>> open_committed(
      std::span<const vm::FieldBytes> shares,
      std::span<const std::vector<uint8_t>> commitments) override;

 private:
  mpc::Party& party_;
  mpc::AvssParty* avss_ = nullptr;  // the same party when it is an AVSS party
  vm::EngineInfo info_;
};

}  // namespace stoffel::embed
