// SPDX-License-Identifier: MIT
#include "vectors/geos_repair.hpp"

#include <memory>
#include <vector>

#include <geos_c.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

// One GEOS context per call keeps this thread-safe without global state.
struct Context {
  GEOSContextHandle_t h = GEOS_init_r();
  ~Context() { GEOS_finish_r(h); }
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
};

struct GeomDeleter {
  GEOSContextHandle_t ctx;
  void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(ctx, g); }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

OGRGeometryUniquePtr from_geos(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  GEOSWKBWriter* writer = GEOSWKBWriter_create_r(ctx);
  GEOSWKBWriter_setOutputDimension_r(ctx, writer, 2);
  std::size_t size = 0;
  unsigned char* wkb = GEOSWKBWriter_write_r(ctx, writer, g, &size);
  GEOSWKBWriter_destroy_r(ctx, writer);
  if (wkb == nullptr) return nullptr;
  OGRGeometry* out = nullptr;
  OGRGeometryFactory::createFromWkb(wkb, nullptr, &out, size);
  GEOSFree_r(ctx, wkb);
  return OGRGeometryUniquePtr(out);
}

// Keeps the parts of `g` whose dimension equals `dim` (MakeValid may add collapsed lines/points).
OGRGeometryUniquePtr keep_dimension(OGRGeometryUniquePtr g, int dim) {
  if (!g) return g;
  auto* coll = dynamic_cast<OGRGeometryCollection*>(g.get());
  if (coll == nullptr) return g->getDimension() == dim ? std::move(g) : nullptr;
  OGRGeometryUniquePtr multi(dim == 2   ? static_cast<OGRGeometry*>(new OGRMultiPolygon)
                             : dim == 1 ? static_cast<OGRGeometry*>(new OGRMultiLineString)
                                        : static_cast<OGRGeometry*>(new OGRMultiPoint));
  auto* out = static_cast<OGRGeometryCollection*>(multi.get());
  for (int i = 0; i < coll->getNumGeometries(); ++i) {
    const OGRGeometry* part = coll->getGeometryRef(i);
    if (part->IsEmpty() || part->getDimension() != dim) continue;
    if (const auto* sub = dynamic_cast<const OGRGeometryCollection*>(part)) {
      for (int k = 0; k < sub->getNumGeometries(); ++k) out->addGeometry(sub->getGeometryRef(k));
    } else {
      out->addGeometry(part);
    }
  }
  if (out->getNumGeometries() == 0) return nullptr;
  if (out->getNumGeometries() == 1) return OGRGeometryUniquePtr(out->getGeometryRef(0)->clone());
  return multi;
}

}  // namespace

RepairResult repair_geometry(const OGRGeometry& geometry) {
  RepairResult result;
  if (geometry.IsEmpty()) {
    result.status = RepairResult::Status::dropped;
    result.reason = "empty geometry";
    return result;
  }
  Context ctx;
  std::vector<unsigned char> wkb(static_cast<std::size_t>(geometry.WkbSize()));
  geometry.exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
  GeomPtr g(GEOSGeomFromWKB_buf_r(ctx.h, wkb.data(), wkb.size()), GeomDeleter{ctx.h});
  if (!g) {
    result.status = RepairResult::Status::dropped;
    result.reason = "unreadable geometry";
    return result;
  }
  const char valid = GEOSisValid_r(ctx.h, g.get());
  if (valid == 1) {
    result.geometry.reset(geometry.clone());
    return result;
  }
  if (char* why = GEOSisValidReason_r(ctx.h, g.get())) {
    result.reason = why;
    // "Self-intersection[x y]" -> "Self-intersection": counts group by kind, not location.
    if (auto bracket = result.reason.find('['); bracket != std::string::npos) result.reason.resize(bracket);
    GEOSFree_r(ctx.h, why);
  }
  GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(ctx.h);
  GEOSMakeValidParams_setMethod_r(ctx.h, params, GEOS_MAKE_VALID_STRUCTURE);
  GEOSMakeValidParams_setKeepCollapsed_r(ctx.h, params, 0);
  GeomPtr fixed(GEOSMakeValidWithParams_r(ctx.h, g.get(), params), GeomDeleter{ctx.h});
  GEOSMakeValidParams_destroy_r(ctx.h, params);
  OGRGeometryUniquePtr out = fixed ? keep_dimension(from_geos(ctx.h, fixed.get()), geometry.getDimension()) : nullptr;
  if (!out || out->IsEmpty()) {
    result.status = RepairResult::Status::dropped;
    if (result.reason.empty()) result.reason = "invalid and not repairable";
    return result;
  }
  out->assignSpatialReference(geometry.getSpatialReference());
  result.status = RepairResult::Status::repaired;
  result.geometry = std::move(out);
  return result;
}

}  // namespace nexusmap
