#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The default scenario end to end, as a new user and the nightly job run it.

    check_default_scenario.py --nexusmap BIN --config configs/badakhshan.toml --work DIR
                              (--data DATA_DIR | --select-data scripts/select-data.sh)

--select-data takes the data the quick start would (scripts/select-data.sh: $NEXUSMAP_DATA, else
../shared/data/region, else the embedded default), so the test never skips for want of data.

1. runs the scenario from scratch into DIR and checks the manifest lists every role the README
   promises, with files whose checksums match, and that every destination has a path;
2. when the data has a description (DATASET.toml), checks that the run warned with its name and
   limitations, and that the manifest and the top of the report show them;
3. checks the run folder in real QGIS and every GeoTIFF with GDAL's COG validator
   (tests/qgis/check_project.py);
4. runs it again with nothing changed: no stage may run, and the times of both runs are printed
   (the rerun is expected to take well under 5% of the first; timing is reported, not asserted).

Exit codes: 0 passed, 1 failed.
"""

import argparse
import csv
import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib

SKIP = 77
DESTINATIONS = ["Dushanbe", "Kulob", "Khorugh", "Osh", "northern edge"]
ORIGIN_PROVINCES = {"Badakhshan", "Takhar", "Kunduz"}
ROLES = ["accumulated_cost", "least_cost_paths", "flow_density", "flow_routes", "corridor", "route_frequency",
         "activity_density",
         "governance_gap", "nexus_index", "hotspot_z", "hotspot_bins", "province_stats", "qgis_project",
         "report", "map"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


SETS = []  # --set overrides for every run (the sanitizer build lightens the Monte Carlo parts)


def run(binary, config, out, data):
    env = dict(os.environ, NEXUSMAP_DATA=data)
    start = time.monotonic()
    cmd = [binary, "run", config, "--out", out]
    for value in SETS:
        cmd += ["--set", value]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise SystemExit(f"FAIL: nexusmap run exited {proc.returncode}")
    with open(os.path.join(out, "latest", "manifest.json")) as f:
        return json.load(f), seconds, proc.stderr


def check_dataset(data, manifest, log, report_path):
    """The run must say which dataset it used and what that cannot support, wherever a reader looks."""
    described = os.path.join(data, "DATASET.toml")
    if not os.path.exists(described):
        print(f"  data: {data} (no DATASET.toml)")
        return [] if "dataset" not in manifest else ["the manifest names a dataset, but the data has no DATASET.toml"]
    with open(described, "rb") as f:
        expected = tomllib.load(f)
    print(f"  data: {expected['name']}")
    problems = []
    if manifest.get("dataset", {}).get("name") != expected["name"]:
        problems.append(f"manifest dataset is {manifest.get('dataset')}, expected the name {expected['name']!r}")
    if f"warning: data: {expected['name']}" not in log:
        problems.append("the run did not warn which dataset it used")
    with open(report_path, encoding="utf-8") as f:
        report = f.read()
    data_at, maps_at = report.find('<section id="data"'), report.find('<section id="maps"')
    if data_at < 0 or data_at > maps_at:
        problems.append("the report does not show the dataset before the maps")
    for limit in expected.get("limitations", []):
        if limit not in log:
            problems.append(f"the run log lacks the limitation {limit!r}")
        if html.escape(limit, quote=False) not in report[data_at:maps_at]:
            problems.append(f"the report lacks the limitation {limit!r}")
    return problems


def check_analysis(manifest, latest, paths):
    """What an analyst checks first: routes start at origins in Afghanistan and cross the Panj at a
    crossing, the Afghan legs carry flow, and the hot-spot map has levels and non-significant units."""
    problems = []
    for p in paths:
        first = p["provinces"].split(" > ")[0] if p["provinces"] else ""
        if not p.get("origin"):
            problems.append(f"the route to {p['destination']} has no origin")
        if first not in ORIGIN_PROVINCES:
            problems.append(f"the route to {p['destination']} starts in {first!r}, not in {sorted(ORIGIN_PROVINCES)}")
        if p["destination"] != "northern edge" and not p["crossing"]:
            problems.append(f"the route to {p['destination']} crosses no crossing")
    ranking = {}
    with open(os.path.join(latest, "province_ranking.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ranking[row["code"]] = row
    for code in ("AF-BDS", "AF-TAK"):
        row = ranking.get(code)
        if row is None or not float(row.get("flow_mean") or 0) > 0:
            problems.append(f"no trafficking flow in {code}: {row}")
        elif not float(row.get("nexus_total") or 0) > 0:
            problems.append(f"the nexus index is zero throughout {code}")
    hot = next(s["summary"] for s in manifest["stages"] if s["id"] == "hotspots")
    shares = hot.get("bin_shares", {})
    tested = 1.0 - shares.get("not tested", 0.0)
    if not tested > 0:
        problems.append("no hot-spot unit was tested")
    elif not shares.get("+0", 0.0) / tested > 0.05:
        problems.append(f"the hot-spot map has (almost) no 'not significant' units: {shares}")
    print(f"  hot-spot bins (share of the area): {shares}; band {hot.get('distance_band_m', 0) / 1000:.0f} km")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nexusmap", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--set", action="append", default=[], help="a --set override for every run")
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--data")
    source.add_argument("--select-data", help="script printing the data directory (scripts/select-data.sh)")
    args = ap.parse_args()
    SETS.extend(args.set)
    if args.select_data:
        args.data = subprocess.run([args.select_data], check=True, capture_output=True, text=True).stdout.strip()
    if not os.path.isdir(args.data):
        print(f"FAIL: no data directory {args.data}")
        return 1
    out = os.path.join(args.work, "out")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    problems = []

    first, t1, log = run(args.nexusmap, args.config, out, args.data)
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
    missing = sorted(set(DESTINATIONS) - {p["destination"] for p in paths})
    if missing:
        problems.append(f"no path to {missing}")
    problems += check_analysis(first, os.path.join(out, "latest"), paths)
    problems += check_dataset(args.data, first, log, os.path.join(out, "latest", "report.html"))

    here = os.path.dirname(os.path.abspath(__file__))
    qgis = subprocess.run([sys.executable, os.path.join(here, "..", "qgis", "check_project.py"),
                           os.path.join(out, "latest")], capture_output=True, text=True)
    print(qgis.stdout.strip())
    if qgis.returncode == SKIP:
        print("note: QGIS check skipped (python3-qgis absent); run scripts/install-deps.sh --qgis")
    elif qgis.returncode != 0:
        print(qgis.stderr)
        problems.append("the QGIS/COG check of the default scenario failed (see above)")

    second, t2, _ = run(args.nexusmap, args.config, out, args.data)
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
