// SPDX-License-Identifier: MIT
#include "pipeline/publish/map_render.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <ogr_api.h>
#include <ogr_geometry.h>

#include "rasters/io/dem_processing.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;

constexpr const char* kFont = "DejaVu Sans";

struct Rect {
  double x, y, w, h;
};

void set_color(cairo_t* cr, const Rgba& c) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0);
}

// Pixels per millimetre of symbol size: QGIS's 96 dpi, scaled with the image width so that a
// map pasted into a slide reads the same at any size.
double px_per_mm(int width) { return 96.0 / 25.4 * 1.25 * width / 1600.0; }

// An ARGB32 surface (premultiplied alpha) from straight RGBA bytes.
SurfacePtr surface_from_rgba(const RgbaImage& img) {
  SurfacePtr s(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(img.width), static_cast<int>(img.height)));
  if (cairo_surface_status(s.get()) != CAIRO_STATUS_SUCCESS)
    fail(ErrorKind::internal, fmt::format("cairo cannot create a {} x {} image", img.width, img.height));
  cairo_surface_flush(s.get());
  unsigned char* data = cairo_image_surface_get_data(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  for (std::int64_t row = 0; row < img.height; ++row) {
    auto* out = reinterpret_cast<std::uint32_t*>(data + row * stride);
    for (std::int64_t col = 0; col < img.width; ++col) {
      const std::uint8_t* p = &img.rgba[static_cast<std::size_t>((row * img.width + col) * 4)];
      const std::uint32_t a = p[3];
      const auto pre = [a](std::uint32_t c) { return (c * a + 127) / 255; };
      out[col] = (a << 24) | (pre(p[0]) << 16) | (pre(p[1]) << 8) | pre(p[2]);
    }
  }
  cairo_surface_mark_dirty(s.get());
  return s;
}

// Every `step`-th cell (nearest neighbour), so that huge grids do not make huge images; classes
// stay intact.
template <class T>
Raster<T> thin(const Raster<T>& r, std::int64_t step) {
  if (step <= 1) return r;
  const Grid& g = r.grid();
  Grid t = Grid::north_up(g.crs_wkt, g.geotransform[0], g.geotransform[3], g.dx() * static_cast<double>(step),
                          (g.width + step - 1) / step, (g.height + step - 1) / step);
  t.geotransform[5] = g.geotransform[5] * static_cast<double>(step);
  Raster<T> out(t);
  for (std::int64_t row = 0; row < t.height; ++row)
    for (std::int64_t col = 0; col < t.width; ++col) {
      const CellIndex src =
          g.index(std::min(col * step + step / 2, g.width - 1), std::min(row * step + step / 2, g.height - 1));
      if (r.valid(src)) out.set_valid(t.index(col, row), r[src]);
    }
  return out;
}

// A point inside a polygon (not the centroid, which may fall outside), or the point itself.
bool label_anchor(const OGRGeometry& g, OGRPoint& out) {
  if (wkbFlatten(g.getGeometryType()) == wkbPoint) {
    out = *g.toPoint();
    return true;
  }
  // The C API: OGRSurface::PointOnSurface of GDAL 3.6 refuses an empty output point.
  OGRGeometryUniquePtr p(
      OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(const_cast<OGRGeometry*>(&g)))));
  if (!p || p->IsEmpty() || wkbFlatten(p->getGeometryType()) != wkbPoint) return false;
  out = *p->toPoint();
  return true;
}

// Round legend values: multiples of 1, 2, 2.5 or 5 x 10^k, about five of them, within [lo, hi].
std::vector<double> nice_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / 4.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double f : {1.0, 2.0, 2.5, 5.0})
    if (f * mag >= raw) {
      step = f * mag;
      break;
    }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return out;
}

