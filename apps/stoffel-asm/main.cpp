// stoffel-asm: assembles the text format (docs/assembly.md) into an STFL v1 binary, and with
// --disassemble turns a binary back into text. A thin shell: parsing, checking and encoding live
// in the stoffel_bytecode library; this file only moves bytes between files and the library.
#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bytecode/assembler.h"
#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"

namespace {

using stoffel::bytecode::Program;

constexpr const char* kStdio = "-";

int fail(const std::string& message) {
  fmt::print(stderr, "stoffel-asm: {}\n", message);
  return 1;
}

// The whole of stdin or of a file; nullopt (with a message printed) when it cannot be read.
std::optional<std::string> read_all(const std::string& path) {
  if (path == kStdio) {
    std::string data{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) {
      fail("cannot read standard input");
      return std::nullopt;
    }
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(fmt::format("{}: cannot open for reading", path));
    return std::nullopt;
  }
  std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    fail(fmt::format("{}: read error", path));
    return std::nullopt;
  }
  return data;
}

bool write_all(const std::string& path, const char* data, size_t size) {
  if (path == kStdio) {
    std::cout.write(data, static_cast<std::streamsize>(size));
    std::cout.flush();
    if (!std::cout) return fail("cannot write to standard output") == 0;
    return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(data, static_cast<std::streamsize>(size));
  if (out) out.close();
  if (!out) return fail(fmt::format("{}: cannot write", path)) == 0;
  return true;
}

int disassemble(const std::string& input, const std::string& output) {
  stoffel::Result<Program> program = stoffel::make_error("");
  if (input == kStdio) {
    const auto bytes = read_all(input);
    if (!bytes) return 1;
    program = stoffel::bytecode::read_program(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
    if (!program) return fail("<stdin>: " + program.error().message);
  } else {
    program = stoffel::bytecode::read_program_file(input);
    if (!program) return fail(program.error().message);
  }
  const std::string text = stoffel::bytecode::disassemble(*program);
  return write_all(output.empty() ? kStdio : output, text.data(), text.size()) ? 0 : 1;
}

int assemble(const std::string& input, const std::string& output, bool verify) {
  if (output.empty()) return fail("assembling needs an output file: -o <out.stflb> (or -o -)");
  const auto text = read_all(input);
  if (!text) return 1;
  const std::string source_name = input == kStdio ? "<stdin>" : input;
  const auto program = stoffel::bytecode::assemble(*text, source_name);
  if (!program) {
    // Already "<source>:<line>:<column>: message", one error per line.
    fmt::print(stderr, "{}\n", program.error().message);
    return 1;
  }
  if (verify) {
    const auto verified = stoffel::bytecode::verify_program(*program);
    if (!verified) {
      return fail(fmt::format("{}: verification failed: {} (--no-verify writes it anyway)",
                              source_name, verified.error().message));
    }
  }
  const auto bytes = stoffel::bytecode::write_program(*program);
  if (!bytes) return fail(fmt::format("{}: {}", source_name, bytes.error().message));
  return write_all(output, reinterpret_cast<const char*>(bytes->data()), bytes->size()) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Stoffel assembler: turns the text assembly format (docs/assembly.md) into an STFL v1 "
      "bytecode file, or with --disassemble an STFL file into text.\n\n"
      "  stoffel-asm prog.stfa -o prog.stflb           assemble (and verify)\n"
      "  stoffel-asm --disassemble prog.stflb          print the text form\n"
      "  stoffel-asm --disassemble f.stflb | stoffel-asm - -o g.stflb   (g = f, byte for byte)\n\n"
      "'-' as input reads standard input; '-o -' writes standard output. Errors go to stderr "
      "(assembly errors as <file>:<line>:<column>: <message>) and the exit code is 1.",
      "stoffel-asm"};
  std::string input;
  std::string output;
  bool disassemble_mode = false;
  bool no_verify = false;
  app.add_option("input", input, "Input file: .stfa text, or .stflb with --disassemble; - = stdin")
      ->required();
  app.add_option("-o,--output", output,
                 "Output file (required when assembling; disassembly defaults to stdout); "
                 "- = stdout");
  app.add_flag("-d,--disassemble", disassemble_mode, "Read an STFL binary and print its text form");
  app.add_flag("--no-verify", no_verify,
               "Assemble without running the load-time verifier (undefined labels that are "
               "marked with !, out-of-range constant indexes, registers past r65535)");
  CLI11_PARSE(app, argc, argv);

  if (disassemble_mode) {
    if (no_verify) return fail("--no-verify only applies when assembling");
    return disassemble(input, output);
  }
  return assemble(input, output, !no_verify);
}
