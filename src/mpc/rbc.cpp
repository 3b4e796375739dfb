#include "mpc/rbc.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace stoffel::mpc {

namespace {

using async_wire::Protocol;

std::span<const std::uint8_t> digest_bytes(const merkle::Digest& d) {
  return {d.data(), d.size()};
}

net::Bytes message(RbcKind kind, RbcMode mode, std::size_t broadcaster, std::uint64_t session,
                   std::initializer_list<std::span<const std::uint8_t>> parts) {
  return async_wire::build(Protocol::kRbc, static_cast<std::uint8_t>(kind),
                           static_cast<std::uint8_t>(mode), static_cast<std::uint32_t>(broadcaster),
                           0, session, parts);
}

// A vote: the mode byte, then the root or the payload. Built with one allocation and memcpy
// (push_back followed by insert trips a g++ 12 -Warray-bounds false positive).
net::Bytes make_key(RbcMode mode, std::span<const std::uint8_t> value) {
  net::Bytes key(1 + value.size());
  key[0] = static_cast<std::uint8_t>(mode);
  if (!value.empty()) std::memcpy(key.data() + 1, value.data(), value.size());
  return key;
}

}  // namespace

std::size_t RbcInstance::max_shard(const RbcParams& params) {
  return shard_size(params.max_payload, params.t + 1);
}

RbcInstance::RbcInstance(const RbcParams& params, const math::ErasureCode& code,
                         std::size_t broadcaster, std::uint64_t session)
    : p_(params),
      code_(code),
      broadcaster_(broadcaster),
      session_(session),
      k_(params.t + 1),
      echo_threshold_(std::max((params.n + params.t + 2) / 2, params.t + 1)),
      proof_len_(merkle::proof_length(params.n)),
      echo_of_(params.n, -1),
      ready_of_(params.n, -1) {}

void RbcInstance::start(std::span<const std::uint8_t> payload, async_wire::Outbox& out) {
  if (payload.size() <= p_.bracha_max) {
    out.to_all(message(RbcKind::kSend, RbcMode::kBracha, broadcaster_, session_, {payload}));
    return;
  }
  // Framing: u64 LE length, the payload, zero padding to k shards of equal size.
  const std::size_t size = shard_size(payload.size(), k_);
  net::Bytes shards(p_.n * size, 0);
  for (int i = 0; i < 8; ++i) {
    shards[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(payload.size()) >> (8 * i));
  }
  std::copy(payload.begin(), payload.end(), shards.begin() + 8);
  (void)code_.encode(shards, size);  // sizes are right by construction
  std::vector<merkle::Digest> leaves(p_.n);
  for (std::size_t i = 0; i < p_.n; ++i) {
    leaves[i] = merkle::leaf_hash(std::span<const std::uint8_t>(shards.data() + i * size, size));
  }
  const merkle::Tree tree(leaves);
  net::Bytes proof(32 * proof_len_);
  for (std::size_t i = 0; i < p_.n; ++i) {
    const std::vector<merkle::Digest> path = tree.proof(i);
    for (std::size_t l = 0; l < path.size(); ++l) {
      std::copy(path[l].begin(), path[l].end(), proof.begin() + 32 * l);
    }
    out.to(i, message(RbcKind::kSend, RbcMode::kAvid, broadcaster_, session_,
                      {digest_bytes(tree.root()), proof,
                       std::span<const std::uint8_t>(shards.data() + i * size, size)}));
  }
}

std::size_t RbcInstance::key_index(const Key& key) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return i;
  }
  keys_.push_back(key);
  echo_count_.push_back(0);
  ready_count_.push_back(0);
  roots_.emplace_back();
  held_ += key.size();
  return keys_.size() - 1;
}

RbcInstance::Root* RbcInstance::root_of_key(std::size_t key) {
  return roots_[key].get();
}

