// SPDX-License-Identifier: MIT
// Separable Gaussian convolution of linearly binned masses (zero outside the bins' frame), in O(1) per
// cell and pass for any standard deviation.
//
// Per axis, short kernels (R = ceil(4σ) <= kMaxFirRadius cells) use the exact sampled Gaussian as
// an FIR filter truncated at R. Long kernels use a recursive filter in the parallel form of Deriche:
// the Gaussian on [0, ∞) is approximated by a sum of complex exponentials, Σ_k 2·Re(a_k·exp(−λ_k·t))
// with t = lag/σ, and each exponential becomes a first-order causal and anti-causal recursion
// (a complex multiply-add per sample, pole pair and direction, whatever σ).
//   R. Deriche, "Recursively implementing the Gaussian and its derivatives", INRIA Research Report
//   RR-1893, 1993 (Proc. 2nd ICIP, Singapore, 1992, 263-267), hal.inria.fr/inria-00074778.
//   P. Getreuer, "A Survey of Gaussian Convolution Algorithms", Image Processing On Line 3, 286-310,
//   2013, doi:10.5201/ipol.2013.87 (the parallel form and its boundary handling).
// The coefficients are Deriche's form refitted here with three pole pairs instead of his two, for the
// smallest maximum error (minimax; bench/analysis/fit_recursive_gaussian.py): the fitted sum differs
// from exp(−t²/2) by at most 2.95e-6 of the peak (Deriche's published 4th-order values: 5.2e-4, the
// best 4th-order refit: 1.7e-4), independent of σ, because the filter reproduces the fitted sum exactly
// at every integer lag; two recursive passes compound to 5.9e-6. The input is zero outside its frame,
// so the recursions start from zero state and are exact at the boundaries (Getreuer's boundary
// treatment reduces to this).
//
// A long kernel is not truncated at 4σ (its recursive approximation has infinite support) but is cut
// to the same support as the FIR: output cells farther than R cells along a row or a column from every
// bin are exactly 0, and the negative residues the approximation can leave where the true value is ~0
// are clamped to 0. In the automatic method, groups of rows with few bins (events are sparse along
// most rows) are filtered horizontally by adding each bin's sampled Gaussian out to 7.5σ (beyond which
// it is < 1e-12 of its peak) instead of by the recursion: the same untruncated kernel, exactly, at a
// cost of bins × 15σ instead of the row length × 6 complex steps.
#pragma once

#include <cstdint>
#include <span>

#include "rasters/density/linear_binning.hpp"

namespace nexusmap {

enum class GaussianMethod { automatic, fir, recursive };

struct GaussianKernel2D {
  double sigma_x = 1;  // standard deviation in cells along a row
  double sigma_y = 1;  // standard deviation in cells along a column
  double peak = 1;     // kernel value at lag (0, 0): k(dx, dy) = peak·exp(-(dx²/σx² + dy²/σy²)/2)
  GaussianMethod method = GaussianMethod::automatic;  // per axis: FIR when R <= kMaxFirRadius
};

// The automatic choice uses the (exact) FIR while its radius is at most this many cells. Measured on a
// 4000² grid, one thread: the FIR costs as much as the recursion at R ≈ 20 with SSE2 and R ≈ 44 with
// AVX-512 (both are compiled for each and picked at run time).
inline constexpr std::int64_t kMaxFirRadius = 32;

// Largest |error| of the recursive result per unit of mass, relative to the kernel's peak: 2.95e-6 per
// axis, and the two passes compound (measured 5.8e-6 for one mass at a cell centre).
inline constexpr double kRecursiveGaussianMaxError = 6e-6;

// out[r·ow + c] = Σ_bins mass · k(c + 1 − column, r + 1 − row) over the framed bins, within the
// documented support, for the (bins.width − 2) × (bins.height − 2) grid inside the frame. Rows run in
// parallel; the result does not depend on the number of threads.
void gaussian_convolve(const LinearBins& bins, const GaussianKernel2D& kernel, std::span<float> out);

}  // namespace nexusmap
