#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rebuilds the embedded default dataset (data/default) from the full regional data: only the
# redistributable files (public domain, CC BY 4.0), clipped to the default scenario's area with a
# margin, simplified where that keeps the set small. data/README.md lists every file with its source
# and licence; this script is "the command that rebuilt it" for each of them.
#   scripts/rebuild-default-data.sh [REGION_DIR]   (default: $NEXUSMAP_DATA or ../shared/data/region)
# Needs gdal-bin and sqlite3 with SpatiaLite in GDAL (Debian 12's gdal-bin has both).
set -euo pipefail
cd "$(dirname "$0")/.."

src="${1:-${NEXUSMAP_DATA:-../shared/data/region}}"
out=data/default
[ -f "$src/dem/etopo5_region.tif" ] || { echo "rebuild-default-data: $src/dem/etopo5_region.tif not found; give the regional data directory" >&2; exit 2; }

# The default scenario covers lon 66-76 E, lat 35-41 N; its projected grid reaches a little beyond
# the corners, and kernels and remoteness see a little further, so keep 1.5 deg / 1 deg of margin.
xmin=64.5 ymin=34 xmax=77.5 ymax=42
# A fixed timestamp in the GeoPackages so that a rebuild from the same sources is byte-identical.
export OGR_CURRENT_DATE=2024-01-01T00:00:00Z
gpkg=(-f GPKG -lco SPATIAL_INDEX=NO --config OGR_SQLITE_SYNCHRONOUS OFF)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
stage="$tmp/default"
mkdir -p "$stage"/{dem,boundaries,hydro,places,events,governance}

# ETOPO5 (5', about 9 km), public domain.
gdal_translate -q -projwin "$xmin" "$ymax" "$xmax" "$ymin" -co COMPRESS=DEFLATE -co PREDICTOR=2 \
  -mo "SOURCE=NOAA NGDC ETOPO5 (Debian ferret-datasets), public domain" \
  "$src/dem/etopo5_region.tif" "$stage/dem/etopo5_region.tif"

# Natural Earth 10m admin-1 and admin-0 (public domain): whole polygons of every unit that touches
# the area, so that province statistics are over whole provinces as on the full data.
ogr2ogr "${gpkg[@]}" -spat "$xmin" "$ymin" "$xmax" "$ymax" -nln admin1 \
  "$stage/boundaries/ne10m_admin1_region.gpkg" "$src/boundaries/ne10m_admin1_region.gpkg" admin1
ogr2ogr "${gpkg[@]}" -spat "$xmin" "$ymin" "$xmax" "$ymax" -nln admin0 \
  "$stage/boundaries/ne10m_admin0_region.gpkg" "$src/boundaries/ne10m_admin0_region.gpkg" admin0

# National borders as lines, instead of GSHHG/WDBII (LGPL): where two Natural Earth country
# polygons meet (their shared edges are identical in Natural Earth).
ogr2ogr "${gpkg[@]}" -dialect SQLite -nln ne10m_borders -nlt MULTILINESTRING \
  -sql "SELECT a.country_a3 || '-' || b.country_a3 AS border,
               ST_Multi(ST_LineMerge(ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2))) AS geom
        FROM admin0 a JOIN admin0 b ON a.fid < b.fid AND ST_Intersects(a.geom, b.geom)
        WHERE ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2) IS NOT NULL
        ORDER BY border" \
  "$stage/boundaries/ne10m_admin0_borders.gpkg" "$stage/boundaries/ne10m_admin0_region.gpkg"

# Natural Earth 10m rivers (public domain) instead of WDBII: the Panj/Amu Darya, Pamir, Syr Darya,
# Naryn, Zarafshon; the Vakhsh, Kokcha, Gunt and Bartang are not in it.
ogr2ogr "${gpkg[@]}" -clipsrc "$xmin" "$ymin" "$xmax" "$ymax" -nln ne10m_rivers -nlt MULTILINESTRING \
  -where "featurecla IN ('River', 'Lake Centerline')" \
  "$stage/hydro/ne10m_rivers.gpkg" "$src/hydro/gshhg_wdbii_hydro.gpkg" ne10m_rivers_named

# geoBoundaries Afghan districts 2014 (public domain), simplified to about 200 m.
ogr2ogr "${gpkg[@]}" -spat "$xmin" "$ymin" "$xmax" "$ymax" -simplify 0.002 -nln afg_adm2 -nlt MULTIPOLYGON \
  "$stage/boundaries/geoboundaries_afg_adm2_2014.gpkg" "$src/boundaries/geoboundaries_afg_adm2_2014.gpkg" afg_adm2

# GeoNames towns (CC BY 4.0) inside the area; the 17 crossings' anchor towns (CC BY 4.0) as they are.
{
  head -n 1 "$src/places/geonames_cities500_region.csv"
  awk -F, -v x0="$xmin" -v x1="$xmax" -v y0="$ymin" -v y1="$ymax" \
    'NR > 1 && $4 >= x0 && $4 <= x1 && $5 >= y0 && $5 <= y1' "$src/places/geonames_cities500_region.csv"
} > "$stage/places/geonames_cities500_region.csv"
cp "$src/places/border_crossing_anchor_towns.csv" "$stage/places/"

# UCDP GED sample (CC BY 4.0) inside the area.
ogr2ogr "${gpkg[@]}" -spat "$xmin" "$ymin" "$xmax" "$ymax" -nln ucdp_events \
  "$stage/events/ucdp_ged_sample_region.gpkg" "$src/events/ucdp_ged_sample_region.gpkg" ucdp_events

# World Bank WGI (CC BY 4.0), country level, as it is.
cp "$src/governance/wgi_1996_2023_region_wide.csv" "$stage/governance/"

# No subnational indicators: WFP PRISM's terms do not clearly allow redistribution. The default
# scenario's three subnational layers are here as the country polygons with the indicator field
# NULL ("no value known"), so every cell takes its country score (the governance stage's
# `missing = "country"`), as cells outside PRISM's coverage do on the full data. No PRISM value or
# geometry is copied.
update=()
for spec in "af_provinces ipc_perc_p3plus_2022_06 AFG" "kg_districts poverty_2020 KGZ" "tj_districts Moderately_Food_Insecure TJK"; do
  read -r layer field country <<<"$spec"
  # A REAL column needs a typed first value; it is set to NULL right after.
  ogr2ogr "${gpkg[@]}" "${update[@]}" -nln "$layer" -nlt MULTIPOLYGON -dialect SQLite \
    -sql "SELECT geom, country_a3, CAST(0 AS REAL) AS \"$field\" FROM admin0 WHERE country_a3 = '$country'" \
    "$stage/governance/no_subnational_indicators.gpkg" "$stage/boundaries/ne10m_admin0_region.gpkg"
  ogrinfo -q -sql "UPDATE \"$layer\" SET \"$field\" = NULL" "$stage/governance/no_subnational_indicators.gpkg"
  update=(-update)
done

# Replace the committed files (the description, README and checksums are kept by hand / rewritten).
for d in dem boundaries hydro places events governance; do
  rm -rf "${out:?}/$d"
  cp -r "$stage/$d" "$out/$d"
done
(cd "$out" && find dem boundaries hydro places events governance -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
du -ab "$out" | sort -k2 | awk '{ printf "%9d  %s\n", $1, $2 }'
