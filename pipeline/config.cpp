// SPDX-License-Identifier: MIT
#include "pipeline/config.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "pipeline/hash.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad(const SourceRef& where, const std::string& key, const std::string& what) {
  config_error(fmt::format("{}: {}: {}", where.str(), key, what));
}

// ${NAME} and ${NAME:-default}; NAME from [vars] first, then the environment.
std::string expand_vars(const std::string& text, const SourceRef& where, const std::string& key,
                        const std::map<std::string, std::string>& vars) {
  static const std::regex pattern(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\})");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), pattern);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
    const std::string name = m[1].str();
    if (auto v = vars.find(name); v != vars.end()) {
      out += v->second;
    } else if (const char* env = std::getenv(name.c_str()); env && *env) {
      out += env;
    } else if (m[2].matched) {
      out += m[3].str();
    } else {
      bad(where, key, fmt::format("${{{}}} is not defined; set the environment variable {} or add it to [vars]",
                                  name, name));
    }
    last = static_cast<std::size_t>(m.position() + m.length());
  }
  out += text.substr(last);
  return out;
}

std::string require_string(const toml::node& n, const std::string& file, const std::string& key) {
  if (!n.is_string()) bad(source_of(n, file), key, "expected a string");
  return n.as_string()->get();
}

}  // namespace

const std::vector<OptionSpec>& run_option_specs() {
  static const std::vector<OptionSpec> specs = {
      OptionSpec::string("name", "nexusmap", "Scenario name, used in titles and the report."),
      OptionSpec::string("output", "out", "Output directory (relative to the config file); `--out` overrides."),
      OptionSpec::integer("keep_runs", 7, "Complete runs kept under <output>/runs; older ones are deleted.").min(1),
      OptionSpec::integer("keep_failed", 3, "Failed or interrupted runs kept for inspection.").min(0),
      OptionSpec::string("dataset", "",
                         "Description of the input data (TOML: name, licence, source, limitations, [vars]), e.g. "
                         "`${data}/DATASET.toml`; read when the file exists. Its limitations are logged as a warning "
                         "and shown in the report and manifest; its [vars] override the config's."),
  };
  return specs;
}

std::string utc_today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

