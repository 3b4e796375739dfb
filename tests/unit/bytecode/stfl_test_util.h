// Helpers shared by the STFL reader/writer/verifier tests: the fixture list, file loading and
// hex literals for byte-exact expectations.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace stoffel::bytecode::test {

using Bytes = std::vector<uint8_t>;

inline std::filesystem::path fixtures_dir() {
  return STOFFEL_FIXTURES_DIR;
}

// Every *.stflb under the fixtures' lang/ and reference/ folders, sorted so test order and the
// mutation test's random stream are stable.
inline std::vector<std::filesystem::path> fixture_files() {
  std::vector<std::filesystem::path> files;
  for (const char* sub : {"lang", "reference"}) {
    const auto dir = fixtures_dir() / sub;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".stflb") {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline Bytes read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// "53 54 46 4C" (any whitespace, pairs of hex digits) -> bytes. Test-only: input is trusted.
inline Bytes hex(std::string_view text) {
  auto digit = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    return static_cast<uint8_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
  };
  Bytes out;
  int pending = -1;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (pending < 0) {
      pending = digit(c);
    } else {
      out.push_back(static_cast<uint8_t>(pending << 4 | digit(c)));
      pending = -1;
    }
  }
  return out;
}

// prefix + decimal n, e.g. "L7". (Not `"L" + std::to_string(n)`: GCC 12 at -O3 reports a false
// -Wrestrict for that expression.)
inline std::string numbered(std::string_view prefix, long long n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// "lang/fizzbuzz.stflb" -> "lang_fizzbuzz", usable as a GoogleTest parameter name.
inline std::string fixture_test_name(const std::filesystem::path& path) {
  std::string name = path.parent_path().filename().string() + "_" + path.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// "offset 51 (0x33): ", the prefix every reader error starts with.
inline std::string offset_text(size_t offset) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "offset %zu (0x%zx): ", offset, offset);
  return buf;
}

// docs/bytecode.md, "Worked example": `main(){ LDI r0,42; RET r0 }`, 1 register, 56 bytes.
inline constexpr std::string_view kMainExampleHex =
    "53 54 46 4C  01 00  01 00 00 00  01 2A 00 00 00 00 00 00 00  01 00 00 00"
    "04 00 6D 61 69 6E  01 00  00 00  00 00  00  00 00  02 00 00 00"
    "01 00 00 00 00 00 00 00 00   12 00 00 00 00";

// Appends little-endian fields, for hand-made (often deliberately broken) STFL inputs.
class ByteBuilder {
 public:
  // Byte-by-byte appends: GCC 12 at -O3 reports false -Wstringop-overflow for range inserts.
  ByteBuilder& raw(const Bytes& b) {
    for (uint8_t v : b) bytes_.push_back(v);
    return *this;
  }
  ByteBuilder& raw(std::string_view s) {
    for (char c : s) bytes_.push_back(static_cast<uint8_t>(c));
    return *this;
  }
  ByteBuilder& u8(uint64_t v) { return le(v, 1); }
  ByteBuilder& u16(uint64_t v) { return le(v, 2); }
  ByteBuilder& u32(uint64_t v) { return le(v, 4); }
  ByteBuilder& u64(uint64_t v) { return le(v, 8); }
  ByteBuilder& str16(std::string_view s) { return u16(s.size()).raw(s); }
  ByteBuilder& str32(std::string_view s) { return u32(s.size()).raw(s); }
  // "STFL", version, and a constant count.
  ByteBuilder& header(uint64_t constant_count, uint64_t version = 1) {
    return raw("STFL").u16(version).u32(constant_count);
  }
  // A function record's fields up to the instruction count: no params, upvalues, parent, labels.
  ByteBuilder& plain_function(std::string_view name, uint64_t registers, uint64_t code_count) {
    return str16(name).u16(registers).u16(0).u16(0).u8(0).u16(0).u32(code_count);
  }
  size_t size() const { return bytes_.size(); }
  const Bytes& bytes() const { return bytes_; }

 private:
  ByteBuilder& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes bytes_;
};

}  // namespace stoffel::bytecode::test
