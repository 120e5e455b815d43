// SPDX-License-Identifier: MIT
#include "pipeline/runner.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "nexusmap/version.hpp"
#include "pipeline/cache.hpp"
#include "pipeline/context.hpp"
#include "pipeline/hash.hpp"
#include "pipeline/logging.hpp"
#include "pipeline/run_folder.hpp"
#include "pipeline/versions.hpp"
#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

enum class Status { pending, ran, cached, failed, skipped, not_selected };

const char* status_name(Status s) {
  switch (s) {
    case Status::pending: return "pending";
    case Status::ran: return "ran";
    case Status::cached: return "cached";
    case Status::failed: return "failed";
    case Status::skipped: return "skipped";
    case Status::not_selected: return "not_selected";
  }
  return "?";
}

struct StageRun {
  Status status = Status::pending;
  std::string key;
  CacheEntry entry;
  double started = 0, finished = 0;
  std::string error;
  ErrorKind error_kind = ErrorKind::stage;
};

using DigestMap = std::map<std::string, FileDigest>;

// Options with every input file replaced by its content digest: what the cache key depends on,
// so moving the data directory does not invalidate the cache but editing a file does.
json content_identity(const OptionSpec& spec, const json& value, const DigestMap& digests) {
  if (value.is_null()) return value;
  switch (spec.type()) {
    case OptType::path:
    case OptType::path_list:
    case OptType::vector_source: {
      json files = json::array();
      for (const auto& f : files_of_option(spec, value)) files.push_back(digests.at(f.string()).sha256);
      json rest = value;
      if (rest.is_object()) rest.erase("path");
      else rest = nullptr;
      return {{"files", files}, {"rest", rest}};
    }
    case OptType::records: {
      json out = json::array();
      for (const auto& rec : value) {
        json r = json::object();
        for (const auto& f : spec.fields()) r[f.name()] = content_identity(f, rec.at(f.name()), digests);
        out.push_back(r);
      }
      return out;
    }
    default: return value;
  }
}

json options_identity(const StageInstance& s, const DigestMap& digests) {
  json out = json::object();
  for (const auto& spec : s.def->info.options)
    out[spec.name()] = content_identity(spec, s.options.at(spec.name()), digests);
  return out;
}

// The version and the digest of the running executable: any rebuild that changes the code changes
// every cache key, even when the version string (set at configure time) does not.
std::string program_identity() {
  static const std::string id = [] {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::string digest = ec ? std::string("unknown") : sha256_file(exe);
    return fmt::format("{} {} {}", build::version, build::git_revision, digest);
  }();
  return id;
}

// The dataset description is part of every key: the report shows it, and it names the files.
std::string cache_key(const PipelineConfig& cfg, const StageInstance& s, const json& input_hashes,
                      const DigestMap& digests, const std::map<std::string, std::string>& output_names) {
  const json k = {{"program", program_identity()},
                  {"kind", s.def->info.kind},
                  {"id", s.id},
                  {"options", options_identity(s, digests)},
                  {"inputs", input_hashes},
                  {"published", output_names},
                  {"dataset", cfg.run.dataset ? cfg.run.dataset->sha256 : ""}};
  return sha256_hex(k.dump());
}

DigestMap digest_inputs(const PipelineConfig& cfg, const std::vector<bool>& selected, json* manifest_inputs) {
  DigestMap digests;
  for (std::size_t i = 0; i < cfg.stages.size(); ++i) {
    if (!selected[i]) continue;
    const auto& s = cfg.stages[i];
    for (const auto& spec : s.def->info.options) {
      for (const auto& f : files_of_option(spec, s.options.at(spec.name()))) {
        const std::string key = f.string();
        if (!digests.count(key)) digests[key] = digest_file(f);
        if (manifest_inputs)
          manifest_inputs->push_back({{"stage", s.id}, {"option", spec.name()}, {"path", key},
                                      {"sha256", digests[key].sha256}, {"size", digests[key].size}});
      }
    }
  }
  return digests;
}

