// SPDX-License-Identifier: MIT
#include "pipeline/cli_options.hpp"

#include <algorithm>

#include <toml++/toml.h>

namespace nexusmap {
namespace {

std::string flag_of(const std::string& name) {
  std::string f = "--" + name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

// A command-line word as the TOML value it spells (500, 1.5, true), else as a string.
void append_value(toml::array& arr, const std::string& text) {
  try {
    toml::table t = toml::parse("v = " + text);
    if (const toml::node* v = t.get("v"); v && !v->is_table() && !v->is_array()) {
      arr.push_back(*v);
      return;
    }
  } catch (const toml::parse_error&) {
  }
  arr.push_back(text);
}

bool is_list(OptType t) {
  return t == OptType::number_list || t == OptType::string_list || t == OptType::path_list;
}

bool is_text(OptType t) {
  return t == OptType::string || t == OptType::choice || t == OptType::date || t == OptType::path ||
         t == OptType::vector_source || t == OptType::artifact;
}

}  // namespace

DeclaredOptions::DeclaredOptions(CLI::App* command, std::vector<OptionSpec> specs)
    : command_(command), specs_(std::move(specs)) {
  for (const auto& s : specs_) {
    const std::string help = s.help() + " [" + s.describe() + "]";
    if (s.type() == OptType::boolean) {
      command_->add_flag(flag_of(s.name()), flags_[s.name()], help);
      continue;
    }
    CLI::Option* opt = command_->add_option(flag_of(s.name()), values_[s.name()], help);
    if (!is_list(s.type())) opt->expected(1);
    if (s.required()) opt->required();
  }
}

nlohmann::json DeclaredOptions::resolve() const {
  toml::table table;
  for (const auto& s : specs_) {
    if (s.type() == OptType::boolean) {
      if (const auto it = flags_.find(s.name()); it != flags_.end() && it->second) table.insert(s.name(), true);
      continue;
    }
    const auto it = values_.find(s.name());
    if (it == values_.end() || it->second.empty()) continue;
    toml::array arr;
    for (const auto& v : it->second) {
      if (is_text(s.type())) arr.push_back(v);  // a file named 500 stays a string
      else append_value(arr, v);
    }
    if (is_list(s.type())) table.insert(s.name(), std::move(arr));
    else table.insert(s.name(), *arr.get(0));
  }
  ResolveContext ctx;
  ctx.command_line = true;
  ctx.config_file = "nexusmap " + command_->get_name();
  ctx.check_files = false;  // the tools name missing files themselves, as input errors
  return resolve_options(specs_, table, ctx, "");
}

}  // namespace nexusmap
