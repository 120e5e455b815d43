#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configure and build. Usage: scripts/build.sh [--sanitize] [--werror] [--debug] [--no-tests]
#   default build directory: build/ (build-asan/ with --sanitize). The binary is <dir>/nexusmap.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build type=Release sanitize=OFF werror=OFF tests=ON
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=ON dir=build-asan type=RelWithDebInfo ;;
    --werror) werror=ON ;;
    --debug) type=Debug ;;
    --no-tests) tests=OFF ;;
    *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ -f "$dir/CMakeCache.txt" ] && ! grep -q "CMAKE_GENERATOR:INTERNAL=${generator[1]:-Unix Makefiles}" "$dir/CMakeCache.txt"; then
  rm -rf "$dir"
fi
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$type" -DNEXUSMAP_SANITIZE="$sanitize" \
  -DNEXUSMAP_WERROR="$werror" -DNEXUSMAP_BUILD_TESTS="$tests" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
echo "build.sh: built $dir/nexusmap"
