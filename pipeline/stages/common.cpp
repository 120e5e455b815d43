// SPDX-License-Identifier: MIT
#include "pipeline/stages/common.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace nexusmap::stages {

FeatureTable read_layer(StageContext& ctx, const std::string& option, const Grid& grid,
                        const std::vector<std::string>& required_fields, bool allow_empty) {
  ReadOptions opts;
  opts.target_crs_wkt = grid.crs_wkt;
  opts.required_fields = required_fields;
  opts.allow_empty = allow_empty;
  RepairReport report;
  const VectorSource src = ctx.vector(option);
  FeatureTable t = read_features(src, opts, &report);
  ctx.record(option + "_features", {{"read", report.read},
                                    {"kept", static_cast<std::int64_t>(t.features.size())},
                                    {"repaired", report.repaired},
                                    {"dropped", report.dropped},
                                    {"reasons", report.reasons}});
  if (report.repaired > 0 || report.dropped > 0) ctx.log().warn("{} ({}): {}", option, src.describe(), report.summary());
  else ctx.log().debug("{} ({}): {}", option, src.describe(), report.summary());
  return t;
}

std::optional<std::int64_t> parse_day(const std::string& text) {
  int y = 0, m = 0, d = 0;
  if (text.size() < 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

std::string format_day(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string attr_string(const FeatureTable& t, const Feature& f, int field) {
  return field < 0 ? std::string{} : attr_text(t.attr(f, field));
}

}  // namespace nexusmap::stages
