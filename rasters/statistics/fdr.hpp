// SPDX-License-Identifier: MIT
// False discovery rate control for many simultaneous tests (one per cell).
// Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate: a practical and powerful
// approach to multiple testing", Journal of the Royal Statistical Society B 57(1), 289-300, 1995,
// doi:10.1111/j.2517-6161.1995.tb02031.x.
#pragma once

#include <span>
#include <vector>

namespace nexusmap {

// With the m valid p-values sorted ascending, p(1) <= ... <= p(m), the threshold is p(k) for the largest
// k with p(k) <= k·q/m; p-values at or below it are significant. NaN p-values are ignored (not counted
// in m). Returns 0 when nothing is significant (then every valid p-value is > q/m > 0, so none is
// <= 0) or there are no valid p-values.
// Errors: Error(config) unless 0 < q <= 1; Error(input_data) naming the index for a p-value outside
// [0, 1]. O(m + s·log s) where s is the number of p-values <= q.
double bh_threshold(std::span<const float> p_values, double q);

// bh_threshold for several levels at once, sharing one pass and one sort.
std::vector<double> bh_thresholds(std::span<const float> p_values, std::span<const double> qs);

}  // namespace nexusmap