const StageInstance* PipelineConfig::find(const std::string& id) const {
  for (const auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}

std::size_t PipelineConfig::index_of(const std::string& id) const {
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (stages[i].id == id) return i;
  return SIZE_MAX;
}

namespace {

std::string read_config_text(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    config_error(fmt::format("{}: is a directory; give the config file (TOML) itself", file));
  std::ifstream in(path, std::ios::binary);
  if (!in) config_error(fmt::format("{}: cannot read the config file", file));
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

toml::table parse_toml(const std::string& text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    config_error(fmt::format("{}:{}:{}: {}", file, b.line, b.column, e.description()));
  }
}

// --set section.key=value on top of the file (value in TOML syntax, or a bare word as a string).
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides, const std::string& file) {
  for (const auto& ov : overrides) {
    const auto eq = ov.find('=');
    const auto dot = ov.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
      config_error(fmt::format("--set {}: expected section.key=value, e.g. grid.resolution=500", ov));
    const std::string section = ov.substr(0, dot), key = ov.substr(dot + 1, eq - dot - 1), text = ov.substr(eq + 1);
    toml::table parsed;
    try {
      parsed = toml::parse("value = " + text, "--set " + section + "." + key);
    } catch (const toml::parse_error&) {
      parsed = toml::table{{"value", text}};  // a bare word: take it as a string
    }
    toml::table* target = nullptr;
    if (section == "run" || section == "vars") {
      if (!root.contains(section)) root.insert(section, toml::table{});
      target = root[section].as_table();
    } else if (auto* stages = root["stage"].as_array()) {
      for (auto& st : *stages)
        if (auto* t = st.as_table(); t && (*t)["id"].value<std::string>() == section) target = t;
    }
    if (target == nullptr) config_error(fmt::format("--set {}: no stage with id '{}' in {}", ov, section, file));
    target->insert_or_assign(key, *parsed.get("value"));
  }
}

void check_top_keys(const toml::table& root, const std::string& file) {
  static const std::vector<std::string> top_keys = {"run", "vars", "stage"};
  for (auto&& [k, v] : root) {
    const std::string name(k.str());
    if (std::find(top_keys.begin(), top_keys.end(), name) == top_keys.end()) {
      const std::string hint = closest_match(name, top_keys);
      bad(source_of(v, file), name,
          "unknown top-level key" + (hint.empty() ? std::string{} : "; did you mean '" + hint + "'?") +
              " (a config has [run], [vars] and [[stage]] tables)");
    }
  }
}

using RawVars = std::map<std::string, std::pair<std::string, SourceRef>>;

// The [vars] table as written, with where each value is.
RawVars read_var_table(const toml::table& root, const std::string& file) {
  RawVars raw;
  const toml::node* vn = root.get("vars");
  if (vn == nullptr) return raw;
  if (!vn->is_table()) bad(source_of(*vn, file), "vars", "expected a table of name = \"value\"");
  for (auto&& [k, v] : *vn->as_table())
    raw[std::string(k.str())] = {require_string(v, file, "vars." + std::string(k.str())), source_of(v, file)};
  return raw;
}

// [vars] may refer to each other and to the environment; expand until stable (a cycle is an error).
std::map<std::string, std::string> expand_var_table(const RawVars& raw) {
  std::map<std::string, std::string> vars;
  for (const auto& [name, value] : raw) vars[name] = value.first;
  for (;;) {
    bool changed = false;
    for (auto& [name, value] : vars) {
      if (value.find("${") == std::string::npos) continue;
      std::map<std::string, std::string> others = vars;
      others.erase(name);
      // Leave references to not-yet-expanded vars for the next round.
      std::map<std::string, std::string> ready;
      for (const auto& [n, v] : others)
        if (v.find("${") == std::string::npos) ready[n] = v;
      bool pending = false;
      for (const auto& [n, v] : others)
        if (!ready.count(n) && value.find("${" + n) != std::string::npos) pending = true;
      if (pending) continue;
      value = expand_vars(value, raw.at(name).second, "vars." + name, ready);
      changed = true;
    }
    if (!changed) break;
  }
  for (const auto& [name, value] : vars)
    if (value.find("${") != std::string::npos)
      bad(raw.at(name).second, "vars." + name, "the [vars] refer to each other in a cycle");
  return vars;
}

// [run], and the data's own description when it has one: its [vars] name its files (a --set
// vars.NAME still wins), so one config runs on datasets laid out differently. `vars` is what the
// resolver expands with, so it is updated in place.
RunSettings resolve_run(const toml::table& root, const ResolveContext& rctx, RawVars& raw,
                        std::map<std::string, std::string>& vars, const std::vector<std::string>& overrides) {
  toml::table empty;
  const toml::node* run_node = root.get("run");
  if (run_node && !run_node->is_table()) bad(source_of(*run_node, rctx.config_file), "run", "expected a table");
  const toml::table& table = run_node ? *run_node->as_table() : empty;
  json run = resolve_options(run_option_specs(), table, rctx, "run");
  RunSettings r;
  if (const std::string ds = run["dataset"]; !ds.empty()) {
    std::filesystem::path p(ds);
    if (p.is_relative()) p = rctx.config_dir / p;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
      Dataset d = read_dataset(p.lexically_normal());
      for (const auto& [name, value] : d.vars)
        if (std::none_of(overrides.begin(), overrides.end(),
                         [&](const std::string& ov) { return ov.rfind("vars." + name + "=", 0) == 0; }))
          raw[name] = value;
      vars = expand_var_table(raw);
      run = resolve_options(run_option_specs(), table, rctx, "run");
      r.dataset = std::move(d);
    }
  }
  r.name = run["name"];
  std::filesystem::path out = run["output"].get<std::string>();
  r.output_dir = (out.is_relative() ? rctx.config_dir / out : out).lexically_normal();
  r.keep_runs = run["keep_runs"];
  r.keep_failed = run["keep_failed"];
  return r;
}

