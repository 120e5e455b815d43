// SPDX-License-Identifier: MIT
// Gaussian smoothing of a non-negative layer (e.g. route frequency) so that a thin feature influences
// its surroundings. Each valid non-zero cell is a point mass at its centre, weighted by value × cell
// area, and the masses are put through the kernel density machinery (kernel_density.hpp), so the
// result keeps the layer's units and (up to the taper) its total. NaN cells stay NaN.
//
// Reach: the influence is the plain Gaussian sum out to sigma_reach standard deviations (Euclidean) from
// the nearest non-zero cell, and then fades to exactly 0 over the next taper_sigmas by a raised-cosine
// window of that distance d (F.J. Harris, "On the use of windows for harmonic analysis with the
// discrete Fourier transform", Proceedings of the IEEE 66(1), 51-83, 1978, doi:10.1109/PROC.1978.10837;
// the Tukey window): w(d) = ½·(1 + cos(π·(d − a)/b)) for a < d < a + b, a = reach·σ, b = taper·σ. Why a
// window and not a cut: at 3σ the sum is still ~1 % of a line's peak, and a layer that enters a
// geometric mean turns that step into a visible edge (a cube root makes 1 % into 22 %); cutting much
// farther out instead reaches the level (~1e-6 of a peak) where the fast Gaussian's own error, which is
// not radial, decides where the layer ends. The window ends the layer continuously, at a round edge,
// while every value in it is still far above that error. taper_sigmas = 0 gives the hard cut at the
// reach (the behaviour before the window); sigma_reach = infinity no cut at all.
// The distance is measured by the kernel density's radial support and the exact distance transform
// (distance_transform.hpp), so the edge is the same for every part of the grid.
#pragma once

#include "rasters/core/raster.hpp"

namespace nexusmap {

struct SmoothingOptions {
  double sigma = 0;           // standard deviation, map units; never below one cell
  double sigma_reach = 3.0;   // plain Gaussian sum within this many standard deviations (> 0; infinity = no cut)
  double taper_sigmas = 1.0;  // then a raised-cosine fade to 0 over this many (>= 0; 0 = hard cut)
};

// Throws Error(config) on a negative value, a sigma_reach that is not > 0 or a taper_sigmas that is
// not >= 0 and finite.
Raster<float> gaussian_smooth(const Raster<float>& layer, const SmoothingOptions& options);

}  // namespace nexusmap
