// SPDX-License-Identifier: MIT
// Gaussian smoothing of a non-negative layer (e.g. route frequency) so that a thin feature influences
// its surroundings. Each valid non-zero cell is a point mass at its centre, weighted by value × cell
// area, and the masses are put through the kernel density machinery (kernel_density.hpp), so the
// result keeps the layer's units and its total. The influence ends sigma_reach standard deviations
// from the nearest non-zero cell, measured by the exact distance transform (distance_transform.hpp):
// a round reach rather than the kernel's square support with its faint tails. NaN cells stay NaN.
#pragma once

#include "rasters/core/raster.hpp"

namespace nexusmap {

struct SmoothingOptions {
  double sigma = 0;          // standard deviation, map units; never below one cell
  double sigma_reach = 3.0;  // influence cut at this many standard deviations
};

// Throws Error(config) on a negative value.
Raster<float> gaussian_smooth(const Raster<float>& layer, const SmoothingOptions& options);

}  // namespace nexusmap
