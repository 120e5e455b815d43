#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install, build and run the default scenario (configs/badakhshan.toml) into out/badakhshan, on
# $NEXUSMAP_DATA, else ../shared/data/region, else the embedded default data/default
# (scripts/select-data.sh says which).
#   scripts/quickstart.sh [extra `nexusmap run` options, e.g. --threads 2 --force]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh --werror
build/nexusmap --version
NEXUSMAP_DATA="$(scripts/select-data.sh)"
export NEXUSMAP_DATA
build/nexusmap run configs/badakhshan.toml "$@"
latest="$PWD/out/badakhshan/latest"
echo
echo "Outputs:  $latest/"
echo "Manifest: $latest/manifest.json"
echo "QGIS:     $latest/nexusmap.qgs"
echo "Report:   $latest/report.html"
echo "Maps:     $latest/map_*.png"
echo "Data:     $NEXUSMAP_DATA"
