// SPDX-License-Identifier: MIT
// Estimate memory before allocating a grid-sized working set, so a too-fine resolution fails
// with a clear message instead of the kernel's OOM killer.
#pragma once

#include <cstdint>
#include <string>

#include "rasters/grid.hpp"

namespace nexusmap {

// Physical memory of this machine in bytes (or NEXUSMAP_MEMORY_LIMIT_MB when set, for tests and
// for sharing a machine with other jobs).
std::uint64_t memory_budget_bytes();

// Throws Error(input_data) naming `what`, the grid size and the estimate when
// cells × bytes_per_cell exceeds the budget.
void check_grid_memory(const Grid& grid, double bytes_per_cell, const std::string& what);

}  // namespace nexusmap
