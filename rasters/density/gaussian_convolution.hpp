// SPDX-License-Identifier: MIT
// Separable Gaussian convolution of linearly binned masses (zero outside the bins' frame), in O(1) per
// cell and pass for any standard deviation.
//
// The kernel is not truncated: per axis, short kernels (σ <= kMaxFirSigma cells) use the exact
// sampled Gaussian as an FIR filter out to T = ceil(7.5σ) cells (beyond which it is < 7e-13 of its
// peak); long kernels use a recursive filter in the parallel form of Deriche:
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
// There is no support cut here: the result is the untruncated kernel sum everywhere (the 2-D support,
// a disc around each event, is applied by kernel_density, kernel_density.hpp), and the negative
// residues the recursive approximation can leave where the true value is ~0 are clamped to 0. In the
// automatic method, rows with few bins (events are sparse along most rows) are filtered horizontally
// by adding each bin's sampled Gaussian out to 7.5σ instead of by the FIR or the recursion: the same
// kernel, at a cost of bins × 15σ instead of the row length × (T or 6 complex steps).
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
  GaussianMethod method = GaussianMethod::automatic;  // per axis: FIR when σ <= kMaxFirSigma
};

// The FIR's taps reach this many standard deviations (exp(-7.5²/2) = 6.9e-13 of the peak).
inline constexpr double kFirTailSigmas = 7.5;

// The automatic choice uses the (exact) FIR while σ is at most this many cells (T <= 60 taps per side).
// Measured on a 4000² grid, one thread, the FIR costs as much as the recursion at T ≈ 20 taps with
// SSE2 and T ≈ 44 with AVX-512 (both are compiled for each and picked at run time); up to σ = 8 the FIR
// is kept for its exactness (at most ~2× the recursion's cost), rows with few events scatter taps.
inline constexpr double kMaxFirSigma = 8.0;

// Largest |error| of the recursive result per unit of mass, relative to the kernel's peak: 2.95e-6 per
// axis, and the two passes compound (measured 5.8e-6 for one mass at a cell centre).
inline constexpr double kRecursiveGaussianMaxError = 6e-6;

// out[r·ow + c] = Σ_bins mass · k(c + 1 − column, r + 1 − row) over the framed bins (untruncated, to
// the documented accuracy), for the (bins.width − 2) × (bins.height − 2) grid inside the frame. Rows run in
// parallel; the result does not depend on the number of threads.
void gaussian_convolve(const LinearBins& bins, const GaussianKernel2D& kernel, std::span<float> out);

}  // namespace nexusmap
