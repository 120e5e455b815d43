#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cost-distance benchmark: GRASS r.cost, r.cost -k and r.walk against the plain binary-heap reference
# and `nexusmap cost-distance` (8 and 16 neighbours), all timed in one run on the same seeded rasters.
# Prints wall times, ratios, peak memory in bytes per cell beyond the input raster, and checks that
# nexusmap's costs equal r.cost's (and r.cost -k's) within 1e-5 relative after unit conversion.
#
#   bench/cost_distance/run.sh [--sizes "4000 10000"] [--large] [--seed N] [--dir DIR] [--no-install]
#     --sizes   grid sizes (square; default 4000)
#     --large   shorthand for --sizes "4000 10000" (10000^2 takes ~15-30 minutes, most of it GRASS)
#     --dir     work directory for the rasters and outputs (default /tmp/nexusmap-bench)
#     BUILD_DIR environment variable: build directory (default build-bench), configured as Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

sizes="4000" seed=42 dir=/tmp/nexusmap-bench install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --large) sizes="4000 10000"; shift ;;
    --seed) seed=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build-bench}

[ "$install" = 1 ] && scripts/install-deps.sh --bench
command -v grass >/dev/null || { echo "run.sh: GRASS GIS not found (scripts/install-deps.sh --bench)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run.sh: GNU time not found (scripts/install-deps.sh --bench)" >&2; exit 1; }

echo "== build ($build, Release)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEXUSMAP_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target nexusmap make_friction cost_distance_bench >/dev/null
nexusmap=$root/$build/nexusmap
helper=$root/$build/bench/cost_distance_bench

mkdir -p "$dir"
cell=30  # metres; make_friction's default

# Runs a command under GNU time; prints "seconds max_rss_kb". Output of the command goes to $log.
timed() {
  local log=$1; shift
  /usr/bin/time -v "$@" >"$log" 2>"$log.time" || { cat "$log" "$log.time" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]}
              /Maximum resident set size/ {m=$2} END {printf "%.2f %d\n", s, m}' "$log.time"
}

for n in $sizes; do
  d=$dir/s$n
  mkdir -p "$d"
  echo "== $n x $n cells (seed $seed), in $d"
  if [ ! -f "$d/friction.tif" ] || [ ! -f "$d/seed-$seed" ]; then
    "$root/$build/bench/make_friction" "$n" "$seed" "$d" "$cell" >"$d/sources.txt"
    rm -f "$d"/seed-*; touch "$d/seed-$seed"
  fi
  cells=$((n * n))
  input_bytes=$((cells * 4))  # the Float32 friction raster every method reads
  coords=$(paste -sd, "$d/sources.txt")
  src_args=$(sed 's/^/--source /' "$d/sources.txt" | tr '\n' ' ')
  mem_mb=$((cells * 32 / 1000000 + 200))  # enough for GRASS to keep every segment in memory
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

  # GRASS in a temporary location created from the GeoTIFF; imports are not timed.
  cat >"$d/grass.sh" <<EOF
