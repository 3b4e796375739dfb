#include "mpc/hb/hb_party.h"

#include <string>

#include "mpc/avss/avss_party.h"
#include "mpc/hb/party_impl.h"

namespace stoffel::mpc {

namespace {
Result<void> check_config(const PartyConfig& config) {
  if (auto ok = validate_parameters(config.n, config.t); !ok) return ok;
  if (config.id >= config.n) {
    return make_error(ErrorKind::Usage, "party id " + std::to_string(config.id) +
                                            " is not below n = " + std::to_string(config.n));
  }
  return {};
}
}  // namespace

Result<std::unique_ptr<HbParty>> make_party(const PartyConfig& config, net::Endpoint& endpoint) {
  if (auto ok = check_config(config); !ok) return ok.error();
  if (config.avss) return make_avss_party(config, endpoint);
  return math::visit_field(config.field, [&](auto tag) -> Result<std::unique_ptr<HbParty>> {
    using F = typename decltype(tag)::type;
    auto alg = Algebra<F>::create(config.n, config.t);
    if (!alg) return alg.error();
    return std::unique_ptr<HbParty>(std::make_unique<HbPartyImpl<F>>(config, endpoint, *alg));
  });
}

Result<std::vector<std::unique_ptr<HbParty>>> make_parties(
    const PartyConfig& config, std::span<net::Endpoint* const> endpoints) {
  if (endpoints.size() != config.n) {
    return make_error(ErrorKind::Usage, "make_parties: " + std::to_string(endpoints.size()) +
                                            " endpoints for n = " + std::to_string(config.n));
  }
  if (auto ok = validate_parameters(config.n, config.t); !ok) return ok.error();
  if (config.avss) return make_avss_parties(config, endpoints);
  return math::visit_field(
      config.field, [&](auto tag) -> Result<std::vector<std::unique_ptr<HbParty>>> {
        using F = typename decltype(tag)::type;
        auto alg = Algebra<F>::create(config.n, config.t);
        if (!alg) return alg.error();
        std::vector<std::unique_ptr<HbParty>> parties;
        for (std::size_t i = 0; i < config.n; ++i) {
          PartyConfig c = config;
          c.id = i;
          parties.push_back(std::make_unique<HbPartyImpl<F>>(c, *endpoints[i], *alg));
        }
        return parties;
      });
}

}  // namespace stoffel::mpc
