// SPDX-License-Identifier: MIT
// One function per stage kind, each defined in its own file; pipeline/registry.cpp lists them.
#pragma once

#include <vector>

#include "pipeline/stage.hpp"

namespace nexusmap::stages {

StageDef activity();
StageDef barriers();
StageDef corridors();
StageDef cost();
StageDef governance();
StageDef grid();
StageDef hotspots();
StageDef population();
// Draws the maps the other stages' layers declare, so it is made from their definitions.
StageDef publish(const std::vector<StageDef>& others);
StageDef raster_layer();
StageDef terrain();
StageDef zonal();

}  // namespace nexusmap::stages