std::vector<bool> select_stages(const PipelineConfig& cfg, const std::vector<std::string>& only) {
  std::vector<bool> selected(cfg.stages.size(), only.empty());
  for (const auto& id : only) {
    const std::size_t i = cfg.index_of(id);
    if (i == SIZE_MAX) {
      std::vector<std::string> ids;
      for (const auto& s : cfg.stages) ids.push_back(s.id);
      const std::string hint = closest_match(id, ids);
      config_error(fmt::format("--only {}: no stage with this id in {}{}", id, cfg.file.string(),
                               hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    selected[i] = true;
  }
  // Everything upstream of a selected stage is needed too (from the cache when possible).
  for (std::size_t k = cfg.stages.size(); k-- > 0;)
    if (selected[k])
      for (std::size_t u : cfg.stages[k].upstream) selected[u] = true;
  return selected;
}

// File names in the run folder: "<artifact or file_stem>.<ext>", prefixed by the stage id when two
// stages publish files of the same name.
std::map<std::pair<std::string, std::string>, std::string> publish_names(const PipelineConfig& cfg) {
  const auto file_of = [](const OutputDecl& o) {
    return (o.file_stem.empty() ? o.name : o.file_stem) + artifact_extension(o.kind);
  };
  std::map<std::string, int> count;
  for (const auto& s : cfg.stages)
    for (const auto& o : s.def->info.outputs)
      if (!o.role.empty()) ++count[file_of(o)];
  std::map<std::pair<std::string, std::string>, std::string> names;
  for (const auto& s : cfg.stages)
    for (const auto& o : s.def->info.outputs)
      if (!o.role.empty()) names[{s.id, o.name}] = (count[file_of(o)] > 1 ? s.id + "_" : "") + file_of(o);
  return names;
}

// What a stage's cache key and provenance record about one input: the producer, the content and,
// for published artifacts, the file name in the run folder (a QGIS project refers to it by name).
json input_identity(const ArtifactRef& ref, const std::string& content_hash,
                    const std::map<std::pair<std::string, std::string>, std::string>& names) {
  json j = {{"ref", ref.str()}, {"sha256", content_hash}};
  if (auto it = names.find({ref.stage, ref.artifact}); it != names.end()) j["published"] = it->second;
  return j;
}

// The run-folder names of a stage's own published outputs (also part of its cache key).
std::map<std::string, std::string> own_output_names(
    const StageInstance& s, const std::map<std::pair<std::string, std::string>, std::string>& names) {
  std::map<std::string, std::string> out;
  for (const auto& o : s.def->info.outputs)
    if (auto it = names.find({s.id, o.name}); it != names.end()) out[o.name] = it->second;
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) input_error(fmt::format("{}: cannot write", p.string()));
}

// --force applies to the --only stages, or to all.
bool is_forced(const RunOptions& opts, const std::string& id) {
  return opts.force && (opts.only.empty() || std::count(opts.only.begin(), opts.only.end(), id) > 0);
}

// Test-only hooks: NEXUSMAP_TEST_STAGE_DELAY_MS makes every computed stage take at least that long,
// NEXUSMAP_TEST_PUBLISH_DELAY_MS pauses between copying the outputs and completing the run, so fault
// tests can kill a run at chosen points and observe overlap.
void test_delay(const char* variable = "NEXUSMAP_TEST_STAGE_DELAY_MS") {
  if (const char* env = std::getenv(variable); env && *env)
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(env)));
}

class Executor {
 public:
  Executor(const PipelineConfig& cfg, const RunOptions& opts, const Cache& cache, const DigestMap& digests,
           std::vector<bool> selected, int threads)
      : cfg_(cfg), opts_(opts), cache_(cache), digests_(digests), selected_(std::move(selected)),
        threads_(threads), runs_(cfg.stages.size()), names_(publish_names(cfg)) {
    for (std::size_t i = 0; i < cfg.stages.size(); ++i)
      if (!selected_[i]) runs_[i].status = Status::not_selected;
  }

