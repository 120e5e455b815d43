// SPDX-License-Identifier: MIT
#include "pipeline/context.hpp"

#include <fstream>

#include <fmt/format.h>

#include "nexusmap/version.hpp"
#include "pipeline/publish/styles.hpp"
#include "rasters/core/error.hpp"
#include "vectors/gpkg.hpp"

namespace nexusmap {

StageContext::StageContext(const StageInstance& stage, StageEnv env) : stage_(stage), env_(std::move(env)) {}

bool StageContext::has_input(const std::string& slot) const { return env_.inputs.count(slot) > 0; }

const Artifact& StageContext::input(const std::string& slot) const {
  auto it = env_.inputs.find(slot);
  if (it == env_.inputs.end())
    fail(ErrorKind::internal, fmt::format("stage '{}': input '{}' is not connected", id(), slot));
  return it->second;
}

nlohmann::json StageContext::json_input(const std::string& slot) const {
  std::ifstream in(input(slot).path());
  if (!in) input_error(fmt::format("{}: cannot read {}", id(), input(slot).path().string()));
  return nlohmann::json::parse(in);
}

Grid StageContext::grid() const { return grid_from_json(json_input("grid")); }

Raster<float> StageContext::raster_input(const std::string& slot) const {
  Raster<float> r = read_raster<float>(input(slot).path());
  if (has_input("grid") && !r.grid().same_georeferencing(grid())) {
    fail(ErrorKind::stage, fmt::format("stage '{}': input '{}' is not on the analysis grid", id(), slot));
  }
  return r;
}

FeatureTable StageContext::vector_input(const std::string& slot) const {
  VectorSource src;
  src.path = input(slot).path();
  ReadOptions opts;
  opts.repair = false;
  opts.allow_empty = true;
  return read_features(src, opts);
}

std::string StageContext::published_name(const std::string& slot) const {
  auto it = env_.published_names.find(slot);
  return it == env_.published_names.end() ? std::string{} : it->second;
}

std::vector<PresentedInput> StageContext::presented_inputs() const {
  std::vector<PresentedInput> out;
  for (const auto& slot : stage_.presented) {
    if (!has_input(slot)) continue;
    const ArtifactRef& ref = stage_.inputs.at(slot);
    const StageInstance* producer = config().find(ref.stage);
    const OutputDecl* decl = producer ? producer->def->info.output(ref.artifact) : nullptr;
    if (decl == nullptr || !decl->presentation)
      fail(ErrorKind::internal, fmt::format("stage '{}': '{}' has no declared presentation", id(), slot));
    out.push_back({slot, decl, published_name(slot)});
  }
  return out;
}

std::string StageContext::published_output_name(const std::string& name) const {
  (void)declared(name);
  auto it = env_.output_names.find(name);
  return it == env_.output_names.end() ? std::string{} : it->second;
}

const OutputDecl& StageContext::declared(const std::string& name) const {
  const OutputDecl* d = stage_.def->info.output(name);
  if (d == nullptr) fail(ErrorKind::internal, fmt::format("stage '{}' writes undeclared output '{}'", id(), name));
  return *d;
}

std::filesystem::path StageContext::output_path(const std::string& name) const {
  const OutputDecl& d = declared(name);
  return env_.staging_dir / (name + artifact_extension(d.kind));
}

std::map<std::string, std::string> StageContext::provenance_metadata() const {
  return {{"NEXUSMAP_STAGE", id()},
          {"NEXUSMAP_KIND", stage_.def->info.kind},
          {"NEXUSMAP_VERSION", fmt::format("{} ({})", build::version, build::git_revision)},
          {"NEXUSMAP_OPTIONS", options().dump()},
          {"NEXUSMAP_INPUTS", env_.provenance.value("inputs", nlohmann::json::object()).dump()}};
}

template <class T>
void StageContext::write_raster(const std::string& name, const Raster<T>& raster, const RasterMeta& meta) {
  const OutputDecl& d = declared(name);
  if (d.kind != ArtifactKind::raster)
    fail(ErrorKind::internal, fmt::format("stage '{}': output '{}' is not a raster", id(), name));
  const Presentation none;
  const Presentation& p = d.presentation ? *d.presentation : none;
  CogOptions opts;
  opts.description = !p.description.empty() ? p.description : !p.title.empty() ? p.title : d.help;
  opts.units = p.units;
  opts.metadata = provenance_metadata();
  for (const auto& [k, v] : meta.metadata) opts.metadata[k] = v;
  opts.overview_resampling = meta.overviews;
  opts.threads = threads();
  write_cog(raster, output_path(name), opts);
  if (p.style == RasterStyle::none) return;
  const RasterSymbology symbology = raster_symbology(p.style, raster_stats(raster), p.units, opts.description);
  const std::string qml = name + ".qml";
  std::ofstream out(env_.staging_dir / qml, std::ios::binary);
  out << raster_qml(symbology);
  if (!out) input_error(fmt::format("{}: cannot write {}", id(), (env_.staging_dir / qml).string()));
  out.close();
  add_sidecar(name, qml);
}

void StageContext::write_vector(const std::string& name, const FeatureTable& table) {
  const OutputDecl& d = declared(name);
  if (d.kind != ArtifactKind::vector)
    fail(ErrorKind::internal, fmt::format("stage '{}': output '{}' is not a vector", id(), name));
  FeatureTable named;
  named.name = name;
  named.crs_wkt = table.crs_wkt;
  named.fields = table.fields;
  for (const auto& f : table.features) {
    Feature c;
    c.fid = f.fid;
    c.attributes = f.attributes;
    if (f.geometry) c.geometry.reset(f.geometry->clone());
    named.features.push_back(std::move(c));
  }
  GpkgLayerOptions opts;
  opts.description = d.help;
  write_gpkg_layer(output_path(name), named, opts);
}

void StageContext::write_json(const std::string& name, const nlohmann::json& value) {
  write_text(name, value.dump(2) + "\n");
}

void StageContext::write_text(const std::string& name, const std::string& text) {
  std::ofstream out(output_path(name), std::ios::binary);
  out << text;
  if (!out) input_error(fmt::format("{}: cannot write {}", id(), output_path(name).string()));
}

void StageContext::add_sidecar(const std::string& name, const std::string& file_name) {
  (void)declared(name);
  sidecars_[name].push_back(file_name);
}

void StageContext::add_layer_role(const std::string& name, const std::string& role, const std::string& layer) {
  if (declared(name).kind != ArtifactKind::vector)
    fail(ErrorKind::internal, fmt::format("stage '{}': layer roles belong to GeoPackage outputs, not '{}'", id(), name));
  layer_roles_[name].push_back({role, layer});
}

void StageContext::record(const std::string& key, nlohmann::json value) { summary_[key] = std::move(value); }

bool StageContext::progress(double fraction, std::string_view message) const {
  return !env_.progress || env_.progress(fraction, message);
}

template void StageContext::write_raster<float>(const std::string&, const Raster<float>&, const RasterMeta&);
template void StageContext::write_raster<double>(const std::string&, const Raster<double>&, const RasterMeta&);
template void StageContext::write_raster<std::uint8_t>(const std::string&, const Raster<std::uint8_t>&,
                                                       const RasterMeta&);
template void StageContext::write_raster<std::int16_t>(const std::string&, const Raster<std::int16_t>&,
                                                       const RasterMeta&);
template void StageContext::write_raster<std::int32_t>(const std::string&, const Raster<std::int32_t>&,
                                                       const RasterMeta&);

}  // namespace nexusmap