// Pass 1: each [[stage]]'s id, kind and resolved, checked options.
std::vector<StageInstance> read_stages(const toml::table& root, const ResolveContext& rctx,
                                       std::vector<const toml::table*>& tables) {
  const std::string& file = rctx.config_file;
  const toml::node* stages_node = root.get("stage");
  if (stages_node == nullptr || !stages_node->is_array_of_tables() || stages_node->as_array()->empty()) {
    bad(stages_node ? source_of(*stages_node, file) : SourceRef{file, 1, 1}, "stage",
        "a config needs at least one [[stage]] table");
  }
  std::vector<StageInstance> listed;
  for (const auto& node : *stages_node->as_array()) {
    const toml::table& t = *node.as_table();
    StageInstance inst;
    inst.where = source_of(t, file);
    const toml::node* id_node = t.get("id");
    if (id_node == nullptr) bad(inst.where, "stage", "every [[stage]] needs an `id`");
    inst.id = require_string(*id_node, file, "stage.id");
    static const std::regex id_re(R"(^[a-z][a-z0-9_]*$)");
    if (!std::regex_match(inst.id, id_re))
      bad(source_of(*id_node, file), "stage.id", fmt::format("'{}' is not a valid id (lower-case letters, digits, _)", inst.id));
    const std::string key = "stage '" + inst.id + "'";
    for (const auto& prev : listed) {
      if (prev.id == inst.id)
        bad(source_of(*id_node, file), key, fmt::format("two stages have the id '{}' (the first at {}); ids must be unique",
                                                        inst.id, prev.where.str()));
    }
    std::string kind = inst.id;
    if (const toml::node* kn = t.get("kind")) kind = require_string(*kn, file, key + ".kind");
    inst.def = find_stage(kind);
    if (inst.def == nullptr) {
      std::vector<std::string> kinds;
      for (const auto& d : registered_stages()) kinds.push_back(d.info.kind);
      const std::string hint = closest_match(kind, kinds);
      std::string all;
      for (const auto& k : kinds) all += (all.empty() ? "" : ", ") + k;
      bad(t.get("kind") ? source_of(*t.get("kind"), file) : source_of(*id_node, file), key,
          fmt::format("unknown stage kind '{}'{}; kinds are {} (set `kind` when the id differs from the kind)", kind,
                      hint.empty() ? "" : "; did you mean '" + hint + "'?", all));
    }
    inst.options = resolve_options(inst.def->info.options, t, rctx, key, {"id", "kind", "inputs"});
    if (inst.def->check) {
      try {
        inst.def->check(inst.options);
      } catch (const Error& e) {
        bad(inst.where, key, e.what());
      }
    }
    listed.push_back(std::move(inst));
    tables.push_back(&t);
  }
  return listed;
}

// The input of `consumer` under `slot`, from "stage-id.artifact" `ref`: checks that a stage produces
// an artifact of the right kind. Returns false (and wires nothing) when the producer is absent and
// the input may be left out.
bool wire_one(StageInstance& consumer, const std::vector<StageInstance>& listed, const std::string& slot,
              ArtifactKind kind, const std::string& ref, bool may_be_absent, const SourceRef& where,
              const std::string& slot_key) {
  const auto dot = ref.find('.');
  if (dot == std::string::npos) bad(where, slot_key, fmt::format("'{}' is not of the form \"stage-id.artifact\"", ref));
  ArtifactRef aref{ref.substr(0, dot), ref.substr(dot + 1)};
  const StageInstance* producer = nullptr;
  for (const auto& s : listed)
    if (s.id == aref.stage) producer = &s;
  if (producer == nullptr) {
    if (may_be_absent) return false;
    bad(where, slot_key,
        fmt::format("input '{}' ({}) needs '{}', but no stage produces it: there is no stage with id '{}'; add "
                    "that stage or set {} to another stage's output",
                    slot, artifact_kind_name(kind), ref, aref.stage, slot_key.substr(slot_key.find('.') + 1)));
  }
  const OutputDecl* out_decl = producer->def->info.output(aref.artifact);
  if (out_decl == nullptr) {
    std::string names;
    for (const auto& o : producer->def->info.outputs) names += (names.empty() ? "" : ", ") + o.name;
    bad(where, slot_key, fmt::format("no stage produces '{}': stage '{}' ({}) writes {}", ref, producer->id,
                                     producer->def->info.kind, names));
  }
  if (out_decl->kind != kind)
    bad(where, slot_key, fmt::format("expects a {}, but '{}' is a {}", artifact_kind_name(kind), ref,
                                     artifact_kind_name(out_decl->kind)));
  if (aref.stage == consumer.id) bad(where, slot_key, "a stage cannot read its own output (cycle)");
  consumer.inputs[slot] = aref;
  return true;
}

