// SPDX-License-Identifier: MIT
// Progress reporting handed in by the caller (the runner), as GDALProgressFunc is in GDAL.
#pragma once

#include <functional>
#include <string_view>

namespace nexusmap {

// fraction in [0,1]; returns false when the caller wants the work cancelled.
using ProgressFn = std::function<bool(double fraction, std::string_view message)>;

// Reports a sub-range [begin, end] of a parent progress, so nested steps compose.
class ProgressSpan {
 public:
  ProgressSpan(const ProgressFn& parent, double begin, double end) : parent_(parent), begin_(begin), end_(end) {}
  bool operator()(double fraction, std::string_view message = {}) const {
    return !parent_ || parent_(begin_ + (end_ - begin_) * fraction, message);
  }
  [[nodiscard]] ProgressFn fn() const {
    return [*this](double f, std::string_view m) { return (*this)(f, m); };
  }

 private:
  ProgressFn parent_;
  double begin_, end_;
};

}  // namespace nexusmap
