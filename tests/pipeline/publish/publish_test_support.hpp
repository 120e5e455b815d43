// SPDX-License-Identifier: MIT
// Helpers shared by the publishing tests: XML and file reading, small rasters and tables, PNG pixels,
// the GeoPackage layer_styles rows.
#pragma once

#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include <cpl_conv.h>
#include <fmt/format.h>
#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "pipeline/context.hpp"
#include "pipeline/logging.hpp"
#include "pipeline/publish/looks.hpp"
#include "pipeline/publish/gpkg_styles.hpp"
#include "pipeline/publish/map_render.hpp"
#include "pipeline/publish/qgis_project.hpp"
#include "pipeline/publish/report.hpp"
#include "pipeline/publish/styles.hpp"
#include "pipeline/publish/vector_styles.hpp"
#include "rasters/io/crs.hpp"
#include "rasters/io/dem_processing.hpp"
#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"
#include "tests/pipeline/publish_fixture.hpp"
#include "tests/support.hpp"
#include "vectors/gpkg.hpp"

namespace nexusmap::publish_test {

using test::TempDir;
using json = nlohmann::json;

struct XmlDoc {
  std::unique_ptr<CPLXMLNode, decltype(&CPLDestroyXMLNode)> tree{nullptr, CPLDestroyXMLNode};
  explicit XmlDoc(const std::string& text) : tree(CPLParseXMLString(text.c_str()), CPLDestroyXMLNode) {}
  [[nodiscard]] const CPLXMLNode* root(const char* name) const {
    return tree ? CPLGetXMLNode(tree.get(), (std::string("=") + name).c_str()) : nullptr;
  }
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Every element named `name` below `node`, depth first.
inline void collect(const CPLXMLNode* node, const std::string& name, std::vector<const CPLXMLNode*>& out) {
  for (const CPLXMLNode* c = node ? node->psChild : nullptr; c != nullptr; c = c->psNext) {
    if (c->eType != CXT_Element) continue;
    if (name == c->pszValue) out.push_back(c);
    collect(c, name, out);
  }
}

inline std::vector<const CPLXMLNode*> all(const CPLXMLNode* node, const std::string& name) {
  std::vector<const CPLXMLNode*> out;
  collect(node, name, out);
  return out;
}

inline std::string attr(const CPLXMLNode* n, const char* key) { return CPLGetXMLValue(n, key, ""); }

inline Raster<float> ramp_raster(std::int64_t n) {
  Raster<float> r(test::small_grid(n, 1), 0.0F);
  for (CellIndex i = 0; i < n; ++i) r[i] = static_cast<float>(i);
  return r;
}

inline double luminance(const std::string& hex) {
  const Rgba c = rgb(hex.c_str());
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

inline FeatureTable lines_table(const std::string& name) {
  FeatureTable t;
  t.name = name;
  t.crs_wkt = test::utm42_wkt();
  t.fields = {{"destination", FieldType::string}, {"hours", FieldType::real}};
  for (int i = 0; i < 2; ++i) {
    Feature f;
    f.fid = i + 1;
    OGRGeometry* g = nullptr;
    const std::string wkt = fmt::format("LINESTRING (500000 4200000, {} 4210000)", 505000 + 1000 * i);
    OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g);
    f.geometry.reset(g);
    f.attributes = {std::string(i == 0 ? "Osh" : "Dushanbe"), 10.0 + i};
    t.features.push_back(std::move(f));
  }
  return t;
}

struct StyleRow {
  std::string table, geometry_column, name, qml, sld;
  int use_as_default = -1;
};

inline std::vector<StyleRow> read_layer_styles(const std::filesystem::path& gpkg) {
  ensure_gdal_registered();
  GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  std::vector<StyleRow> rows;
  if (!ds) return rows;
  OGRLayer* l = ds->ExecuteSQL(
      "SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault FROM layer_styles "
      "ORDER BY f_table_name",
      nullptr, nullptr);
  if (l == nullptr) return rows;
  for (auto& f : *l)
    rows.push_back({f->GetFieldAsString(0), f->GetFieldAsString(1), f->GetFieldAsString(2), f->GetFieldAsString(3),
                    f->GetFieldAsString(4), f->GetFieldAsInteger(5)});
  ds->ReleaseResultSet(l);
  return rows;
}

struct Png {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;  // interleaved
  [[nodiscard]] const std::uint8_t* at(int x, int y) const {
    return &rgba[(static_cast<std::size_t>(y) * width + x) * 4];
  }
};

inline Png read_png(const std::filesystem::path& p) {
  ensure_gdal_registered();
  Png out;
  GDALDatasetUniquePtr ds(GDALDataset::Open(p.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!ds || ds->GetRasterCount() < 3) return out;
  out.width = ds->GetRasterXSize();
  out.height = ds->GetRasterYSize();
  out.rgba.assign(static_cast<std::size_t>(out.width) * out.height * 4, 255);
  const int n = std::min(4, ds->GetRasterCount());
  int bands[4] = {1, 2, 3, 4};
  if (ds->RasterIO(GF_Read, 0, 0, out.width, out.height, out.rgba.data(), out.width, out.height, GDT_Byte, n, bands, 4,
                   4 * static_cast<GSpacing>(out.width), 1, nullptr) != CE_None)
    out.width = out.height = 0;
  return out;
}

inline std::size_t distinct_colours(const Png& png) {
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i + 3 < png.rgba.size(); i += 4)
    colours.insert((std::uint32_t{png.rgba[i]} << 16) | (std::uint32_t{png.rgba[i + 1]} << 8) | png.rgba[i + 2]);
  return colours.size();
}

}  // namespace nexusmap::publish_test
