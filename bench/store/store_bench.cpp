// Write and read rates of the preprocessing store (docs/performance.md, "Preprocessing store"):
// items per second through PreprocStore, sealing or authenticating and decrypting included, with
// the synced commits a real store makes. The store lives under $TMPDIR (default /tmp), so the
// figures include that disk's sync cost.
//
//   BM_Write/<triples per lot>          begin_lot + one append + commit (one lot per iteration)
//   BM_Read/<triples per consume>       consume a lot of 65,536 triples in pieces of this size
//                                       (every consume is one synced commit)
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/preproc_store.h"

namespace {

using stoffel::mpc::FieldBytes;
using stoffel::mpc::LotId;
using stoffel::mpc::StoredKind;
namespace store = stoffel::store;

class BenchStore {
 public:
  BenchStore() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "stoffel-store-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    const std::vector<std::uint8_t> secret(32, 1);
    auto key = store::StoreKey::derive(secret, 0);
    store::Binding b;
    b.params = {stoffel::math::FieldKind::Bls12_381, 5, 1, 0};
    b.roster = store::embedded_roster_digest(5);
    store::StoreOptions o;
    o.create = true;
    o.map_size = std::uint64_t{4} << 30;
    auto s = store::PreprocStore::open(dir_ + "/party-0", b, *key, o);
    if (!s) std::abort();
    store_ = std::move(*s);
  }
  ~BenchStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::PreprocStore& get() { return *store_; }

  LotId write(const std::vector<FieldBytes>& triples) {
    LotId id{};
    randombytes_buf(id.data(), id.size());
    auto w = store_->begin_lot(id);
    if (!w || !(*w)->append(StoredKind::kTriple, triples) || !(*w)->commit()) std::abort();
    return id;
  }

 private:
  std::string dir_;
  std::unique_ptr<store::PreprocStore> store_;
};

std::vector<FieldBytes> random_triples(std::size_t count) {
  std::vector<FieldBytes> v(3 * count);
  for (auto& e : v) randombytes_buf(e.data(), e.size());
  return v;
}

void BM_Write(benchmark::State& state) {
  BenchStore s;
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto triples = random_triples(count);
  for (auto _ : state) {
    const LotId id = s.write(triples);
    state.PauseTiming();
    if (!s.get().drop_lot(id)) std::abort();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
}
BENCHMARK(BM_Write)->Arg(4096)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Read(benchmark::State& state) {
  BenchStore s;
  constexpr std::size_t kLot = 65536;
  const auto piece = static_cast<std::size_t>(state.range(0));
  const auto triples = random_triples(kLot);
  std::vector<FieldBytes> out(3 * piece);
  for (auto _ : state) {
    state.PauseTiming();
    const LotId id = s.write(triples);
    state.ResumeTiming();
    for (std::size_t at = 0; at < kLot; at += piece) {
      if (!s.get().consume(id, StoredKind::kTriple, at, out)) std::abort();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kLot));
}
BENCHMARK(BM_Read)->Arg(1024)->Arg(16384)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
