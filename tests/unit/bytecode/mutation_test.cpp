// Robustness of the reader (docs/decisions.md, B2): every truncation of every fixture, thousands of
// random mutations with a fixed seed, and synthetic hostile inputs. A bad input must give a clean
// error naming an offset inside the input; an input that does read must survive write -> read
// unchanged and must not crash the verifier. Allocation sizes are watched by a counting operator
// new so that a hostile count cannot make the reader reserve gigabytes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>

#include "bytecode/reader.h"
#include "bytecode/verifier.h"
#include "bytecode/writer.h"
#include "stfl_test_util.h"

// ---------------------------------------------------------------------------------------------
// Allocation probe: the replaceable global operator new records the largest single request while
// a probe is active. The replacement forwards to malloc/free, so ASan still checks every heap
// access; only its new/delete-mismatch check is given up for this binary.

namespace {
std::atomic<bool> g_probe_active{false};
std::atomic<size_t> g_probe_largest{0};

void* counted_alloc(size_t size) {
  if (g_probe_active.load(std::memory_order_relaxed)) {
    size_t seen = g_probe_largest.load(std::memory_order_relaxed);
    while (size > seen && !g_probe_largest.compare_exchange_weak(seen, size)) {
    }
  }
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

// GCC inlines these into call sites and then sees free() on memory from operator new; that is
// exactly the pairing this replacement defines, so the warning is a false positive here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(size_t size) {
  if (void* p = counted_alloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  if (void* p = counted_alloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return counted_alloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return counted_alloc(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace stoffel::bytecode {
namespace {

using test::ByteBuilder;
using test::Bytes;

class AllocationProbe {
 public:
  AllocationProbe() {
    g_probe_largest.store(0);
    g_probe_active.store(true);
  }
  ~AllocationProbe() { g_probe_active.store(false); }
  size_t largest() const { return g_probe_largest.load(); }
};

// Checks one input; returns "" when everything holds, else what went wrong.
std::string check_input(const Bytes& input, bool& read_ok) {
  auto program = read_program(input);
  read_ok = program.ok();
  if (!program.ok()) {
    // A clean error names an offset inside the input, in decimal and hex that agree.
    const std::string& message = program.error().message;
    size_t offset = 0;
    size_t hex_offset = 0;
    if (std::sscanf(message.c_str(), "offset %zu (0x%zx): ", &offset, &hex_offset) != 2) {
      return "error without an offset: " + message;
    }
    if (offset != hex_offset) return "decimal and hex offsets differ: " + message;
    if (offset > input.size()) return "offset past the end of the input: " + message;
    return "";
  }
  auto written = write_program(*program);
  if (!written.ok()) return "a program that was read cannot be written: " + written.error().message;
  auto again = read_program(*written);
  if (!again.ok()) return "written bytes do not read back: " + again.error().message;
  if (!(*again == *program)) return "write -> read changed the model";
  auto rewritten = write_program(*again);
  if (!rewritten.ok() || *rewritten != *written) return "writing is not idempotent";
  // The verifier may accept or reject; it must only not crash (ASan/UBSan watch this).
  auto verified = verify_program(*program);
  for (const Function& f : program->functions) {
    if (verified.ok() && effective_register_count(f) > kMaxRegisters) {
      return "verified function needs more than kMaxRegisters";
    }
  }
  return "";
}

// Collects failures so a broken reader reports a few examples instead of thousands of lines.
struct Tally {
  size_t programs = 0;
  size_t errors = 0;
  size_t failures = 0;
  std::string examples;

  void check(const Bytes& input, const std::string& label) {
    bool read_ok = false;
    const std::string problem = check_input(input, read_ok);
    (read_ok ? programs : errors) += 1;
    if (problem.empty()) return;
    if (++failures <= 5) examples += label + ": " + problem + "\n";
  }
};

class FixtureRobustness : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(FixtureRobustness, EveryTruncationIsACleanError) {
  const Bytes bytes = test::read_bytes(GetParam());
  ASSERT_FALSE(bytes.empty());
  Tally tally;
  for (size_t length = 0; length < bytes.size(); ++length) {
    const Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
    tally.check(cut, "length " + std::to_string(length));
  }
  EXPECT_EQ(tally.failures, 0u) << tally.examples;
  // A proper prefix of a valid file never reads: the last function is always cut short.
  EXPECT_EQ(tally.programs, 0u);
  EXPECT_EQ(tally.errors, bytes.size());
}

// One random edit. Boundary values are the ones that break length and count arithmetic.
void mutate(Bytes& b, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  static constexpr uint8_t kBoundaryBytes[] = {0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE};
  static constexpr uint32_t kBoundaryWords[] = {0,          1,          0x7F,       0x80,
                                                0xFF,       0xFFFF,     0x7FFFFFFF, 0x80000000,
                                                0xFFFFFFFF, 0xFFFFFFFE, 0x10000,    0x8000};
  if (b.empty()) {
    b.push_back(static_cast<uint8_t>(rng()));
    return;
  }
  switch (pick(7)) {
    case 0:  // flip one bit
      b[pick(b.size())] ^= static_cast<uint8_t>(1u << pick(8));
      break;
    case 1:  // random byte
      b[pick(b.size())] = static_cast<uint8_t>(rng());
      break;
    case 2:  // boundary byte
      b[pick(b.size())] = kBoundaryBytes[pick(std::size(kBoundaryBytes))];
      break;
    case 3: {  // boundary u16 or u32, little-endian, where a length or count might be
      const uint32_t v = kBoundaryWords[pick(std::size(kBoundaryWords))];
      const size_t width = pick(2) == 0 ? 2 : 4;
      const size_t at = pick(b.size());
      for (size_t i = 0; i < width && at + i < b.size(); ++i) {
        b[at + i] = static_cast<uint8_t>(v >> (8 * i));
      }
      break;
    }
    case 4: {  // insert 1..4 bytes
      const size_t at = pick(b.size() + 1);
      const size_t n = 1 + pick(4);
      for (size_t i = 0; i < n; ++i) {
        const uint8_t v = pick(2) == 0 ? static_cast<uint8_t>(rng())
                                       : kBoundaryBytes[pick(std::size(kBoundaryBytes))];
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), v);
      }
      break;
    }
    case 5: {  // delete 1..4 bytes
      const size_t at = pick(b.size());
      const size_t n = std::min(b.size() - at, 1 + pick(4));
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + n));
      break;
    }
    case 6: {  // copy a slice of the file over another place (structure-preserving noise)
      const size_t from = pick(b.size());
      const size_t to = pick(b.size());
      const size_t n = std::min({b.size() - from, b.size() - to, 1 + pick(16)});
      const Bytes slice(b.begin() + static_cast<std::ptrdiff_t>(from),
                        b.begin() + static_cast<std::ptrdiff_t>(from + n));
      std::copy(slice.begin(), slice.end(), b.begin() + static_cast<std::ptrdiff_t>(to));
      break;
    }
  }
}

constexpr int kMutationsPerFixture = 3000;

TEST_P(FixtureRobustness, RandomMutationsGiveAnErrorOrAProgramThatRoundTrips) {
  const Bytes original = test::read_bytes(GetParam());
  ASSERT_FALSE(original.empty());
  // A fixed seed per fixture: the same inputs on every run, different across fixtures.
  const std::string name = GetParam().filename().string();
  std::seed_seq seed(name.begin(), name.end());
  std::mt19937_64 rng(seed);
  Tally tally;
  for (int i = 0; i < kMutationsPerFixture; ++i) {
    Bytes b = original;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) mutate(b, rng);
    tally.check(b, "mutation " + std::to_string(i));
  }
  EXPECT_EQ(tally.failures, 0u) << tally.examples;
  EXPECT_EQ(tally.programs + tally.errors, static_cast<size_t>(kMutationsPerFixture));
  // Both outcomes occur, so neither branch of the check is vacuous.
  EXPECT_GT(tally.programs, 0u);
  EXPECT_GT(tally.errors, 0u);
  std::printf("[          ] %s: %zu mutants read, %zu rejected\n", name.c_str(), tally.programs,
              tally.errors);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureRobustness, ::testing::ValuesIn(test::fixture_files()),
                         [](const auto& param_info) {
                           return test::fixture_test_name(param_info.param);
                         });

TEST(Robustness, RandomNoiseAfterAValidHeader) {
  std::mt19937_64 rng(20240601);
  Tally tally;
  for (int i = 0; i < 3000; ++i) {
    ByteBuilder b;
    b.raw("STFL").u16(rng() % 2);
    const size_t n = rng() % 96;
    for (size_t k = 0; k < n; ++k) {
      // Mostly small bytes, so counts and lengths are often plausible and parsing gets deep.
      b.u8(rng() % 4 == 0 ? rng() % 256 : rng() % 4);
    }
    tally.check(b.bytes(), "noise " + std::to_string(i));
  }
  EXPECT_EQ(tally.failures, 0u) << tally.examples;
  EXPECT_GT(tally.errors, 0u);
}

// ---------------------------------------------------------------------------------------------
// Random models: write -> read is the identity, and their mutants behave.

std::string random_utf8(std::mt19937_64& rng) {
  // Pieces of 1 to 4 bytes, including the boundary code points.
  static const char* const kPieces[] = {"a",
                                        "Z",
                                        "_",
                                        ".",
                                        "0",
                                        "<NUL>",
                                        "\x7F",
                                        "\xC2\x80",
                                        "\xDF\xBF",
                                        "\xE0\xA0\x80",
                                        "\xED\x9F\xBF",
                                        "\xEE\x80\x80",
                                        "\xEF\xBF\xBF",
                                        "\xF0\x90\x80\x80",
                                        "\xF4\x8F\xBF\xBF"};
  std::string out;
  const size_t n = rng() % 6;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = rng() % std::size(kPieces);
    // The NUL piece is a one-byte string that strlen would see as empty.
    if (k == 5) {
      out.push_back('\0');
    } else {
      out += kPieces[k];
    }
  }
  return out;
}

Constant random_constant(std::mt19937_64& rng) {
  const auto tag = static_cast<ConstTag>(rng() % (kMaxConstTag + 1));
  Constant c;
  c.tag = tag;
  const uint64_t r = rng();
  switch (tag) {
    case ConstTag::Unit:
      break;
    case ConstTag::I8:
    case ConstTag::U8:
      c.bits = r & 0xFF;
      break;
    case ConstTag::I16:
    case ConstTag::U16:
      c.bits = r & 0xFFFF;
      break;
    case ConstTag::I32:
    case ConstTag::U32:
      c.bits = r & 0xFFFFFFFF;
      break;
    case ConstTag::I64:
    case ConstTag::U64:
    case ConstTag::Float:
      c.bits = r;
      break;
    case ConstTag::Bool:
      c.bits = r & 1;
      break;
    case ConstTag::String:
      c.str = random_utf8(rng);
      break;
  }
  return c;
}

Program random_program(std::mt19937_64& rng) {
  Program p;
  p.version = static_cast<uint16_t>(rng() % 2);
  const size_t constants = rng() % 8;
  for (size_t i = 0; i < constants; ++i) p.constants.push_back(random_constant(rng));
  const size_t functions = rng() % 4;
  for (size_t i = 0; i < functions; ++i) {
    Function f;
    f.name = random_utf8(rng);
    f.register_count = static_cast<uint16_t>(rng());
    for (size_t k = rng() % 4; k > 0; --k) f.params.push_back(random_utf8(rng));
    for (size_t k = rng() % 3; k > 0; --k) f.upvalues.push_back(random_utf8(rng));
    if (rng() % 2 == 0) f.parent = random_utf8(rng);
    for (size_t k = rng() % 5; k > 0; --k) {
      f.labels.push_back({random_utf8(rng), static_cast<uint32_t>(rng() % 40)});
    }
    for (size_t k = rng() % 24; k > 0; --k) {
      Instruction ins;
      ins.op = static_cast<Opcode>(rng() % kOpcodeCount);
      // Small values mostly, the full range sometimes.
      auto operand = [&] { return static_cast<uint32_t>(rng() % 4 == 0 ? rng() : rng() % 32); };
      switch (opcode_format(ins.op)) {
        case Format::RO:
          ins.a = operand();
          ins.offset = static_cast<int32_t>(operand());
          break;
        case Format::RK:
        case Format::RR:
          ins.a = operand();
          ins.b = operand();
          break;
        case Format::RRR:
          ins.a = operand();
          ins.b = operand();
          ins.c = operand();
          break;
        case Format::R:
          ins.a = operand();
          break;
        case Format::S:
          ins.name = random_utf8(rng);
          break;
      }
      f.code.push_back(std::move(ins));
    }
    p.functions.push_back(std::move(f));
  }
  return p;
}

TEST(Robustness, RandomModelsRoundTripAndTheirMutantsBehave) {
  std::mt19937_64 rng(0x5CAFF01D);
  Tally tally;
  size_t round_trip_failures = 0;
  for (int i = 0; i < 500; ++i) {
    const Program model = random_program(rng);
    auto bytes = write_program(model);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    auto back = read_program(*bytes);
    ASSERT_TRUE(back.ok()) << "model " << i << ": " << back.error().message;
    if (!(*back == model)) ++round_trip_failures;
    for (int m = 0; m < 10; ++m) {
      Bytes mutant = *bytes;
      mutate(mutant, rng);
      tally.check(mutant, "model " + std::to_string(i) + " mutant " + std::to_string(m));
    }
  }
  EXPECT_EQ(round_trip_failures, 0u);
  EXPECT_EQ(tally.failures, 0u) << tally.examples;
  EXPECT_GT(tally.programs, 0u);
  EXPECT_GT(tally.errors, 0u);
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs: huge counts and lengths with almost nothing behind them.

std::vector<Bytes> hostile_inputs() {
  std::vector<Bytes> inputs;
  for (size_t tail : {0, 1, 15, 64}) {
    const Bytes pad(tail, 0);
    inputs.push_back(ByteBuilder().header(0xFFFFFFFF).raw(pad).bytes());
    inputs.push_back(ByteBuilder().header(0).u32(0xFFFFFFFF).raw(pad).bytes());
    inputs.push_back(ByteBuilder().header(0).u32(0x7FFFFFFF).raw(pad).bytes());
    inputs.push_back(ByteBuilder().header(1).u8(11).u32(0xFFFFFFFF).raw(pad).bytes());
    inputs.push_back(ByteBuilder().header(0).u32(1).u16(0xFFFF).raw(pad).bytes());
    inputs.push_back(
        ByteBuilder().header(0).u32(1).str16("f").u16(0xFFFF).u16(0xFFFF).raw(pad).bytes());
    inputs.push_back(
        ByteBuilder().header(0).u32(1).str16("f").u16(0).u16(0).u16(0xFFFF).raw(pad).bytes());
    inputs.push_back(ByteBuilder()
                         .header(0)
                         .u32(1)
                         .str16("f")
                         .u16(0)
                         .u16(0)
                         .u16(0)
                         .u8(1)
                         .u16(0xFFFF)
                         .raw(pad)
                         .bytes());
    inputs.push_back(ByteBuilder()
                         .header(0)
                         .u32(1)
                         .str16("f")
                         .u16(0)
                         .u16(0)
                         .u16(0)
                         .u8(0)
                         .u16(0xFFFF)
                         .raw(pad)
                         .bytes());
    inputs.push_back(
        ByteBuilder().header(0).u32(1).plain_function("f", 0, 0xFFFFFFFF).raw(pad).bytes());
    inputs.push_back(ByteBuilder()
                         .header(0)
                         .u32(1)
                         .plain_function("f", 0, 1)
                         .u8(0x11)
                         .u16(0xFFFF)
                         .raw(pad)
                         .bytes());
  }
  return inputs;
}

TEST(Robustness, HostileCountsFailFastWithoutLargeAllocations) {
  const auto inputs = hostile_inputs();
  ASSERT_GE(inputs.size(), 40u);
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t largest = 0;
    std::string message;
    {
      AllocationProbe probe;
      auto program = read_program(inputs[i]);
      largest = probe.largest();
      ASSERT_FALSE(program.ok()) << "input " << i;
      message = program.error().message;
    }
    // Every input is under 100 bytes; nothing about it justifies more than a few KiB (the error
    // message is the largest allocation).
    EXPECT_LT(largest, 4096u) << "input " << i << ": " << message;
    EXPECT_EQ(message.rfind("offset ", 0), 0u) << message;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(Robustness, AllocationIsBoundedByTheInput) {
  // A legitimate large count is allowed to allocate, in proportion: 100000 Unit constants take
  // 100000 bytes of input and reserve the model's vector once.
  constexpr size_t kCount = 100000;
  ByteBuilder b;
  b.header(kCount);
  for (size_t i = 0; i < kCount; ++i) b.u8(0);
  b.u32(0);
  size_t largest = 0;
  {
    AllocationProbe probe;
    auto program = read_program(b.bytes());
    largest = probe.largest();
    ASSERT_TRUE(program.ok()) << program.error().message;
    EXPECT_EQ(program->constants.size(), kCount);
  }
  EXPECT_LE(largest, kCount * sizeof(Constant));
  // The probe itself works: it saw that reservation.
  EXPECT_GE(largest, kCount * sizeof(Constant) / 2);
}

TEST(Robustness, DeepButValidInputReads) {
  // Many functions, each with many labels and instructions: the reader keeps up and the
  // verifier accepts it.
  ByteBuilder b;
  b.header(1).u8(1).u64(7);
  constexpr int kFunctions = 200;
  b.u32(kFunctions);
  for (int f = 0; f < kFunctions; ++f) {
    b.str16(test::numbered("f", f)).u16(2).u16(1).str16("p").u16(0).u8(0);
    b.u16(50);
    for (int l = 0; l < 50; ++l) b.str16(test::numbered("L", l)).u32(l);
    b.u32(100);
    for (int k = 0; k < 50; ++k) b.u8(0x01).u32(1).u32(0);                  // LDI
    for (int k = 0; k < 50; ++k) b.u8(0x0E).str16(test::numbered("L", k));  // JMP
  }
  auto program = read_program(b.bytes());
  ASSERT_TRUE(program.ok()) << program.error().message;
  EXPECT_EQ(program->functions.size(), static_cast<size_t>(kFunctions));
  auto verified = verify_program(*program);
  EXPECT_TRUE(verified.ok()) << verified.error().message;
  auto written = write_program(*program);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, b.bytes());
}

}  // namespace
}  // namespace stoffel::bytecode
