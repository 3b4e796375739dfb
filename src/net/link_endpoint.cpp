#include "net/link_endpoint.h"

namespace stoffel::net {

using Clock = std::chrono::steady_clock;

LinkEndpoint::LinkEndpoint(std::size_t self, std::size_t size, std::uint8_t data_channel,
                           std::size_t buffer_bytes)
    : self_(self),
      channel_(data_channel),
      mailbox_(std::make_shared<Mailbox>(buffer_bytes)),
      links_(std::max(size, self + 1)) {}

LinkEndpoint::~LinkEndpoint() {
  std::vector<std::shared_ptr<Link>> links;
  {
    std::lock_guard lk(mu_);
    links.swap(links_);
  }
  for (auto& l : links) {
    if (l && l->is_open()) l->close("endpoint destroyed");
  }
}

void LinkEndpoint::resize(std::size_t size) {
  std::lock_guard lk(mu_);
  if (size > links_.size()) links_.resize(size);
}

std::size_t LinkEndpoint::size() const {
  std::lock_guard lk(mu_);
  return links_.size();
}

Result<void> LinkEndpoint::attach(std::size_t index, std::shared_ptr<Link> link) {
  {
    std::lock_guard lk(mu_);
    if (index == self_ || index >= links_.size()) {
      return make_error(ErrorKind::Network,
                        "cannot attach a link as participant " + std::to_string(index));
    }
    if (links_[index]) {
      return make_error(ErrorKind::Network,
                        "participant " + std::to_string(index) + " is already attached");
    }
    links_[index] = link;
  }
  link->redirect(mailbox_, index);
  return {};
}

bool LinkEndpoint::attached(std::size_t index) const {
  std::lock_guard lk(mu_);
  return index < links_.size() && links_[index] != nullptr;
}

std::shared_ptr<Link> LinkEndpoint::link(std::size_t index) const {
  std::lock_guard lk(mu_);
  return index < links_.size() ? links_[index] : nullptr;
}

Result<void> LinkEndpoint::send_frame(std::uint8_t channel, std::size_t to, Bytes payload) {
  if (mailbox_->closed()) return make_error(ErrorKind::Network, "endpoint closed");
  std::shared_ptr<Link> link;
  {
    std::lock_guard lk(mu_);
    if (to >= links_.size()) {
      return make_error(ErrorKind::Network, "no participant " + std::to_string(to) +
                                                " (there are " + std::to_string(links_.size()) +
                                                ")");
    }
    link = links_[to];
  }
  if (to == self_) {
    mailbox_->push_unbounded(Frame{self_, channel, std::move(payload)});
    return {};
  }
  // A peer that is gone reads nothing: the message is dropped, as a crashed party would.
  if (!link || !link->send(channel, std::move(payload))) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  return {};
}

Result<void> LinkEndpoint::send(std::size_t to, Bytes payload) {
  const std::size_t n = payload.size();
  if (auto ok = send_frame(channel_, to, std::move(payload)); !ok) return ok;
  bytes_sent_.fetch_add(n, std::memory_order_relaxed);
  messages_sent_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

Result<std::optional<Message>> LinkEndpoint::receive(std::chrono::milliseconds timeout) {
  auto f = mailbox_->receive(channel_, timeout);
  if (!f) return f.error();
  if (!*f) return std::optional<Message>{};
  bytes_received_.fetch_add((*f)->payload.size(), std::memory_order_relaxed);
  messages_received_.fetch_add(1, std::memory_order_relaxed);
  return std::optional<Message>(Message{(*f)->from, std::move((*f)->payload)});
}

EndpointCounters LinkEndpoint::counters() const {
  EndpointCounters c;
  c.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  c.messages_sent = messages_sent_.load(std::memory_order_relaxed);
  c.bytes_received = bytes_received_.load(std::memory_order_relaxed);
  c.messages_received = messages_received_.load(std::memory_order_relaxed);
  return c;
}

Result<void> LinkEndpoint::send_on(std::uint8_t channel, std::size_t to, Bytes payload) {
  if (channel == channel_ || channel == frame::kTransportChannel || channel > frame::kMaxChannel) {
    return make_error(ErrorKind::Network,
                      "send_on: channel " + std::to_string(channel) + " is not a side channel");
  }
  return send_frame(channel, to, std::move(payload));
}

Result<std::optional<Frame>> LinkEndpoint::receive_on(std::uint8_t channel,
                                                      std::chrono::milliseconds timeout) {
  return mailbox_->receive(channel, timeout);
}

std::optional<std::string> LinkEndpoint::gone(std::size_t index) const {
  return mailbox_->gone(index);
}

void LinkEndpoint::finish(std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<Link>> links;
  {
    std::lock_guard lk(mu_);
    links = links_;
  }
  for (auto& l : links) {
    if (l) l->finish();
  }
  const auto deadline = Clock::now() + timeout;
  for (auto& l : links) {
    if (!l) continue;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !l->wait_closed(left)) l->close("no goodbye from the peer in time");
  }
}

void LinkEndpoint::close(const std::string& reason) {
  mailbox_->close(reason, false);
  std::vector<std::shared_ptr<Link>> links;
  {
    std::lock_guard lk(mu_);
    links = links_;
  }
  for (auto& l : links) {
    if (l && l->is_open()) l->close(reason);
  }
}

}  // namespace stoffel::net
