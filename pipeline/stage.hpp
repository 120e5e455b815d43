// SPDX-License-Identifier: MIT
// A stage declares, in one place, its id, summary, options, the artifacts it reads and the
// artifacts it writes; the runner derives the DAG, validation, help and docs from that declaration.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/options.hpp"
#include "pipeline/publish/raster_style.hpp"
#include "pipeline/publish/vector_styles.hpp"

namespace nexusmap {

class StageContext;

struct InputDecl {
  std::string slot;         // name the stage reads it by
  ArtifactKind kind;
  std::string default_ref;  // "stage-id.artifact" wired when the config does not say otherwise
  bool optional = false;    // may be left unconnected (no such stage in the config, or "none")
  std::string help;
  // Instead of one artifact: every output of the other stages that declares a presentation (the
  // publish stage reads all layers this way). Each is connected under the slot "stage-id.artifact".
  bool presented_layers = false;
};

// QGIS layer-tree groups.
inline constexpr const char* kGroupAnalysis = "Analysis";
inline constexpr const char* kGroupCorridors = "Corridors";
inline constexpr const char* kGroupInputs = "Inputs";

// A briefing map of a layer (PNG, drawn by the publish stage).
struct MapDecl {
  std::string output;  // publish stage output, e.g. "map_nexus"
  std::string title;
  int order = 0;             // maps are drawn and listed in this order
  int priority = 0;          // several layers may offer the same map: the lowest priority present draws it
  bool corridor_overlays = false;  // also corridor polygons, alternative routes and crossings
  std::string help;
  std::string reading = {};  // how to read the map, shown under it in the report
};

// How vector layers look; the publish stage turns a look into a QGIS/SLD style and map symbols.
enum class VectorLook { paths, alternative_routes, flow_routes, corridor_polygons, crossings, choropleth };

// How an output is presented wherever it appears — the GeoTIFF's band description and units, its .qml
// style, the QGIS project (name, group, visibility, drawing order), the GeoPackage and the maps.
// Declared once, with the output; publishing iterates over what is declared.
struct Presentation {
  std::string title;        // layer name in QGIS and legend title on the maps
  std::string description;  // GeoTIFF band description (default: the title)
  std::string units;        // legend units, also the GeoTIFF's unit type
  RasterStyle style = RasterStyle::none;
  std::string group = kGroupAnalysis;
  bool visible = false;  // checked when the project opens
  int order = 0;         // drawing order in the project, top first (vectors above rasters)
  // Vectors: the layer in nexusmap.gpkg, its manifest role, its geometry and look.
  std::string gpkg_layer;
  std::string gpkg_role;
  GeometryKind geometry = GeometryKind::line;
  VectorLook look = VectorLook::paths;
  std::optional<MapDecl> map;
};

struct OutputDecl {
  std::string name;  // artifact name, unique within the stage
  ArtifactKind kind;
  std::string role;  // manifest role (published into the run folder); "" = intermediate only
  std::string help;
  bool optional = false;  // the stage may legitimately not write it (e.g. a map of an absent layer)
  std::string file_stem = {};  // file name (without extension) in the run folder when it differs from `name`
  std::optional<Presentation> presentation = {};  // rasters with a role, vectors for the GeoPackage
};

struct StageInfo {
  std::string kind;     // stage type, e.g. "cost"; also the default id
  std::string summary;  // one line
  std::vector<OptionSpec> options;
  std::vector<InputDecl> inputs;
  std::vector<OutputDecl> outputs;

  [[nodiscard]] const OutputDecl* output(const std::string& name) const;
  [[nodiscard]] const InputDecl* input(const std::string& slot) const;
};

// A stage kind as the runner sees it. Stage files build it with make_stage (pipeline/typed_stage.hpp)
// from an options struct, so these two work on the resolved JSON the cache keys are made of.
struct StageDef {
  StageInfo info;
  // Cross-option checks that types and ranges cannot express; may normalise resolved options.
  // Throws Error(config). Runs at validation, before any heavy work.
  std::function<void(nlohmann::json& options)> check;
  // The work: read inputs, compute, write every declared output through the context.
  std::function<void(StageContext& ctx)> run;
};

// The explicit, sorted list of every stage kind (pipeline/registry.cpp).
const std::vector<StageDef>& registered_stages();
const StageDef* find_stage(const std::string& kind);

}  // namespace nexusmap