bool RbcInstance::handle(std::size_t from, const async_wire::Message& m, async_wire::Outbox& out) {
  if (delivered_) return true;  // nothing more is needed; late messages are normal
  if (from >= p_.n || m.round != 0) return false;
  if (m.value != static_cast<std::uint8_t>(RbcMode::kAvid) &&
      m.value != static_cast<std::uint8_t>(RbcMode::kBracha)) {
    return false;
  }
  const auto mode = static_cast<RbcMode>(m.value);
  if (m.kind < 1 || m.kind > 3) return false;
  const auto kind = static_cast<RbcKind>(m.kind);

  // One message of each kind per sender, used up even if it turns out invalid (so a faulty party
  // cannot make this party verify proofs without end); SEND only from the broadcaster.
  if (kind == RbcKind::kSend) {
    if (from != broadcaster_ || got_send_) return false;
    got_send_ = true;
  } else {
    auto& used = kind == RbcKind::kEcho ? echo_of_[from] : ready_of_[from];
    if (used != kUnused) return false;
    used = kInvalid;
  }

  if (mode == RbcMode::kBracha) {
    if (m.content.size() > p_.bracha_max) return false;
    const Key key = make_key(mode, m.content);
    if (kind == RbcKind::kSend) {
      if (!echoed_) {
        echoed_ = true;
        out.to_all(message(RbcKind::kEcho, mode, broadcaster_, session_, {m.content}));
      }
    } else if (kind == RbcKind::kEcho) {
      const std::size_t k = key_index(key);
      echo_of_[from] = static_cast<std::int32_t>(k);
      ++echo_count_[k];
    } else {
      const std::size_t k = key_index(key);
      ready_of_[from] = static_cast<std::int32_t>(k);
      ++ready_count_[k];
    }
    progress(out);
    return true;
  }

  // AVID.
  if (kind == RbcKind::kReady) {
    if (m.content.size() != 32) return false;
    const std::size_t k = key_index(make_key(mode, m.content));
    ready_of_[from] = static_cast<std::int32_t>(k);
    ++ready_count_[k];
    progress(out);
    return true;
  }
  const std::size_t fixed = 32 + 32 * proof_len_;
  if (m.content.size() <= fixed || m.content.size() - fixed > max_shard(p_)) return false;
  merkle::Digest root;
  std::memcpy(root.data(), m.content.data(), 32);
  std::vector<merkle::Digest> proof(proof_len_);
  for (std::size_t i = 0; i < proof_len_; ++i) {
    std::memcpy(proof[i].data(), m.content.data() + 32 + 32 * i, 32);
  }
  const auto shard = m.content.subspan(fixed);
  const std::size_t index = kind == RbcKind::kSend ? p_.self : from;
  const merkle::Digest leaf = merkle::leaf_hash(shard);
  if (!merkle::verify(root, p_.n, index, leaf, proof)) return false;

  if (kind == RbcKind::kSend) {
    if (!echoed_) {
      echoed_ = true;
      // The ECHO carries the same root, proof and shard: index self is the echoer's own.
      out.to_all(message(RbcKind::kEcho, mode, broadcaster_, session_, {m.content}));
    }
    return true;
  }
  const std::size_t k = key_index(make_key(mode, root));
  echo_of_[from] = static_cast<std::int32_t>(k);
  ++echo_count_[k];
  if (!roots_[k]) {
    roots_[k] = std::make_unique<Root>();
    roots_[k]->root = root;
    roots_[k]->shard_size = shard.size();
    roots_[k]->shards.resize(p_.n);
    roots_[k]->leaves.resize(p_.n);
  }
  Root& r = *roots_[k];
  if (r.check == Root::Check::kUnknown) {
    if (shard.size() != r.shard_size) {
      // The broadcaster committed to shards of different sizes: no codeword, so no honest party
      // will ever send READY for this root (the check below would fail everywhere).
      r.check = Root::Check::kBad;
      for (auto& s : r.shards) held_ -= s.size();
      r.shards.assign(p_.n, {});
    } else {
      r.shards[from].assign(shard.begin(), shard.end());
      r.leaves[from] = leaf;
      held_ += shard.size();
      ++r.count;
    }
  }
  progress(out);
  return true;
}