// Inputs named by options (OptType::artifact, also inside records): the slot is the option's key
// path. A value the config gave explicitly must have its producer; a default may be left out.
void wire_option_inputs(StageInstance& consumer, const std::vector<StageInstance>& listed,
                        const std::vector<OptionSpec>& specs, const json& values, const toml::table* table,
                        bool explicit_parent, const std::string& prefix, const std::string& file) {
  for (const auto& spec : specs) {
    const toml::node* node = table ? table->get(spec.name()) : nullptr;
    const bool given = explicit_parent || node != nullptr;
    if (spec.type() == OptType::artifact) {
      const std::string ref = values.at(spec.name()).get<std::string>();
      if (ref == "none") continue;
      const SourceRef where = node ? source_of(*node, file) : consumer.where;
      wire_one(consumer, listed, prefix + spec.name(), spec.artifact_kind(), ref, !given, where,
               "stage '" + consumer.id + "'." + prefix + spec.name());
    } else if (spec.type() == OptType::records) {
      const json& records = values.at(spec.name());
      const toml::array* arr = node ? node->as_array() : nullptr;
      for (std::size_t i = 0; i < records.size(); ++i) {
        const toml::table* sub = arr && i < arr->size() ? arr->get(i)->as_table() : nullptr;
        wire_option_inputs(consumer, listed, spec.fields(), records[i], sub, given,
                           fmt::format("{}{}[{}].", prefix, spec.name(), i), file);
      }
    }
  }
}

// Pass 2: every declared input slot (default or from `inputs = {...}`) and every input option.
void wire_inputs(std::vector<StageInstance>& listed, const std::vector<const toml::table*>& tables,
                 const std::string& file) {
  for (std::size_t i = 0; i < listed.size(); ++i) {
    StageInstance& inst = listed[i];
    const toml::table& t = *tables[i];
    const std::string key = "stage '" + inst.id + "'";
    std::map<std::string, std::pair<std::string, SourceRef>> overrides;
    if (const toml::node* in_node = t.get("inputs")) {
      if (!in_node->is_table()) bad(source_of(*in_node, file), key + ".inputs", "expected a table slot = \"stage.artifact\"");
      for (auto&& [k, v] : *in_node->as_table()) {
        const std::string slot(k.str());
        const InputDecl* decl = inst.def->info.input(slot);
        if (decl == nullptr || decl->presented_layers) {
          std::vector<std::string> slots;
          for (const auto& d : inst.def->info.inputs)
            if (!d.presented_layers) slots.push_back(d.slot);
          const std::string hint = closest_match(slot, slots);
          bad(source_of(v, file), key + ".inputs." + slot,
              "unknown input" + (hint.empty() ? std::string{} : "; did you mean '" + hint + "'?"));
        }
        overrides[slot] = {require_string(v, file, key + ".inputs." + slot), source_of(v, file)};
      }
    }
    for (const auto& decl : inst.def->info.inputs) {
      if (decl.presented_layers) continue;
      std::string ref = decl.default_ref;
      SourceRef where = inst.where;
      const bool explicit_ref = overrides.count(decl.slot) > 0;
      if (explicit_ref) std::tie(ref, where) = overrides[decl.slot];
      const std::string slot_key = key + ".inputs." + decl.slot;
      if (ref == "none" || ref.empty()) {
        if (!decl.optional) bad(where, slot_key, "this input is required and cannot be \"none\"");
        continue;
      }
      wire_one(inst, listed, decl.slot, decl.kind, ref, decl.optional && !explicit_ref, where, slot_key);
    }
    wire_option_inputs(inst, listed, inst.def->info.options, inst.options, &t, false, "", file);
  }
  for (std::size_t i = 0; i < listed.size(); ++i) wire_presented_layers(listed, i);
}

