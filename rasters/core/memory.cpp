// SPDX-License-Identifier: MIT
#include "rasters/core/memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {

std::uint64_t memory_budget_bytes() {
  if (const char* env = std::getenv("NEXUSMAP_MEMORY_LIMIT_MB"); env && *env) {
    return static_cast<std::uint64_t>(std::strtoull(env, nullptr, 10)) << 20U;
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::uint64_t{1} << 34U;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

void check_grid_memory(const Grid& grid, double bytes_per_cell, const std::string& what) {
  if (grid.width <= 0 || grid.height <= 0) {
    input_error(fmt::format("{}: the grid is empty ({} x {} cells)", what, grid.width, grid.height));
  }
  const double cells = static_cast<double>(grid.width) * static_cast<double>(grid.height);
  const double need = cells * bytes_per_cell;
  const double have = static_cast<double>(memory_budget_bytes());
  if (need > have) {
    input_error(fmt::format(
        "{}: grid too large for memory: {} x {} = {:.3g} cells need about {:.1f} GiB, but only {:.1f} GiB "
        "is available; use a coarser resolution or a smaller area",
        what, grid.width, grid.height, cells, need / 1073741824.0, have / 1073741824.0));
  }
}

bool advise_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGE_SIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + page - 1) / page * page;  // madvise wants page-aligned ranges
  const std::uintptr_t last = (begin + bytes) / page * page;
  if (data == nullptr || last <= first) return false;
  return madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) == 0;
#else
  (void)data;
  (void)bytes;
  return false;
#endif
}

void release_memory(void* data, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGE_SIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + page - 1) / page * page;
  const std::uintptr_t last = (begin + bytes) / page * page;
  if (data == nullptr || last <= first) return;
  madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace nexusmap
