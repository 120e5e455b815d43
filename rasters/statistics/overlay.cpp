// SPDX-License-Identifier: MIT
#include "rasters/statistics/overlay.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "rasters/core/parallel.hpp"

namespace nexusmap {

Raster<float> combine(std::span<const Raster<float>* const> layers, std::span<const double> weights,
                      const CombineOptions& options) {
  if (layers.empty()) config_error("combine: no layers given");
  if (layers.size() != weights.size())
    config_error(fmt::format("combine: {} layers but {} weights; give one weight per layer", layers.size(),
                             weights.size()));
  double total = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (!std::isfinite(weights[k]) || weights[k] < 0)
      config_error(fmt::format("combine: weight {} of layer {} must be finite and >= 0", weights[k], k));
    total += weights[k];
  }
  if (!(total > 0)) config_error("combine: the weights sum to 0; give at least one layer a positive weight");
  if (options.method == Combine::fuzzy_gamma && !(options.gamma >= 0 && options.gamma <= 1))
    config_error(fmt::format("combine: gamma {} must be in [0, 1]", options.gamma));
  for (std::size_t k = 0; k < layers.size(); ++k) {
    if (layers[k] == nullptr) fail(ErrorKind::internal, fmt::format("combine: layer {} is null", k));
    if (!layers[k]->grid().same_georeferencing(layers[0]->grid()))
      input_error(fmt::format("combine: layer {} ({}x{}) is not on the grid of layer 0 ({}x{}); warp it onto the "
                              "analysis grid first",
                              k, layers[k]->width(), layers[k]->height(), layers[0]->width(), layers[0]->height()));
  }

  std::vector<const float*> data;
  std::vector<double> omega;
  std::vector<std::size_t> index;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    if (weights[k] == 0) continue;
    data.push_back(layers[k]->data());
    omega.push_back(weights[k] / total);
    index.push_back(k);
  }
  const Grid& grid = layers[0]->grid();
  const std::int64_t w = grid.width;
  for (std::size_t s = 0; s < data.size(); ++s) {
    const float* v = data[s];
    for (CellIndex i = 0; i < grid.cells(); ++i)
      if (!std::isnan(v[i]) && !(v[i] >= 0 && v[i] <= 1))
        input_error(fmt::format("combine: layer {} has value {} at cell (col {}, row {}), outside [0, 1]; normalise "
                                "the layer first",
                                index[s], v[i], i % w, i / w));
  }

  Raster<float> out(grid);
  const double gamma = options.gamma;
  const Combine method = options.method;
  const std::size_t n = data.size();
  parallel_for(0, grid.cells(), 64 * std::max<std::int64_t>(1, w), [&](std::int64_t begin, std::int64_t end) {
    for (CellIndex i = begin; i < end; ++i) {
      bool missing = false;
      for (std::size_t s = 0; s < n && !missing; ++s) missing = std::isnan(data[s][i]);
      if (missing) continue;
      double r = 0;
      switch (method) {
        case Combine::weighted_sum:
          for (std::size_t s = 0; s < n; ++s) r += omega[s] * static_cast<double>(data[s][i]);
          break;
        case Combine::weighted_geometric_mean: {
          double log_sum = 0;
          bool zero = false;
          for (std::size_t s = 0; s < n && !zero; ++s) {
            zero = data[s][i] == 0;
            if (!zero) log_sum += omega[s] * std::log(static_cast<double>(data[s][i]));
          }
          r = zero ? 0.0 : std::exp(log_sum);
          break;
        }
        case Combine::fuzzy_and:
          r = 1;
          for (std::size_t s = 0; s < n; ++s) r = std::min(r, static_cast<double>(data[s][i]));
          break;
        case Combine::fuzzy_or:
          r = 0;
          for (std::size_t s = 0; s < n; ++s) r = std::max(r, static_cast<double>(data[s][i]));
          break;
        case Combine::fuzzy_gamma: {
          double product = 1, complement = 1;
          for (std::size_t s = 0; s < n; ++s) {
            product *= static_cast<double>(data[s][i]);
            complement *= 1 - static_cast<double>(data[s][i]);
          }
          r = std::pow(1 - complement, gamma) * std::pow(product, 1 - gamma);
          break;
        }
      }
      out[i] = static_cast<float>(std::clamp(r, 0.0, 1.0));
    }
  });
  return out;
}

}  // namespace nexusmap
