// SPDX-License-Identifier: MIT
// Must not compile: the raster layer including the pipeline above it.
#include "pipeline/stage.hpp"
