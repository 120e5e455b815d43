// SPDX-License-Identifier: MIT
// Writing features to GeoPackage layers.
#pragma once

#include <filesystem>

#include <ogr_core.h>

#include "vectors/features.hpp"

namespace nexusmap {

struct GpkgLayerOptions {
  // wkbUnknown: the type common to the features (Polygon and MultiPolygon mixed: MultiPolygon).
  OGRwkbGeometryType geometry_type = wkbUnknown;
  std::string description;                         // gpkg_contents.description
};

// Adds `table` as layer `table.name` to the GeoPackage at `path` (created when absent). An existing
// layer of that name is replaced. Features are written in one transaction.
void write_gpkg_layer(const std::filesystem::path& path, const FeatureTable& table,
                      const GpkgLayerOptions& options = {});

}  // namespace nexusmap
