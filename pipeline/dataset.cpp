// SPDX-License-Identifier: MIT
#include "pipeline/dataset.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "pipeline/hash.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

[[noreturn]] void bad(const SourceRef& where, const std::string& key, const std::string& what) {
  config_error(fmt::format("{}: {}: {}", where.str(), key, what));
}

std::string text_of(const toml::node& n, const std::string& file, const std::string& key) {
  if (!n.is_string()) bad(source_of(n, file), key, "expected a string");
  return n.as_string()->get();
}

}  // namespace

Dataset read_dataset(const std::filesystem::path& path) {
  Dataset d;
  std::error_code ec;
  d.file = std::filesystem::absolute(path, ec).lexically_normal();
  const std::string file = d.file.string();
  std::ifstream in(d.file, std::ios::binary);
  if (!in) config_error(fmt::format("{}: cannot read the dataset description", file));
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  d.sha256 = sha256_hex(text);
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    config_error(fmt::format("{}:{}:{}: {}", file, b.line, b.column, e.description()));
  }
  static const std::vector<std::string> keys = {"name", "licence", "source", "limitations", "vars"};
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      const std::string hint = closest_match(key, keys);
      bad(source_of(v, file), key,
          "unknown key" + (hint.empty() ? std::string{} : "; did you mean '" + hint + "'?") +
              " (a dataset description has name, licence, source, limitations and [vars])");
    }
  }
  const toml::node* name = root.get("name");
  if (name == nullptr) bad(SourceRef{file, 1, 1}, "name", "a dataset description needs a `name`");
  d.name = text_of(*name, file, "name");
  if (const toml::node* n = root.get("licence")) d.licence = text_of(*n, file, "licence");
  if (const toml::node* n = root.get("source")) d.source = text_of(*n, file, "source");
  if (const toml::node* n = root.get("limitations")) {
    if (!n->is_array()) bad(source_of(*n, file), "limitations", "expected an array of strings");
    const auto& arr = *n->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i)
      d.limitations.push_back(text_of(*arr.get(i), file, fmt::format("limitations[{}]", i)));
  }
  if (const toml::node* n = root.get("vars")) {
    if (!n->is_table()) bad(source_of(*n, file), "vars", "expected a table of name = \"value\"");
    for (auto&& [k, v] : *n->as_table())
      d.vars[std::string(k.str())] = {text_of(v, file, "vars." + std::string(k.str())), source_of(v, file)};
  }
  return d;
}

nlohmann::json dataset_json(const Dataset& d) {
  nlohmann::json vars = nlohmann::json::object();
  for (const auto& [k, v] : d.vars) vars[k] = v.first;
  return {{"file", d.file.string()}, {"sha256", d.sha256}, {"name", d.name}, {"licence", d.licence},
          {"source", d.source}, {"limitations", d.limitations}, {"vars", vars}};
}

}  // namespace nexusmap
