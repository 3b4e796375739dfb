#include "mpc/agreement.h"

#include <algorithm>
#include <utility>

#include "mpc/wire.h"

namespace stoffel::mpc {

namespace ba_wire {

namespace {
void put_u32(net::Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b[at + i]) << (8 * i);
  return v;
}
}  // namespace

net::Bytes encode(std::uint64_t round, std::span<const std::optional<BaValue>> slots) {
  std::size_t len = 4;
  for (const auto& s : slots) len += 5 + (s ? s->size() : 0);
  const std::size_t blocks = (len + wire::kElementSize - 1) / wire::kElementSize;
  net::Bytes b = wire::make_message(wire::Channel::kRound, round, blocks);
  std::size_t at = wire::kHeaderSize;
  put_u32(b, at, static_cast<std::uint32_t>(slots.size()));
  at += 4;
  for (const auto& s : slots) {
    b[at] = s ? 1 : 0;
    const std::size_t size = s ? s->size() : 0;
    put_u32(b, at + 1, static_cast<std::uint32_t>(size));
    at += 5;
    if (size > 0) std::copy(s->begin(), s->end(), b.begin() + static_cast<std::ptrdiff_t>(at));
    at += size;
  }
  return b;
}

std::optional<std::vector<std::optional<BaValue>>> decode(std::span<const std::uint8_t> body,
                                                          std::uint32_t count, std::size_t slots,
                                                          std::size_t max_value_bytes) {
  // The router checked that the body holds exactly `count` blocks.
  const std::size_t size = std::size_t{count} * wire::kElementSize;
  if (body.size() != size || size < 4) return std::nullopt;
  if (get_u32(body, 0) != slots) return std::nullopt;
  std::vector<std::optional<BaValue>> out(slots);
  std::size_t at = 4;
  for (std::size_t i = 0; i < slots; ++i) {
    if (size - at < 5) return std::nullopt;
    const std::uint8_t flag = body[at];
    const std::size_t len = get_u32(body, at + 1);
    at += 5;
    if (flag > 1 || (flag == 0 && len != 0) || len > max_value_bytes || len > size - at) {
      return std::nullopt;
    }
    if (flag == 1) {
      out[i] = BaValue(body.begin() + static_cast<std::ptrdiff_t>(at),
                       body.begin() + static_cast<std::ptrdiff_t>(at + len));
    }
    at += len;
  }
  return out;
}

}  // namespace ba_wire

namespace {

// Distinct values with their multiplicity. A linear list (n <= 255 entries): simpler than a
// map and sidesteps a g++ 12 false positive on memcmp bounds in vector<uint8_t> ordering.
class Tally {
 public:
  void add(const BaValue& v) {
    for (auto& e : entries_) {
      if (e.first.size() == v.size() && std::equal(v.begin(), v.end(), e.first.begin())) {
        ++e.second;
        return;
      }
    }
    entries_.emplace_back(v, 1);
  }
  std::size_t count(const BaValue& v) const {
    for (const auto& e : entries_) {
      if (e.first.size() == v.size() && std::equal(v.begin(), v.end(), e.first.begin())) {
        return e.second;
      }
    }
    return 0;
  }
  // The value with the largest count above `more_than`, ties to the lexicographically smallest
  // (deterministic whatever the order of arrival); null if none.
  const BaValue* best(std::size_t more_than) const {
    const std::pair<BaValue, std::size_t>* b = nullptr;
    for (const auto& e : entries_) {
      if (e.second <= more_than) continue;
      if (!b || e.second > b->second || (e.second == b->second && smaller(e.first, b->first))) {
        b = &e;
      }
    }
    return b ? &b->first : nullptr;
  }

 private:
  static bool smaller(const BaValue& a, const BaValue& b) {
    const std::size_t k = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < k; ++i) {
      if (a[i] != b[i]) return a[i] < b[i];
    }
    return a.size() < b.size();
  }
  std::vector<std::pair<BaValue, std::size_t>> entries_;
};

}  // namespace

