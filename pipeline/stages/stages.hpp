// SPDX-License-Identifier: MIT
// One function per stage kind, each defined in its own file; pipeline/registry.cpp lists them.
#pragma once

#include "pipeline/stage.hpp"

namespace nexusmap::stages {

StageDef activity();
StageDef barriers();
StageDef corridors();
StageDef cost();
StageDef governance();
StageDef grid();
StageDef hotspots();
StageDef publish();
StageDef terrain();
StageDef zonal();

}  // namespace nexusmap::stages
