// Helpers shared by the STFL reader/writer/verifier tests: the fixture list, file loading and
// hex literals for byte-exact expectations.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
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

// "lang/fizzbuzz.stflb" -> "lang_fizzbuzz", usable as a GoogleTest parameter name.
inline std::string fixture_test_name(const std::filesystem::path& path) {
  std::string name = path.parent_path().filename().string() + "_" + path.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace stoffel::bytecode::test
