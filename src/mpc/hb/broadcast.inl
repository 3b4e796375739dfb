// HbPartyImpl<F>: reliable broadcast and binary agreement for the VM's Rbc.* and Aba.* builtins
// (docs/mpc.md, "Reliable broadcast" and "Binary agreement"; decisions M9, R2). The protocols are
// AsyncHub's (async_hub.h); this part waits for them on the party's router and supplies the
// common coin from the random-share pool. Included only by the per-field translation units.
#pragma once

#include <chrono>
#include <string>

#include "mpc/hb/party_impl.h"

namespace stoffel::mpc {

// --- the common coin -------------------------------------------------------------------------

template <typename F>
HbPartyImpl<F>::Coins::~Coins() {
  for (auto& [session, shares] : shares_) math::wipe(std::span<F>(shares));
}

template <typename F>
void HbPartyImpl<F>::Coins::reserve(std::uint64_t session, std::span<const F> shares) {
  shares_[session].assign(shares.begin(), shares.end());
}

template <typename F>
std::optional<CoinShare> HbPartyImpl<F>::Coins::share(std::uint64_t session, std::uint32_t index) {
  auto it = shares_.find(session);
  if (it == shares_.end() || index >= it->second.size()) return std::nullopt;
  return it->second[index].to_bytes();
}

template <typename F>
std::optional<bool> HbPartyImpl<F>::Coins::reconstruct(std::span<const std::size_t> parties,
                                                       std::span<const CoinShare> shares) const {
  std::vector<F> values(shares.size());
  for (std::size_t i = 0; i < shares.size(); ++i) {
    auto v = F::from_bytes(shares[i]);
    if (!v) return std::nullopt;  // AbaInstance only passes shares that valid() accepted
    values[i] = *v;
  }
  auto decoded = alg_.dec_t.decode(parties, values);
  if (!decoded || !decoded->has_value()) return std::nullopt;
  return ((**decoded).coeffs[0].to_canonical()[0] & 1) != 0;
}

template <typename F>
void HbPartyImpl<F>::Coins::release(std::uint64_t session) {
  auto it = shares_.find(session);
  if (it == shares_.end()) return;
  // Coins never opened are still secret shares: wiped, never reused.
  math::wipe(std::span<F>(it->second));
  shares_.erase(it);
}

// --- waiting -----------------------------------------------------------------------------------

template <typename F>
Result<void> HbPartyImpl<F>::async_ready() const {
  if (!hub_) return make_error("reliable broadcast and agreement are unavailable: " + hub_error_);
  return hub_->health();
}

template <typename F>
Result<bool> HbPartyImpl<F>::wait_async(const std::function<bool()>& ready,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    if (auto ok = async_ready(); !ok) return ok.error();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (auto got = router_.poll(left); !got) return got.error();
  }
}

template <typename F>
Result<void> HbPartyImpl<F>::serve(std::chrono::milliseconds wait) {
  if (auto ok = wait_async([] { return false; }, wait); !ok) return ok.error();
  return {};
}

// --- reliable broadcast ------------------------------------------------------------------------

template <typename F>
Result<std::uint64_t> HbPartyImpl<F>::rbc_broadcast(std::span<const std::uint8_t> payload) {
  if (auto ok = async_ready(); !ok) return ok.error();
  auto session = hub_->broadcast(payload);
  if (!session) return session.error().with_context("Rbc.broadcast: ");
  // Whatever has already arrived is handled now, so a program that broadcasts in a loop keeps
  // the other parties' broadcasts moving too.
  for (;;) {
    auto got = router_.poll(std::chrono::milliseconds(0));
    if (!got) return got.error();
    if (!*got) break;
  }
  if (auto ok = async_ready(); !ok) return ok.error();
  return *session;
}

template <typename F>
Result<std::vector<std::uint8_t>> HbPartyImpl<F>::rbc_receive(std::size_t from,
                                                              std::chrono::milliseconds timeout) {
  if (auto ok = async_ready(); !ok) return ok.error();
  if (from >= cfg_.n) {
    return make_error("Rbc.receive: no party " + std::to_string(from) +
                      " (n = " + std::to_string(cfg_.n) + ")");
  }
  const std::uint64_t session = hub_->next_to_take(from);
  std::optional<net::Bytes> got;
  auto ok = wait_async(
      [&] {
        got = hub_->take(from);
        return got.has_value();
      },
      timeout);
  if (!ok) return ok.error();
  if (!*ok) {
    return make_error("Rbc.receive: no broadcast from party " + std::to_string(from) +
                      " (its session " + std::to_string(session) + ") was delivered within " +
                      std::to_string(timeout.count()) + " ms");
  }
  return std::move(*got);
}

template <typename F>
Result<std::pair<std::size_t, std::vector<std::uint8_t>>> HbPartyImpl<F>::rbc_receive_any(
    std::chrono::milliseconds timeout) {
  if (auto ok = async_ready(); !ok) return ok.error();
  std::optional<std::pair<std::size_t, net::Bytes>> got;
  auto ok = wait_async(
      [&] {
        got = hub_->take_any();
        return got.has_value();
      },
      timeout);
  if (!ok) return ok.error();
  if (!*ok) {
    return make_error(ErrorKind::Timeout,
                      "Rbc.receive_any: no broadcast from another party was delivered within " +
                          std::to_string(timeout.count()) + " ms");
  }
  return std::move(*got);
}

// --- binary agreement --------------------------------------------------------------------------

template <typename F>
Result<std::uint64_t> HbPartyImpl<F>::aba_propose(bool value) {
  if (auto ok = async_ready(); !ok) return ok.error();
  // The session's coins come from the random-share pool. Every party proposes in the same
  // program order, so every party takes the same shares (generating more, all together, when
  // the pool runs short: M4).
  const std::size_t coins = cfg_.aba_coins;
  if (coins > 0) {
    if (auto ok = ensure(Needs{coins, 0, 0, 0}); !ok) return ok.error();
    coins_->reserve(hub_->next_proposal(), randoms_.take(coins));
  }
  const std::uint64_t session = hub_->propose(value);
  if (auto ok = async_ready(); !ok) return ok.error();
  return session;
}

template <typename F>
Result<bool> HbPartyImpl<F>::aba_result(std::uint64_t session, std::chrono::milliseconds timeout) {
  if (auto ok = async_ready(); !ok) return ok.error();
  std::optional<bool> decided;
  std::optional<Error> failed;
  auto ok = wait_async(
      [&] {
        auto r = hub_->result(session);
        if (!r) {
          failed = r.error();
          return true;
        }
        decided = *r;
        return decided.has_value();
      },
      timeout);
  if (!ok) return ok.error();
  if (failed) return failed->with_context("Aba.result: ");
  if (!*ok) {
    return make_error(ErrorKind::Timeout, "Aba.result: session " + std::to_string(session) +
                                              " did not decide within " +
                                              std::to_string(timeout.count()) + " ms");
  }
  return *decided;
}

}  // namespace stoffel::mpc
