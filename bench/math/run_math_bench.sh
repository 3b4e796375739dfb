#!/usr/bin/env bash
# Runs math_bench (or $BENCH, e.g. BENCH=curve_bench) with 5 repetitions and prints the medians
# as a Markdown table, with the machine and its load (docs/performance.md, "Field arithmetic and
# decoding", "Elliptic curves").
#   [BENCH=curve_bench] bench/math/run_math_bench.sh [build-dir] [extra benchmark flags...]
set -euo pipefail
build=${1:-build/release}
shift || true
bin="$build/bin/${BENCH:-math_bench}"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=csv "$@" 2>/dev/null |
  awk -F, '/_median"/ {
      name=$1; gsub(/"/, "", name); sub(/_median$/, "", name)
      # The per_op counter is the last column; it is in seconds.
      v=$NF; unit="ns"; x=v*1e9
      if (x >= 10000) { x=x/1000; unit="us" }
      printf "| %s | %.1f %s |\n", name, x, unit
    }' | sed '1i | benchmark | per operation (median of 5) |\n|---|---|'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
