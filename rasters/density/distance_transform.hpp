// SPDX-License-Identifier: MIT
// Exact Euclidean distance transform: the distance from every cell centre to the nearest target cell
// centre, in map units (cells may be rectangular), in O(cells) by two passes of the lower envelope of
// parabolas, one along columns and one along rows.
//   P.F. Felzenszwalb and D.P. Huttenlocher, "Distance transforms of sampled functions", Theory of
//   Computing 8(19), 415-428, 2012, doi:10.4086/toc.2012.v008a019.
#pragma once

#include "rasters/core/raster.hpp"

namespace nexusmap {

// Distance to the nearest cell whose value is valid and not 0 (0 on such cells). Every cell is NaN
// when there is no such cell.
Raster<float> distance_to_nonzero_exact(const Raster<float>& layer);

}  // namespace nexusmap
