// SPDX-License-Identifier: MIT
// The looks of the published vector layers (VectorLook in pipeline/stage.hpp): their QGIS/SLD styles,
// which the maps draw too.
#pragma once

#include <string>
#include <vector>

#include "pipeline/publish/vector_styles.hpp"

namespace nexusmap {

// Styles of the published vector layers (the maps draw the same).
VectorStyle least_cost_paths_style();
VectorStyle alternative_routes_style();
// Every origin-market route: thin and faint, so that where many overlap shows as the darker line.
VectorStyle flow_routes_style();
VectorStyle corridor_polygons_style();
VectorStyle crossings_style(const std::string& label_field);
VectorStyle provinces_outline_style(const std::string& label_field);
// Graduated by `field` in quantile classes of `values`; a plain fill when there are none.
VectorStyle province_stats_style(const std::string& field, const std::vector<double>& values);

}  // namespace nexusmap
