// A pool of preprocessing items (decision M4): items are appended by generation runs and taken
// from the front, each exactly once. Every party appends and takes the same amounts in the same
// order, so the parties' pools stay aligned item by item without any coordination.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "math/fp.h"

namespace stoffel::mpc {

template <typename F>
class Pool {
 public:
  // `width` field elements per item: 1 for a random share, 3 for a triple (a, b, c).
  explicit Pool(std::size_t width) : width_(width) {}
  ~Pool() { math::wipe(std::span<F>(items_)); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  std::size_t width() const { return width_; }
  std::size_t size() const { return (items_.size() - head_) / width_; }
  std::uint64_t generated() const { return generated_; }
  std::uint64_t consumed() const { return consumed_; }

  // Appends whole items (values.size() a multiple of width()).
  void append(std::span<const F> values) {
    if (head_ > 0) {
      // Consumed items are wiped before the storage is reused: they are secret shares.
      math::wipe(std::span<F>(items_.data(), head_));
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    items_.insert(items_.end(), values.begin(), values.end());
    generated_ += values.size() / width_;
  }

  // Takes `count` items (count <= size()); the span stays valid until the next append.
  std::span<const F> take(std::size_t count) {
    std::span<const F> out(items_.data() + head_, count * width_);
    head_ += count * width_;
    consumed_ += count;
    return out;
  }

 private:
  std::size_t width_;
  std::vector<F> items_;
  std::size_t head_ = 0;  // first element not yet taken
  std::uint64_t generated_ = 0, consumed_ = 0;
};

}  // namespace stoffel::mpc
