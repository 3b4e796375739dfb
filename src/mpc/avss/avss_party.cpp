#include "mpc/avss/avss_party.h"

#include <string>

#include "mpc/avss/avss_party_impl.h"

namespace stoffel::mpc {

extern template class AvssPartyImpl<math::Bls12_381_Fr>;
extern template class AvssPartyImpl<math::Bn254_Fr>;
extern template class AvssPartyImpl<math::Curve25519_Fr>;

Result<std::vector<std::unique_ptr<HbParty>>> make_avss_parties(
    const PartyConfig& config, std::span<net::Endpoint* const> endpoints) {
  if (endpoints.size() != config.n) {
    return make_error("make_avss_parties: " + std::to_string(endpoints.size()) +
                      " endpoints for n = " + std::to_string(config.n));
  }
  if (auto ok = validate_parameters(config.n, config.t); !ok) return ok.error();
  return math::visit_field(
      config.field, [&](auto tag) -> Result<std::vector<std::unique_ptr<HbParty>>> {
        using F = typename decltype(tag)::type;
        auto alg = Algebra<F>::create(config.n, config.t);
        if (!alg) return alg.error();
        std::vector<std::unique_ptr<HbParty>> parties;
        for (std::size_t i = 0; i < config.n; ++i) {
          PartyConfig c = config;
          c.id = i;
          parties.push_back(std::make_unique<AvssPartyImpl<F>>(c, *endpoints[i], *alg));
        }
        return parties;
      });
}

Result<std::unique_ptr<HbParty>> make_avss_party(const PartyConfig& config,
                                                 net::Endpoint& endpoint) {
  if (auto ok = validate_parameters(config.n, config.t); !ok) return ok.error();
  if (config.id >= config.n) {
    return make_error("party id " + std::to_string(config.id) +
                      " is not below n = " + std::to_string(config.n));
  }
  return math::visit_field(config.field, [&](auto tag) -> Result<std::unique_ptr<HbParty>> {
    using F = typename decltype(tag)::type;
    auto alg = Algebra<F>::create(config.n, config.t);
    if (!alg) return alg.error();
    return std::unique_ptr<HbParty>(std::make_unique<AvssPartyImpl<F>>(config, endpoint, *alg));
  });
}

}  // namespace stoffel::mpc
