// SPDX-License-Identifier: MIT
// Kernel density of weighted point events on the analysis grid, and a rule-of-thumb bandwidth.
//
// Method: the events are linearly binned onto the cell centres (linear_binning.hpp, Wand 1994) and the
// bins are convolved with the kernel sampled at the cell-centre lags: Gaussian by exact FIR or
// recursive filtering (gaussian_convolution.hpp, Deriche 1993), quartic by prefix sums of row moments
// (quartic_convolution.hpp). The cost is O(cells) for the Gaussian and O(cells × bandwidth/cell) at
// worst for the quartic, plus O(events log events) for the binning; it never grows with bandwidth ×
// events (rows with few events may take a per-event path, only where that is the cheaper one).
//
// Accuracy against the exact sum Σ_e w_e·K(cell centre − event) (what GRASS v.kernel and ArcGIS
// compute):
//   - an event on a cell centre is reproduced exactly (up to float rounding and, for a Gaussian with
//     σ > 8 cells, where the recursive filter replaces the FIR, its 6e-6 of the kernel peak);
//   - elsewhere linear binning replaces K by its bilinear interpolant between the four surrounding
//     centres: the error is at most (cell²/8)·(|∂²K/∂x²| + |∂²K/∂y²|), i.e. for a Gaussian at most
//     1/(4·σ²) of its peak with σ in cells (1% at σ = 5 cells, 0.25% at 10 cells), for a quartic at
//     most 2/h² of its peak (0.5% at h = 20 cells);
//   - support (radial, the same for every event and every part of the computation): a Gaussian cell
//     farther than support·σ (Euclidean, from the cell centre to the event's location; support = 6 by
//     default) from every event has density exactly 0; at every other cell the density is the
//     untruncated kernel sum (the FIR's taps reach 7.5σ, the recursive filter has infinite support).
//     An event's kernel beyond support·σ is below exp(−support²/2) of its peak (1.5e-8 at 6), so this
//     equals the kernel truncated per event at that radius to within that much per unit weight. A
//     quartic is exactly 0 where no event's bin is closer than h (its own disc);
//   - the sum of density × cell area over an unbounded grid is Σ w times the Riemann sum of the
//     sampled kernel: within 0.02% for a Gaussian with σ >= 0.75 cell (+2.9% at 0.5 cell) and within
//     1% for a quartic with h >= 2.5 cells (+1.5% at 2 cells, +70% at 0.75 cell, +280% at 0.5 cell:
//     a quartic narrower than ~3 cells is not resolved by the grid).
// Edges: kernel mass that falls outside the grid is lost (not reflected back), so cells near the edge
// are not inflated; events outside the grid extent contribute nothing and are counted in `outside`.
#pragma once

#include <cstdint>
#include <span>

#include "rasters/density/linear_binning.hpp"
#include "rasters/core/raster.hpp"

namespace nexusmap {

enum class Kernel { gaussian, quartic };

struct KdeOptions {
  Kernel kernel = Kernel::gaussian;
  double bandwidth = 0;  // metres: Gaussian standard deviation; quartic support radius
  double per_area = 1e8; // output unit area in m²: 1e8 = weighted events per 100 km²
  // Gaussian only: radius of the support disc around each event, in standard deviations (> 0;
  // infinity = no cut: the density is then > 0 wherever the float range reaches). 6 keeps the cut
  // below 1.5e-8 of one event's peak, far below any floor (density_floor.hpp), so no edge is visible.
  double support = 6.0;
};

struct KdeResult {
  Raster<float> density;                 // weighted events per `per_area`; 0 where no event contributes
  std::int64_t inside = 0, outside = 0;  // events whose location is inside / outside the grid
  double weight_inside = 0, weight_outside = 0;
};

// Kernels: Gaussian K(r) = 1/(2πσ²)·exp(−r²/(2σ²)), σ = bandwidth; quartic (biweight)
// K(r) = 3/(πh²)·(1 − r²/h²)² for r < h, h = bandwidth (as ArcGIS Kernel Density, and GRASS v.kernel
// kernel=quartic; v.kernel's Gaussian uses σ = radius/4, so v.kernel radius=4σ matches).
// An empty event set (or all events outside, or all weights 0) gives an all-zero density, never NaN.
// Errors: Error(config) when bandwidth is not finite or smaller than half the larger cell side,
// per_area is not finite and > 0, or support is not > 0 (NaN included); Error(input_data) naming the event for a weight that is negative or
// not finite, or a non-finite coordinate. Parallel; identical results for any number of threads.
KdeResult kernel_density(const Grid& grid, std::span<const WeightedPoint> points, const KdeOptions& options);

// Spatial rule-of-thumb bandwidth for 2-D point patterns (the Gaussian σ, or the quartic radius, in
// metres), as ArcGIS Kernel Density ("How Kernel Density works", Esri) following Silverman's rule
// (B.W. Silverman, "Density Estimation for Statistics and Data Analysis", Chapman & Hall 1986,
// §3.4.2, doi:10.1201/9781315140919):
//   h = 0.9 · min(SD, sqrt(1/ln 2) · Dm) · n^(−1/5)
// with, using the weights w_i (all events, inside the grid or not):
//   mean centre  (x̄, ȳ) = Σ w·(x, y) / Σ w,
//   SD  standard distance sqrt(Σ w·((x − x̄)² + (y − ȳ)²) / Σ w),
//   Dm  weighted median of the distances to the mean centre (the distance at which the cumulative
//       weight, in order of distance, reaches half the total; the mean of the two middle distances
//       on an exact tie, so unit weights give the ordinary median),
//   n   Kish's effective number of events (Σ w)² / Σ w² (L. Kish, "Survey Sampling", Wiley 1965);
//       with unit weights n is the event count and h equals ArcGIS's; ArcGIS uses n = Σ w instead,
//       which makes h depend on the unit of the weights, which we avoid.
// When Dm = 0 (half the weight sits on the mean centre) SD alone is used. Errors: Error(input_data)
// for invalid weights or coordinates (as above), or fewer than two distinct weighted locations.
double rule_of_thumb_bandwidth(std::span<const WeightedPoint> points);

}  // namespace nexusmap