// Topological order (Kahn), keeping config order among ready stages; leftovers form a cycle.
std::vector<StageInstance> topological_order(std::vector<StageInstance> listed) {
  const std::size_t n = listed.size();
  std::vector<std::set<std::size_t>> ups(n);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& [slot, ref] : listed[i].inputs)
      for (std::size_t j = 0; j < n; ++j)
        if (listed[j].id == ref.stage) ups[i].insert(j);
  std::vector<bool> placed(n, false);
  std::vector<std::size_t> order;
  while (order.size() < n) {
    bool progress = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (placed[i]) continue;
      if (std::all_of(ups[i].begin(), ups[i].end(), [&](std::size_t j) { return placed[j]; })) {
        placed[i] = true;
        order.push_back(i);
        progress = true;
        break;
      }
    }
    if (!progress) {
      // Walk upstream from an unplaced stage until a stage repeats: that loop is the cycle.
      std::size_t cur = 0;
      while (placed[cur]) ++cur;
      std::vector<std::size_t> walk;
      while (std::find(walk.begin(), walk.end(), cur) == walk.end()) {
        walk.push_back(cur);
        for (std::size_t j : ups[cur])
          if (!placed[j]) {
            cur = j;
            break;
          }
      }
      std::string cycle;
      auto start = std::find(walk.begin(), walk.end(), cur);
      for (auto it = walk.rbegin(); it != walk.rend(); ++it) {
        cycle += "'" + listed[*it].id + "' -> ";
        if (it.base() - 1 == start) break;
      }
      cycle += "'" + listed[cur].id + "'";
      bad(listed[cur].where, "stage '" + listed[cur].id + "'",
          fmt::format("the stage inputs form a cycle: {}; change one of their `inputs`", cycle));
    }
  }
  std::vector<std::size_t> new_index(n);
  for (std::size_t k = 0; k < n; ++k) new_index[order[k]] = k;
  std::vector<StageInstance> sorted;
  for (std::size_t k = 0; k < n; ++k) {
    StageInstance inst = std::move(listed[order[k]]);
    for (std::size_t j : ups[order[k]]) inst.upstream.push_back(new_index[j]);
    std::sort(inst.upstream.begin(), inst.upstream.end());
    sorted.push_back(std::move(inst));
  }
  return sorted;
}

}  // namespace

void wire_presented_layers(std::vector<StageInstance>& stages, std::size_t consumer) {
  StageInstance& c = stages[consumer];
  const bool wants = std::any_of(c.def->info.inputs.begin(), c.def->info.inputs.end(),
                                 [](const InputDecl& d) { return d.presented_layers; });
  if (!wants) return;
  for (std::size_t j = 0; j < stages.size(); ++j) {
    if (j == consumer) continue;
    const StageInstance& producer = stages[j];
    if (std::any_of(producer.def->info.inputs.begin(), producer.def->info.inputs.end(),
                    [](const InputDecl& d) { return d.presented_layers; }))
      continue;  // two collectors must not read each other
    for (const auto& out : producer.def->info.outputs) {
      if (!out.presentation) continue;
      const bool layer = out.kind == ArtifactKind::raster ? !out.role.empty()
                         : out.kind == ArtifactKind::vector ? !out.presentation->gpkg_layer.empty()
                                                            : false;
      if (!layer) continue;
      const std::string slot = producer.id + "." + out.name;
      if (c.inputs.count(slot)) continue;
      c.inputs[slot] = {producer.id, out.name};
      c.presented.push_back(slot);
    }
  }
}

PipelineConfig load_config(const std::filesystem::path& path, const LoadOptions& options) {
  PipelineConfig cfg;
  std::error_code ec;
  cfg.file = std::filesystem::absolute(path, ec).lexically_normal();
  const std::string file = path.string();
  cfg.text = read_config_text(path);
  cfg.sha256 = sha256_hex(cfg.text);
  toml::table root = parse_toml(cfg.text, file);
  cfg.overrides = options.overrides;
  apply_overrides(root, options.overrides, file);
  check_top_keys(root, file);
  RawVars raw = read_var_table(root, file);
  std::map<std::string, std::string> vars = expand_var_table(raw);

  ResolveContext rctx;
  rctx.config_dir = cfg.file.parent_path();
  rctx.config_file = file;
  rctx.today = options.today.empty() ? utc_today() : options.today;
  rctx.check_files = options.check_files;
  rctx.expand = [&vars](const std::string& text, const SourceRef& where, const std::string& key) {
    return expand_vars(text, where, key, vars);
  };
  cfg.run = resolve_run(root, rctx, raw, vars, options.overrides);

  std::vector<const toml::table*> tables;
  std::vector<StageInstance> listed = read_stages(root, rctx, tables);
  wire_inputs(listed, tables, file);
  cfg.stages = topological_order(std::move(listed));
  return cfg;
}

}  // namespace nexusmap
