// SPDX-License-Identifier: MIT
// Must not compile: an algorithm target (rasters/cost) including GDAL itself.
#include <gdal_priv.h>
