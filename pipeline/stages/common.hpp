// SPDX-License-Identifier: MIT
// Small helpers shared by the stage adapters (reading layers onto the grid, recording what
// validation did, date handling).
#pragma once

#include <string>
#include <vector>

#include "pipeline/context.hpp"
#include "vectors/features.hpp"

namespace nexusmap::stages {

// Reads the vector option `option` in the grid's CRS, repairing geometries with GEOS; records and
// logs the repair report; errors name the file, layer and option.
FeatureTable read_layer(StageContext& ctx, const std::string& option, const Grid& grid,
                        const std::vector<std::string>& required_fields = {}, bool allow_empty = false);

// Days since 1970-01-01 for "YYYY-MM-DD" (or a longer ISO timestamp); nullopt if it is not a date.
std::optional<std::int64_t> parse_day(const std::string& text);
std::string format_day(std::int64_t day);

// Text of attribute `field` of a feature, "" when null.
std::string attr_string(const FeatureTable& t, const Feature& f, int field);

}  // namespace nexusmap::stages
