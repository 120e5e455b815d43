#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmarks of the analysis algorithms (not tests):
#   - kernel density: nexusmap against GRASS GIS v.kernel (Gaussian) on a 4000 × 4000 grid of 100 m with
#     10^4 and 10^5 clustered events, both timed in this run, densities compared cell by cell;
#   - Getis–Ord Gi* with FDR bins on 4000 × 4000 cells with a 20-cell band: cells per second;
#   - hot spots over hexagons on the 1 km default grid (914 × 678): 25 km and 12.5 km hexagons,
#     incremental spatial autocorrelation, Gi* with 999 conditional permutations.
# Usage: bench/analysis/run.sh [--sigma METRES] [--counts "10000 100000"] [--keep DIR]
#   --sigma   Gaussian standard deviation (default 2500 m = 25 cells); v.kernel gets radius = 4·sigma,
#             because v.kernel 8.2 uses sigma = radius/4 and sums events within d <= radius
#   --keep    keep the generated events, the v.kernel rasters and the GRASS database in DIR
set -euo pipefail
cd "$(dirname "$0")/../.."

sigma=2500 counts="10000 100000" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sigma) sigma="$2"; shift 2 ;;
    --counts) counts="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh --bench

build=build-bench
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DNEXUSMAP_BUILD_BENCH=ON \
  -DNEXUSMAP_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_analysis
bench="$PWD/$build/bench/analysis/bench_analysis"

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  work="$(cd "$keep" && pwd)"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "load_average_before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "grass: $(grass --version 2>&1 | head -1)"

rm -rf "$work/grassdb"
grass -c EPSG:32642 "$work/grassdb/bench" -e >/dev/null 2>&1
radius=$(awk -v s="$sigma" 'BEGIN { printf "%.6f", 4 * s }')
status=0
for n in $counts; do
  "$bench" points --count "$n" --seed 42 >"$work/events_$n.txt"
  cat >"$work/vkernel_$n.sh" <<GRASS
set -e
g.region n=4400000 s=4000000 w=500000 e=900000 res=100 --quiet
v.in.ascii input="$work/events_$n.txt" output=events separator=pipe x=1 y=2 --overwrite --quiet
/usr/bin/time -f %e -o "$work/vkernel_$n.seconds" \
  v.kernel input=events output=density radius=$radius kernel=gaussian --overwrite --quiet
r.out.gdal input=density output="$work/vkernel_$n.tif" format=GTiff type=Float64 --overwrite --quiet
GRASS
  grass "$work/grassdb/bench/PERMANENT" --exec bash "$work/vkernel_$n.sh" >"$work/grass_$n.log" 2>&1 ||
    { cat "$work/grass_$n.log" >&2; exit 1; }
  seconds="$(tail -1 "$work/vkernel_$n.seconds")"
  echo "--- kde, $n events"
  "$bench" kde --points "$work/events_$n.txt" --sigma "$sigma" --reference "$work/vkernel_$n.tif" \
    --reference-seconds "$seconds" --repeat 5 || status=1
  # The same with glibc's malloc asking for transparent huge pages: grid-sized results then cost a few
  # hundred page faults instead of ~16000 (expensive on virtual machines).
  echo "--- kde, $n events, GLIBC_TUNABLES=glibc.malloc.hugetlb=1"
  GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$bench" kde --points "$work/events_$n.txt" --sigma "$sigma" \
    --reference "$work/vkernel_$n.tif" --reference-seconds "$seconds" --repeat 5 || status=1
done
echo "--- gi*"
"$bench" gistar --size 4000 --band-cells 20 --repeat 3
echo "--- gi*, GLIBC_TUNABLES=glibc.malloc.hugetlb=1"
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$bench" gistar --size 4000 --band-cells 20 --repeat 3
for spacing in 25000 12500; do
  echo "--- hot spots over hexagons of $spacing m"
  "$bench" units --spacing "$spacing" --permutations 999 --repeat 3
done
echo "load_average_after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
