// docs/builtins.md cannot drift from the code: every native function a fresh VirtualMachine
// registers has a signature row on the page, and every signature row names a registered builtin.
// A signature row is a table row whose first cell holds one or more `Name(arguments)` spans.
// The VM is taken as stoffel-run and the parties build it: with Crypto.* and Bytes.* (library
// stoffel_vm_crypto, registered by src/embed).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "vm/builtins.h"
#include "vm/vm.h"

namespace stoffel::vm {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

// The builtin names of every signature row of the page: in the row's first cell, each code span
// that starts with a name directly followed by '(' (no std::regex: GCC 12 warns inside it under
// the sanitizers).
std::set<std::string> documented_builtins(const std::string& page) {
  std::set<std::string> names;
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(0, line.find(" |", 2));
    for (size_t tick = cell.find('`'); tick != std::string::npos; tick = cell.find('`', tick + 1)) {
      size_t end = tick + 1;
      while (end < cell.size() && name_char(cell[end])) ++end;
      if (end > tick + 1 && end < cell.size() && cell[end] == '(') {
        names.insert(cell.substr(tick + 1, end - tick - 1));
      }
    }
  }
  return names;
}

TEST(BuiltinsDoc, EveryRegisteredBuiltinHasASignatureRow) {
  const std::string page = read_text(std::string(STOFFEL_SOURCE_DIR) + "/docs/builtins.md");
  const std::set<std::string> documented = documented_builtins(page);
  VirtualMachine vm;
  register_crypto_builtins(vm);
  const std::vector<std::string> names = vm.native_names();
  ASSERT_GE(names.size(), 50u) << "the VM registered suspiciously few builtins";
  for (const std::string& name : names) {
    EXPECT_TRUE(documented.count(name) == 1)
        << "builtin '" << name << "' is registered but docs/builtins.md has no row starting "
        << "with `" << name << "(...)`";
  }
}

TEST(BuiltinsDoc, EverySignatureRowNamesARegisteredBuiltin) {
  const std::string page = read_text(std::string(STOFFEL_SOURCE_DIR) + "/docs/builtins.md");
  const std::set<std::string> documented = documented_builtins(page);
  ASSERT_FALSE(documented.empty()) << "no signature rows found in docs/builtins.md";
  VirtualMachine vm;
  register_crypto_builtins(vm);
  const std::vector<std::string> names = vm.native_names();
  const std::set<std::string> registered(names.begin(), names.end());
  for (const std::string& name : documented) {
    EXPECT_TRUE(registered.count(name) == 1)
        << "docs/builtins.md documents `" << name << "(...)`, which the VM does not register";
  }
}

}  // namespace
}  // namespace stoffel::vm
