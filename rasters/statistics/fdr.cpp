// SPDX-License-Identifier: MIT
#include "rasters/statistics/fdr.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

// Ascending LSD radix sort of non-negative floats: their IEEE bit patterns order like their values.
// O(n), where std::sort of the millions of small p-values of a large grid dominated the FDR step.
void radix_sort(std::vector<float>& values) {
  const std::size_t n = values.size();
  if (n == 0) return;  // memcpy from an empty vector's null data() is undefined
  std::vector<std::uint32_t> keys(n), tmp(n);
  std::memcpy(keys.data(), values.data(), n * sizeof(float));
  for (int shift = 0; shift < 32; shift += 11) {
    std::array<std::size_t, 2049> offset{};
    for (const std::uint32_t k : keys) ++offset[((k >> shift) & 2047U) + 1];
    for (std::size_t d = 1; d < offset.size(); ++d) offset[d] += offset[d - 1];
    for (const std::uint32_t k : keys) tmp[offset[(k >> shift) & 2047U]++] = k;
    keys.swap(tmp);
  }
  std::memcpy(values.data(), keys.data(), n * sizeof(float));
}

}  // namespace

std::vector<double> bh_thresholds(std::span<const float> p_values, std::span<const double> qs) {
  double q_max = 0;
  for (const double q : qs) {
    if (!(q > 0 && q <= 1)) config_error(fmt::format("Benjamini-Hochberg: level q = {} must be in (0, 1]", q));
    q_max = std::max(q_max, q);
  }
  // Only p-values <= q can pass (k·q/m <= q), so only those need sorting; their ranks among all
  // p-values equal their ranks in this subset.
  std::vector<float> small;
  std::int64_t m = 0;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    const float p = p_values[i];
    if (std::isnan(p)) continue;
    if (!(p >= 0 && p <= 1)) input_error(fmt::format("Benjamini-Hochberg: p-value {} at index {} is outside [0, 1]", p, i));
    ++m;
    if (p <= q_max) small.push_back(p == 0 ? 0.0F : p);  // −0 would sort last by its bits
  }
  radix_sort(small);
  std::vector<double> thresholds(qs.size(), 0.0);
  for (std::size_t j = 0; j < qs.size(); ++j) {
    for (auto k = static_cast<std::int64_t>(small.size()); k >= 1; --k) {
      const double p = small[static_cast<std::size_t>(k - 1)];
      if (p <= static_cast<double>(k) * qs[j] / static_cast<double>(m)) {
        thresholds[j] = p;
        break;
      }
    }
  }
  return thresholds;
}

double bh_threshold(std::span<const float> p_values, double q) {
  const double qs[] = {q};
  return bh_thresholds(p_values, qs)[0];
}

}  // namespace nexusmap
