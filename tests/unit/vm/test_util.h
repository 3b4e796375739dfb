// Helpers for VM unit tests: build a VM from assembly text.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "bytecode/assembler.h"
#include "vm/vm.h"

namespace stoffel::vm::testing {

inline std::unique_ptr<VirtualMachine> vm_from_asm(const std::string& text,
                                                   VmOptions options = {}) {
  auto vm = std::make_unique<VirtualMachine>(options);
  auto program = bytecode::assemble(text, "test");
  EXPECT_TRUE(program.ok()) << (program.ok() ? "" : program.error().message);
  if (!program.ok()) return vm;
  auto loaded = vm->load_program(std::move(program.value()));
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  return vm;
}

}  // namespace stoffel::vm::testing
