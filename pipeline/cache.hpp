// SPDX-License-Identifier: MIT
// Content-addressed stage results: <out>/cache/<stage-id>/<key>/ with an entry.json listing every
// file and its SHA-256. Entries appear atomically (directory rename) and are verified before use.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/artifacts.hpp"
#include "pipeline/stage.hpp"

namespace nexusmap {

struct CacheEntry {
  std::string stage;
  std::string key;
  std::filesystem::path dir;
  std::map<std::string, Artifact> artifacts;
  nlohmann::json summary;
  double seconds = 0;  // how long computing it took
};

class Cache {
 public:
  explicit Cache(std::filesystem::path root);

  // The verified entry, or nullopt. A corrupted or truncated entry is deleted and `problem` says why.
  std::optional<CacheEntry> lookup(const std::string& stage, const std::string& key, std::string* problem) const;
  // The entry as recorded, without verifying checksums and without deleting anything (for `plan`);
  // nullopt when it is absent or its entry.json is unreadable.
  [[nodiscard]] std::optional<CacheEntry> peek(const std::string& stage, const std::string& key) const;
  // A fresh empty directory for a stage to write into.
  std::filesystem::path begin(const std::string& stage, const std::string& key) const;
  // Hashes the staged outputs, writes entry.json and renames the directory into place.
  CacheEntry commit(const std::string& stage, const std::string& key, const std::filesystem::path& staging,
                    const std::vector<OutputDecl>& outputs,
                    const std::map<std::string, std::vector<std::string>>& sidecars,
                    const std::map<std::string, std::vector<LayerRole>>& layer_roles, const nlohmann::json& summary,
                    double seconds) const;
  void discard(const std::filesystem::path& staging) const;
  // Removes leftovers of killed runs (staging directories).
  void clean_staging() const;
  // Deletes entries whose "stage/key" is not in `keep`.
  void prune(const std::set<std::string>& keep) const;
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path entry_dir(const std::string& stage, const std::string& key) const;

 private:
  std::optional<CacheEntry> read_entry(const std::string& stage, const std::string& key, bool check_files,
                                       std::string* problem) const;
  std::filesystem::path root_;
};

}  // namespace nexusmap
