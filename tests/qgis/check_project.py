#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a nexusmap run folder in the real client: QGIS 3.22, headless.

    check_project.py RUN_DIR
    check_project.py --nexusmap BIN --config CONFIG --work DIR [--require FILE ...]

The second form first runs `BIN run CONFIG --out DIR` and checks DIR/latest; it skips when a
--require file is missing (e.g. the shared regional data).

What it checks, failing on the first run of problems it finds (all are listed):
  * every GeoTIFF passes GDAL's Cloud-Optimized GeoTIFF validator;
  * every GeoTIFF opened on its own in QGIS picks up the .qml beside it, with the renderer its role
    calls for (singlebandpseudocolor, paletted or singlebandgray);
  * every GeoPackage layer opened on its own picks up its default style from layer_styles
    (graduated province statistics, single symbols otherwise);
  * the project, copied to another directory, opens: every layer is valid and found through its
    relative path inside the copy, has the expected renderer and the project CRS, which is the
    GeoTIFFs' CRS; groups are Analysis / Corridors / Inputs; points and lines draw above polygons
    above rasters; every published raster and GeoPackage layer is in the project;
  * every layer rendered alone gives non-blank pixels.

Exit codes: 0 passed, 1 failed, 77 skipped (no python3-qgis, or required data absent).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
COG_VALIDATOR_DIR = "/usr/lib/python3/dist-packages/osgeo_utils/samples"

RASTER_RENDERERS = {
    "hotspot_bins": "paletted",
    "corridor": "paletted",
    "hillshade": "singlebandgray",
}
GROUPS = ["Analysis", "Corridors", "Inputs"]


def skip(message):
    print(f"SKIP: {message}")
    return SKIP


class Checker:
    def __init__(self, run_dir):
        self.run_dir = os.path.abspath(run_dir)
        self.problems = []
        self.checked = 0

    def fail(self, message):
        self.problems.append(message)

    def expect(self, condition, message):
        self.checked += 1
        if not condition:
            self.fail(message)
        return condition


def run_pipeline(args):
    for f in args.require or []:
        if not os.path.exists(f):
            return None, skip(f"{f} not found (regional data absent); nothing to check")
    if os.path.exists(args.work):
        shutil.rmtree(args.work)
    cmd = [args.nexusmap, "-q", "run", args.config, "--out", args.work]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"FAIL: {' '.join(cmd)} exited {done.returncode}\n{done.stdout}{done.stderr}")
        return None, 1
    return os.path.join(args.work, "latest"), None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", nargs="?")
    parser.add_argument("--nexusmap")
    parser.add_argument("--config")
    parser.add_argument("--work")
    parser.add_argument("--require", action="append")
    parser.add_argument("--snapshot", help="also render the whole project into this PNG")
    args = parser.parse_args()
    if bool(args.run_dir) == bool(args.config):
        parser.error("give either RUN_DIR or --nexusmap/--config/--work")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        import qgis.core  # noqa: F401
    except ImportError as e:
        return skip(f"python3-qgis is not installed ({e}); scripts/install-deps.sh --qgis installs QGIS 3.22")

    run_dir = args.run_dir
    if args.config:
        run_dir, code = run_pipeline(args)
        if code is not None:
            return code

    checker = Checker(run_dir)
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    try:
        check(checker, args.snapshot)
    finally:
        app.exitQgis()
    if checker.problems:
        print(f"FAIL: {len(checker.problems)} problem(s) in {checker.run_dir}:")
        for p in checker.problems:
            print(f"  - {p}")
        return 1
    print(f"OK: {checker.checked} checks passed for {checker.run_dir}")
    return 0


def load_manifest(c):
    path = os.path.join(c.run_dir, "manifest.json")
    if not c.expect(os.path.exists(path), f"{path} is missing"):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_cogs(c, tifs):
    sys.path.insert(0, COG_VALIDATOR_DIR)
    import validate_cloud_optimized_geotiff as cog

    for tif in tifs:
        try:
            warnings, errors, _ = cog.validate(tif, full_check=True)
        except cog.ValidateCloudOptimizedGeoTIFFException as e:
            warnings, errors = [], [str(e)]
        c.expect(not errors, f"{os.path.basename(tif)}: not a valid COG: {errors}")
        c.expect(not warnings, f"{os.path.basename(tif)}: COG validator warnings: {warnings}")
        # The validator accepts any small GeoTIFF; the COG driver also records its layout.
        from osgeo import gdal

        ds = gdal.Open(tif)
        layout = ds.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")
        ds = None
        c.expect(layout == "COG", f"{os.path.basename(tif)}: IMAGE_STRUCTURE LAYOUT is {layout}, not COG")


