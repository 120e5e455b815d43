#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The default scenario end to end, as a new user and the nightly job run it.

    check_default_scenario.py --nexusmap BIN --config configs/badakhshan.toml --work DIR --data DATA_DIR

1. runs the scenario from scratch into DIR and checks the manifest lists every role the README
   promises, with files whose checksums match;
2. checks the run folder in real QGIS and every GeoTIFF with GDAL's COG validator
   (tests/qgis/check_project.py);
3. runs it again with nothing changed: no stage may run, and the times of both runs are printed
   (the rerun is expected to take well under 5% of the first; timing is reported, not asserted).

Exit codes: 0 passed, 1 failed, 77 skipped (the regional data is absent).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

SKIP = 77
ROLES = ["accumulated_cost", "least_cost_paths", "corridor", "route_frequency", "activity_density",
         "governance_gap", "nexus_index", "hotspot_z", "hotspot_bins", "province_stats", "qgis_project",
         "report", "map"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(binary, config, out, data):
    env = dict(os.environ, NEXUSMAP_DATA=data)
    start = time.monotonic()
    proc = subprocess.run([binary, "run", config, "--out", out], env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise SystemExit(f"FAIL: nexusmap run exited {proc.returncode}")
    with open(os.path.join(out, "latest", "manifest.json")) as f:
        return json.load(f), seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nexusmap", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--data", required=True)
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.data, "dem", "srtm30plus_region_1min.tif")):
        print(f"SKIP: regional data not found in {args.data}")
        return SKIP
    out = os.path.join(args.work, "out")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    problems = []

    first, t1 = run(args.nexusmap, args.config, out, args.data)
    statuses = {s["id"]: s["status"] for s in first["stages"]}
    if set(statuses.values()) != {"ran"}:
        problems.append(f"first run: not every stage ran: {statuses}")
    roles = {o["role"] for o in first["outputs"]}
    for role in ROLES:
        if role not in roles:
            problems.append(f"manifest has no output with role {role}")
    for o in first["outputs"]:
        path = os.path.join(out, "latest", o["path"])
        if not os.path.exists(path):
            problems.append(f"{o['path']} (role {o['role']}) is missing")
        elif sha256(path) != o["sha256"]:
            problems.append(f"{o['path']} does not match its manifest checksum")
    paths = next(s["summary"]["paths"] for s in first["stages"] if s["id"] == "corridors")
    for p in paths:
        print(f"  path to {p['destination']}: {p['hours']:.1f} h, {p['km']:.0f} km, via {p['crossing'] or 'no crossing'}")

    here = os.path.dirname(os.path.abspath(__file__))
    qgis = subprocess.run([sys.executable, os.path.join(here, "..", "qgis", "check_project.py"),
                           os.path.join(out, "latest")], capture_output=True, text=True)
    print(qgis.stdout.strip())
    if qgis.returncode == SKIP:
        print("note: QGIS check skipped (python3-qgis absent); run scripts/install-deps.sh --qgis")
    elif qgis.returncode != 0:
        print(qgis.stderr)
        problems.append("the QGIS/COG check of the default scenario failed (see above)")

    second, t2 = run(args.nexusmap, args.config, out, args.data)
    statuses = {s["id"]: s["status"] for s in second["stages"]}
    ran = [k for k, v in statuses.items() if v != "cached"]
    if ran:
        problems.append(f"rerun with nothing changed ran stages {ran}")
    if second["run"]["id"] == first["run"]["id"]:
        problems.append("the rerun did not make a new run folder")
    print(f"  first run {t1:.1f} s, rerun {t2:.2f} s ({100 * t2 / t1:.1f}% of the first)")

    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"PASS: default scenario ({len(first['outputs'])} outputs, {len(first['stages'])} stages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