Agreement::Agreement(Router& router, std::size_t n, std::size_t t,
                     std::function<bool(std::size_t)> wait_for,
                     std::function<void(std::size_t)> on_silent)
    : router_(router),
      n_(n),
      t_(t),
      self_(router.self()),
      wait_for_(std::move(wait_for)),
      on_silent_(std::move(on_silent)) {}

Result<std::vector<std::optional<Agreement::Slots>>> Agreement::exchange(
    const Slots* out, std::span<const std::size_t> from, std::size_t slots, std::size_t max_bytes,
    const char* what) {
  const std::uint64_t round = router_.next_round();
  if (out) {
    const net::Bytes msg = ba_wire::encode(round, *out);
    for (std::size_t p = 0; p < n_; ++p) {
      if (p == self_) continue;
      if (auto ok = router_.send(p, msg); !ok) return ok.error();
    }
  }
  std::vector<std::optional<Slots>> got(n_);
  std::vector<std::uint8_t> expected(n_, 0), heard(n_, 0);
  for (std::size_t p : from) {
    if (p < n_ && p != self_) expected[p] = 1;
  }
  auto on_message = [&](std::size_t p, std::uint32_t count, std::span<const std::uint8_t> body) {
    if (!expected[p]) return false;  // not this party's turn to speak
    heard[p] = 1;
    got[p] = ba_wire::decode(body, count, slots, max_bytes);
    return got[p].has_value();
  };
  // Re-evaluated after every message and every suspicion: a party that turns out faulty during
  // the round is not waited for any more.
  auto awaited = [&](std::size_t p) { return expected[p] && !heard[p] && wait_for_(p); };
  auto progress = [&]() -> Result<bool> {
    for (std::size_t p = 0; p < n_; ++p) {
      if (awaited(p)) return false;
    }
    return true;
  };
  if (auto ok = router_.gather(round, what, on_message, progress, awaited,
                               /*finish_on_timeout=*/true);
      !ok) {
    return ok.error();
  }
  if (on_silent_) {
    for (std::size_t p = 0; p < n_; ++p) {
      if (expected[p] && !heard[p] && wait_for_(p)) on_silent_(p);
    }
  }
  return got;
}

Result<std::vector<BaValue>> Agreement::agree(std::vector<BaValue> input,
                                              std::size_t max_value_bytes) {
  const std::size_t m = input.size();
  const std::uint64_t first_round = router_.rounds();
  // The fast path (docs/decisions.md, P5): one exchange of the values, then a one-bit agreement
  // on "every party sent me exactly my input". Decided 1 means some honest party saw all n
  // parties send it the same vector; honest parties send the same to everybody, so every honest
  // input is that vector and every honest party can output its own. Decided anything else: the
  // full Phase King on the vector, whose first round is the exchange already done.
  Slots mine(m);
  for (std::size_t i = 0; i < m; ++i) mine[i] = input[i];
  std::vector<std::size_t> everyone(n_);
  for (std::size_t p = 0; p < n_; ++p) everyone[p] = p;
  auto values = exchange(&mine, everyone, m, max_value_bytes, "agreement values");
  if (!values) return values.error();
  bool unanimous = true;
  for (std::size_t p = 0; p < n_ && unanimous; ++p) {
    if (p == self_) continue;
    const auto& got = (*values)[p];
    if (!got) {
      unanimous = false;
      break;
    }
    for (std::size_t i = 0; i < m; ++i) {
      if (!(*got)[i] || *(*got)[i] != input[i]) {
        unanimous = false;
        break;
      }
    }
  }
  static const BaValue kYes{1}, kNo{0};
  auto decided = phase_king({unanimous ? kYes : kNo}, 1, nullptr);
  if (!decided) return decided.error();
  if ((*decided)[0] == kYes) {
    last_rounds_ = router_.rounds() - first_round;
    return input;
  }
  auto out = phase_king(std::move(input), max_value_bytes, &*values);
  last_rounds_ = router_.rounds() - first_round;
  return out;
}

