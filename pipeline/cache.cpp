// SPDX-License-Identifier: MIT
#include "pipeline/cache.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "pipeline/hash.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

constexpr const char* kEntryFile = "entry.json";

ArtifactFile hash_file(const std::filesystem::path& dir, const std::string& name) {
  const FileDigest d = digest_file(dir / name);
  return {name, d.sha256, d.size};
}

bool verify(const std::filesystem::path& dir, const ArtifactFile& f, std::string* problem) {
  std::error_code ec;
  const auto p = dir / f.file;
  const auto size = std::filesystem::file_size(p, ec);
  if (ec) {
    if (problem) *problem = fmt::format("{} is missing", f.file);
    return false;
  }
  if (size != f.size) {
    if (problem) *problem = fmt::format("{} has {} bytes, expected {} (truncated?)", f.file, size, f.size);
    return false;
  }
  if (sha256_file(p) != f.sha256) {
    if (problem) *problem = fmt::format("{} does not match its recorded SHA-256", f.file);
    return false;
  }
  return true;
}

}  // namespace

Cache::Cache(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path Cache::entry_dir(const std::string& stage, const std::string& key) const {
  return root_ / stage / key.substr(0, 24);
}

std::optional<CacheEntry> Cache::read_entry(const std::string& stage, const std::string& key, bool check_files,
                                            std::string* problem) const {
  const auto dir = entry_dir(stage, key);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return std::nullopt;
  CacheEntry entry;
  entry.stage = stage;
  entry.key = key;
  entry.dir = dir;
  try {
    std::ifstream in(dir / kEntryFile);
    if (!in) {
      if (problem) *problem = "entry.json is missing";
      return std::nullopt;
    }
    const auto j = nlohmann::json::parse(in);
    if (j.at("key") != key) {
      if (problem) *problem = "entry.json belongs to another key";
      return std::nullopt;
    }
    for (const auto& a : j.at("artifacts")) {
      Artifact art = artifact_from_json(a, dir);
      if (check_files) {
        if (!verify(dir, art.primary, problem)) return std::nullopt;
        for (const auto& sc : art.sidecars)
          if (!verify(dir, sc, problem)) return std::nullopt;
      }
      entry.artifacts[art.name] = std::move(art);
    }
    entry.summary = j.value("summary", nlohmann::json::object());
    entry.seconds = j.value("seconds", 0.0);
  } catch (const std::exception& e) {
    if (problem) *problem = fmt::format("entry.json is unreadable ({})", e.what());
    return std::nullopt;
  }
  return entry;
}

std::optional<CacheEntry> Cache::lookup(const std::string& stage, const std::string& key, std::string* problem) const {
  std::string why;
  auto entry = read_entry(stage, key, true, &why);
  if (!entry && !why.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(entry_dir(stage, key), ec);
  }
  if (problem) *problem = why;
  return entry;
}

std::optional<CacheEntry> Cache::peek(const std::string& stage, const std::string& key) const {
  return read_entry(stage, key, false, nullptr);
}

std::filesystem::path Cache::begin(const std::string& stage, const std::string& key) const {
  const auto dir = entry_dir(stage, key);
  auto staging = dir;
  staging += fmt::format(".tmp-{}", ::getpid());
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  std::filesystem::create_directories(staging, ec);
  if (ec) input_error(fmt::format("{}: cannot create cache directory: {}", staging.string(), ec.message()));
  return staging;
}

CacheEntry Cache::commit(const std::string& stage, const std::string& key, const std::filesystem::path& staging,
                         const std::vector<OutputDecl>& outputs,
                         const std::map<std::string, std::vector<std::string>>& sidecars,
                         const std::map<std::string, std::vector<LayerRole>>& layer_roles,
                         const nlohmann::json& summary, double seconds) const {
  CacheEntry entry;
  entry.stage = stage;
  entry.key = key;
  entry.dir = entry_dir(stage, key);
  entry.summary = summary;
  entry.seconds = seconds;
  nlohmann::json arts = nlohmann::json::array();
  for (const auto& out : outputs) {
    const std::string file = out.name + artifact_extension(out.kind);
    std::error_code ec;
    if (!std::filesystem::exists(staging / file, ec)) {
      if (out.optional) continue;
      fail(ErrorKind::stage, fmt::format("stage '{}' finished without writing its output '{}'", stage, out.name));
    }
    Artifact a;
    a.name = out.name;
    a.kind = out.kind;
    a.dir = entry.dir;
    a.primary = hash_file(staging, file);
    if (auto it = sidecars.find(out.name); it != sidecars.end())
      for (const auto& s : it->second) a.sidecars.push_back(hash_file(staging, s));
    if (auto it = layer_roles.find(out.name); it != layer_roles.end()) a.layer_roles = it->second;
    arts.push_back(to_json(a));
    entry.artifacts[a.name] = std::move(a);
  }
  const nlohmann::json j = {{"stage", stage}, {"key", key}, {"artifacts", arts}, {"summary", summary},
                            {"seconds", seconds}};
  {
    std::ofstream out(staging / kEntryFile);
    out << j.dump(2) << '\n';
    if (!out) input_error(fmt::format("{}: cannot write cache entry", staging.string()));
  }
  std::error_code ec;
  std::filesystem::remove_all(entry.dir, ec);
  std::filesystem::rename(staging, entry.dir, ec);
  if (ec) input_error(fmt::format("{}: cannot move cache entry into place: {}", entry.dir.string(), ec.message()));
  return entry;
}

void Cache::discard(const std::filesystem::path& staging) const {
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
}

void Cache::clean_staging() const {
  std::error_code ec;
  if (!std::filesystem::exists(root_, ec)) return;
  std::vector<std::filesystem::path> stale;
  for (const auto& stage_dir : std::filesystem::directory_iterator(root_, ec)) {
    if (!stage_dir.is_directory()) continue;
    for (const auto& e : std::filesystem::directory_iterator(stage_dir.path(), ec))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) stale.push_back(e.path());
  }
  for (const auto& p : stale) std::filesystem::remove_all(p, ec);
}

void Cache::prune(const std::set<std::string>& keep) const {
  std::error_code ec;
  if (!std::filesystem::exists(root_, ec)) return;
  std::vector<std::filesystem::path> drop;
  for (const auto& stage_dir : std::filesystem::directory_iterator(root_, ec)) {
    if (!stage_dir.is_directory()) continue;
    for (const auto& e : std::filesystem::directory_iterator(stage_dir.path(), ec)) {
      const std::string id = stage_dir.path().filename().string() + "/" + e.path().filename().string();
      if (!keep.count(id)) drop.push_back(e.path());
    }
  }
  for (const auto& p : drop) std::filesystem::remove_all(p, ec);
}

}  // namespace nexusmap
