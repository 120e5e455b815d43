// SPDX-License-Identifier: MIT
#include "pipeline/options.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "rasters/core/error.hpp"
#include "vectors/features.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad(const SourceRef& where, const std::string& key, const std::string& what) {
  config_error(fmt::format("{}: {}: {}", where.str(), key, what));
}

std::string toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    default: return "a " + std::string(toml::impl::node_type_friendly_names[static_cast<int>(n.type())]);
  }
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "stage 'x'.key" in a config; "--some-key" for an option on a tool's command line.
std::string key_of(const ResolveContext& ctx, const std::string& key_path, const std::string& name) {
  if (!ctx.command_line) return key_path + "." + name;
  std::string flag = "--" + name;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

struct Resolver {
  const ResolveContext& ctx;

  [[nodiscard]] SourceRef where(const toml::node& n) const { return source_of(n, ctx.config_file); }

  std::string text(const toml::node& n, const std::string& key) const {
    if (!n.is_string()) bad(where(n), key, "expected a string, got " + toml_type_name(n));
    const std::string raw = n.as_string()->get();
    return ctx.expand ? ctx.expand(raw, where(n), key) : raw;
  }

  double number(const toml::node& n, const std::string& key) const {
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    if (n.is_floating_point()) return n.as_floating_point()->get();
    bad(where(n), key, "expected a number, got " + toml_type_name(n));
  }

  void check_range(const OptionSpec& s, double v, const toml::node& n, const std::string& key) const {
    if (!std::isfinite(v)) bad(where(n), key, fmt::format("{} is not a finite number", v));
    const std::string unit = s.unit_name().empty() ? "" : " " + s.unit_name();
    if (s.min_value() && v < *s.min_value())
      bad(where(n), key, fmt::format("{}{} is below the minimum {}{}", v, unit, *s.min_value(), unit));
    if (s.max_value() && v > *s.max_value())
      bad(where(n), key, fmt::format("{}{} is above the maximum {}{}", v, unit, *s.max_value(), unit));
  }

  std::filesystem::path file(const toml::node& n, const std::string& key) const {
    std::filesystem::path p(text(n, key));
    if (p.is_relative()) p = ctx.config_dir / p;
    p = p.lexically_normal();
    if (ctx.check_files) {
      std::error_code ec;
      if (!std::filesystem::exists(p, ec))
        bad(where(n), key, fmt::format("input file '{}' does not exist", p.string()));
      if (std::filesystem::is_directory(p, ec))
        bad(where(n), key, fmt::format("'{}' is a directory, not a file", p.string()));
    }
    return p;
  }

  const toml::array& array(const toml::node& n, const OptionSpec& s, const std::string& key) const {
    if (!n.is_array()) bad(where(n), key, "expected an array, got " + toml_type_name(n));
    const auto& arr = *n.as_array();
    if (arr.size() < s.min_items() || arr.size() > s.max_items()) {
      if (s.min_items() == s.max_items())
        bad(where(n), key, fmt::format("expected {} items, got {}", s.min_items(), arr.size()));
      if (s.max_items() == SIZE_MAX)
        bad(where(n), key, fmt::format("expected at least {} item(s), got {}", s.min_items(), arr.size()));
      bad(where(n), key, fmt::format("expected {} to {} items, got {}", s.min_items(), s.max_items(), arr.size()));
    }
    return arr;
  }

  json date(const toml::node& n, const std::string& key) const {
    if (n.is_date()) {
      const auto d = n.as_date()->get();
      return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
    }
    std::string s = text(n, key);
    if (s == "today") return ctx.today;
    static const std::regex iso(R"(^\d{4}-\d{2}-\d{2}$)");
    if (!std::regex_match(s, iso)) bad(where(n), key, fmt::format("'{}' is not a date YYYY-MM-DD (or \"today\")", s));
    return s;
  }

  json vector_source(const toml::node& n, const std::string& key) const {
    json out = {{"path", ""}, {"layer", ""}, {"where", ""}, {"x_field", ""}, {"y_field", ""}, {"crs", ""}};
    if (n.is_string()) {
      out["path"] = file(n, key).string();
    } else if (n.is_table()) {
      const auto& t = *n.as_table();
      static const std::vector<std::string> keys = {"path", "layer", "where", "x_field", "y_field", "crs"};
      for (auto&& [k, v] : t) {
        const std::string name(k.str());
        if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
          const std::string hint = closest_match(name, keys);
          bad(where(v), key + "." + name,
              "unknown key" + (hint.empty() ? std::string{} : ", did you mean '" + hint + "'?") +
                  " (a vector input takes path, layer, where, x_field, y_field, crs)");
        }
        out[name] = name == "path" ? file(v, key + ".path").string() : text(v, key + "." + name);
      }
      if (!t.contains("path")) bad(where(n), key, "a vector input needs `path`");
    } else {
      bad(where(n), key, "expected a file path or a table { path, layer, where, ... }, got " + toml_type_name(n));
    }
    if (ctx.check_files) {
      // Catch a wrong layer name now, before any heavy work.
      const std::string layer = out["layer"];
      if (!layer.empty()) {
        std::vector<std::string> layers;
        try {
          layers = list_layers(out["path"].get<std::string>());
        } catch (const Error& e) {
          bad(where(n), key, e.what());
        }
        if (std::find(layers.begin(), layers.end(), layer) == layers.end()) {
          std::string names;
          for (const auto& l : layers) names += (names.empty() ? "'" : ", '") + l + "'";
          bad(where(n), key + ".layer", fmt::format("'{}' has no layer '{}'; layers are {}",
                                                    out["path"].get<std::string>(), layer, names));
        }
      }
    }
    return out;
  }

  json value(const OptionSpec& s, const toml::node& n, const std::string& key) const {
    switch (s.type()) {
      case OptType::boolean:
        if (!n.is_boolean()) bad(where(n), key, "expected true or false, got " + toml_type_name(n));
        return n.as_boolean()->get();
      case OptType::integer: {
        if (!n.is_integer()) bad(where(n), key, "expected an integer, got " + toml_type_name(n));
        const auto v = n.as_integer()->get();
        check_range(s, static_cast<double>(v), n, key);
        return v;
      }
      case OptType::number: {
        const double v = number(n, key);
        check_range(s, v, n, key);
        return v;
      }
      case OptType::string: return text(n, key);
      case OptType::choice: {
        const std::string v = text(n, key);
        if (std::find(s.choices().begin(), s.choices().end(), v) == s.choices().end()) {
          std::string list;
          for (const auto& c : s.choices()) list += (list.empty() ? "" : ", ") + c;
          const std::string hint = closest_match(v, s.choices());
          bad(where(n), key, fmt::format("'{}' is not one of {}{}", v, list,
                                         hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
        return v;
      }
      case OptType::date: return date(n, key);
      case OptType::path: return file(n, key).string();
      case OptType::path_list: {
        if (n.is_string()) return json::array({file(n, key).string()});
        json out = json::array();
        const auto& arr = array(n, s, key);
        for (std::size_t i = 0; i < arr.size(); ++i)
          out.push_back(file(*arr.get(i), fmt::format("{}[{}]", key, i)).string());
        if (out.empty()) bad(where(n), key, "expected at least one file");
        return out;
      }
      case OptType::number_list: {
        json out = json::array();
        const auto& arr = array(n, s, key);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          const double v = number(*arr.get(i), fmt::format("{}[{}]", key, i));
          check_range(s, v, *arr.get(i), fmt::format("{}[{}]", key, i));
          out.push_back(v);
        }
        return out;
      }
      case OptType::string_list: {
        if (n.is_string()) return json::array({text(n, key)});
        json out = json::array();
        const auto& arr = array(n, s, key);
        for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(text(*arr.get(i), fmt::format("{}[{}]", key, i)));
        return out;
      }
      case OptType::number_map: {
        if (!n.is_table()) bad(where(n), key, "expected a table of name = number, got " + toml_type_name(n));
        json out = json::object();
        for (auto&& [k, v] : *n.as_table()) {
          const std::string sub = key + "." + std::string(k.str());
          const double x = number(v, sub);
          check_range(s, x, v, sub);
          out[std::string(k.str())] = x;
        }
        return out;
      }
      case OptType::string_map: {
        if (!n.is_table()) bad(where(n), key, "expected a table of name = \"text\", got " + toml_type_name(n));
        json out = json::object();
        for (auto&& [k, v] : *n.as_table()) out[std::string(k.str())] = text(v, key + "." + std::string(k.str()));
        return out;
      }
      case OptType::vector_source: return vector_source(n, key);
      case OptType::records: {
        json out = json::array();
        const auto& arr = array(n, s, key);
        for (std::size_t i = 0; i < arr.size(); ++i) {
          const toml::node& item = *arr.get(i);
          const std::string sub = fmt::format("{}[{}]", key, i);
          if (!item.is_table()) bad(where(item), sub, "expected a table, got " + toml_type_name(item));
          out.push_back(resolve_options(s.fields(), *item.as_table(), ctx, sub));
        }
        return out;
      }
      case OptType::artifact: {
        const std::string v = text(n, key);
        static const std::regex ref(R"(^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$)");
        if (v != "none" && !std::regex_match(v, ref))
          bad(where(n), key, fmt::format("'{}' is not of the form \"stage-id.artifact\" (or \"none\")", v));
        return v;
      }
    }
    return nullptr;
  }
};

}  // namespace

const char* opt_type_name(OptType t) {
  switch (t) {
    case OptType::boolean: return "boolean";
    case OptType::integer: return "integer";
    case OptType::number: return "number";
    case OptType::string: return "string";
    case OptType::choice: return "choice";
    case OptType::date: return "date";
    case OptType::path: return "file";
    case OptType::path_list: return "files";
    case OptType::number_list: return "numbers";
    case OptType::string_list: return "strings";
    case OptType::number_map: return "table of numbers";
    case OptType::string_map: return "table of strings";
    case OptType::vector_source: return "vector";
    case OptType::records: return "tables";
    case OptType::artifact: return "stage output";
  }
  return "?";
}

OptionSpec OptionSpec::boolean(std::string name, bool def, std::string help) {
  OptionSpec s(std::move(name), OptType::boolean, std::move(help));
  s.default_ = def;
  return s;
}
OptionSpec OptionSpec::integer(std::string name, std::optional<std::int64_t> def, std::string help) {
  OptionSpec s(std::move(name), OptType::integer, std::move(help));
  if (def) s.default_ = *def;
  return s;
}
OptionSpec OptionSpec::number(std::string name, std::optional<double> def, std::string help) {
  OptionSpec s(std::move(name), OptType::number, std::move(help));
  if (def) s.default_ = *def;
  return s;
}
OptionSpec OptionSpec::string(std::string name, std::optional<std::string> def, std::string help) {
  OptionSpec s(std::move(name), OptType::string, std::move(help));
  if (def) s.default_ = *def;
  return s;
}
OptionSpec OptionSpec::choice(std::string name, std::vector<std::string> choices, std::string def, std::string help) {
  OptionSpec s(std::move(name), OptType::choice, std::move(help));
  s.choices_ = std::move(choices);
  s.default_ = std::move(def);
  return s;
}
OptionSpec OptionSpec::date(std::string name, std::optional<std::string> def, std::string help) {
  OptionSpec s(std::move(name), OptType::date, std::move(help));
  if (def) s.default_ = *def;
  return s;
}
OptionSpec OptionSpec::path(std::string name, std::string help) {
  return {std::move(name), OptType::path, std::move(help)};
}
OptionSpec OptionSpec::paths(std::string name, std::string help) {
  return {std::move(name), OptType::path_list, std::move(help)};
}
OptionSpec OptionSpec::numbers(std::string name, std::optional<std::vector<double>> def, std::string help) {
  OptionSpec s(std::move(name), OptType::number_list, std::move(help));
  if (def) s.default_ = *def;
  return s;
}
OptionSpec OptionSpec::strings(std::string name, std::optional<std::vector<std::string>> def, std::string help) {
  OptionSpec s(std::move(name), OptType::string_list, std::move(help));
  if (def) s.default_ = *def;
  return s;
}
OptionSpec OptionSpec::number_map(std::string name, std::string help) {
  OptionSpec s(std::move(name), OptType::number_map, std::move(help));
  s.default_ = json::object();
  return s;
}
OptionSpec OptionSpec::string_map(std::string name, std::string help) {
  OptionSpec s(std::move(name), OptType::string_map, std::move(help));
  s.default_ = json::object();
  return s;
}
OptionSpec OptionSpec::vector(std::string name, std::string help) {
  return {std::move(name), OptType::vector_source, std::move(help)};
}
OptionSpec OptionSpec::records(std::string name, std::vector<OptionSpec> fields, std::string help) {
  OptionSpec s(std::move(name), OptType::records, std::move(help));
  s.fields_ = std::move(fields);
  s.default_ = json::array();
  return s;
}

OptionSpec OptionSpec::artifact(std::string name, ArtifactKind kind, std::string def, std::string help) {
  OptionSpec s(std::move(name), OptType::artifact, std::move(help));
  s.artifact_kind_ = kind;
  s.default_ = std::move(def);
  return s;
}

std::string OptionSpec::describe() const {
  std::string d = opt_type_name(type_);
  if (type_ == OptType::artifact) d = fmt::format("{} output \"stage.artifact\"", artifact_kind_name(artifact_kind_));
  if (type_ == OptType::choice) {
    d = "one of ";
    for (std::size_t i = 0; i < choices_.size(); ++i) d += (i ? "|" : "") + choices_[i];
  }
  if (min_ && max_) d += fmt::format(" in [{}, {}]", *min_, *max_);
  else if (min_) d += fmt::format(" >= {}", *min_);
  else if (max_) d += fmt::format(" <= {}", *max_);
  if (!unit_.empty()) d += " " + unit_;
  if (required()) d += ", required";
  else if (optional_ && default_.is_null()) d += ", optional";
  else if (type_ == OptType::records && !default_.empty())
    d += fmt::format(", default {} table(s)", default_.size());
  else if (!(default_.is_array() && default_.empty()) && !(default_.is_object() && default_.empty()))
    d += ", default " + (default_.is_string() ? "\"" + default_.get<std::string>() + "\"" : default_.dump());
  return d;
}

std::string SourceRef::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

SourceRef source_of(const toml::node& node, const std::string& file) {
  const auto& src = node.source();
  return {file, static_cast<std::int64_t>(src.begin.line), static_cast<std::int64_t>(src.begin.column)};
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string{};
}

json resolve_options(const std::vector<OptionSpec>& specs, const toml::table& table, const ResolveContext& ctx,
                     const std::string& key_path, const std::vector<std::string>& reserved) {
  Resolver r{ctx};
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name());
  for (auto&& [k, v] : table) {
    const std::string name(k.str());
    if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::vector<std::string> all = names;
      all.insert(all.end(), reserved.begin(), reserved.end());
      const std::string hint = closest_match(name, all);
      bad(source_of(v, ctx.config_file), key_of(ctx, key_path, name),
          "unknown key" + (hint.empty() ? std::string{} : "; did you mean '" + hint + "'?"));
    }
  }
  json out = json::object();
  for (const auto& s : specs) {
    const std::string key = key_of(ctx, key_path, s.name());
    if (const toml::node* n = table.get(s.name())) {
      out[s.name()] = r.value(s, *n, key);
    } else if (s.required()) {
      bad(source_of(table, ctx.config_file), key_path,
          fmt::format("missing required key '{}' ({}: {})", s.name(), s.describe(), s.help()));
    } else if (s.type() == OptType::date && s.default_value() == "today") {
      out[s.name()] = ctx.today;
    } else {
      out[s.name()] = s.default_value();
    }
  }
  return out;
}

std::vector<std::filesystem::path> files_of_option(const OptionSpec& spec, const json& value) {
  std::vector<std::filesystem::path> out;
  auto add = [&out](const std::filesystem::path& p) {
    out.push_back(p);
    auto ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".shp") {
      for (const char* side : {".shx", ".dbf", ".prj", ".cpg"}) {
        auto q = p;
        q.replace_extension(side);
        std::error_code ec;
        if (std::filesystem::exists(q, ec)) out.push_back(q);
      }
    }
  };
  if (value.is_null()) return out;
  switch (spec.type()) {
    case OptType::path: add(value.get<std::string>()); break;
    case OptType::path_list:
      for (const auto& v : value) add(v.get<std::string>());
      break;
    case OptType::vector_source: add(value.at("path").get<std::string>()); break;
    case OptType::records:
      for (const auto& rec : value)
        for (const auto& f : spec.fields()) {
          auto sub = files_of_option(f, rec.at(f.name()));
          out.insert(out.end(), sub.begin(), sub.end());
        }
      break;
    default: break;
  }
  return out;
}

}  // namespace nexusmap