  void execute() {
    const std::size_t n = cfg_.stages.size();
    std::vector<std::vector<std::size_t>> downstream(n);
    remaining_ = std::vector<std::atomic<int>>(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!selected_[i]) continue;
      int ups = 0;
      for (std::size_t u : cfg_.stages[i].upstream)
        if (selected_[u]) {
          downstream[u].push_back(i);
          ++ups;
        }
      remaining_[i].store(ups);
    }
    downstream_ = std::move(downstream);
    t0_ = Clock::now();
#pragma omp parallel num_threads(threads_)
#pragma omp single
    {
      for (std::size_t i = 0; i < n; ++i)
        if (selected_[i] && remaining_[i].load() == 0) spawn(i);
    }
  }

  [[nodiscard]] const std::vector<StageRun>& runs() const { return runs_; }
  [[nodiscard]] bool failed() const { return failed_.load(); }

 private:
  void spawn(std::size_t i) {
#pragma omp task firstprivate(i) default(shared)
    {
      run_stage(i);
      for (std::size_t d : downstream_[i])
        if (remaining_[d].fetch_sub(1) == 1) spawn(d);
    }
  }

  [[nodiscard]] double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

  void run_stage(std::size_t i) {
    const StageInstance& s = cfg_.stages[i];
    StageRun& r = runs_[i];
    auto log = Logging::get(s.id);
    r.started = now();
    bool upstream_ok = true;
    for (std::size_t u : s.upstream)
      if (selected_[u] && runs_[u].status != Status::ran && runs_[u].status != Status::cached) upstream_ok = false;
    if (!upstream_ok || failed_.load()) {
      r.status = Status::skipped;
      r.finished = r.started;
      Logging::event({{"event", "stage"}, {"stage", s.id}, {"status", "skipped"}});
      return;
    }
    std::filesystem::path staging;
    try {
      json input_hashes = json::object();
      std::map<std::string, Artifact> inputs;
      std::map<std::string, std::string> published;
      for (const auto& [slot, ref] : s.inputs) {
        const std::size_t u = cfg_.index_of(ref.stage);
        const auto found = runs_[u].entry.artifacts.find(ref.artifact);
        if (found == runs_[u].entry.artifacts.end()) {
          // Optional outputs may be missing; presented layers and option inputs are read when present.
          const InputDecl* decl = s.def->info.input(slot);
          if (decl == nullptr || decl->optional) continue;
          fail(ErrorKind::stage, fmt::format("stage '{}': input '{}' needs '{}', which that stage did not write",
                                             s.id, slot, ref.str()));
        }
        const Artifact& a = found->second;
        input_hashes[slot] = input_identity(ref, a.content_hash(), names_);
        inputs[slot] = a;
        if (auto it = names_.find({ref.stage, ref.artifact}); it != names_.end()) published[slot] = it->second;
      }
      const auto output_names = own_output_names(s, names_);
      r.key = cache_key(cfg_, s, input_hashes, digests_, output_names);
      if (!is_forced(opts_, s.id)) {
        std::string problem;
        if (auto hit = cache_.lookup(s.id, r.key, &problem)) {
          r.entry = std::move(*hit);
          r.status = Status::cached;
          r.finished = now();
          log->debug("cached ({})", r.key.substr(0, 12));
          Logging::event({{"event", "stage"}, {"stage", s.id}, {"status", "cached"}, {"key", r.key}});
          return;
        }
        if (!problem.empty()) log->warn("cache entry was corrupted ({}); recomputing", problem);
      }
      log->info("running");
      Logging::event({{"event", "stage_start"}, {"stage", s.id}, {"key", r.key}});
      staging = cache_.begin(s.id, r.key);
      StageEnv env;
      env.staging_dir = staging;
      env.inputs = std::move(inputs);
      env.published_names = std::move(published);
      env.output_names = output_names;
      json files = json::object();
      for (const auto& spec : s.def->info.options)
        for (const auto& f : files_of_option(spec, s.options.at(spec.name())))
          files[f.filename().string()] = digests_.at(f.string()).sha256;
      env.provenance = {{"stage", s.id}, {"kind", s.def->info.kind}, {"key", r.key},
                        {"inputs", {{"artifacts", input_hashes}, {"files", files}}}};
      env.logger = log;
      env.progress = Logging::progress().track(s.id);
      env.threads = threads_;
      env.config = &cfg_;
      StageContext ctx(s, std::move(env));
      const auto t = Clock::now();
      s.def->run(ctx);
      test_delay();
      const double seconds = std::chrono::duration<double>(Clock::now() - t).count();
      Logging::progress().finish(s.id);
      r.entry = cache_.commit(s.id, r.key, staging, s.def->info.outputs, ctx.sidecars(), ctx.layer_roles(),
                               ctx.summary(), seconds);
      r.status = Status::ran;
      r.finished = now();
      log->info("done in {:.2f} s", seconds);
      Logging::event({{"event", "stage"}, {"stage", s.id}, {"status", "ran"}, {"seconds", seconds}, {"key", r.key}});
    } catch (const Error& e) {
      fail_stage(i, e.what(), e.kind(), staging);
    } catch (const std::exception& e) {
      fail_stage(i, e.what(), ErrorKind::stage, staging);
    }
  }

  void fail_stage(std::size_t i, const std::string& what, ErrorKind kind, const std::filesystem::path& staging) {
    const StageInstance& s = cfg_.stages[i];
    StageRun& r = runs_[i];
    Logging::progress().finish(s.id);
    if (!staging.empty()) cache_.discard(staging);
    r.status = Status::failed;
    r.finished = now();
    // Messages from the algorithm layers rarely know the stage: say it here.
    r.error = what.rfind("stage '" + s.id + "'", 0) == 0 ? what : fmt::format("stage '{}': {}", s.id, what);
    r.error_kind = kind;
    failed_.store(true);
    Logging::get(s.id)->error("{}", r.error);
    Logging::event({{"event", "stage"}, {"stage", s.id}, {"status", "failed"}, {"error", r.error}});
  }

  const PipelineConfig& cfg_;
  const RunOptions& opts_;
  const Cache& cache_;
  const DigestMap& digests_;
  std::vector<bool> selected_;
  int threads_;
  std::vector<StageRun> runs_;
  std::map<std::pair<std::string, std::string>, std::string> names_;
  std::vector<std::atomic<int>> remaining_;
  std::vector<std::vector<std::size_t>> downstream_;
  std::atomic<bool> failed_{false};
  Clock::time_point t0_;
};

