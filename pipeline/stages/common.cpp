// SPDX-License-Identifier: MIT
#include "pipeline/stages/common.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace nexusmap::stages {

FeatureTable read_layer(StageContext& ctx, const VectorSource& src, const std::string& option, const Grid& grid,
                        const std::vector<std::string>& required_fields, bool allow_empty) {
  ReadOptions opts;
  opts.target_crs_wkt = grid.crs_wkt;
  opts.required_fields = required_fields;
  opts.allow_empty = allow_empty;
  RepairReport report;
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

Presentation raster_presentation(std::string title, std::string units, RasterStyle style, std::string group) {
  Presentation p;
  p.title = std::move(title);
  p.units = std::move(units);
  p.style = style;
  p.group = std::move(group);
  return p;
}

Choices<Resampling> resampling_choices(std::initializer_list<Resampling> allowed) {
  static const Choices<Resampling> all = {{"nearest", Resampling::nearest},
                                          {"bilinear", Resampling::bilinear},
                                          {"cubic", Resampling::cubic},
                                          {"average", Resampling::average}};
  Choices<Resampling> out;
  for (const auto& c : all)
    if (std::find(allowed.begin(), allowed.end(), c.second) != allowed.end()) out.push_back(c);
  return out;
}

const Choices<Neighbourhood>& neighbourhood_choices() {
  static const Choices<Neighbourhood> c = {{"8", Neighbourhood::queen8}, {"16", Neighbourhood::knight16}};
  return c;
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
