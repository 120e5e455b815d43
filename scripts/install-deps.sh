#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The one place that installs system packages (Debian 12). Used by the README quick start, .ci/run
# and the Dockerfile.  Usage: scripts/install-deps.sh [--runtime] [--qgis] [--bench]
#   (default)  build + test dependencies
#   --runtime  only what the nexusmap binary needs to run (Docker runtime image)
#   --qgis     QGIS 3.22 headless, for the test that opens the generated project in real QGIS
#   --bench    GRASS GIS (r.cost, r.walk, v.kernel) and time(1), for bench/
set -euo pipefail

runtime_only=0 qgis=0 bench=0
for arg in "$@"; do
  case "$arg" in
    --runtime) runtime_only=1 ;;
    --qgis) qgis=1 ;;
    --bench) bench=1 ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

runtime=(gdal-bin libgdal32 libproj25 proj-data libgeos-c1v5 libtomlplusplus3 libspdlog1.10 libfmt9
         libcairo2 fonts-dejavu-core libgomp1 libssl3 ca-certificates)
build=(build-essential cmake ninja-build pkg-config git libgdal-dev libproj-dev libgeos-dev libgtest-dev libgmock-dev
       libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcairo2-dev libssl-dev
       python3-gdal)
pkgs=("${runtime[@]}")
[ "$runtime_only" = 1 ] || pkgs+=("${build[@]}")
[ "$qgis" = 1 ] && pkgs+=(python3-qgis qgis-providers)
[ "$bench" = 1 ] && pkgs+=(grass-core time)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
