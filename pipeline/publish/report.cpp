// SPDX-License-Identifier: MIT
#include "pipeline/publish/report.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <ogr_geometry.h>

#include "pipeline/publish/styles.hpp"
#include "pipeline/publish/xml.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0;
       background: #f4f4f1; }
header { background: #20313f; color: #fff; padding: 24px 40px 18px; }
header h1 { margin: 0 0 6px; font-size: 28px; }
header p { margin: 0; color: #c9d3dc; }
nav { background: #2c4255; padding: 8px 40px; }
nav a { color: #e8eef3; margin-right: 22px; text-decoration: none; font-size: 14px; }
main { padding: 10px 40px 40px; max-width: 1400px; }
section { background: #fff; margin: 22px 0; padding: 18px 24px; border-radius: 6px;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h2 { margin-top: 0; font-size: 21px; color: #20313f; }
h3 { font-size: 16px; margin: 18px 0 6px; }
h3 span { color: #777; font-weight: normal; }
figure { margin: 0 0 26px; }
figure img { width: 100%; height: auto; border: 1px solid #ccc; }
figcaption { color: #555; font-size: 14px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #eef2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; }
pre { background: #f6f8fa; padding: 10px; overflow-x: auto; }
.note { color: #666; font-size: 13px; }
p.reading { max-width: 60em; font-size: 14px; color: #333; margin: -8px 0 24px; }
section.data { border-left: 6px solid #c98a1b; background: #fff8e8; }
footer { color: #777; font-size: 12px; padding: 0 40px 30px; }
)";

bool numeric(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  (void)std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

std::string cell(const std::string& s) {
  return fmt::format("<td{}>{}</td>", numeric(s) ? " class=\"num\"" : "", xml_escape(s));
}

std::string read_binary(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) input_error(fmt::format("{}: cannot read", p.string()));
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string option_text(const nlohmann::json& v) {
  if (v.is_null()) return "—";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

double length_m(const OGRGeometry* g) {
  if (g == nullptr) return 0;
  const OGRwkbGeometryType t = wkbFlatten(g->getGeometryType());
  if (OGR_GT_IsCurve(t)) return g->toCurve()->get_Length();
  if (OGR_GT_IsSubClassOf(t, wkbMultiCurve)) return g->toMultiCurve()->get_Length();
  return 0;
}

// First, so that nobody reads the maps of a coarse demonstration dataset as the real thing.
void data_section(std::string& h, const ReportInput& in) {
  if (in.dataset.is_null()) return;
  h += fmt::format("<section id=\"data\" class=\"data\"><h2>Data: {}</h2>\n",
                   xml_escape(in.dataset.value("name", "")));
  const auto limitations = in.dataset.value("limitations", nlohmann::json::array());
  if (!limitations.empty()) {
    h += "<p><strong>What this data cannot support:</strong></p>\n<ul>\n";
    for (const auto& l : limitations) h += fmt::format("<li>{}</li>\n", xml_escape(l.get<std::string>()));
    h += "</ul>\n";
  }
  h += "<table><tbody>\n";
  for (const char* key : {"licence", "source", "file"})
    if (const std::string v = in.dataset.value(key, ""); !v.empty())
      h += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", key, xml_escape(v));
  h += "</tbody></table></section>\n";
}

void maps_section(std::string& h, const ReportInput& in) {
  h += "<section id=\"maps\"><h2>Maps</h2>\n";
  if (in.maps.empty()) h += "<p class=\"note\">No map layers in this run.</p>\n";
  for (const auto& m : in.maps) {
    h += fmt::format(
        "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{1}\"><figcaption>{0}</figcaption></figure>\n",
        xml_escape(m.title), base64_encode(read_binary(m.png)));
    if (!m.reading.empty()) h += fmt::format("<p class=\"reading\">{}</p>\n", xml_escape(m.reading));
  }
  h += "</section>\n";
}

void ranking_section(std::string& h, const ReportInput& in) {
  h += "<section id=\"ranking\"><h2>Province ranking</h2>\n";
  const auto rows = parse_csv(in.ranking_csv);
  if (rows.empty()) {
    h += "<p class=\"note\">No province ranking in this run.</p></section>\n";
    return;
  }
  if (!in.ranking_measure.empty())
    h += fmt::format("<p>Ranked by <code>{}</code>: {}</p>\n", xml_escape(in.ranking_measure),
                     xml_escape(in.ranking_explanation));
  h += "<table><thead><tr>";
  for (const auto& c : rows.front()) h += fmt::format("<th>{}</th>", xml_escape(c));
  h += "</tr></thead><tbody>\n";
  for (std::size_t r = 1; r < rows.size(); ++r) {
    h += "<tr>";
    for (const auto& c : rows[r]) h += cell(c);
    h += "</tr>\n";
  }
  h += "</tbody></table></section>\n";
}

// The routes carrying the most flow (the CSV lists them all).
void flows_section(std::string& h, const ReportInput& in) {
  const auto rows = parse_csv(in.flows_csv);
  if (rows.size() < 2) return;
  constexpr std::size_t kShown = 25;
  h += "<section id=\"flows\"><h2>Trafficking flows</h2>\n<p>Each origin's supply is shared among the markets by a "
       "gravity model (a market's pull: its demand, falling with travel hours) and travels along its least-cost route. "
       "<code>share</code> is the pair's share of all modelled trade with the noise-free costs, <code>share_mc</code> "
       "and <code>hours_mc</code> the means over the Monte Carlo cost draws. ";
  h += fmt::format("The {} pairs carrying the most flow of {}; <code>flow_routes.csv</code> and the GeoPackage layer "
                   "<code>flow_routes</code> have all.</p>\n",
                   std::min(kShown, rows.size() - 1), rows.size() - 1);
  h += "<table><thead><tr>";
  for (const auto& c : rows.front()) h += fmt::format("<th>{}</th>", xml_escape(c));
  h += "</tr></thead><tbody>\n";
  for (std::size_t r = 1; r < rows.size() && r <= kShown; ++r) {
    h += "<tr>";
    for (const auto& c : rows[r]) h += cell(c);
    h += "</tr>\n";
  }
  h += "</tbody></table></section>\n";
}

void paths_section(std::string& h, const ReportInput& in) {
  h += "<section id=\"paths\"><h2>Main routes</h2><p>Each market's least-cost route from the origin that sends it the most flow.</p>\n";
  if (in.paths == nullptr || in.paths->features.empty()) {
    h += "<p class=\"note\">No least-cost paths in this run.</p></section>\n";
    return;
  }
  const FeatureTable& t = *in.paths;
  // The geometric length, unless the corridor stage already reports a length.
  bool has_length = false;
  for (const auto& f : t.fields) {
    std::string n = f.name;
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    has_length = has_length || n.find("km") != std::string::npos || n.find("length") != std::string::npos;
  }
  h += "<table><thead><tr>";
  for (const auto& f : t.fields) h += fmt::format("<th>{}</th>", xml_escape(f.name));
  if (!has_length) h += "<th>length (km, from the line)</th>";
  h += "</tr></thead><tbody>\n";
  for (const auto& feature : t.features) {
    h += "<tr>";
    for (std::size_t i = 0; i < t.fields.size(); ++i) {
      const AttrValue& v = feature.attributes[i];
      const auto* d = std::get_if<double>(&v);
      h += cell(d != nullptr ? format_value(*d) : attr_text(v));
    }
    if (!has_length) h += cell(fmt::format("{:.1f}", length_m(feature.geometry.get()) / 1000.0));
    h += "</tr>\n";
  }
  h += "</tbody></table></section>\n";
}

void files_section(std::string& h, const ReportInput& in) {
  h += "<section id=\"files\"><h2>Published files</h2>\n<p>Open <code>nexusmap.qgs</code> in QGIS 3.22 or later: "
       "every layer below is in it, grouped and styled. Each GeoTIFF has its QGIS style (<code>.qml</code>) beside it; "
       "the GeoPackage carries its styles inside. The run folder can be copied anywhere: the project uses "
       "relative paths.</p>\n<table><thead><tr><th>file</th><th>content</th></tr></thead><tbody>\n";
  for (const auto& f : in.files)
    h += fmt::format("<tr><td><code>{}</code></td><td>{}</td></tr>\n", xml_escape(f.name), xml_escape(f.what));
  h += "</tbody></table></section>\n";
}

void parameters_section(std::string& h, const ReportInput& in) {
  h += "<section id=\"parameters\"><h2>Parameters</h2>\n<p class=\"note\">Every stage's options as resolved for this "
       "run (defaults filled in, paths absolute).</p>\n";
  for (const auto& s : in.stages) {
    h += fmt::format("<h3>{} <span>({})</span></h3>\n<table><tbody>\n", xml_escape(s.value("id", "")),
                     xml_escape(s.value("kind", "")));
    const nlohmann::json options = s.value("options", nlohmann::json::object());
    if (options.empty()) h += "<tr><td class=\"note\">no options</td></tr>\n";
    for (const auto& [k, v] : options.items())
      h += fmt::format("<tr><th>{}</th><td><code>{}</code></td></tr>\n", xml_escape(k), xml_escape(option_text(v)));
    h += "</tbody></table>\n";
  }
  h += "</section>\n";
}

void provenance_section(std::string& h, const ReportInput& in) {
  h += "<section id=\"provenance\"><h2>Provenance</h2>\n<h3>Versions</h3>\n<table><tbody>\n";
  for (const auto& [k, v] : in.versions.items())
    h += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", xml_escape(k), xml_escape(option_text(v)));
  h += "</tbody></table>\n<h3>This report</h3>\n<p class=\"note\">The publishing stage, its cache key and the "
       "content hashes (SHA-256) of every artifact it read.</p>\n<pre>" +
       xml_escape(in.provenance.dump(2)) + "</pre>\n</section>\n";
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  const auto end_row = [&] {
    if (any || !field.empty() || !row.empty()) {
      row.push_back(field);
      rows.push_back(row);
    }
    row.clear();
    field.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
    } else {
      field += c;
    }
  }
  end_row();
  return rows;
}

std::string report_html(const ReportInput& in) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>{} — {}</title>\n<style>{}</style>\n</head>\n<body>\n", xml_escape(in.title),
                   xml_escape(in.date), kStyle);
  h += fmt::format("<header><h1>{}</h1><p>Run report · {} · {}</p></header>\n", xml_escape(in.title),
                   xml_escape(in.date), xml_escape(in.grid_summary));
  h += "<nav>";
  if (!in.dataset.is_null()) h += "<a href=\"#data\">Data</a>";
  h += "<a href=\"#maps\">Maps</a><a href=\"#ranking\">Province ranking</a><a href=\"#flows\">Flows</a><a href=\"#paths\">Least-cost "
       "paths</a><a href=\"#files\">Published files</a><a href=\"#parameters\">Parameters</a><a "
       "href=\"#provenance\">Provenance</a></nav>\n<main>\n";
  data_section(h, in);
  maps_section(h, in);
  ranking_section(h, in);
  flows_section(h, in);
  paths_section(h, in);
  files_section(h, in);
  parameters_section(h, in);
  provenance_section(h, in);
  h += "</main>\n";
  h += fmt::format("<footer>nexusmap {} · GDAL {} · PROJ {} · GEOS {}</footer>\n</body>\n</html>\n",
                   xml_escape(option_text(in.versions.value("nexusmap", nlohmann::json()))),
                   xml_escape(option_text(in.versions.value("gdal", nlohmann::json()))),
                   xml_escape(option_text(in.versions.value("proj", nlohmann::json()))),
                   xml_escape(option_text(in.versions.value("geos", nlohmann::json()))));
  return h;
}

}  // namespace nexusmap
