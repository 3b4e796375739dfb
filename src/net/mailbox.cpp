#include "net/mailbox.h"

namespace stoffel::net {

bool Mailbox::push(Frame frame, std::function<void()> resume) {
  std::lock_guard lk(mu_);
  if (closed_ && !drain_) return true;  // nobody will read it
  bytes_ += frame.payload.size();
  queues_[frame.channel].push_back(std::move(frame));
  cv_.notify_all();
  if (bytes_ > limit_) {
    resume_.push_back(std::move(resume));
    return false;
  }
  return true;
}

void Mailbox::push_unbounded(Frame frame) {
  std::lock_guard lk(mu_);
  if (closed_) return;
  bytes_ += frame.payload.size();
  queues_[frame.channel].push_back(std::move(frame));
  cv_.notify_all();
}

std::vector<std::function<void()>> Mailbox::drained_locked() {
  if (resume_.empty() || bytes_ > limit_ / 2) return {};
  return std::exchange(resume_, {});
}

Result<std::optional<Frame>> Mailbox::receive(std::uint8_t channel,
                                              std::chrono::milliseconds timeout) {
  if (channel > frame::kMaxChannel)
    return make_error(ErrorKind::Network, "no channel " + std::to_string(channel));
  std::unique_lock lk(mu_);
  auto& q = queues_[channel];
  // A link closing also ends the wait (with nothing), so a reader waiting for several peers
  // can stop waiting for one that is gone.
  const std::uint64_t events = gone_events_;
  const auto ready = [&] { return !q.empty() || closed_ || gone_events_ != events; };
  if (!ready()) {
    if (timeout.count() <= 0) return std::optional<Frame>{};
    cv_.wait_for(lk, timeout, ready);
  }
  if (!q.empty() && (!closed_ || drain_)) {
    Frame f = std::move(q.front());
    q.pop_front();
    bytes_ -= f.payload.size();
    auto resume = drained_locked();
    lk.unlock();
    for (auto& fn : resume) fn();
    return std::optional<Frame>(std::move(f));
  }
  if (closed_) return make_error(ErrorKind::Network, reason_);
  return std::optional<Frame>{};
}

void Mailbox::close(const std::string& reason, bool drain) {
  std::vector<std::function<void()>> resume;
  {
    std::lock_guard lk(mu_);
    if (closed_) return;
    closed_ = true;
    drain_ = drain;
    reason_ = reason;
    if (!drain) {
      for (auto& q : queues_) q.clear();
      bytes_ = 0;
    }
    // Links paused on this mailbox are released: their frames are discarded from now on.
    resume = std::exchange(resume_, {});
    cv_.notify_all();
  }
  for (auto& fn : resume) fn();
}

bool Mailbox::closed() const {
  std::lock_guard lk(mu_);
  return closed_;
}

void Mailbox::mark_gone(std::size_t from, const std::string& reason) {
  std::lock_guard lk(mu_);
  if (gone_.emplace(from, reason).second) {
    ++gone_events_;
    cv_.notify_all();
  }
}

std::optional<std::string> Mailbox::gone(std::size_t from) const {
  std::lock_guard lk(mu_);
  auto it = gone_.find(from);
  if (it == gone_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t Mailbox::gone_events() const {
  std::lock_guard lk(mu_);
  return gone_events_;
}

void Mailbox::notify() {
  std::lock_guard lk(mu_);
  cv_.notify_all();
}

void Mailbox::take_all(Mailbox& other, std::size_t tag) {
  if (&other == this) return;
  std::vector<std::function<void()>> resume;
  {
    std::scoped_lock lk(mu_, other.mu_);
    for (std::size_t c = 0; c < queues_.size(); ++c) {
      for (Frame& f : other.queues_[c]) {
        f.from = tag;
        bytes_ += f.payload.size();
        queues_[c].push_back(std::move(f));
      }
      other.queues_[c].clear();
    }
    other.bytes_ = 0;
    resume = std::exchange(other.resume_, {});
    cv_.notify_all();
  }
  for (auto& fn : resume) fn();
}

}  // namespace stoffel::net
