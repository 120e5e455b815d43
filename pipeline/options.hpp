// SPDX-License-Identifier: MIT
// Typed stage options, declared once. The same declarations drive config validation, defaults,
// `nexusmap help STAGE` and the generated reference page docs/stages.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace nexusmap {

// What a stage writes and reads: the kind decides the file extension and what a slot accepts.
enum class ArtifactKind { raster, vector, table, json, image, html, project };

const char* artifact_kind_name(ArtifactKind k);
const char* artifact_extension(ArtifactKind k);

enum class OptType {
  boolean,
  integer,
  number,
  string,
  choice,
  date,          // "YYYY-MM-DD" or "today" (resolved when the config is loaded)
  path,          // an existing file, relative to the config file
  path_list,     // one or more existing files (e.g. DEM tiles)
  number_list,
  string_list,
  number_map,    // table of name -> number, e.g. location-precision factors
  string_map,    // table of name -> string, e.g. country name aliases
  vector_source, // a path, or { path, layer, where, x_field, y_field, crs }
  records,       // array of tables, each with its own declared fields
  artifact,      // "stage-id.artifact" (or "none"): another stage's output, wired as an input
};

const char* opt_type_name(OptType t);

class OptionSpec {
 public:
  static OptionSpec boolean(std::string name, bool def, std::string help);
  static OptionSpec integer(std::string name, std::optional<std::int64_t> def, std::string help);
  static OptionSpec number(std::string name, std::optional<double> def, std::string help);
  static OptionSpec string(std::string name, std::optional<std::string> def, std::string help);
  static OptionSpec choice(std::string name, std::vector<std::string> choices, std::string def, std::string help);
  static OptionSpec date(std::string name, std::optional<std::string> def, std::string help);
  static OptionSpec path(std::string name, std::string help);
  static OptionSpec paths(std::string name, std::string help);
  static OptionSpec numbers(std::string name, std::optional<std::vector<double>> def, std::string help);
  static OptionSpec strings(std::string name, std::optional<std::vector<std::string>> def, std::string help);
  static OptionSpec number_map(std::string name, std::string help);
  static OptionSpec string_map(std::string name, std::string help);
  static OptionSpec vector(std::string name, std::string help);
  static OptionSpec records(std::string name, std::vector<OptionSpec> fields, std::string help);
  static OptionSpec artifact(std::string name, ArtifactKind kind, std::string def, std::string help);

  OptionSpec& min(double v) { min_ = v; return *this; }
  OptionSpec& max(double v) { max_ = v; return *this; }
  OptionSpec& unit(std::string u) { unit_ = std::move(u); return *this; }
  OptionSpec& items(std::size_t lo, std::size_t hi) { min_items_ = lo; max_items_ = hi; return *this; }
  // May be absent; resolves to null (for options without a natural default).
  OptionSpec& optional() { optional_ = true; return *this; }
  // The value when the key is absent (records: resolved tables).
  OptionSpec& default_to(nlohmann::json v) { default_ = std::move(v); return *this; }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] OptType type() const { return type_; }
  [[nodiscard]] const std::string& help() const { return help_; }
  [[nodiscard]] const nlohmann::json& default_value() const { return default_; }
  [[nodiscard]] bool required() const { return default_.is_null() && !optional_; }
  [[nodiscard]] bool is_optional() const { return optional_; }
  [[nodiscard]] const std::optional<double>& min_value() const { return min_; }
  [[nodiscard]] const std::optional<double>& max_value() const { return max_; }
  [[nodiscard]] const std::string& unit_name() const { return unit_; }
  [[nodiscard]] const std::vector<std::string>& choices() const { return choices_; }
  [[nodiscard]] const std::vector<OptionSpec>& fields() const { return fields_; }
  [[nodiscard]] std::size_t min_items() const { return min_items_; }
  [[nodiscard]] std::size_t max_items() const { return max_items_; }
  [[nodiscard]] ArtifactKind artifact_kind() const { return artifact_kind_; }
  // One line describing type, limits and default, e.g. "number in [0, 90] degrees, default 40".
  [[nodiscard]] std::string describe() const;

 private:
  OptionSpec(std::string name, OptType type, std::string help) : name_(std::move(name)), type_(type), help_(std::move(help)) {}
  std::string name_;
  OptType type_;
  std::string help_;
  nlohmann::json default_;
  bool optional_ = false;
  std::optional<double> min_, max_;
  std::string unit_;
  std::vector<std::string> choices_;
  std::vector<OptionSpec> fields_;
  std::size_t min_items_ = 0;
  std::size_t max_items_ = SIZE_MAX;
  ArtifactKind artifact_kind_ = ArtifactKind::raster;
};

// Where a key sits in the config file, for messages "file:line:col: key: what is wrong".
struct SourceRef {
  std::string file;
  std::int64_t line = 0;
  std::int64_t column = 0;
  [[nodiscard]] std::string str() const;
};

struct ResolveContext {
  // Keys in messages: "stage 'x'.key" in a config; "--key" on a tool's command line.
  bool command_line = false;
  std::filesystem::path config_dir;                     // relative paths are resolved against it
  std::string config_file;                              // for messages
  std::function<std::string(const std::string& text, const SourceRef& where, const std::string& key)> expand;  // ${VAR}
  std::string today;                                    // YYYY-MM-DD used for "today"
  bool check_files = true;
};

// Validates `table` against `specs` and returns the resolved options (defaults filled in, paths
// absolute, dates resolved). `reserved` keys are skipped. Throws Error(config) on the first problem,
// with location and key path: unknown key (with a suggestion), wrong type, out of range, not a
// choice, missing required key, missing file.
nlohmann::json resolve_options(const std::vector<OptionSpec>& specs, const toml::table& table,
                               const ResolveContext& ctx, const std::string& key_path,
                               const std::vector<std::string>& reserved = {});

SourceRef source_of(const toml::node& node, const std::string& file);

// "did you mean 'x'?" helper: the closest candidate within a small edit distance, or "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Files whose content an option depends on (a Shapefile's .shp with its .shx/.dbf/.prj/.cpg).
std::vector<std::filesystem::path> files_of_option(const OptionSpec& spec, const nlohmann::json& value);

}  // namespace nexusmap
