// SPDX-License-Identifier: MIT
// Options declared once and bound to typed fields, as PDAL's `args.add(name, help, m_member, default)`
// and GDAL's `AddArg(..., &m_member).SetChoices(...)`: each declaration makes the OptionSpec that
// validation, help, the docs and the tool command lines use, and binds it to a member of the stage's
// options struct (choices to an enum). A stage's run receives the filled struct and never looks an
// option up by name.
//
//   struct GridOptions { double resolution = 0; std::optional<VectorSource> area; };
//   OptionSet<GridOptions> o;
//   o.number("resolution", &GridOptions::resolution, 1000.0, "Cell size.").min(10).unit("m");
//   o.vector("area", &GridOptions::area, "Area of interest.");   // std::optional: may be absent
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/options.hpp"
#include "rasters/core/error.hpp"
#include "vectors/features.hpp"

namespace nexusmap {

// Names of the values of an enum option, in the order help and docs list them.
template <class E>
using Choices = std::vector<std::pair<std::string, E>>;

template <class E>
const std::string& choice_name(const Choices<E>& choices, E value) {
  for (const auto& [name, v] : choices)
    if (v == value) return name;
  fail(ErrorKind::internal, "an enum value has no declared choice name");
}

template <class E>
std::vector<std::string> choice_names(const Choices<E>& choices) {
  std::vector<std::string> out;
  for (const auto& c : choices) out.push_back(c.first);
  return out;
}

// An input a stage reads by an option rather than a fixed slot (e.g. each layer of the nexus
// index): the config value is "stage-id.artifact"; the runner connects it to the slot `slot`.
struct InputRef {
  std::string slot;  // the option's key path, e.g. "layers[1].input"
  std::string ref;   // "stage-id.artifact", or "none"
  [[nodiscard]] bool connected() const { return !ref.empty() && ref != "none"; }
};

VectorSource vector_source_from_json(const nlohmann::json& j);
nlohmann::json vector_source_to_json(const VectorSource& s);

namespace bind_detail {

template <class V>
struct is_optional : std::false_type {};
template <class V>
struct is_optional<std::optional<V>> : std::true_type {};

// Conversions between a resolved option value (JSON, as resolve_options returns it) and a field.
template <class V>
V read(const nlohmann::json& j) {
  if constexpr (is_optional<V>::value) {
    if (j.is_null()) return std::nullopt;
    return read<typename V::value_type>(j);
  } else if constexpr (std::is_same_v<V, std::filesystem::path>) {
    return std::filesystem::path(j.get<std::string>());
  } else if constexpr (std::is_same_v<V, std::vector<std::filesystem::path>>) {
    V out;
    for (const auto& e : j) out.emplace_back(e.get<std::string>());
    return out;
  } else if constexpr (std::is_same_v<V, VectorSource>) {
    return vector_source_from_json(j);
  } else {
    return j.get<V>();
  }
}

template <class V>
nlohmann::json write(const V& v) {
  if constexpr (is_optional<V>::value) {
    return v ? write(*v) : nlohmann::json(nullptr);
  } else if constexpr (std::is_same_v<V, std::filesystem::path>) {
    return v.string();
  } else if constexpr (std::is_same_v<V, std::vector<std::filesystem::path>>) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : v) out.push_back(p.string());
    return out;
  } else if constexpr (std::is_same_v<V, VectorSource>) {
    return vector_source_to_json(v);
  } else {
    return nlohmann::json(v);
  }
}

}  // namespace bind_detail

template <class T>
class OptionSet {
 public:
  // The generic form: any OptionSpec bound to a member whose type matches its value. A std::optional
  // member makes the option optional (absent = nullopt).
  template <class M>
  OptionSpec& add(OptionSpec spec, M T::*member) {
    if constexpr (bind_detail::is_optional<M>::value) spec.optional();
    specs_.push_back(std::move(spec));
    fields_.push_back({[member](T& t, const nlohmann::json& j, const std::string&) { t.*member = bind_detail::read<M>(j); },
                       [member](const T& t) { return bind_detail::write<M>(t.*member); }});
    return specs_.back();
  }