std::string iso_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

// Copies role artifacts into the run folder and lists them for the manifest.
json publish_outputs(const PipelineConfig& cfg, const std::vector<StageRun>& runs,
                     const std::filesystem::path& run_dir) {
  const auto names = publish_names(cfg);
  json outputs = json::array();
  for (std::size_t i = 0; i < cfg.stages.size(); ++i) {
    const auto& s = cfg.stages[i];
    if (runs[i].status != Status::ran && runs[i].status != Status::cached) continue;
    for (const auto& o : s.def->info.outputs) {
      if (o.role.empty()) continue;
      const auto found = runs[i].entry.artifacts.find(o.name);
      if (found == runs[i].entry.artifacts.end()) continue;  // an optional output not written
      const Artifact& a = found->second;
      const std::string published = names.at({s.id, o.name});
      const std::string stem = std::filesystem::path(published).stem().string();
      std::filesystem::copy_file(a.path(), run_dir / published, std::filesystem::copy_options::overwrite_existing);
      json entry = {{"role", o.role}, {"path", published}, {"kind", artifact_kind_name(o.kind)},
                    {"sha256", a.primary.sha256}, {"stage", s.id}, {"artifact", o.name}};
      json side = json::array();
      for (const auto& sc : a.sidecars) {
        // "<artifact>.qml" -> "<published stem>.qml" so QGIS finds the style beside its raster.
        std::string file = sc.file;
        if (file.rfind(o.name, 0) == 0) file = stem + file.substr(o.name.size());
        std::filesystem::copy_file(a.dir / sc.file, run_dir / file, std::filesystem::copy_options::overwrite_existing);
        side.push_back({{"path", file}, {"sha256", sc.sha256}});
      }
      if (!side.empty()) entry["sidecars"] = side;
      outputs.push_back(entry);
      for (const auto& lr : a.layer_roles) {
        json layer_entry = entry;
        layer_entry["role"] = lr.role;
        layer_entry["layer"] = lr.layer;
        layer_entry.erase("sidecars");
        outputs.push_back(layer_entry);
      }
    }
  }
  return outputs;
}

