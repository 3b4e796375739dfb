#include "embed/party_backend.h"

#include <string>
#include <vector>

#include "math/domain.h"
#include "math/shamir.h"

namespace stoffel::embed {

PartyBackend::PartyBackend(mpc::Party& party) : party_(party) {
  info_.party_id = static_cast<uint32_t>(party.id());
  info_.n_parties = static_cast<uint32_t>(party.n());
  info_.threshold = static_cast<uint32_t>(party.t());
  info_.instance_id = party.instance_id();
  avss_ = dynamic_cast<mpc::AvssParty*>(&party);
  info_.backend = avss_ != nullptr ? "avss" : "honeybadger";
  info_.field = std::string(math::field_kind_name(party.field()));
}

// Robust local reconstruction over this session's evaluation points (the same Domain the
// protocols use: roots of unity where the field has them, else 1..n, M7).
Result<vm::FieldBytes> PartyBackend::interpolate(std::span<const vm::FieldBytes> shares) const {
  const size_t n = party_.n(), t = party_.t();
  if (shares.size() > n) {
    return make_error("Share.interpolate_local: " + std::to_string(shares.size()) +
                      " shares but only " + std::to_string(n) + " parties");
  }
  if (shares.size() < 2 * t + 1) {
    return make_error("Share.interpolate_local needs at least " + std::to_string(2 * t + 1) +
                      " shares (2t+1), got " + std::to_string(shares.size()));
  }
  return math::visit_field(party_.field(), [&](auto tag) -> Result<vm::FieldBytes> {
    using F = typename decltype(tag)::type;
    auto domain = math::Domain<F>::create(n);
    if (!domain) return domain.error();
    std::vector<size_t> parties;
    std::vector<F> values;
    for (size_t i = 0; i < shares.size(); ++i) {
      auto v = F::from_bytes(shares[i]);
      if (!v) return v.error();
      parties.push_back(i);
      values.push_back(*v);
    }
    auto secret = math::reconstruct_secret_robust<F>(*domain, t, parties, values);
    if (!secret) return secret.error();
    if (!secret->has_value()) {
      return make_error(
          "Share.interpolate_local: the shares do not determine a value (too many "
          "wrong shares)");
    }
    return (**secret).to_bytes();
  });
}

Result<std::pair<uint32_t, std::vector<uint8_t>>> PartyBackend::rbc_receive_any(
    uint64_t timeout_ms) {
  auto got = party_.rbc_receive_any(std::chrono::milliseconds(timeout_ms));
  if (!got) return got.error();
  return std::make_pair(static_cast<uint32_t>(got->first), std::move(got->second));
}

Result<std::vector<uint8_t>> PartyBackend::open_exp(const vm::FieldBytes& share,
                                                    std::span<const uint8_t> commitments,
                                                    std::string_view group,
                                                    std::span<const uint8_t> base) {
  if (avss_ != nullptr) return avss_->open_exp_committed(share, commitments, group, base);
  auto points = party_.open_exp(std::span<const vm::FieldBytes>(&share, 1), group, base);
  if (!points) return points.error();
  return std::move((*points)[0]);
}

std::vector<uint8_t> PartyBackend::commitments_linear(
    std::span<const std::span<const uint8_t>> inputs, std::span<const vm::FieldBytes> factors,
    const vm::FieldBytes& constant) const {
  if (avss_ == nullptr) return {};
  return avss_->commitments_linear(inputs, factors, constant);
}

Result<std::pair<vm::FieldBytes, std::vector<uint8_t>>> PartyBackend::random_committed() {
  if (avss_ == nullptr) return vm::MpcBackend::random_committed();
  auto r = avss_->random_committed();
  if (!r) return r.error();
  return std::make_pair(r->value, std::move(r->commitments));
}

Result<std::vector<vm::FieldBytes>> PartyBackend::open_committed(
    std::span<const vm::FieldBytes> shares, std::span<const std::vector<uint8_t>> commitments) {
  if (avss_ == nullptr) return party_.open(shares);
  return avss_->open_committed(shares, commitments);
}

}  // namespace stoffel::embed