  template <class M>
  OptionSpec& flag(std::string name, M T::*m, bool def, std::string help) {
    return add(OptionSpec::boolean(std::move(name), def, std::move(help)), m);
  }
  template <class M>
  OptionSpec& integer(std::string name, M T::*m, std::optional<std::int64_t> def, std::string help) {
    return add(OptionSpec::integer(std::move(name), def, std::move(help)), m);
  }
  template <class M>
  OptionSpec& number(std::string name, M T::*m, std::optional<double> def, std::string help) {
    return add(OptionSpec::number(std::move(name), def, std::move(help)), m);
  }
  template <class M>
  OptionSpec& text(std::string name, M T::*m, std::optional<std::string> def, std::string help) {
    return add(OptionSpec::string(std::move(name), std::move(def), std::move(help)), m);
  }
  template <class M>
  OptionSpec& date(std::string name, M T::*m, std::optional<std::string> def, std::string help) {
    return add(OptionSpec::date(std::move(name), std::move(def), std::move(help)), m);
  }
  template <class M>
  OptionSpec& path(std::string name, M T::*m, std::string help) {
    return add(OptionSpec::path(std::move(name), std::move(help)), m);
  }
  OptionSpec& paths(std::string name, std::vector<std::filesystem::path> T::*m, std::string help) {
    return add(OptionSpec::paths(std::move(name), std::move(help)), m);
  }
  template <class M>
  OptionSpec& numbers(std::string name, M T::*m, std::optional<std::vector<double>> def, std::string help) {
    return add(OptionSpec::numbers(std::move(name), std::move(def), std::move(help)), m);
  }
  OptionSpec& strings(std::string name, std::vector<std::string> T::*m, std::vector<std::string> def,
                      std::string help) {
    return add(OptionSpec::strings(std::move(name), std::move(def), std::move(help)), m);
  }
  OptionSpec& number_map(std::string name, std::map<std::string, double> T::*m, std::string help) {
    return add(OptionSpec::number_map(std::move(name), std::move(help)), m);
  }
  OptionSpec& string_map(std::string name, std::map<std::string, std::string> T::*m, std::string help) {
    return add(OptionSpec::string_map(std::move(name), std::move(help)), m);
  }
  template <class M>
  OptionSpec& vector(std::string name, M T::*m, std::string help) {
    return add(OptionSpec::vector(std::move(name), std::move(help)), m);
  }

  // A choice bound to an enum: the config names a value, the field holds the enum.
  template <class E>
  OptionSpec& choice(std::string name, E T::*m, const Choices<E>& choices, E def, std::string help) {
    specs_.push_back(OptionSpec::choice(std::move(name), choice_names(choices), choice_name(choices, def), std::move(help)));
    fields_.push_back({[m, choices](T& t, const nlohmann::json& j, const std::string&) {
                         const std::string s = j.get<std::string>();
                         for (const auto& [n, v] : choices)
                           if (n == s) {
                             t.*m = v;
                             return;
                           }
                         fail(ErrorKind::internal, "choice '" + s + "' passed validation but has no enum value");
                       },
                       [m, choices](const T& t) { return nlohmann::json(choice_name(choices, t.*m)); }});
    return specs_.back();
  }

  // An array of tables, each bound to an R through its own declarations.
  template <class R>
  OptionSpec& records(std::string name, std::vector<R> T::*m, const OptionSet<R>& fields, std::string help) {
    specs_.push_back(OptionSpec::records(std::move(name), fields.specs(), std::move(help)));
    const std::string key = specs_.back().name();
    fields_.push_back({[m, fields, key](T& t, const nlohmann::json& j, const std::string& prefix) {
                         (t.*m).clear();
                         for (std::size_t i = 0; i < j.size(); ++i)
                           (t.*m).push_back(fields.bind(j[i], prefix + key + "[" + std::to_string(i) + "]."));
                       },
                       [m, fields](const T& t) {
                         nlohmann::json out = nlohmann::json::array();
                         for (const R& r : t.*m) out.push_back(fields.to_json(r));
                         return out;
                       }});
    return specs_.back();
  }

  // An input read through this option (see InputRef); `def` is the default "stage.artifact".
  OptionSpec& input(std::string name, InputRef T::*m, ArtifactKind kind, std::string def, std::string help) {
    specs_.push_back(OptionSpec::artifact(std::move(name), kind, std::move(def), std::move(help)));
    const std::string key = specs_.back().name();
    fields_.push_back({[m, key](T& t, const nlohmann::json& j, const std::string& prefix) {
                         t.*m = InputRef{prefix + key, j.get<std::string>()};
                       },
                       [m](const T& t) { return nlohmann::json((t.*m).ref); }});
    return specs_.back();
  }

  [[nodiscard]] std::vector<OptionSpec> specs() const { return {specs_.begin(), specs_.end()}; }

  // The struct filled from resolved options (every declared key present, as resolve_options gives).
  // `prefix` is the key path of a record ("layers[1].") so that InputRef slots name the full path.
  [[nodiscard]] T bind(const nlohmann::json& resolved, const std::string& prefix = {}) const {
    T t{};
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      const auto it = resolved.find(specs_[i].name());
      if (it == resolved.end())
        fail(ErrorKind::internal, "option '" + prefix + specs_[i].name() + "' was not resolved before binding");
      fields_[i].read(t, *it, prefix);
    }
    return t;
  }

  [[nodiscard]] nlohmann::json to_json(const T& t) const {
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t i = 0; i < specs_.size(); ++i) out[specs_[i].name()] = fields_[i].write(t);
    return out;
  }

 private:
  struct Field {
    std::function<void(T&, const nlohmann::json&, const std::string& prefix)> read;
    std::function<nlohmann::json(const T&)> write;
  };

  std::deque<OptionSpec> specs_;
  std::vector<Field> fields_;
};

}  // namespace nexusmap
