// SPDX-License-Identifier: MIT
// What a running stage sees: its resolved options, its input artifacts, where to write its outputs,
// progress and logging. Stages never touch the cache, the run folder or other stages directly.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "pipeline/artifacts.hpp"
#include "pipeline/config.hpp"
#include "pipeline/publish/raster_style.hpp"
#include "rasters/io/gdal_raster.hpp"
#include "rasters/core/grid.hpp"
#include "rasters/core/progress.hpp"
#include "rasters/core/raster.hpp"
#include "vectors/features.hpp"

namespace nexusmap {

// How a raster is written beyond its declared presentation (title, units, style: stage.hpp).
struct RasterMeta {
  Resampling overviews = Resampling::average;
  std::map<std::string, std::string> metadata;  // extra items besides provenance
};

// An input connected because its producer declared a presentation (InputDecl::presented_layers).
struct PresentedInput {
  std::string slot;          // "stage-id.artifact"
  const OutputDecl* output;  // the producer's declaration, with its presentation
  std::string published;     // file name in the run folder; "" when not published
};

struct StageEnv {
  std::filesystem::path staging_dir;
  std::map<std::string, Artifact> inputs;            // connected slots
  std::map<std::string, std::string> published_names;// slot -> file name in the run folder (publish stage)
  std::map<std::string, std::string> output_names;   // own output -> file name in the run folder
  nlohmann::json provenance;                          // stage, options, input hashes, version
  std::shared_ptr<spdlog::logger> logger;
  ProgressFn progress;
  int threads = 1;
  const PipelineConfig* config = nullptr;
};

class StageContext {
 public:
  StageContext(const StageInstance& stage, StageEnv env);

  [[nodiscard]] const std::string& id() const { return stage_.id; }
  [[nodiscard]] const nlohmann::json& options() const { return stage_.options; }
  [[nodiscard]] const PipelineConfig& config() const { return *env_.config; }

  // Inputs.
  [[nodiscard]] bool has_input(const std::string& slot) const;
  [[nodiscard]] const Artifact& input(const std::string& slot) const;
  [[nodiscard]] Grid grid() const;  // the analysis grid from the "grid" input
  [[nodiscard]] Raster<float> raster_input(const std::string& slot) const;  // checked against grid()
  [[nodiscard]] FeatureTable vector_input(const std::string& slot) const;
  [[nodiscard]] nlohmann::json json_input(const std::string& slot) const;
  // File name in the run folder of the artifact connected to `slot`; "" when it is not published.
  [[nodiscard]] std::string published_name(const std::string& slot) const;
  // File name in the run folder of this stage's own output `name`; "" when it has no role.
  [[nodiscard]] std::string published_output_name(const std::string& name) const;
  // The connected inputs whose producers declared a presentation, in config order.
  [[nodiscard]] std::vector<PresentedInput> presented_inputs() const;

  // Outputs: every declared output must be written exactly once.
  [[nodiscard]] std::filesystem::path output_path(const std::string& name) const;
  // Writes a COG with the declared presentation's description and units; unless its style is none,
  // also its QGIS style "<name>.qml" as a sidecar, which the runner publishes beside the GeoTIFF.
  template <class T>
  void write_raster(const std::string& name, const Raster<T>& raster, const RasterMeta& meta = {});
  void write_vector(const std::string& name, const FeatureTable& table);
  void write_json(const std::string& name, const nlohmann::json& value);
  void write_text(const std::string& name, const std::string& text);  // table (CSV), html
  // An extra file belonging to output `name` (written by the caller into staging_dir()).
  void add_sidecar(const std::string& name, const std::string& file_name);
  // Declares that layer `layer` of the GeoPackage output `name` serves manifest role `role`.
  void add_layer_role(const std::string& name, const std::string& role, const std::string& layer);
  [[nodiscard]] const std::filesystem::path& staging_dir() const { return env_.staging_dir; }

  // Facts worth recording in the manifest and report (counts, repair reports, path hours...).
  void record(const std::string& key, nlohmann::json value);
  [[nodiscard]] const nlohmann::json& summary() const { return summary_; }
  [[nodiscard]] const std::map<std::string, std::vector<std::string>>& sidecars() const { return sidecars_; }
  [[nodiscard]] const std::map<std::string, std::vector<LayerRole>>& layer_roles() const { return layer_roles_; }

  bool progress(double fraction, std::string_view message = {}) const;
  [[nodiscard]] const ProgressFn& progress_fn() const { return env_.progress; }
  [[nodiscard]] spdlog::logger& log() const { return *env_.logger; }
  [[nodiscard]] int threads() const { return env_.threads; }
  [[nodiscard]] const nlohmann::json& provenance() const { return env_.provenance; }
  // Provenance as GeoTIFF metadata items.
  [[nodiscard]] std::map<std::string, std::string> provenance_metadata() const;

 private:
  [[nodiscard]] const OutputDecl& declared(const std::string& name) const;
  const StageInstance& stage_;
  StageEnv env_;
  nlohmann::json summary_ = nlohmann::json::object();
  std::map<std::string, std::vector<std::string>> sidecars_;
  std::map<std::string, std::vector<LayerRole>> layer_roles_;
};

}  // namespace nexusmap
