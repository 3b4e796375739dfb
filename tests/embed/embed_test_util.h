// Helpers for the embed tests: programs from assembly text, and a run that collects its output.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "bytecode/assembler.h"
#include "embed/run_program.h"

namespace stoffel::embed::test {

inline bytecode::Program program_from(std::string_view text) {
  auto p = bytecode::assemble(text, "<test>");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? std::move(*p) : bytecode::Program{};
}

// Output and trace of a run, in the order they came, each trace line as "[T]<line>\n".
struct Collected {
  std::string output;
  std::string interleaved;
  RunSinks sinks() {
    return RunSinks{
        [this](std::string_view s) {
          output.append(s);
          interleaved.append(s);
        },
        [this](std::string_view s) { interleaved.append("[T]").append(s).append("\n"); },
        {}};
  }
};

inline ProgramRunOptions small_session(size_t n = 4, size_t t = 1) {
  ProgramRunOptions o;
  o.engine.session.n = n;
  o.engine.session.t = t;
  o.engine.session.seed = 11;
  return o;
}

}  // namespace stoffel::embed::test
