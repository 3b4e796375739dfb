// Helpers shared by the fuzz targets: a failed property check and a cursor over the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace stoffel::fuzz {

// A property the target checks does not hold: print what and abort, which libFuzzer records as
// a crash (with the input that caused it) and the corpus replay test reports as a failure.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!detail.empty()) {
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::abort();
}

inline void check(bool ok, std::string_view what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

// Reads fixed-width fields from the front of the input; past the end every read yields zeros
// (a short input is still a valid input, so the target never rejects one).
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> in) : in_(in) {}

  bool empty() const { return pos_ >= in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  uint8_t u8() { return pos_ < in_.size() ? in_[pos_++] : 0; }
  uint16_t u16() {
    const uint16_t lo = u8();
    return static_cast<uint16_t>(lo | (u8() << 8));
  }
  uint32_t u32() {
    const uint32_t lo = u16();
    return lo | (static_cast<uint32_t>(u16()) << 16);
  }
  // Up to n bytes (fewer at the end of the input).
  std::span<const uint8_t> bytes(size_t n) {
    const size_t take = n < remaining() ? n : remaining();
    auto out = in_.subspan(pos_, take);
    pos_ += take;
    return out;
  }
  std::span<const uint8_t> rest() { return bytes(remaining()); }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

}  // namespace stoffel::fuzz
