// SPDX-License-Identifier: MIT
// Must not compile: an algorithm target (rasters/cost) reaching for the GDAL I/O layer.
#include "rasters/io/gdal_raster.hpp"
