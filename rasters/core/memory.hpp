// SPDX-License-Identifier: MIT
// Estimate memory before allocating a grid-sized working set, so a too-fine resolution fails
// with a clear message instead of the kernel's OOM killer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rasters/core/grid.hpp"

namespace nexusmap {

// Physical memory of this machine in bytes (or NEXUSMAP_MEMORY_LIMIT_MB when set, for tests and
// for sharing a machine with other jobs).
std::uint64_t memory_budget_bytes();

// Throws Error(input_data) naming `what`, the grid size and the estimate when
// cells × bytes_per_cell exceeds the budget.
void check_grid_memory(const Grid& grid, double bytes_per_cell, const std::string& what);

// Asks the kernel to back [data, data + bytes) with transparent huge pages (madvise MADV_HUGEPAGE),
// which removes most TLB misses of random access into grid-sized arrays. Only pages not yet touched
// are affected; a no-op where unsupported. Returns whether the hint was accepted.
bool advise_huge_pages(void* data, std::size_t bytes);

// Returns the whole pages inside [data, data + bytes) to the kernel (madvise MADV_DONTNEED): the
// memory reads as zeros afterwards. For releasing a large array piece by piece while it is consumed.
void release_memory(void* data, std::size_t bytes);

// A vector of n copies of `fill` whose storage was advised for huge pages before it was first written.
template <class T>
std::vector<T> huge_page_vector(std::size_t n, T fill) {
  std::vector<T> v;
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
  v.assign(n, fill);
  return v;
}

}  // namespace nexusmap
