// SPDX-License-Identifier: MIT
// Positive control of the layer checks: an algorithm target sees the core and its own folder.
#include "rasters/core/raster.hpp"
#include "rasters/cost/cost_distance.hpp"

int layer_check_positive() { return 0; }
