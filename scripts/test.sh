#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install, build (warnings as errors) and run the whole test suite, then build and run it again
# under AddressSanitizer + UndefinedBehaviorSanitizer. This is what .ci/run calls.
#   scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=1
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=0 ;;
    *) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh --qgis
scripts/build.sh --werror
echo "== tests (release build)"
(cd build && ctest --output-on-failure --no-tests=error -j "$(nproc)")

if [ "$sanitize" = 1 ]; then
  scripts/build.sh --sanitize --werror
  echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd build-asan && ctest --output-on-failure --no-tests=error -j "$(nproc)")
fi
echo "test.sh: all tests passed"