Result<std::vector<BaValue>> Agreement::phase_king(
    std::vector<BaValue> x, std::size_t max_value_bytes,
    std::vector<std::optional<Slots>>* first_values) {
  const std::size_t m = x.size();
  std::vector<std::size_t> everyone(n_);
  for (std::size_t p = 0; p < n_; ++p) everyone[p] = p;
  static const BaValue kBottom;
  for (std::size_t phase = 0; phase <= t_; ++phase) {
    const std::size_t king = phase;  // t + 1 distinct kings: at least one is honest
    // R1: values (phase 0's may have been exchanged already).
    Result<std::vector<std::optional<Slots>>> r1 = std::vector<std::optional<Slots>>{};
    if (phase == 0 && first_values != nullptr) {
      r1 = std::move(*first_values);
    } else {
      Slots mine(m);
      for (std::size_t i = 0; i < m; ++i) mine[i] = x[i];
      r1 = exchange(&mine, everyone, m, max_value_bytes, "agreement values");
      if (!r1) return r1.error();
    }
    // R2: propose a value held by >= n - t parties (unique: two such values would need
    // 2(n - t) > n senders).
    Slots propose(m);
    for (std::size_t i = 0; i < m; ++i) {
      Tally count;
      count.add(x[i]);
      for (std::size_t p = 0; p < n_; ++p) {
        if (p == self_) continue;
        const auto& g = (*r1)[p];
        count.add((g && (*g)[i]) ? *(*g)[i] : kBottom);
      }
      if (const BaValue* v = count.best(n_ - t_ - 1)) propose[i] = *v;
    }
    auto r2 = exchange(&propose, everyone, m, max_value_bytes, "agreement proposals");
    if (!r2) return r2.error();
    std::vector<std::size_t> support(m, 0);  // proposals for the value x[i] ends R2 with
    for (std::size_t i = 0; i < m; ++i) {
      Tally count;
      if (propose[i]) count.add(*propose[i]);
      for (std::size_t p = 0; p < n_; ++p) {
        if (p == self_) continue;
        const auto& g = (*r2)[p];
        if (g && (*g)[i]) count.add(*(*g)[i]);
      }
      // A value proposed by more than t parties has an honest proposer, so it is unique while
      // at most t are faulty; should there be several anyway, the most supported (then the
      // smallest) wins, so the choice is deterministic.
      if (const BaValue* best = count.best(t_)) x[i] = *best;
      support[i] = count.count(x[i]);
    }
    // R3: the king's value (its x after R2).
    const std::size_t kings[1] = {king};
    Slots current;
    if (king == self_) {
      current.resize(m);
      for (std::size_t i = 0; i < m; ++i) current[i] = x[i];
    }
    auto r3 = exchange(king == self_ ? &current : nullptr, kings, m, max_value_bytes,
                       "agreement king value");
    if (!r3) return r3.error();
    if (king != self_) {
      const auto& g = (*r3)[king];
      for (std::size_t i = 0; i < m; ++i) {
        if (support[i] < n_ - t_) x[i] = (g && (*g)[i]) ? *(*g)[i] : kBottom;
      }
    }
  }
  return x;
}

Result<std::vector<BaValue>> Agreement::broadcast(std::span<const std::size_t> senders,
                                                  const BaValue& mine,
                                                  std::size_t max_value_bytes) {
  const bool sender = std::find(senders.begin(), senders.end(), self_) != senders.end();
  Slots out(1);
  out[0] = mine;
  auto got = exchange(sender ? &out : nullptr, senders, 1, max_value_bytes, "broadcast values");
  if (!got) return got.error();
  std::vector<BaValue> input(senders.size());
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const std::size_t s = senders[i];
    if (s == self_) {
      input[i] = mine;
    } else if (s < n_ && (*got)[s] && (*(*got)[s])[0]) {
      input[i] = *(*(*got)[s])[0];
    }
  }
  return agree(std::move(input), max_value_bytes);
}

}  // namespace stoffel::mpc
