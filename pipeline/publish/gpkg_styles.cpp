// SPDX-License-Identifier: MIT
#include "pipeline/publish/gpkg_styles.hpp"

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "rasters/core/error.hpp"
#include "rasters/io/gdal_util.hpp"

namespace nexusmap {
namespace {

std::string sql_text(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Schema as QGIS 3.22 creates it (QgsOgrProviderUtils / saveStyle for GeoPackage).
constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS layer_styles ("
    "id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
    "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), "
    "styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), "
    "ui TEXT(30), update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))";

}  // namespace

void write_layer_styles(const std::filesystem::path& gpkg, const std::vector<LayerStyleRow>& rows,
                        const std::string& update_time) {
  ensure_gdal_registered();
  GdalErrorCapture errors;
  GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
  if (!ds) input_error(fmt::format("{}: cannot open GeoPackage for update{}", gpkg.string(), errors.suffix()));
  const auto exec = [&](const std::string& sql) {
    OGRLayer* result = ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (result != nullptr) ds->ReleaseResultSet(result);
    if (!errors.last_error().empty())
      input_error(fmt::format("{}: cannot store layer styles{}", gpkg.string(), errors.suffix()));
  };
  // Geometry columns first: the layers must exist, and ExecuteSQL below may reset layer objects.
  std::vector<std::string> geometry_columns;
  for (const auto& row : rows) {
    OGRLayer* layer = ds->GetLayerByName(row.table.c_str());
    if (layer == nullptr) input_error(fmt::format("{}: no layer '{}' to attach a style to", gpkg.string(), row.table));
    geometry_columns.emplace_back(layer->GetGeometryColumn());
  }
  exec(kCreateTable);
  exec(
      fmt::format("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                  "SELECT 'layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', {} "
                  "WHERE NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles')",
                  sql_text(update_time)));
  if (ds->StartTransaction() != OGRERR_NONE)
    input_error(fmt::format("{}: cannot start a transaction{}", gpkg.string(), errors.suffix()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    exec(fmt::format("DELETE FROM layer_styles WHERE f_table_name = {}", sql_text(row.table)));
    exec(
        fmt::format("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                    "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                    "VALUES ('', '', {}, {}, {}, {}, {}, 1, {}, '', NULL, {})",
                    sql_text(row.table), sql_text(geometry_columns[i]), sql_text(row.style_name), sql_text(row.qml),
                    sql_text(row.sld), sql_text(row.description), sql_text(update_time)));
  }
  if (ds->CommitTransaction() != OGRERR_NONE)
    input_error(fmt::format("{}: cannot commit layer styles{}", gpkg.string(), errors.suffix()));
  ds.reset();
  if (!errors.last_error().empty())
    input_error(fmt::format("{}: cannot close GeoPackage{}", gpkg.string(), errors.suffix()));
}

}  // namespace nexusmap
