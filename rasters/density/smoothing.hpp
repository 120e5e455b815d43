// SPDX-License-Identifier: MIT
// Gaussian smoothing of a non-negative layer (e.g. route frequency) so that a thin feature influences
// its surroundings. Each valid non-zero cell is a point mass at its centre, weighted by value × cell
// area, and the masses are put through the kernel density machinery (kernel_density.hpp), so the
// result keeps the layer's units and its total. The influence ends sigma_reach standard deviations
// (Euclidean) from the nearest non-zero cell: the kernel density's radial support, a disc around every
// source cell, so the edge is round and the same for every part of the grid. NaN cells stay NaN.
//
// The cut is a step of about exp(−reach²/2) of the kernel's peak (1.1 % at 3σ, 1.5e-8 at 6σ). A layer
// that is later combined by a geometric mean sees that step amplified (a cube root makes 1.1 % into
// 22 %), so where the smoothed layer enters a product use a reach of 6 (or infinity: no cut) and let a
// floor decide what counts as none.
#pragma once

#include "rasters/core/raster.hpp"

namespace nexusmap {

struct SmoothingOptions {
  double sigma = 0;          // standard deviation, map units; never below one cell
  double sigma_reach = 3.0;  // influence cut at this many standard deviations (> 0; infinity = no cut)
};

// Throws Error(config) on a negative value, or a sigma_reach that is not > 0.
Raster<float> gaussian_smooth(const Raster<float>& layer, const SmoothingOptions& options);

}  // namespace nexusmap
