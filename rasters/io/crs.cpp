// SPDX-License-Identifier: MIT
#include "rasters/io/crs.hpp"

#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <proj.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

struct CtxDeleter {
  void operator()(PJ_CONTEXT* c) const { proj_context_destroy(c); }
};
struct PjDeleter {
  void operator()(PJ* p) const { proj_destroy(p); }
};
using CtxPtr = std::unique_ptr<PJ_CONTEXT, CtxDeleter>;
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

PjPtr parse_crs(PJ_CONTEXT* ctx, std::string_view definition, std::string_view what) {
  const std::string def(definition);
  PjPtr crs(proj_create(ctx, def.c_str()));
  if (!crs) {
    const char* why = proj_context_errno_string(ctx, proj_context_errno(ctx));
    config_error(fmt::format("{}: PROJ cannot parse '{}' ({}); give e.g. \"EPSG:32642\", a PROJ string or WKT",
                             what, def.size() > 80 ? def.substr(0, 80) + "..." : def, why ? why : "unknown"));
  }
  return crs;
}

}  // namespace

std::string crs_to_wkt(std::string_view definition, std::string_view what) {
  CtxPtr ctx(proj_context_create());
  proj_log_level(ctx.get(), PJ_LOG_NONE);
  auto crs = parse_crs(ctx.get(), definition, what);
  const char* wkt = proj_as_wkt(ctx.get(), crs.get(), PJ_WKT2_2019, nullptr);
  if (wkt == nullptr) config_error(fmt::format("{}: '{}' is not a CRS", what, definition));
  return wkt;
}

std::string crs_to_projjson(std::string_view definition) {
  CtxPtr ctx(proj_context_create());
  proj_log_level(ctx.get(), PJ_LOG_NONE);
  auto crs = parse_crs(ctx.get(), definition, "crs");
  const char* json = proj_as_projjson(ctx.get(), crs.get(), nullptr);
  return json ? json : "";
}

bool crs_is_projected_metres(std::string_view definition) {
  CtxPtr ctx(proj_context_create());
  proj_log_level(ctx.get(), PJ_LOG_NONE);
  auto crs = parse_crs(ctx.get(), definition, "crs");
  PJ_TYPE type = proj_get_type(crs.get());
  if (type == PJ_TYPE_BOUND_CRS) {
    crs.reset(proj_get_source_crs(ctx.get(), crs.get()));
    type = proj_get_type(crs.get());
  }
  if (type != PJ_TYPE_PROJECTED_CRS) return false;
  PjPtr cs(proj_crs_get_coordinate_system(ctx.get(), crs.get()));
  double factor = 0;
  if (!cs || !proj_cs_get_axis_info(ctx.get(), cs.get(), 0, nullptr, nullptr, nullptr, &factor, nullptr, nullptr,
                                    nullptr))
    return false;
  return std::abs(factor - 1.0) < 1e-12;
}

std::string laea_wkt(double lon0, double lat0) {
  return crs_to_wkt(fmt::format("+proj=laea +lat_0={:.6f} +lon_0={:.6f} +x_0=0 +y_0=0 +datum=WGS84 +units=m "
                                "+no_defs +type=crs",
                                lat0, lon0));
}

CrsTransform::CrsTransform(std::string_view from, std::string_view to) {
  ctx_ = proj_context_create();
  proj_log_level(ctx_, PJ_LOG_NONE);
  auto src = parse_crs(ctx_, from, "source crs");
  auto dst = parse_crs(ctx_, to, "target crs");
  PjPtr op(proj_create_crs_to_crs_from_pj(ctx_, src.get(), dst.get(), nullptr, nullptr));
  if (!op) {
    proj_context_destroy(ctx_);
    ctx_ = nullptr;
    input_error("no coordinate operation between the two CRSs");
  }
  pj_ = proj_normalize_for_visualization(ctx_, op.get());
  if (pj_ == nullptr) {
    proj_context_destroy(ctx_);
    ctx_ = nullptr;
    input_error("cannot normalise the coordinate operation to GIS axis order");
  }
}

CrsTransform::~CrsTransform() {
  if (pj_) proj_destroy(pj_);
  if (ctx_) proj_context_destroy(ctx_);
}

CrsTransform::CrsTransform(CrsTransform&& o) noexcept : ctx_(o.ctx_), pj_(o.pj_) {
  o.ctx_ = nullptr;
  o.pj_ = nullptr;
}

CrsTransform& CrsTransform::operator=(CrsTransform&& o) noexcept {
  std::swap(ctx_, o.ctx_);
  std::swap(pj_, o.pj_);
  return *this;
}

std::pair<double, double> CrsTransform::forward(double x, double y) const {
  PJ_COORD c = proj_coord(x, y, 0, 0);
  c = proj_trans(pj_, PJ_FWD, c);
  return {c.xy.x, c.xy.y};
}

std::pair<double, double> CrsTransform::inverse(double x, double y) const {
  PJ_COORD c = proj_coord(x, y, 0, 0);
  c = proj_trans(pj_, PJ_INV, c);
  return {c.xy.x, c.xy.y};
}

Extent CrsTransform::forward_bounds(const Extent& e, int densify) const {
  Extent out;
  if (!proj_trans_bounds(ctx_, pj_, PJ_FWD, e.xmin, e.ymin, e.xmax, e.ymax, &out.xmin, &out.ymin, &out.xmax,
                         &out.ymax, densify)) {
    input_error(fmt::format("cannot transform the bounds ({}, {}, {}, {}) to the analysis CRS", e.xmin, e.ymin,
                            e.xmax, e.ymax));
  }
  return out;
}

}  // namespace nexusmap