def crs_of_tif(tif):
    from osgeo import gdal

    ds = gdal.Open(tif)  # keep the dataset alive while its objects are used (GDAL 3.6 bindings)
    srs = ds.GetSpatialRef().Clone()
    ds = None
    return srs


def same_crs(qgis_crs, osr_srs):
    from osgeo import osr
    from qgis.core import QgsCoordinateReferenceSystem

    other = osr.SpatialReference()
    if other.ImportFromWkt(qgis_crs.toWkt(QgsCoordinateReferenceSystem.WKT2_2019)) != 0:
        return False
    return bool(other.IsSame(osr_srs))


def renderer_type(layer):
    r = layer.renderer()
    return r.type() if r is not None else None


def painted_pixels(layer, crs, size=256):
    """Renders `layer` alone; returns (pixels drawn, distinct colours)."""
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(crs)
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(0, 0, 0, 0))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    drawn = 0
    colours = set()
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            px = image.pixel(x, y)
            if (px >> 24) & 0xFF:
                drawn += 1
                colours.add(px)
    return drawn, len(colours)


def expected_vector_renderer(layer_name, gpkg_path):
    if layer_name != "province_stats":
        return {"singleSymbol"}
    from osgeo import ogr

    ds = ogr.Open(gpkg_path)
    lyr = ds.GetLayerByName(layer_name)
    defn = lyr.GetLayerDefn()
    numeric = any(defn.GetFieldDefn(i).GetType() == ogr.OFTReal for i in range(defn.GetFieldCount()))
    ds = None
    return {"graduatedSymbol"} if numeric else {"singleSymbol"}


def check(c, snapshot):
    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer, QgsWkbTypes

    manifest = load_manifest(c)
    if manifest is None:
        return
    outputs = manifest.get("outputs", [])
    raster_role = {}
    gpkg_layers = {}
    project_file = None
    for o in outputs:
        if o["kind"] == "raster":
            raster_role[o["path"]] = o["role"]
        if o.get("layer"):
            gpkg_layers.setdefault(o["path"], set()).add(o["layer"])
        if o["role"] == "qgis_project":
            project_file = o["path"]
    tifs = sorted(os.path.join(c.run_dir, f) for f in os.listdir(c.run_dir) if f.endswith(".tif"))
    c.expect(tifs, "no GeoTIFF in the run folder")
    check_cogs(c, tifs)
    grid_crs = crs_of_tif(tifs[0]) if tifs else None

    # Each GeoTIFF on its own: QGIS loads the .qml beside it.
    for tif in tifs:
        name = os.path.basename(tif)
        role = raster_role.get(name)
        if not c.expect(role is not None, f"{name} is not listed in manifest.json"):
            continue
        c.expect(os.path.exists(tif[:-4] + ".qml"), f"{name}: no .qml style beside it")
        layer = QgsRasterLayer(tif, name)
        if c.expect(layer.isValid(), f"{name}: QGIS cannot open it"):
            want = RASTER_RENDERERS.get(role, "singlebandpseudocolor")
            c.expect(renderer_type(layer) == want,
                     f"{name}: opened alone, renderer is {renderer_type(layer)}, expected {want} from its .qml")

    # Each GeoPackage layer on its own: QGIS applies the default style from layer_styles.
    for gpkg, layers in gpkg_layers.items():
        path = os.path.join(c.run_dir, gpkg)
        for name in sorted(layers):
            layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
            if c.expect(layer.isValid(), f"{gpkg}|{name}: QGIS cannot open it"):
                want = expected_vector_renderer(name, path)
                c.expect(renderer_type(layer) in want,
                         f"{gpkg}|{name}: default style gives renderer {renderer_type(layer)}, expected {want}")

    if not c.expect(project_file is not None, "no qgis_project in manifest.json"):
        return
    # Open a copy elsewhere: only relative paths survive the move.
    with tempfile.TemporaryDirectory(prefix="nexusmap-qgis-check-") as tmp:
        copy = os.path.join(tmp, "moved run folder")
        shutil.copytree(c.run_dir, copy)
        check_project(c, copy, project_file, raster_role, gpkg_layers, grid_crs, snapshot)


