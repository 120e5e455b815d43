// SPDX-License-Identifier: MIT
// Small helpers shared by the stage adapters (reading layers onto the grid, recording what
// validation did, date handling).
#pragma once

#include <string>
#include <vector>

#include "pipeline/bind.hpp"
#include "pipeline/context.hpp"
#include "rasters/cost/cost_distance_types.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "vectors/features.hpp"

namespace nexusmap::stages {

// Reads a vector option's layer in the grid's CRS, repairing geometries with GEOS; records and logs
// the repair report under the option's name `option`; errors name the file and layer.
FeatureTable read_layer(StageContext& ctx, const VectorSource& src, const std::string& option, const Grid& grid,
                        const std::vector<std::string>& required_fields = {}, bool allow_empty = false);

// The presentation of a raster layer (see Presentation in pipeline/stage.hpp for the rest).
Presentation raster_presentation(std::string title, std::string units, RasterStyle style,
                                 std::string group = kGroupAnalysis);

// The resampling choices of an option, named as GDAL names them (nearest, bilinear, cubic, average).
Choices<Resampling> resampling_choices(std::initializer_list<Resampling> allowed);

// The move stencil, declared once for every stage and tool that searches (one default, one help).
const Choices<Neighbourhood>& neighbourhood_choices();
inline constexpr Neighbourhood kDefaultNeighbourhood = Neighbourhood::knight16;
inline constexpr const char* kNeighboursHelp =
    "Move stencil: 8 neighbours, or 16 with knight's moves (length error 2.8% instead of 8.2%).";
template <class T>
OptionSpec& declare_neighbours(OptionSet<T>& o, Neighbourhood T::*member) {
  return o.choice("neighbours", member, neighbourhood_choices(), kDefaultNeighbourhood, kNeighboursHelp);
}

// Days since 1970-01-01 for "YYYY-MM-DD" (or a longer ISO timestamp); nullopt if it is not a date.
std::optional<std::int64_t> parse_day(const std::string& text);
std::string format_day(std::int64_t day);

// Text of attribute `field` of a feature, "" when null.
std::string attr_string(const FeatureTable& t, const Feature& f, int field);

}  // namespace nexusmap::stages