void RbcInstance::check(Root& r) {
  if (r.check != Root::Check::kUnknown || r.count < k_) return;
  const std::size_t size = r.shard_size;
  // Not zeroed: every shard is either copied in or computed by fill().
  const auto buffer = std::make_unique_for_overwrite<std::uint8_t[]>(p_.n * size);
  const std::span<std::uint8_t> all(buffer.get(), p_.n * size);
  std::vector<std::uint8_t> present(p_.n, 0);
  std::size_t taken = 0;
  for (std::size_t i = 0; i < p_.n && taken < k_; ++i) {
    if (r.shards[i].empty()) continue;
    std::copy(r.shards[i].begin(), r.shards[i].end(),
              all.begin() + static_cast<std::ptrdiff_t>(i * size));
    present[i] = 1;
    ++taken;
  }
  bool good = code_.fill(all, size, present).ok();
  // Every shard held must equal its re-encoding (then its leaf hash is the one verified); the
  // others are hashed, and the tree over all n must give the root.
  std::vector<merkle::Digest> leaves(p_.n);
  for (std::size_t i = 0; good && i < p_.n; ++i) {
    const std::uint8_t* s = all.data() + i * size;
    if (!r.shards[i].empty()) {
      good = std::memcmp(s, r.shards[i].data(), size) == 0;
      leaves[i] = r.leaves[i];
    } else {
      leaves[i] = merkle::leaf_hash(std::span<const std::uint8_t>(s, size));
    }
  }
  good = good && merkle::root_of(leaves) == r.root;
  // Canonical framing: the length fits, the shard size is exactly what it needs, zero padding.
  std::uint64_t length = 0;
  if (good && size * k_ >= 8) {
    for (int i = 0; i < 8; ++i) length |= static_cast<std::uint64_t>(all[i]) << (8 * i);
    good = length <= p_.max_payload && shard_size(length, k_) == size;
    for (std::size_t i = 8 + length; good && i < k_ * size; ++i) good = all[i] == 0;
  } else {
    good = false;
  }
  for (auto& s : r.shards) held_ -= s.size();
  r.shards.assign(p_.n, {});
  r.leaves.assign(p_.n, {});
  if (!good) {
    r.check = Root::Check::kBad;
    return;
  }
  r.check = Root::Check::kGood;
  r.payload.assign(all.begin() + 8, all.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  held_ += r.payload.size();
}

void RbcInstance::send_ready(std::size_t key, async_wire::Outbox& out) {
  readied_ = true;
  const Key& k = keys_[key];
  const auto mode = static_cast<RbcMode>(k[0]);
  out.to_all(message(RbcKind::kReady, mode, broadcaster_, session_,
                     {std::span<const std::uint8_t>(k).subspan(1)}));
}

void RbcInstance::progress(async_wire::Outbox& out) {
  if (delivered_) return;
  if (!readied_) {
    for (std::size_t i = 0; i < keys_.size() && !readied_; ++i) {
      if (echo_count_[i] < echo_threshold_) continue;
      if (keys_[i][0] == static_cast<std::uint8_t>(RbcMode::kBracha)) {
        send_ready(i, out);
      } else if (Root* r = root_of_key(i)) {
        check(*r);
        if (r->check == Root::Check::kGood) send_ready(i, out);
      }
    }
  }
  if (!readied_) {
    for (std::size_t i = 0; i < keys_.size() && !readied_; ++i) {
      if (ready_count_[i] >= p_.t + 1) send_ready(i, out);
    }
  }
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (ready_count_[i] < 2 * p_.t + 1) continue;
    if (keys_[i][0] == static_cast<std::uint8_t>(RbcMode::kBracha)) {
      deliver(net::Bytes(keys_[i].begin() + 1, keys_[i].end()));
      return;
    }
    Root* r = root_of_key(i);
    if (r == nullptr) continue;  // no shard of this root yet: wait for ECHOs
    check(*r);
    if (r->check == Root::Check::kGood) {
      deliver(std::move(r->payload));
      return;
    }
  }
}

void RbcInstance::deliver(net::Bytes payload) {
  delivered_ = true;
  payload_ = std::move(payload);
  // Nothing else is needed any more.
  keys_.clear();
  roots_.clear();
  echo_count_.clear();
  ready_count_.clear();
  held_ = payload_.size();
}

}  // namespace stoffel::mpc
