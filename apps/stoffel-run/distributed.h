// stoffel-run's glue to the library: loading a program, checking the MPC flags, and turning the
// flags of distributed runs into src/node options. No logic of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "math/field_kind.h"
#include "run_options.h"
#include "stoffel/result.h"

namespace stoffel::cli {

struct LoadedProgram {
  std::vector<std::uint8_t> bytes;  // the file (its SHA-256 names the program in a session)
  bytecode::Program program;
};

// Reads and checks a program file (`-`: standard input); the error is the line to print (exit 3).
Result<LoadedProgram> load_program(const std::string& path);

// --mpc-backend, --mpc-curve, n >= 3t + 1; the error is the line to print (exit 2).
Result<math::FieldKind> check_mpc_settings(const RunOptions& opts);
// --mpc-backend avss (alias adkg), case-insensitively.
bool avss_backend(const RunOptions& opts);

// --leader, --bootnode, --bootstrap, --client: returns the exit code.
int run_distributed(const RunOptions& opts);

// `stoffel-run keygen -o FILE`: returns the exit code.
int run_keygen(const KeygenOptions& opts);

}  // namespace stoffel::cli
