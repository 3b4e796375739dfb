#include "embed/party_engine.h"

#include <string>

namespace stoffel::embed {

PartyEngine::PartyEngine(mpc::Party& party) : party_(party) {
  info_.party_id = static_cast<uint32_t>(party.id());
  info_.n_parties = static_cast<uint32_t>(party.n());
  info_.threshold = static_cast<uint32_t>(party.t());
  info_.instance_id = party.instance_id();
  info_.backend = "honeybadger";
  info_.field = std::string(math::field_kind_name(party.field()));
}

}  // namespace stoffel::embed
