// SPDX-License-Identifier: MIT
// QGIS styles stored inside a GeoPackage: the `layer_styles` table QGIS and GDAL use (one row per
// layer with the style as QML and SLD; QGIS applies the row marked useAsDefault when it opens the
// layer, in any project or none).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nexusmap {

struct LayerStyleRow {
  std::string table;       // f_table_name: the GeoPackage layer
  std::string style_name;  // styleName
  std::string qml;         // styleQML
  std::string sld;         // styleSLD
  std::string description;
};

// Creates the table when absent (QGIS's schema, registered in gpkg_contents as attributes),
// replaces the rows of the given layers and marks each new row as the layer's default.
// `update_time` is ISO 8601 (fixed per run, so that equal inputs give byte-equal files).
// Throws Error(input_data) naming the file when a layer is missing or SQLite refuses.
void write_layer_styles(const std::filesystem::path& gpkg, const std::vector<LayerStyleRow>& rows,
                        const std::string& update_time);

}  // namespace nexusmap
