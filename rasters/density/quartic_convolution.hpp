// SPDX-License-Identifier: MIT
// Convolution of linearly binned masses with the quartic (biweight) kernel
// k(dx, dy) = peak·(1 − dx²/hx² − dy²/hy²)² inside the ellipse, 0 outside (a circle of radius h in
// metres on a grid whose cells are h/hx wide and h/hy high).
//
// The kernel is not separable, but along one source row at vertical lag t it is the polynomial
// peak·(A − q·d²)² in the column lag d, with A = 1 − t²/hy², q = 1/hx², over |d| <= m_t. So each
// (output row, source row) pair costs O(1) per output cell from prefix sums of the row's moments
// Σ x·u^k, k = 0..4 — summed-area tables (F.C. Crow, "Summed-area tables for texture mapping",
// SIGGRAPH 1984, doi:10.1145/800031.808600) of polynomial moments. Cost: O(cells × (2·hy + 1)),
// independent of the number of events; source row segments without mass are skipped, so sparse event
// sets cost less. Moments are taken about the centre of blocks of columns (not the grid origin), which
// keeps |u| small and the cancellation in expanding (u − v)^4 at the 1e-12 relative level.
#pragma once

#include <span>

#include "rasters/density/linear_binning.hpp"

namespace nexusmap {

struct QuarticKernel2D {
  double radius_x = 1;  // support radius in cells along a row (h / cell width)
  double radius_y = 1;  // support radius in cells along a column (h / cell height)
  double peak = 1;      // kernel value at lag (0, 0)
};

// out[r·ow + c] = Σ_bins mass · k(c + 1 − column, r + 1 − row) for the (bins.width − 2) ×
// (bins.height − 2) grid inside the bins' frame. Output cells with no bin within the kernel's support
// are exactly 0. Parallel over blocks of columns; the result does not depend on the number of threads.
void quartic_convolve(const LinearBins& bins, const QuarticKernel2D& kernel, std::span<float> out);

}  // namespace nexusmap