// Legend values of a logarithmic ramp: 1, 2 and 5 × 10^k within [lo, hi].
std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0 && hi > lo)) return {lo};
  for (double mag = std::pow(10.0, std::floor(std::log10(lo))); mag <= hi; mag *= 10)
    for (double f : {1.0, 2.0, 5.0})
      if (f * mag >= lo * (1 - 1e-9) && f * mag <= hi * (1 + 1e-9)) out.push_back(f * mag);
  return out;
}

class MapPainter {
 public:
  MapPainter(const MapSpec& spec) : spec_(spec), mm_(px_per_mm(spec.width)), s_(spec.width / 1600.0) {}

  void render(const std::filesystem::path& png) {
    const Extent ext = spec_.grid.extent();
    const double margin = 28 * s_;
    const double header = 96 * s_;
    const double panel = 330 * s_;
    frame_ = {margin, margin + header, spec_.width - 3 * margin - panel, 0};
    frame_.h = std::round(frame_.w * ext.height() / ext.width());
    scale_ = frame_.w / ext.width();
    const double legend_h = legend_height();
    const double body_h = std::max(frame_.h, legend_h);
    const double footer = 40 * s_;
    const int height = static_cast<int>(std::ceil(frame_.y + body_h + footer + margin * 0.5));

    SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, spec_.width, height));
    CairoPtr cr(cairo_create(surface.get()));
    cr_ = cr.get();
    if (cairo_status(cr_) != CAIRO_STATUS_SUCCESS)
      fail(ErrorKind::internal, fmt::format("cairo cannot create a {} x {} image", spec_.width, height));
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_paint(cr_);

    draw_title(margin);
    cairo_save(cr_);
    cairo_rectangle(cr_, frame_.x, frame_.y, frame_.w, frame_.h);
    cairo_clip(cr_);
    draw_rasters();
    for (const auto& o : spec_.overlays) draw_overlay(o);
    for (const auto& o : spec_.overlays)
      if (!o.label_field.empty()) draw_labels(o);
    draw_scale_bar();
    draw_north_arrow();
    cairo_restore(cr_);
    cairo_set_source_rgb(cr_, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr_, 1.0 * s_);
    cairo_rectangle(cr_, frame_.x, frame_.y, frame_.w, frame_.h);
    cairo_stroke(cr_);
    draw_legend(frame_.x + frame_.w + margin, frame_.y);
    text(spec_.footer, frame_.x, frame_.y + body_h + 24 * s_, 13 * s_, false, {110, 110, 110, 255});

    cairo_surface_flush(surface.get());
    const cairo_status_t st = cairo_surface_write_to_png(surface.get(), png.c_str());
    if (st != CAIRO_STATUS_SUCCESS)
      input_error(fmt::format("{}: cannot write PNG ({})", png.string(), cairo_status_to_string(st)));
  }

 private:
  [[nodiscard]] std::pair<double, double> to_px(double x, double y) const {
    const Extent& e = extent_;
    return {frame_.x + (x - e.xmin) * scale_, frame_.y + (e.ymax - y) * scale_};
  }

  // Text with its baseline at y; align 0 left, 0.5 centre, 1 right. Returns the advance width.
  double text(const std::string& s, double x, double y, double size, bool bold, const Rgba& color, double align = 0,
              const Rgba* halo = nullptr) {
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
    cairo_text_extents_t te;
    cairo_text_extents(cr_, s.c_str(), &te);
    const double x0 = x - align * te.x_advance;
    if (halo != nullptr) {
      cairo_move_to(cr_, x0, y);
      cairo_text_path(cr_, s.c_str());
      set_color(cr_, *halo);
      cairo_set_line_width(cr_, size * 0.25);
      cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke(cr_);
    }
    cairo_move_to(cr_, x0, y);
    set_color(cr_, color);
    cairo_show_text(cr_, s.c_str());
    cairo_new_path(cr_);
    return te.x_advance;
  }

  double text_width(const std::string& s, double size, bool bold) {
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
    cairo_text_extents_t te;
    cairo_text_extents(cr_, s.c_str(), &te);
    return te.x_advance;
  }

  void draw_title(double margin) {
    text(spec_.title, margin, margin + 36 * s_, 34 * s_, true, {30, 30, 30, 255});
    text(spec_.subtitle, margin, margin + 72 * s_, 20 * s_, false, {90, 90, 90, 255});
  }

  void paint_image(const RgbaImage& img, const Grid& g, bool smooth, double alpha, cairo_operator_t op) {
    SurfacePtr s = surface_from_rgba(img);
    cairo_save(cr_);
    auto [x, y] = to_px(g.geotransform[0], g.geotransform[3]);
    cairo_translate(cr_, x, y);
    cairo_scale(cr_, g.dx() * scale_, g.dy() * scale_);
    cairo_set_source_surface(cr_, s.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr_), smooth ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST);
    // Without padding, bilinear filtering fades the outermost cells into the background.
    cairo_pattern_set_extend(cairo_get_source(cr_), CAIRO_EXTEND_PAD);
    cairo_set_operator(cr_, op);
    cairo_paint_with_alpha(cr_, alpha);
    cairo_restore(cr_);
  }

  [[nodiscard]] std::int64_t thinning() const {
    // At most about two grid cells per map pixel.
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor(static_cast<double>(spec_.grid.width) / (2.0 * frame_.w))));
  }

  void draw_rasters() {
    set_color(cr_, {236, 236, 232, 255});
    cairo_paint(cr_);
    const std::int64_t step = thinning();
    std::optional<RgbaImage> relief;
    Grid relief_grid;
    if (spec_.hillshade != nullptr) {
      const Raster<std::uint8_t> hs = thin(*spec_.hillshade, step);
      relief_grid = hs.grid();
      RgbaImage img{hs.width(), hs.height(), std::vector<std::uint8_t>(static_cast<std::size_t>(hs.size()) * 4, 0)};
      for (CellIndex i = 0; i < hs.size(); ++i) {
        if (!hs.valid(i)) continue;
        // Lift the shadows a little: the hillshade is a backdrop, not the message.
        const auto v = static_cast<std::uint8_t>(std::lround(70 + hs[i] * (255.0 - 70) / 255.0));
        auto* p = &img.rgba[static_cast<std::size_t>(i) * 4];
        p[0] = p[1] = p[2] = v;
        p[3] = 255;
      }
      paint_image(img, relief_grid, true, 1.0, CAIRO_OPERATOR_OVER);
      relief = std::move(img);
    }
    if (spec_.layer && spec_.layer->values != nullptr) {
      const MapRaster& layer = *spec_.layer;
      const Raster<float> values = thin(*layer.values, step);
      std::vector<ColorEntry> table;
      for (const auto& e : layer.symbology.entries)
        table.push_back({e.value, e.color.r, e.color.g, e.color.b, e.color.a});
      RgbaImage img = color_relief(
          values, table,
          layer.symbology.renderer == RasterRenderer::paletted ? ColorMatch::exact : ColorMatch::interpolate);
      if (layer.symbology.transparent_zero)
        for (CellIndex i = 0; i < values.size(); ++i)
          if (values.valid(i) && values[i] == 0) img.rgba[static_cast<std::size_t>(i) * 4 + 3] = 0;
      paint_image(img, values.grid(), layer.symbology.smooth, relief ? 0.82 : 1.0, CAIRO_OPERATOR_OVER);
      // Relief shading over the colours, as the QGIS project does with its multiplied hillshade.
      if (relief) paint_image(*relief, relief_grid, true, 0.45, CAIRO_OPERATOR_MULTIPLY);
    }
  }

  void geometry_path(const OGRGeometry* g) {
    if (g == nullptr) return;
    switch (wkbFlatten(g->getGeometryType())) {
      case wkbLineString:
      case wkbLinearRing: {
        const auto* ls = g->toLineString();
        for (int i = 0; i < ls->getNumPoints(); ++i) {
          auto [x, y] = to_px(ls->getX(i), ls->getY(i));
          if (i == 0)
            cairo_move_to(cr_, x, y);
          else
            cairo_line_to(cr_, x, y);
        }
        break;
      }
      case wkbPolygon: {
        const auto* poly = g->toPolygon();
        for (const auto* ring : *poly) {
          geometry_path(ring);
          cairo_close_path(cr_);
        }
        break;
      }
      case wkbMultiLineString:
      case wkbMultiPolygon:
      case wkbGeometryCollection:
        for (const auto* part : *g->toGeometryCollection()) geometry_path(part);
        break;
      default:
        break;
    }
  }

  void marker(const std::string& shape, double x, double y, double d) {
    const double r = d / 2;
    if (shape == "square") {
      cairo_rectangle(cr_, x - r, y - r, d, d);
    } else if (shape == "diamond") {
      cairo_move_to(cr_, x, y - r);
      cairo_line_to(cr_, x + r, y);
      cairo_line_to(cr_, x, y + r);
      cairo_line_to(cr_, x - r, y);
      cairo_close_path(cr_);
    } else if (shape == "triangle") {
      cairo_move_to(cr_, x, y - r);
      cairo_line_to(cr_, x + r, y + r);
      cairo_line_to(cr_, x - r, y + r);
      cairo_close_path(cr_);
    } else {
      cairo_new_sub_path(cr_);
      cairo_arc(cr_, x, y, r, 0, 2 * M_PI);
    }
  }

  void points(const OGRGeometry* g, const Symbol& s) {
    if (g == nullptr) return;
    if (wkbFlatten(g->getGeometryType()) == wkbPoint) {
      auto [x, y] = to_px(g->toPoint()->getX(), g->toPoint()->getY());
      marker(s.marker, x, y, s.size * mm_);
      set_color(cr_, s.fill);
      cairo_fill_preserve(cr_);
      set_color(cr_, s.stroke);
      cairo_set_line_width(cr_, std::max(1.0, s.stroke_width * mm_));
      cairo_stroke(cr_);
    } else if (OGR_GT_IsSubClassOf(g->getGeometryType(), wkbGeometryCollection)) {
      for (const auto* part : *g->toGeometryCollection()) points(part, s);
    }
  }

  void stroke_line(const Rgba& c, double width_mm, bool dashed) {
    set_color(cr_, c);
    cairo_set_line_width(cr_, std::max(0.8, width_mm * mm_));
    cairo_set_line_cap(cr_, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
    if (dashed) {
      const double dash[] = {4 * width_mm * mm_, 2.5 * width_mm * mm_};
      cairo_set_dash(cr_, dash, 2, 0);
    } else {
      cairo_set_dash(cr_, nullptr, 0, 0);
    }
    cairo_stroke_preserve(cr_);
    cairo_set_dash(cr_, nullptr, 0, 0);
  }

  // Fill colour of a feature: the graduated class its attribute falls in, else the symbol's.
  [[nodiscard]] Rgba fill_of(const MapOverlay& o, const Feature& f, int field) const {
    if (field < 0 || o.style.classes.empty()) return o.style.symbol.fill;
    const auto v = attr_number(o.features->attr(f, field));
    if (!v) return o.style.symbol.fill;
    for (const auto& c : o.style.classes)
      if (*v <= c.upper) return c.fill;
    return o.style.classes.back().fill;
  }

  void draw_overlay(const MapOverlay& o) {
    if (o.features == nullptr) return;
    const Symbol& s = o.style.symbol;
    const int field = o.style.field.empty() ? -1 : o.features->field_index(o.style.field);
    cairo_save(cr_);
    cairo_push_group(cr_);
    for (const auto& f : o.features->features) {
      const OGRGeometry* g = f.geometry.get();
      switch (o.style.geometry) {
        case GeometryKind::point:
          points(g, s);
          break;
        case GeometryKind::line:
          geometry_path(g);
          if (s.casing.a > 0 && s.casing_width > 0) stroke_line(s.casing, s.casing_width, false);
          stroke_line(s.stroke, s.stroke_width, s.dashed);
          cairo_new_path(cr_);
          break;
        case GeometryKind::polygon: {
          geometry_path(g);
          cairo_set_fill_rule(cr_, CAIRO_FILL_RULE_EVEN_ODD);
          const Rgba fill = fill_of(o, f, field);
          if (fill.a > 0) {
            set_color(cr_, fill);
            cairo_fill_preserve(cr_);
          }
          if (s.stroke.a > 0) stroke_line(s.stroke, s.stroke_width, s.dashed);
          cairo_new_path(cr_);
          break;
        }
      }
    }
    cairo_pop_group_to_source(cr_);
    cairo_paint_with_alpha(cr_, o.style.opacity);
    cairo_restore(cr_);
  }

  void draw_labels(const MapOverlay& o) {
    const int field = o.features->field_index(o.label_field);
    if (field < 0) return;
    const double size = 14 * s_;
    const Rgba halo{255, 255, 255, 220};
    for (const auto& f : o.features->features) {
      const std::string label = attr_text(o.features->attr(f, field));
      if (label.empty() || f.geometry == nullptr) continue;
      OGRPoint anchor;
      OGREnvelope env;
      f.geometry->getEnvelope(&env);
      if (!label_anchor(*f.geometry, anchor)) continue;
      auto [x, y] = to_px(anchor.getX(), anchor.getY());
      const double w = text_width(label, size, false);
      // Only where the label fits inside the feature and the frame: no clutter on small provinces.
      if ((env.MaxX - env.MinX) * scale_ < w * 1.1 || x - w / 2 < frame_.x || x + w / 2 > frame_.x + frame_.w ||
          y - size < frame_.y || y > frame_.y + frame_.h)
        continue;
      text(label, x, y + size * 0.35, size, false, {60, 60, 60, 255}, 0.5, &halo);
    }
  }

  void draw_scale_bar() {
    // The largest 1, 2 or 5 x 10^k km that fits in a fifth of the frame.
    const double max_km = frame_.w / 5.0 / scale_ / 1000.0;
    double km = std::pow(10.0, std::floor(std::log10(max_km)));
    for (double f : {5.0, 2.0})
      if (km * f <= max_km) {
        km *= f;
        break;
      }
    const double len = km * 1000.0 * scale_;
    const double x = frame_.x + 18 * s_;
    const double y = frame_.y + frame_.h - 26 * s_;
    const double h = 8 * s_;
    cairo_set_source_rgba(cr_, 1, 1, 1, 0.85);
    cairo_rectangle(cr_, x - 10 * s_, y - 30 * s_, len + 20 * s_ + 50 * s_, 48 * s_);
    cairo_fill(cr_);
    for (int k = 0; k < 4; ++k) {
      cairo_rectangle(cr_, x + k * len / 4, y, len / 4, h);
      if (k % 2 == 0)
        cairo_set_source_rgb(cr_, 0.15, 0.15, 0.15);
      else
        cairo_set_source_rgb(cr_, 1, 1, 1);
      cairo_fill_preserve(cr_);
      cairo_set_source_rgb(cr_, 0.15, 0.15, 0.15);
      cairo_set_line_width(cr_, 1.0 * s_);
      cairo_stroke(cr_);
    }
    const Rgba ink{40, 40, 40, 255};
    text("0", x, y - 6 * s_, 13 * s_, false, ink, 0.5);
    text(format_value(km / 2), x + len / 2, y - 6 * s_, 13 * s_, false, ink, 0.5);
    text(format_value(km) + " km", x + len, y - 6 * s_, 13 * s_, false, ink, 0.3);
  }

  void draw_north_arrow() {
    const double cx = frame_.x + frame_.w - 34 * s_;
    const double top = frame_.y + 20 * s_;
    const double h = 40 * s_;
    cairo_set_source_rgba(cr_, 1, 1, 1, 0.85);
    cairo_arc(cr_, cx, top + h * 0.6, 26 * s_, 0, 2 * M_PI);
    cairo_fill(cr_);
    cairo_move_to(cr_, cx, top + 10 * s_);
    cairo_line_to(cr_, cx + 9 * s_, top + h);
    cairo_line_to(cr_, cx, top + h - 8 * s_);
    cairo_close_path(cr_);
    cairo_set_source_rgb(cr_, 0.15, 0.15, 0.15);
    cairo_fill(cr_);
    cairo_move_to(cr_, cx, top + 10 * s_);
    cairo_line_to(cr_, cx - 9 * s_, top + h);
    cairo_line_to(cr_, cx, top + h - 8 * s_);
    cairo_close_path(cr_);
    cairo_set_line_width(cr_, 1.2 * s_);
    cairo_stroke(cr_);
    text("N", cx, top + 6 * s_, 14 * s_, true, {30, 30, 30, 255}, 0.5);
  }

  // Legend layout, shared by measuring and drawing.
  [[nodiscard]] bool continuous() const {
    return spec_.layer && spec_.layer->symbology.renderer != RasterRenderer::paletted;
  }

  [[nodiscard]] double legend_height() const {
    double h = 40 * s_;
    if (spec_.layer) {
      h += 50 * s_;
      if (continuous()) {
        h += 250 * s_;
      } else {
        for (const auto& e : spec_.layer->symbology.entries) h += e.color.a > 0 ? 30 * s_ : 0;
      }
      h += 20 * s_;
    }
    for (const auto& o : spec_.overlays) h += o.legend_label.empty() ? 0 : 34 * s_;
    return h;
  }

  void draw_legend(double x, double y) {
    const Rgba ink{40, 40, 40, 255};
    const Rgba grey{100, 100, 100, 255};
    text("Legend", x, y + 22 * s_, 20 * s_, true, ink);
    y += 46 * s_;
    const double sw = 40 * s_;
    if (spec_.layer) {
      const auto& sym = spec_.layer->symbology;
      text(spec_.layer->legend_title, x, y + 14 * s_, 16 * s_, true, ink);
      if (!sym.units.empty()) text(sym.units, x, y + 34 * s_, 13 * s_, false, grey);
      y += 50 * s_;
      if (continuous()) {
        const double bar_h = 230 * s_;
        cairo_pattern_t* grad = cairo_pattern_create_linear(0, y + bar_h, 0, y);
        // Where a value sits on the bar: linear, or logarithmic for a log-scaled ramp.
        const auto pos = [&](double v) {
          if (sym.log_scale) return std::log(std::max(v, sym.min) / sym.min) / std::log(sym.max / sym.min);
          return (v - sym.min) / (sym.max - sym.min);
        };
        for (const auto& e : sym.entries) {
          const double t = pos(e.value);
          cairo_pattern_add_color_stop_rgba(grad, std::clamp(t, 0.0, 1.0), e.color.r / 255.0, e.color.g / 255.0,
                                            e.color.b / 255.0, 1.0);
        }
        cairo_rectangle(cr_, x, y, 28 * s_, bar_h);
        cairo_set_source(cr_, grad);
        cairo_fill_preserve(cr_);
        cairo_pattern_destroy(grad);
        cairo_set_source_rgb(cr_, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr_, 1.0 * s_);
        cairo_stroke(cr_);
        const bool clipped = sym.max < sym_data_max_;
        const auto tick = [&](double v, const std::string& label) {
          const double ty = y + bar_h * (1 - pos(v));
          cairo_move_to(cr_, x + 28 * s_, ty);
          cairo_line_to(cr_, x + 34 * s_, ty);
          cairo_stroke(cr_);
          text(label, x + 40 * s_, ty + 5 * s_, 13 * s_, false, ink);
        };
        for (double v : sym.log_scale ? log_ticks(sym.min, sym.max) : nice_ticks(sym.min, sym.max))
          if (!clipped || (1 - pos(v)) * bar_h > 16 * s_) tick(v, format_value(v));
        // The ramp stops short of the data's maximum: say so at its top.
        if (clipped) tick(sym.max, fmt::format("≥ {}", format_value(sym.max)));
        if (sym.transparent_zero) text("0: not shaded", x, y + bar_h + 22 * s_, 12 * s_, false, grey);
        y += bar_h + 20 * s_;
      } else {
        for (const auto& e : sym.entries) {
          if (e.color.a == 0) continue;
          cairo_rectangle(cr_, x, y, 28 * s_, 20 * s_);
          set_color(cr_, e.color);
          cairo_fill_preserve(cr_);
          cairo_set_source_rgb(cr_, 0.4, 0.4, 0.4);
          cairo_set_line_width(cr_, 0.8 * s_);
          cairo_stroke(cr_);
          text(e.label, x + 38 * s_, y + 15 * s_, 13 * s_, false, ink);
          y += 30 * s_;
        }
      }
      y += 20 * s_;
    }
    for (const auto& o : spec_.overlays) {
      if (o.legend_label.empty()) continue;
      const Symbol& s = o.style.symbol;
      const double cy = y + 12 * s_;
      switch (o.style.geometry) {
        case GeometryKind::line:
          cairo_move_to(cr_, x + 2 * s_, cy);
          cairo_line_to(cr_, x + sw - 2 * s_, cy);
          if (s.casing.a > 0 && s.casing_width > 0) stroke_line(s.casing, s.casing_width, false);
          stroke_line(s.stroke, s.stroke_width, s.dashed);
          cairo_new_path(cr_);
          break;
        case GeometryKind::polygon: {
          cairo_rectangle(cr_, x + 2 * s_, cy - 9 * s_, sw - 4 * s_, 18 * s_);
          const Rgba fill = o.style.classes.empty() ? s.fill : o.style.classes.back().fill;
          set_color(cr_, fill.with_alpha(static_cast<std::uint8_t>(fill.a * o.style.opacity)));
          cairo_fill_preserve(cr_);
          stroke_line(s.stroke.a > 0 ? s.stroke : Rgba{120, 120, 120, 255}, s.stroke_width, s.dashed);
          cairo_new_path(cr_);
          break;
        }
        case GeometryKind::point:
          marker(s.marker, x + sw / 2, cy, s.size * mm_);
          set_color(cr_, s.fill);
          cairo_fill_preserve(cr_);
          set_color(cr_, s.stroke);
          cairo_set_line_width(cr_, std::max(1.0, s.stroke_width * mm_));
          cairo_stroke(cr_);
          break;
      }
      text(o.legend_label, x + sw + 10 * s_, cy + 5 * s_, 14 * s_, false, ink);
      y += 34 * s_;
    }
  }

  const MapSpec& spec_;
  double mm_;
  double s_;
  Rect frame_{};
  Extent extent_ = spec_.grid.extent();
  double scale_ = 1;
  double sym_data_max_ = spec_.layer && spec_.layer->values ? data_max(*spec_.layer->values) : 0;
  cairo_t* cr_ = nullptr;

  static double data_max(const Raster<float>& r) {
    double m = -std::numeric_limits<double>::infinity();
    for (CellIndex i = 0; i < r.size(); ++i)
      if (r.valid(i)) m = std::max(m, static_cast<double>(r[i]));
    return m;
  }
};

}  // namespace

void render_map(const MapSpec& spec, const std::filesystem::path& png) {
  if (spec.width < 400) fail(ErrorKind::internal, fmt::format("map width {} px is too small", spec.width));
  if (spec.layer && spec.layer->values && !spec.layer->values->grid().same_georeferencing(spec.grid))
    fail(ErrorKind::internal, "render_map: the key layer is not on the map grid");
  if (spec.hillshade && !spec.hillshade->grid().same_georeferencing(spec.grid))
    fail(ErrorKind::internal, "render_map: the hillshade is not on the map grid");
  MapPainter(spec).render(png);
}

}  // namespace nexusmap
