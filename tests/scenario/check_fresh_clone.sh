#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A new user's clone, with nothing beside it: clones SOURCE_DIR (what is committed, not the work
# tree) into an empty temporary directory and goes through the quick start's data step there, with
# no $NEXUSMAP_DATA and no ../shared and no network:
#   1. scripts/select-data.sh must choose the clone's embedded default (data/default) and pass its
#      checksums; a damaged file must make it fail with a message;
#   2. the default scenario must validate on it (every file, layer and field the config names);
#   3. the embedded data stays under 5 MiB and data/README.md documents each of its files.
#   check_fresh_clone.sh SOURCE_DIR NEXUSMAP_BINARY
# Exit codes: 0 passed, 1 failed, 77 skipped (SOURCE_DIR is not a git checkout, so it cannot be cloned).
set -euo pipefail
src="$1" nexusmap="$2"
fail() { echo "FAIL: $*"; exit 1; }

git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: $src is not a git checkout"; exit 77; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git clone -q "$src" "$tmp/nexusmap"
clone="$tmp/nexusmap"
[ ! -e "$tmp/shared" ] || fail "$tmp/shared exists beside the clone"
unset NEXUSMAP_DATA

start=$(date +%s%N)
data="$("$clone/scripts/select-data.sh" 2>"$tmp/select.err")" || { cat "$tmp/select.err"; fail "select-data.sh failed in a fresh clone"; }
cat "$tmp/select.err"
[ "$data" = "$clone/data/default" ] || fail "select-data.sh chose $data, expected $clone/data/default"
grep -q "embedded default" "$tmp/select.err" || fail "select-data.sh did not say it uses the embedded default"

NEXUSMAP_DATA="$data" "$nexusmap" validate "$clone/configs/badakhshan.toml" >"$tmp/validate.out" 2>&1 \
  || { cat "$tmp/validate.out"; fail "the default scenario does not validate on the embedded default"; }
cat "$tmp/validate.out"
grep -q "^data: Embedded default" "$tmp/validate.out" || fail "validate did not name the embedded dataset"
echo "data step and validation took $((($(date +%s%N) - start) / 1000000)) ms"

bytes=$(du -sb "$data" | cut -f1)
echo "embedded default: $bytes bytes"
[ "$bytes" -lt $((5 * 1024 * 1024)) ] || fail "the embedded default is $bytes bytes, over 5 MiB"
while read -r file; do
  rel="${file#data/default/}"
  grep -qF "\`$rel\`" "$clone/data/README.md" || fail "data/README.md does not document $rel"
done < <(git -C "$clone" ls-files data/default)

# A damaged file must stop the data step, not a run half-way.
printf 'x' >>"$clone/data/default/dem/etopo5_region.tif"
if "$clone/scripts/select-data.sh" >/dev/null 2>"$tmp/damaged.err"; then
  fail "select-data.sh accepted a damaged embedded file"
fi
grep -q "does not match its SHA256SUMS" "$tmp/damaged.err" || { cat "$tmp/damaged.err"; fail "no clear message for a damaged file"; }
echo "PASS: a fresh clone selects, checks and validates the embedded default"
