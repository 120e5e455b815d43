// SPDX-License-Identifier: MIT
// Features read from any OGR layer (GPKG, SHP, GeoJSON, FlatGeobuf, CSV with lon/lat columns),
// filtered, reprojected to the analysis CRS and repaired with GEOS.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <ogr_geometry.h>

#include "rasters/core/grid.hpp"

namespace nexusmap {

// Where a layer comes from. For CSV files without a geometry column, x_field/y_field name the
// coordinate columns and `crs` their CRS (default WGS 84 lon/lat).
struct VectorSource {
  std::filesystem::path path;
  std::string layer;        // empty: the only layer of the file
  std::string where;        // OGR SQL attribute filter, e.g. "iso_3166_2 = 'AF-BDS'"
  std::string x_field;      // CSV: longitude / easting column
  std::string y_field;      // CSV: latitude / northing column
  std::string crs;          // overrides or supplies the layer CRS
  [[nodiscard]] std::string describe() const;  // "file.gpkg, layer 'admin1'" for messages
};

enum class FieldType { integer, real, string, date };

struct FieldDef {
  std::string name;
  FieldType type = FieldType::string;
};

using AttrValue = std::variant<std::monostate, std::int64_t, double, std::string>;

// Numeric value of an attribute, or nullopt when null or not a number.
std::optional<double> attr_number(const AttrValue& v);
// Text of an attribute ("" when null).
std::string attr_text(const AttrValue& v);

struct Feature {
  std::int64_t fid = 0;
  OGRGeometryUniquePtr geometry;
  std::vector<AttrValue> attributes;  // parallel to FeatureTable::fields
};

struct FeatureTable {
  std::string name;
  std::string crs_wkt;
  std::vector<FieldDef> fields;
  std::vector<Feature> features;

  // Index of a field, or -1.
  [[nodiscard]] int field_index(std::string_view name) const;
  // Index of a field that must exist; throws Error(input_data) naming the layer and listing fields.
  [[nodiscard]] int require_field(std::string_view field, std::string_view context) const;
  [[nodiscard]] const AttrValue& attr(const Feature& f, int field) const {
    return f.attributes[static_cast<std::size_t>(field)];
  }
  [[nodiscard]] std::vector<const OGRGeometry*> geometries() const;
};

// What validation did to the geometries of one layer.
struct RepairReport {
  std::int64_t read = 0;
  std::int64_t repaired = 0;
  std::int64_t dropped = 0;
  std::map<std::string, std::int64_t> reasons;  // GEOS reason -> count
  [[nodiscard]] std::string summary() const;
};

struct ReadOptions {
  std::string target_crs_wkt;              // empty: keep the layer CRS
  bool repair = true;                      // GEOS validity check and MakeValid
  bool allow_empty = false;                // else an empty (filtered) layer is an error
  bool require_geometry = true;            // false: attribute tables (CSV without coordinates) are fine
  std::vector<std::string> required_fields;
};

// Reads a layer. Errors (input_data) name the file and layer: missing file, not a vector, unknown
// layer, no CRS, bad filter, unknown attribute, empty layer.
FeatureTable read_features(const VectorSource& source, const ReadOptions& options = {},
                           RepairReport* report = nullptr);

// Names of the layers in a vector file.
std::vector<std::string> list_layers(const std::filesystem::path& path);

// Longitude/latitude bounds of the (filtered) features of a layer, for an area of interest.
Extent layer_extent_lonlat(const VectorSource& source);

}  // namespace nexusmap
