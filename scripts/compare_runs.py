#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare the published files of two nexusmap run folders (e.g. before and after a refactoring).

    scripts/compare_runs.py RUN_A RUN_B

Per file: "identical" (same bytes), "same content" (only the program version / git revision and
the content hashes that carry it differ: GeoTIFF pixels and other metadata equal, text equal after masking the
version), or "DIFFERS" with a first difference. Exit 0 when nothing DIFFERS, else 1.
"""
import hashlib
import math
import os
import re
import sys

from osgeo import gdal

gdal.UseExceptions()
# The version, and the content hashes of upstream artifacts (which carry the version themselves).
VERSION_KEYS = {"NEXUSMAP_VERSION", "NEXUSMAP_INPUTS"}
MASKS = [re.compile(r"nexusmap [0-9][^ ,<\"]* \([0-9a-f]{7,}(-dirty)?\)"),
         re.compile(r"\b[0-9a-f]{12}(-dirty)?\b"),
         re.compile(r"\"git_revision\": \"[^\"]*\""),
         re.compile(r"nexusmap [0-9]+\.[0-9]+\.[0-9]+[^ <·]*"),
         re.compile(r"[0-9a-f]{64}")]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def masked(text):
    for m in MASKS:
        text = m.sub("<version>", text)
    return text


def tiff_diff(a, b):
    da, db = gdal.Open(a), gdal.Open(b)
    if (da.RasterXSize, da.RasterYSize, da.RasterCount) != (db.RasterXSize, db.RasterYSize, db.RasterCount):
        return "size or band count"
    if da.GetGeoTransform() != db.GetGeoTransform() or da.GetProjection() != db.GetProjection():
        return "georeferencing"
    ma = {k: v for k, v in da.GetMetadata().items() if k not in VERSION_KEYS}
    mb = {k: v for k, v in db.GetMetadata().items() if k not in VERSION_KEYS}
    if ma != mb:
        keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
        return "metadata " + ", ".join(keys)
    for i in range(1, da.RasterCount + 1):
        ba, bb = da.GetRasterBand(i), db.GetRasterBand(i)
        if ba.ReadRaster() != bb.ReadRaster():
            return f"pixels of band {i}"
        for what in ("GetDescription", "GetUnitType", "GetNoDataValue"):
            va, vb = getattr(ba, what)(), getattr(bb, what)()
            if va != vb and not (isinstance(va, float) and isinstance(vb, float) and math.isnan(va) and math.isnan(vb)):
                return f"band {i} {what[3:]}"
        if ba.GetMetadata() != bb.GetMetadata():
            return f"band {i} metadata"
    return None


def text_diff(a, b):
    ta = masked(open(a, encoding="utf-8", errors="replace").read())
    tb = masked(open(b, encoding="utf-8", errors="replace").read())
    if ta == tb:
        return None
    la, lb = ta.splitlines(), tb.splitlines()
    for k, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {k + 1}: {x[:120]!r} vs {y[:120]!r}"
    return f"{len(la)} vs {len(lb)} lines"


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    a, b = sys.argv[1:]
    names = sorted(set(os.listdir(a)) | set(os.listdir(b)))
    bad = 0
    for n in names:
        if n in ("log.jsonl", "manifest.json"):
            continue
        pa, pb = os.path.join(a, n), os.path.join(b, n)
        if not os.path.exists(pa) or not os.path.exists(pb):
            print(f"DIFFERS  {n}: only in {'B' if os.path.exists(pb) else 'A'}")
            bad += 1
            continue
        if sha(pa) == sha(pb):
            print(f"identical     {n}")
            continue
        ext = os.path.splitext(n)[1]
        if ext == ".tif":
            why = tiff_diff(pa, pb)
        elif ext in (".qml", ".qgs", ".html", ".csv", ".json", ".txt"):
            why = text_diff(pa, pb)
        else:
            why = "binary content"
        if why is None:
            print(f"same content  {n}")
        else:
            print(f"DIFFERS       {n}: {why}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
