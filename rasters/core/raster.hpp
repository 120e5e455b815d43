// SPDX-License-Identifier: MIT
// A typed raster over a Grid. Floating-point rasters use NaN as nodata; integer rasters carry an
// explicit validity mask (empty mask = every cell valid), never a magic value.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "rasters/core/error.hpp"
#include "rasters/core/grid.hpp"

namespace nexusmap {

template <class T>
class Raster {
  static_assert(std::is_arithmetic_v<T>, "Raster holds numbers");

 public:
  using value_type = T;
  static constexpr bool is_float = std::is_floating_point_v<T>;

  Raster() = default;
  // Every cell nodata: NaN for floats; zero with an all-clear mask for integers.
  explicit Raster(Grid grid) : grid_(std::move(grid)) {
    if constexpr (is_float) {
      data_.assign(static_cast<std::size_t>(grid_.cells()), std::numeric_limits<T>::quiet_NaN());
    } else {
      data_.assign(static_cast<std::size_t>(grid_.cells()), T{});
      mask_.assign(data_.size(), 0);
    }
  }
  // Every cell set to `fill` (valid, unless fill is NaN).
  Raster(Grid grid, T fill) : grid_(std::move(grid)), data_(static_cast<std::size_t>(grid_.cells()), fill) {}
  // Adopts `values` (row-major, one per cell; every cell valid unless NaN) without copying, so a
  // caller can choose how the storage was allocated (e.g. huge pages). Throws when the sizes differ.
  Raster(Grid grid, std::vector<T> values) : grid_(std::move(grid)), data_(std::move(values)) {
    if (static_cast<CellIndex>(data_.size()) != grid_.cells())
      fail(ErrorKind::internal, "Raster: the value count differs from the grid's cell count");
  }

  [[nodiscard]] const Grid& grid() const { return grid_; }
  [[nodiscard]] std::int64_t width() const { return grid_.width; }
  [[nodiscard]] std::int64_t height() const { return grid_.height; }
  [[nodiscard]] CellIndex size() const { return static_cast<CellIndex>(data_.size()); }

  T& operator[](CellIndex i) { return data_[static_cast<std::size_t>(i)]; }
  const T& operator[](CellIndex i) const { return data_[static_cast<std::size_t>(i)]; }
  T& at(std::int64_t col, std::int64_t row) { return (*this)[grid_.index(col, row)]; }
  const T& at(std::int64_t col, std::int64_t row) const { return (*this)[grid_.index(col, row)]; }

  [[nodiscard]] std::span<T> values() { return data_; }
  [[nodiscard]] std::span<const T> values() const { return data_; }
  [[nodiscard]] T* data() { return data_.data(); }
  [[nodiscard]] const T* data() const { return data_.data(); }

  [[nodiscard]] bool valid(CellIndex i) const {
    if constexpr (is_float) {
      return !std::isnan((*this)[i]);
    } else {
      return mask_.empty() || mask_[static_cast<std::size_t>(i)] != 0;
    }
  }
  void set_valid(CellIndex i, T v) {
    (*this)[i] = v;
    if constexpr (!is_float) {
      if (!mask_.empty()) mask_[static_cast<std::size_t>(i)] = 1;
    }
  }
  void set_nodata(CellIndex i) {
    if constexpr (is_float) {
      (*this)[i] = std::numeric_limits<T>::quiet_NaN();
    } else {
      if (mask_.empty()) mask_.assign(data_.size(), 1);
      mask_[static_cast<std::size_t>(i)] = 0;
      (*this)[i] = T{};
    }
  }
  // Integer rasters only: the validity mask (1 = valid); empty when every cell is valid.
  [[nodiscard]] const std::vector<std::uint8_t>& mask() const { return mask_; }
  std::vector<std::uint8_t>& mask() { return mask_; }
  [[nodiscard]] bool has_mask() const { return !mask_.empty(); }

  [[nodiscard]] CellIndex count_valid() const {
    CellIndex n = 0;
    for (CellIndex i = 0; i < size(); ++i) n += valid(i) ? 1 : 0;
    return n;
  }

 private:
  Grid grid_;
  std::vector<T> data_;
  std::vector<std::uint8_t> mask_;
};

}  // namespace nexusmap
