#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The quick start's data step: prints the data directory the default scenario should read and says
# on stderr which dataset that is.
#   $NEXUSMAP_DATA when set (it must exist), else ../shared/data/region when present (the full regional
#   data), else the embedded default data/default, whose files are checked against its SHA256SUMS
#   (a checkout without them, e.g. a partial copy, fails here rather than in the middle of a run).
# Needs nothing but coreutils: the embedded data is committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ -n "${NEXUSMAP_DATA:-}" ]; then
  [ -d "$NEXUSMAP_DATA" ] || { echo "select-data: NEXUSMAP_DATA=$NEXUSMAP_DATA is not a directory" >&2; exit 3; }
  dir="$(cd "$NEXUSMAP_DATA" && pwd)"
  echo "select-data: using \$NEXUSMAP_DATA=$dir" >&2
elif [ -d "$root/../shared/data/region" ]; then
  dir="$(cd "$root/../shared/data/region" && pwd)"
  echo "select-data: using the full regional data in $dir" >&2
else
  dir="$root/data/default"
  if ! (cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) >&2; then
    echo "select-data: the embedded default in $dir does not match its SHA256SUMS; restore it with git checkout -- data/default" >&2
    exit 3
  fi
  echo "select-data: no \$NEXUSMAP_DATA and no ../shared/data/region: using the embedded default dataset $dir" >&2
  echo "select-data: it is a small demonstration set (9 km DEM): routes and hours are indicative only; see data/README.md" >&2
fi
echo "$dir"
