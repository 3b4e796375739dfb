#include "mpc/aba.h"

namespace stoffel::mpc {

namespace {

constexpr std::uint8_t bit(bool b) {
  return b ? 2 : 1;
}

}  // namespace

AbaInstance::AbaInstance(const AbaParams& params, std::uint64_t session, CoinSource& coin)
    : p_(params), session_(session), coin_(coin), term_from_(params.n, 0) {
  term_[0].assign(p_.n, 0);
  term_[1].assign(p_.n, 0);
}

AbaInstance::Round& AbaInstance::round_state(std::uint32_t r) {
  auto [it, fresh] = rounds_.try_emplace(r);
  if (fresh) {
    Round& s = it->second;
    s.bval[0].assign(p_.n, 0);
    s.bval[1].assign(p_.n, 0);
    s.aux.assign(p_.n, -1);
    s.conf.assign(p_.n, 0);
    s.has_share.assign(p_.n, 0);
    s.shares.resize(p_.n);
  }
  return it->second;
}

void AbaInstance::send(AbaKind kind, std::uint8_t value, std::uint32_t round,
                       async_wire::Outbox& out, std::span<const std::uint8_t> content) {
  out.to_all(async_wire::build(async_wire::Protocol::kAba, static_cast<std::uint8_t>(kind), value,
                               0, round, session_, {content}));
}

void AbaInstance::propose(bool value, async_wire::Outbox& out) {
  if (proposed_ || halted_) return;
  proposed_ = true;
  est_ = value;
  round_ = 0;
  Round& r = round_state(0);
  r.bval_sent[value] = true;
  send(AbaKind::kBval, value, 0, out);
  progress(out);
}

bool AbaInstance::handle(std::size_t from, const async_wire::Message& m, async_wire::Outbox& out) {
  if (halted_) return true;  // late messages after halting are normal
  if (from >= p_.n || m.party != 0 || m.kind < 1 || m.kind > 5) return false;
  const auto kind = static_cast<AbaKind>(m.kind);
  if (kind == AbaKind::kTerm) {
    if (m.value > 1 || m.round != 0 || !m.content.empty() || term_from_[from]) return false;
    term_from_[from] = 1;
    term_[m.value][from] = 1;
    ++term_count_[m.value];
    progress(out);
    return true;
  }
  if (m.round >= p_.max_rounds) return false;
  // Far-ahead rounds are dropped, not blamed: an honest party may be that far ahead. Rounds far
  // behind are over for everybody who matters (their state was dropped).
  if (m.round > round_ + p_.round_window || m.round + p_.round_window < round_) return true;
  Round& r = round_state(m.round);
  switch (kind) {
    case AbaKind::kBval:
      if (m.value > 1 || !m.content.empty() || r.bval[m.value][from]) return false;
      r.bval[m.value][from] = 1;
      ++r.bval_count[m.value];
      break;
    case AbaKind::kAux:
      if (m.value > 1 || !m.content.empty() || r.aux[from] >= 0) return false;
      r.aux[from] = static_cast<std::int8_t>(m.value);
      break;
    case AbaKind::kConf:
      if (m.value < 1 || m.value > 3 || !m.content.empty() || r.conf[from] != 0) return false;
      r.conf[from] = m.value;
      break;
    case AbaKind::kCoin: {
      if (m.value != 0 || m.content.size() != 32 || r.has_share[from]) return false;
      CoinShare s;
      std::copy(m.content.begin(), m.content.end(), s.begin());
      if (!coin_.valid(s)) return false;
      r.has_share[from] = 1;
      r.shares[from] = s;
      break;
    }
    case AbaKind::kTerm:
      break;  // handled above
  }
  if (proposed_ && m.round < round_ && kind == AbaKind::kBval) relay(m.round, out);
  progress(out);
  return true;
}

void AbaInstance::relay(std::uint32_t r, async_wire::Outbox& out) {
  Round& s = round_state(r);
  for (int b = 0; b < 2; ++b) {
    if (s.bval_count[b] >= p_.t + 1 && !s.bval_sent[b]) {
      s.bval_sent[b] = true;
      send(AbaKind::kBval, static_cast<std::uint8_t>(b), r, out);
    }
  }
}

void AbaInstance::decide(bool b, async_wire::Outbox& out) {
  if (decision_) return;
  decision_ = b;
  decided_in_ = round_;
  send(AbaKind::kTerm, b, 0, out);
}

void AbaInstance::progress(async_wire::Outbox& out) {
  for (;;) {
    if (halted_) return;
    for (int b = 0; b < 2; ++b) {
      if (!decision_ && term_count_[b] >= p_.t + 1) decide(b == 1, out);
    }
    if (decision_ && term_count_[*decision_] >= 2 * p_.t + 1) {
      halted_ = true;
      rounds_.clear();
      coin_.release(session_);
      return;
    }
    if (!proposed_ || failure_) return;

    Round& r = round_state(round_);
    relay(round_, out);
    for (int b = 0; b < 2; ++b) {
      const std::uint8_t mask = bit(b == 1);
      if (r.bval_count[b] >= 2 * p_.t + 1 && !(r.bin & mask)) {
        r.bin |= mask;
        if (!r.aux_sent) {
          r.aux_sent = true;
          send(AbaKind::kAux, static_cast<std::uint8_t>(b), round_, out);
        }
      }
    }
    if (!r.aux_sent) return;
    const std::size_t quorum = p_.n - p_.t;
    if (!r.conf_sent) {
      std::size_t count = 0;
      for (std::size_t p = 0; p < p_.n; ++p) {
        if (r.aux[p] >= 0 && (r.bin & bit(r.aux[p] == 1))) ++count;
      }
      if (count < quorum) return;
      r.conf_sent = true;
      send(AbaKind::kConf, r.bin, round_, out);
    }
    if (r.vals == 0) {
      std::size_t count = 0;
      std::uint8_t vals = 0;
      for (std::size_t p = 0; p < p_.n; ++p) {
        if (r.conf[p] != 0 && (r.conf[p] & ~r.bin) == 0) {
          ++count;
          vals |= r.conf[p];
        }
      }
      if (count < quorum) return;
      r.vals = vals;
    }
    if (!r.coin) {
      if (round_ < p_.coins) {
        if (!r.coin_sent) {
          r.coin_sent = true;
          if (auto s = coin_.share(session_, round_)) {
            send(AbaKind::kCoin, 0, round_, out, *s);
          }
        }
        std::vector<std::size_t> parties;
        std::vector<CoinShare> shares;
        for (std::size_t p = 0; p < p_.n; ++p) {
          if (!r.has_share[p]) continue;
          parties.push_back(p);
          shares.push_back(r.shares[p]);
        }
        if (parties.size() < 2 * p_.t + 1) return;
        r.coin = coin_.reconstruct(parties, shares);
        if (!r.coin) return;
      } else {
        r.coin = round_ % 2 == 0;  // beyond the reserved coins: deterministic (see aba.h)
      }
    }
    const bool s = *r.coin;
    if (r.vals == 1 || r.vals == 2) {
      est_ = r.vals == 2;
      if (est_ == s) decide(s, out);
    } else {
      est_ = s;
    }
    if (round_ + 1 >= p_.max_rounds) {
      failure_ = "binary agreement session " + std::to_string(session_) + " did not decide in " +
                 std::to_string(p_.max_rounds) + " rounds";
      return;
    }
    // Stored state of rounds far behind is no longer needed (the relays of the last few rounds
    // are kept for slower parties).
    while (!rounds_.empty() && rounds_.begin()->first + p_.round_window < round_) {
      rounds_.erase(rounds_.begin());
    }
    ++round_;
    Round& next = round_state(round_);
    next.bval_sent[est_] = true;
    send(AbaKind::kBval, est_, round_, out);
  }
}

}  // namespace stoffel::mpc
