#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The default scenario from scratch at one or more resolutions: wall time, peak memory, time per cell,
# and the phases of the slowest stages (from the manifest).
#   bench/scenario/run.sh [RESOLUTION_M ...]     default: 1000
# Needs the regional data (../shared/data/region or $NEXUSMAP_DATA) and a release build (build/nexusmap).
set -euo pipefail
cd "$(dirname "$0")/../.."
nexusmap="$PWD/build/nexusmap"
[ -x "$nexusmap" ] || { echo "bench/scenario: build first (scripts/build.sh)" >&2; exit 2; }
export NEXUSMAP_DATA="${NEXUSMAP_DATA:-$(scripts/select-data.sh)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
resolutions=("$@")
[ "${#resolutions[@]}" -gt 0 ] || resolutions=(1000)
echo "data: $NEXUSMAP_DATA; $(nproc) cores; $(date -u +%FT%TZ)"
printf "%8s %10s %9s %8s %10s  %s\n" "res (m)" "cells" "wall (s)" "RSS MB" "us/cell" "slowest stages (s)"
for res in "${resolutions[@]}"; do
  out="$work/out_$res"
  /usr/bin/time -f "%e %M" -o "$work/time_$res" "$nexusmap" -q run configs/badakhshan.toml \
    --set grid.resolution="$res" --out "$out" > /dev/null
  read -r wall kb < "$work/time_$res"
  python3 - "$out/latest/manifest.json" "$res" "$wall" "$kb" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
res, wall, kb = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
cells = next(s["summary"]["cells"] for s in m["stages"] if s["id"] == "grid")
stages = sorted(((s.get("seconds", 0), s["id"]) for s in m["stages"]), reverse=True)[:3]
phases = next((s["summary"].get("seconds", {}) for s in m["stages"] if s["id"] == "corridors"), {})
print(f"{res:>8} {cells:>10} {wall:>9.1f} {kb / 1024:>8.0f} {wall / cells * 1e6:>10.2f}  "
      + ", ".join(f"{i} {t:.1f}" for t, i in stages))
print("         corridors phases: " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
PY
done