json stage_report(const PipelineConfig& cfg, const std::vector<StageRun>& runs, const Cache& cache) {
  json stages = json::array();
  for (std::size_t i = 0; i < cfg.stages.size(); ++i) {
    const auto& s = cfg.stages[i];
    const auto& r = runs[i];
    json j = {{"id", s.id}, {"kind", s.def->info.kind}, {"status", status_name(r.status)}};
    if (r.status == Status::ran || r.status == Status::cached) {
      j["seconds"] = r.status == Status::ran ? r.finished - r.started : 0.0;
      j["compute_seconds"] = r.entry.seconds;
      j["started"] = r.started;
      j["finished"] = r.finished;
      j["cache_key"] = r.key;
      j["cache_entry"] = cache.entry_dir(s.id, r.key).lexically_relative(cache.root()).string();
      j["summary"] = r.entry.summary;
    }
    if (r.status == Status::failed) j["error"] = r.error;
    j["options"] = s.options;
    stages.push_back(j);
  }
  return stages;
}

int resolve_threads(int requested) { return requested > 0 ? requested : std::max(1, omp_get_num_procs()); }

// The cache entries the retained complete runs refer to.
std::set<std::string> entries_in_use(const RunFolder& folder) {
  std::set<std::string> keep;
  for (const auto& dir : folder.complete_runs()) {
    std::ifstream in(dir / "manifest.json");
    if (!in) continue;
    try {
      const auto m = json::parse(in);
      for (const auto& st : m.value("stages", json::array()))
        if (st.contains("cache_entry")) keep.insert(st["cache_entry"].get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return keep;
}

int exit_code_of(ErrorKind kind) {
  return kind == ErrorKind::input_data ? 3 : kind == ErrorKind::config ? 2 : 5;
}


// One run from the lock to the last log line: the steps of run_pipeline.
class Run {
 public:
  Run(const PipelineConfig& cfg, const RunOptions& opts)
      : cfg_(cfg),
        opts_(opts),
        selected_(select_stages(cfg, opts.only)),
        out_(opts.out_dir ? std::filesystem::absolute(*opts.out_dir) : cfg.run.output_dir),
        threads_(resolve_threads(opts.threads)),
        folder_(out_),
        run_id_(folder_.new_run_id(cfg.sha256)),
        lock_(out_, run_id_),
        cache_(out_ / "cache"),
        partial_(folder_.partial_dir(run_id_)) {}

  RunOutcome execute() {
    start();
    run_stages();
    manifest_["run"]["seconds"] = std::chrono::duration<double>(Clock::now() - t0_).count();
    manifest_["run"]["finished"] = iso_now();
    if (!runs_.empty()) manifest_["stages"] = stage_report(cfg_, runs_, cache_);
    return failure_.empty() ? succeed() : fail_run();
  }

 private:
  void start() {
    omp_set_num_threads(threads_);
    omp_set_max_active_levels(2);
    if (const int n = folder_.mark_interrupted(); n > 0)
      log_->warn("{} interrupted run folder(s) from earlier runs marked .incomplete", n);
    cache_.clean_staging();
    std::filesystem::create_directories(partial_);
    Logging::open_json_log(partial_ / "log.jsonl");
    t0_ = Clock::now();
    log_->info("run {} of {} ({} stage(s), {} thread(s)) into {}", run_id_, cfg_.file.filename().string(),
               std::count(selected_.begin(), selected_.end(), true), threads_, out_.string());
    Logging::event({{"event", "run_start"}, {"run", run_id_}, {"config", cfg_.file.string()}, {"threads", threads_}});
    if (const auto& d = cfg_.run.dataset) {
      std::string limits;
      for (const auto& l : d->limitations) limits += "\n  - " + l;
      log_->warn("data: {} ({}){}{}", d->name, d->file.parent_path().string(),
                 limits.empty() ? "" : "; it cannot support:", limits);
      Logging::event({{"event", "dataset"}, {"dataset", dataset_json(*d)}});
    }
    manifest_ = {{"manifest_version", 1},
                 {"versions", version_info()},
                 {"run", {{"id", run_id_}, {"name", cfg_.run.name}, {"started", iso_now()}, {"threads", threads_},
                          {"only", opts_.only}, {"force", opts_.force}}},
                 {"config", {{"path", cfg_.file.string()}, {"sha256", cfg_.sha256}, {"text", cfg_.text},
                             {"overrides", cfg_.overrides}}},
                 {"inputs", json::array()}};
    if (cfg_.run.dataset) manifest_["dataset"] = dataset_json(*cfg_.run.dataset);
  }

  void run_stages() {
    try {
      const DigestMap digests = digest_inputs(cfg_, selected_, &manifest_["inputs"]);
      Executor exec(cfg_, opts_, cache_, digests, selected_, threads_);
      exec.execute();
      runs_ = exec.runs();
      for (const auto& r : runs_)
        if (r.status == Status::failed && failure_.empty()) {
          failure_ = r.error;
          failure_kind_ = r.error_kind;
        }
    } catch (const Error& e) {
      failure_ = e.what();
      failure_kind_ = e.kind();
    }
  }

  RunOutcome fail_run() {
    manifest_["run"]["status"] = "failed";
    manifest_["run"]["error"] = failure_;
    manifest_["outputs"] = json::array();
    write_file(partial_ / "manifest.json", manifest_.dump(2) + "\n");
    Logging::event({{"event", "run_end"}, {"run", run_id_}, {"status", "failed"}, {"error", failure_}});
    Logging::close_json_log();
    RunOutcome outcome;
    outcome.run_id = run_id_;
    outcome.run_dir = folder_.mark_failed(run_id_);
    folder_.retire(cfg_.run.keep_runs, cfg_.run.keep_failed);
    outcome.exit_code = exit_code_of(failure_kind_);
    outcome.message = failure_;
    log_->error("run failed; the previous results under {}/latest are unchanged; details in {}", out_.string(),
                (outcome.run_dir / "log.jsonl").string());
    return outcome;
  }

  RunOutcome succeed() {
    const bool all_selected = std::all_of(selected_.begin(), selected_.end(), [](bool b) { return b; });
    manifest_["run"]["status"] = "success";
    manifest_["outputs"] = publish_outputs(cfg_, runs_, partial_);
    test_delay("NEXUSMAP_TEST_PUBLISH_DELAY_MS");
    write_file(partial_ / "manifest.json", manifest_.dump(2) + "\n");
    Logging::event({{"event", "run_end"}, {"run", run_id_}, {"status", "success"},
                    {"seconds", manifest_["run"]["seconds"]}});
    Logging::close_json_log();
    RunOutcome outcome;
    outcome.run_id = run_id_;
    outcome.run_dir = folder_.complete(run_id_);
    if (all_selected) folder_.point_latest(run_id_);
    else log_->info("partial run (--only): {}/latest left unchanged", out_.string());
    folder_.retire(cfg_.run.keep_runs, cfg_.run.keep_failed);
    if (all_selected) cache_.prune(entries_in_use(folder_));
    int ran = 0, cached = 0;
    for (const auto& r : runs_) {
      ran += r.status == Status::ran;
      cached += r.status == Status::cached;
    }
    log_->info("run {} complete in {:.1f} s ({} ran, {} cached): {}", run_id_, manifest_["run"]["seconds"].get<double>(),
               ran, cached, outcome.run_dir.string());
    return outcome;
  }

  const PipelineConfig& cfg_;
  const RunOptions& opts_;
  const std::vector<bool> selected_;
  const std::filesystem::path out_;
  const int threads_;
  RunFolder folder_;
  const std::string run_id_;
  OutputLock lock_;
  Cache cache_;
  const std::filesystem::path partial_;
  std::shared_ptr<spdlog::logger> log_ = Logging::get("nexusmap");
  Clock::time_point t0_;
  json manifest_;
  std::vector<StageRun> runs_;
  std::string failure_;
  ErrorKind failure_kind_ = ErrorKind::stage;
};

}  // namespace

RunOutcome run_pipeline(const PipelineConfig& cfg, const RunOptions& opts) { return Run(cfg, opts).execute(); }

// Per stage: cached when every input's producer is cached (its entry says what it wrote) and an
// entry for the stage's own key exists; an entry that cannot be read counts as "will run".
void print_plan(const PipelineConfig& cfg, const RunOptions& opts, std::ostream& out) {
  const std::vector<bool> selected = select_stages(cfg, opts.only);
  const std::filesystem::path out_dir = opts.out_dir ? std::filesystem::absolute(*opts.out_dir) : cfg.run.output_dir;
  const Cache cache(out_dir / "cache");
  const DigestMap digests = digest_inputs(cfg, selected, nullptr);
  const auto names = publish_names(cfg);
  std::vector<std::optional<CacheEntry>> entries(cfg.stages.size());
  out << fmt::format("plan for {} -> {}\n", cfg.file.string(), out_dir.string());
  for (std::size_t i = 0; i < cfg.stages.size(); ++i) {
    const auto& s = cfg.stages[i];
    std::string deps;
    for (const auto& [slot, ref] : s.inputs) deps += (deps.empty() ? "" : ", ") + ref.str();
    std::string status;
    if (!selected[i]) {
      status = "not selected";
    } else {
      bool upstream_runs = false;
      json input_hashes = json::object();
      for (const auto& [slot, ref] : s.inputs) {
        const auto& up = entries[cfg.index_of(ref.stage)];
        const auto found = up ? up->artifacts.find(ref.artifact) : decltype(up->artifacts.end()){};
        if (!up || found == up->artifacts.end()) {
          // An optional output the producer did not write is simply not connected.
          if (up && (s.def->info.input(slot) == nullptr || s.def->info.input(slot)->optional)) continue;
          upstream_runs = true;
          continue;
        }
        input_hashes[slot] = input_identity(ref, found->second.content_hash(), names);
      }
      if (upstream_runs) {
        status = "will run (an upstream stage runs)";
      } else {
        const std::string key = cache_key(cfg, s, input_hashes, digests, own_output_names(s, names));
        if (is_forced(opts, s.id)) {
          status = "will run (--force)";
        } else if ((entries[i] = cache.peek(s.id, key))) {
          status = "cached";
        } else {
          status = "will run";
        }
      }
    }
    out << fmt::format("  {:<12} {:<12} {:<34} <- {}\n", s.id, s.def->info.kind, status, deps.empty() ? "-" : deps);
  }
}

}  // namespace nexusmap