set -euo pipefail
r.in.gdal -o --quiet input=$d/friction.tif output=friction
r.in.gdal -o --quiet input=$d/elevation.tif output=elevation
g.region raster=friction
timed() { /usr/bin/time -v "\$@" >"\$LOG" 2>"\$LOG.time" || { cat "\$LOG.time" >&2; exit 1; }; }
LOG=$d/rcost.log timed r.cost --quiet input=friction output=rc start_coordinates=$coords memory=$mem_mb
LOG=$d/rcostk.log timed r.cost -k --quiet input=friction output=rck start_coordinates=$coords memory=$mem_mb
LOG=$d/rwalk.log timed r.walk --quiet elevation=elevation friction=friction output=rw start_coordinates=$coords memory=$mem_mb
r.out.gdal -c --quiet --overwrite input=rc output=$d/rcost.tif type=Float64 createopt=TILED=YES,COMPRESS=ZSTD
r.out.gdal -c --quiet --overwrite input=rck output=$d/rcostk.tif type=Float64 createopt=TILED=YES,COMPRESS=ZSTD
EOF
  echo "-- GRASS r.cost, r.cost -k, r.walk"
  grass --tmp-location "$d/friction.tif" --exec bash "$d/grass.sh" >"$d/grass.out" 2>&1 ||
    { cat "$d/grass.out" >&2; exit 1; }
  read -r rcost_s rcost_kb < <(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]}
                                            /Maximum resident set size/ {m=$2} END {print s, m}' "$d/rcost.log.time")
  read -r rcostk_s rcostk_kb < <(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]}
                                              /Maximum resident set size/ {m=$2} END {print s, m}' "$d/rcostk.log.time")
  read -r rwalk_s rwalk_kb < <(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]}
                                            /Maximum resident set size/ {m=$2} END {print s, m}' "$d/rwalk.log.time")

  echo "-- plain binary-heap reference and the fast engine (engine time only)"
  read -r ref_s ref_kb < <(timed "$d/ref.log" "$helper" run "$d/friction.tif" $src_args --reference)
  read -r fast_s fast_kb < <(timed "$d/fast.log" "$helper" run "$d/friction.tif" $src_args)
  read -r fast16_s fast16_kb < <(timed "$d/fast16.log" "$helper" run "$d/friction.tif" $src_args --neighbours 16)
  ref_engine=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' "$d/ref.log")
  fast_engine=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' "$d/fast.log")
  fast16_engine=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' "$d/fast16.log")

  echo "-- nexusmap cost-distance (whole tool: read GeoTIFF, sources, search, write COG)"
  read -r nm8_s nm8_kb < <(timed "$d/nm8.log" "$nexusmap" cost-distance --cost "$d/friction.tif" \
                             --sources "$d/sources.geojson" --neighbours 8 --out "$d/acc8.tif")
  read -r nm16_s nm16_kb < <(timed "$d/nm16.log" "$nexusmap" cost-distance --cost "$d/friction.tif" \
                               --sources "$d/sources.geojson" --neighbours 16 --out "$d/acc16.tif")
  read -r nmbl_s nmbl_kb < <(timed "$d/nmbl.log" "$nexusmap" cost-distance --cost "$d/friction.tif" \
                               --sources "$d/sources.geojson" --neighbours 8 --out "$d/acc8b.tif" --backlinks "$d/bl8.tif")
  nm8_search=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$d/nm8.log.time" | head -1)
  nm16_search=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$d/nm16.log.time" | head -1)
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

  echo "-- values: nexusmap vs r.cost (r.cost costs x cell size $cell m)"
  cmp8=$("$helper" compare "$d/acc8.tif" "$d/rcost.tif" --scale "$cell")
  cmp16=$("$helper" compare "$d/acc16.tif" "$d/rcostk.tif" --scale "$cell")
  echo "8 neighbours vs r.cost:     $cmp8"
  echo "16 neighbours vs r.cost -k: $cmp16"
  ok=1
  for c in "$cmp8" "$cmp16"; do
    awk -v c="$c" 'BEGIN {split(c, f, " "); for (i in f) {split(f[i], kv, "="); v[kv[1]]=kv[2]}
                          exit !(v["max_rel_diff"] <= 1e-5 && v["only_ours"] == 0 && v["only_theirs"] == 0)}' || ok=0
  done

  bpc() { awk -v kb="$1" -v inb="$input_bytes" -v c="$cells" 'BEGIN {printf "%.1f", (kb * 1024 - inb) / c}'; }
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
  echo
  printf "%-34s %10s %12s %14s\n" "run ($n x $n)" "wall s" "engine s" "B/cell > input"
  printf "%-34s %10s %12s %14s\n" "GRASS r.cost" "$rcost_s" "" "$(bpc "$rcost_kb")"
  printf "%-34s %10s %12s %14s\n" "GRASS r.cost -k" "$rcostk_s" "" "$(bpc "$rcostk_kb")"
  printf "%-34s %10s %12s %14s\n" "GRASS r.walk" "$rwalk_s" "" "$(bpc "$rwalk_kb")"
  printf "%-34s %10s %12s %14s\n" "reference (binary heap), 8" "$ref_s" "$ref_engine" "$(bpc "$ref_kb")"
  printf "%-34s %10s %12s %14s\n" "fast engine (bench helper), 8" "$fast_s" "$fast_engine" "$(bpc "$fast_kb")"
  printf "%-34s %10s %12s %14s\n" "fast engine (bench helper), 16" "$fast16_s" "$fast16_engine" "$(bpc "$fast16_kb")"
  printf "%-34s %10s %12s %14s\n" "nexusmap cost-distance, 8" "$nm8_s" "$nm8_search" "$(bpc "$nm8_kb")"
  printf "%-34s %10s %12s %14s\n" "nexusmap cost-distance, 16" "$nm16_s" "$nm16_search" "$(bpc "$nm16_kb")"
  printf "%-34s %10s %12s %14s\n" "nexusmap cost-distance, 8 + links" "$nmbl_s" "" "$(bpc "$nmbl_kb")"
  echo
  echo "ratios ($n x $n):"
  echo "  r.cost / nexusmap 8 (whole tool):       $(ratio "$rcost_s" "$nm8_s")x"
  echo "  r.cost / nexusmap 8 (search only):      $(ratio "$rcost_s" "$nm8_search")x"
  echo "  r.cost -k / nexusmap 16 (whole tool):   $(ratio "$rcostk_s" "$nm16_s")x"
  echo "  r.walk / nexusmap 8 (whole tool):       $(ratio "$rwalk_s" "$nm8_s")x"
  echo "  reference / fast engine, 8 (engine):    $(ratio "$ref_engine" "$fast_engine")x"
  echo "  16 / 8 neighbours (engine):             $(ratio "$fast16_engine" "$fast_engine")x"
  echo "  16 / 8 neighbours (whole tool):         $(ratio "$nm16_s" "$nm8_s")x"
  if [ "$ok" = 1 ]; then
    echo "values: nexusmap equals r.cost and r.cost -k within 1e-5 relative (same reached cells): PASS"
  else
    echo "values: FAIL (see the comparisons above)"
    exit 1
  fi
done