def check_project(c, copy, project_file, raster_role, gpkg_layers, grid_crs, snapshot):
    from qgis.core import QgsLayerTreeGroup, QgsMapLayerType, QgsProject, QgsWkbTypes

    project = QgsProject.instance()
    project.clear()
    if not c.expect(project.read(os.path.join(copy, project_file)), f"{project_file}: QGIS cannot read it"):
        return
    crs = project.crs()
    c.expect(crs.isValid(), "project CRS is not valid")
    if grid_crs is not None:
        c.expect(same_crs(crs, grid_crs), f"project CRS {crs.description()} is not the GeoTIFFs' CRS")
    c.expect(not project.readBoolEntry("Paths", "/Absolute", True)[0], "project stores absolute paths")

    layers = project.mapLayers()
    c.expect(layers, "the project has no layers")
    seen_rasters, seen_gpkg = set(), set()
    for layer_id, layer in layers.items():
        label = f"layer '{layer.name()}' ({layer_id})"
        c.expect(layer_id.startswith("nexusmap_"), f"{label}: QGIS replaced the layer id written in the project")
        if not c.expect(layer.isValid(), f"{label} is not valid (source {layer.source()})"):
            continue
        source = layer.source().split("|")[0]
        c.expect(os.path.realpath(source).startswith(os.path.realpath(copy)),
                 f"{label} reads {source}, outside the copied run folder")
        c.expect(crs == layer.crs() or same_crs(layer.crs(), grid_crs),
                 f"{label}: CRS {layer.crs().description()} differs from the project's")
        provider_crs = layer.dataProvider().crs()
        c.expect(same_crs(provider_crs, grid_crs), f"{label}: its file's CRS {provider_crs.description()} differs")
        rtype = renderer_type(layer)
        if layer.type() == QgsMapLayerType.RasterLayer:
            name = os.path.basename(source)
            seen_rasters.add(name)
            role = raster_role.get(name, "")
            want = RASTER_RENDERERS.get(role, "singlebandpseudocolor")
            c.expect(rtype == want, f"{label}: renderer {rtype}, expected {want}")
        else:
            gpkg_layer = layer.source().split("layername=")[-1]
            seen_gpkg.add((os.path.basename(source), gpkg_layer))
            outline = layer_id == "nexusmap_provinces"  # province_stats again, as plain outlines
            want = {"singleSymbol"} if outline else expected_vector_renderer(gpkg_layer, source)
            c.expect(rtype in want, f"{label}: renderer {rtype}, expected {want}")
        drawn, colours = painted_pixels(layer, crs)
        c.expect(drawn > 50, f"{label}: rendered alone it draws {drawn} pixels (blank)")
        if layer.type() == QgsMapLayerType.RasterLayer and raster_role.get(os.path.basename(source)) != "corridor":
            c.expect(colours > 1, f"{label}: rendered alone it has a single colour")

    for name in raster_role:
        c.expect(name in seen_rasters, f"{name} is published but not in the project")
    for gpkg, names in gpkg_layers.items():
        for name in names:
            c.expect((gpkg, name) in seen_gpkg, f"{gpkg}|{name} is published but not in the project")

    root = project.layerTreeRoot()
    groups = [n.name() for n in root.children() if isinstance(n, QgsLayerTreeGroup)]
    c.expect(groups and all(g in GROUPS for g in groups), f"groups {groups}, expected among {GROUPS}")
    c.expect(groups == [g for g in GROUPS if g in groups], f"groups {groups} out of order")
    c.expect(all(len(root.findGroup(g).findLayers()) > 0 for g in groups), "an empty group")
    c.expect(root.hasCustomLayerOrder(), "no drawing order set")

    def rank(layer):
        if layer.type() == QgsMapLayerType.RasterLayer:
            return 3
        return {QgsWkbTypes.PointGeometry: 0, QgsWkbTypes.LineGeometry: 1}.get(layer.geometryType(), 2)

    ranks = [rank(layer) for layer in root.layerOrder()]
    c.expect(ranks == sorted(ranks), f"drawing order is not points, lines, polygons, rasters: {ranks}")

    if snapshot:
        render_project(project, snapshot)


def render_project(project, path):
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    root = project.layerTreeRoot()
    visible = [l.layer() for l in root.findLayers() if l.isVisible()]
    order = [l for l in root.layerOrder() if l in visible]
    settings = QgsMapSettings()
    settings.setLayers(order)
    settings.setDestinationCrs(project.crs())
    settings.setExtent(project.viewSettings().defaultViewExtent())
    settings.setOutputSize(QSize(1200, 1000))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(path)
    print(f"project rendered into {path}")


if __name__ == "__main__":
    sys.exit(main())
