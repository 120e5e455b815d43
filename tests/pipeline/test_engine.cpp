// SPDX-License-Identifier: MIT
// The runner end to end on the real binary: cache rules, overlap of independent stages, atomic
// publishing under kill -9, the lock, manifests, retention, determinism across thread counts.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "pipeline/hash.hpp"
#include "pipeline/help.hpp"
#include "tests/pipeline/fixtures.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;
using test::TempDir;

class Engine : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_synthetic_dem(dir_ / "dem.tif");
    write_config();
  }
  void write_config(const std::string& extra = "", const std::string& terrain_extra = "") {
    test::write_text(config(), test::basic_config(dir_ / "dem.tif", out(), terrain_extra) + extra);
  }
  [[nodiscard]] std::filesystem::path config() const { return dir_ / "c.toml"; }
  [[nodiscard]] std::filesystem::path out() const { return dir_ / "out"; }
  test::CommandResult run(const std::string& args = "") {
    return test::run_nexusmap("run " + config().string() + " " + args);
  }
  // A second terrain stage, independent of the first (both need only the grid).
  [[nodiscard]] std::string second_terrain() const {
    return "\n[[stage]]\nid = \"terrain_b\"\nkind = \"terrain\"\nresampling = \"nearest\"\ndem = \"" +
           (dir_ / "dem.tif").string() + "\"\n";
  }

  TempDir dir_;
};

TEST_F(Engine, FirstRunComputesSecondRunIsFullyCached) {
  auto r1 = run();
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const json m1 = test::latest_manifest(out());
  EXPECT_EQ(m1["run"]["status"], "success");
  EXPECT_EQ(test::stage_status(m1), (std::map<std::string, std::string>{{"grid", "ran"}, {"terrain", "ran"}}));

  const auto t0 = std::chrono::steady_clock::now();
  auto r2 = run();
  const double rerun = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const json m2 = test::latest_manifest(out());
  EXPECT_NE(m1["run"]["id"], m2["run"]["id"]);
  EXPECT_EQ(test::stage_status(m2), (std::map<std::string, std::string>{{"grid", "cached"}, {"terrain", "cached"}}));
  RecordProperty("rerun_seconds", std::to_string(rerun));
}

TEST_F(Engine, ChangingOneOptionRerunsOnlyThatStageAndItsDependents) {
  ASSERT_EQ(run().exit_code, 0);
  write_config("", "resampling = \"cubic\"\n");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(test::stage_status(test::latest_manifest(out())),
            (std::map<std::string, std::string>{{"grid", "cached"}, {"terrain", "ran"}}));
  // Changing the grid reruns everything downstream of it.
  std::string text = test::read_text(config());
  text.replace(text.find("resolution = 2000"), 17, "resolution = 2500");
  test::write_text(config(), text);
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(test::stage_status(test::latest_manifest(out())),
            (std::map<std::string, std::string>{{"grid", "ran"}, {"terrain", "ran"}}));
}

TEST_F(Engine, InputContentNotPathOrTimeDecides) {
  ASSERT_EQ(run().exit_code, 0);
  // Same content at another path, newer mtime: still cached.
  std::filesystem::copy_file(dir_ / "dem.tif", dir_ / "dem_copy.tif");
  std::string text = test::read_text(config());
  text.replace(text.find((dir_ / "dem.tif").string()), (dir_ / "dem.tif").string().size(), (dir_ / "dem_copy.tif").string());
  test::write_text(config(), text);
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(test::stage_status(test::latest_manifest(out()))["terrain"], "cached");
  // Different content: recomputed.
  test::write_synthetic_dem(dir_ / "dem_copy.tif", 2);
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(test::stage_status(test::latest_manifest(out()))["terrain"], "ran");
}

TEST_F(Engine, TruncatedCacheFileIsDetectedAndRecomputed) {
  ASSERT_EQ(run().exit_code, 0);
  const json m = test::latest_manifest(out());
  std::filesystem::path entry;
  for (const auto& s : m["stages"])
    if (s["id"] == "terrain") entry = out() / "cache" / s["cache_entry"].get<std::string>();
  ASSERT_TRUE(std::filesystem::exists(entry / "elevation.tif"));
  std::filesystem::resize_file(entry / "elevation.tif", std::filesystem::file_size(entry / "elevation.tif") / 2);
  auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cache entry was corrupted"), std::string::npos) << r.output;
  EXPECT_EQ(test::stage_status(test::latest_manifest(out()))["terrain"], "ran");
  // Same bytes recomputed: the published file matches the first run's checksum.
  const json m2 = test::latest_manifest(out());
  EXPECT_EQ(m2["stages"][1]["cache_key"], m["stages"][1]["cache_key"]);
  // A flipped byte (same size) is caught by the hash too.
  const auto tif = entry / "elevation.tif";
  std::string bytes = test::read_text(tif);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
  test::write_text(tif, bytes);
  r = run();
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(test::stage_status(test::latest_manifest(out()))["terrain"], "ran");
}

TEST_F(Engine, IndependentStagesOverlapWithTwoThreads) {
  write_config(second_terrain());
  const auto rc = test::wait_child(
      test::spawn_nexusmap({"run", config().string(), "--threads", "2"}, {{"NEXUSMAP_TEST_STAGE_DELAY_MS", "1500"}}));
  ASSERT_EQ(rc, 0);
  const json m = test::latest_manifest(out());
  std::map<std::string, std::pair<double, double>> t;
  for (const auto& s : m["stages"]) t[s["id"]] = {s["started"], s["finished"]};
  // terrain and terrain_b both wait only for grid: with 2 threads they run at the same time.
  EXPECT_LT(t["terrain"].first, t["terrain_b"].second);
  EXPECT_LT(t["terrain_b"].first, t["terrain"].second);
  EXPECT_GE(t["terrain"].first, t["grid"].second);
  EXPECT_GE(t["terrain_b"].first, t["grid"].second);

  // With one thread they cannot overlap.
  std::filesystem::remove_all(out());
  ASSERT_EQ(test::wait_child(test::spawn_nexusmap({"run", config().string(), "--threads", "1"},
                                                  {{"NEXUSMAP_TEST_STAGE_DELAY_MS", "300"}})),
            0);
  const json m1 = test::latest_manifest(out());
  t.clear();
  for (const auto& s : m1["stages"]) t[s["id"]] = {s["started"], s["finished"]};
  EXPECT_TRUE(t["terrain"].second <= t["terrain_b"].first || t["terrain_b"].second <= t["terrain"].first);
}

TEST_F(Engine, SameOutputsWithOneAndTwoThreads) {
  write_config(second_terrain());
  ASSERT_EQ(run("--threads 1").exit_code, 0);
  const json m1 = test::latest_manifest(out());
  ASSERT_EQ(run("--threads 2 --force").exit_code, 0);
  const json m2 = test::latest_manifest(out());
  EXPECT_EQ(m2["stages"][1]["status"], "ran");
  for (std::size_t i = 0; i < m1["stages"].size(); ++i) {
    EXPECT_EQ(m1["stages"][i]["cache_key"], m2["stages"][i]["cache_key"]);
  }
  // Every cached artifact has identical bytes: compare the entry checksums.
  for (const auto& s : m2["stages"]) {
    const json e = test::read_json(out() / "cache" / s["cache_entry"].get<std::string>() / "entry.json");
    for (const auto& a : e["artifacts"])
      EXPECT_EQ(a["sha256"], sha256_file(out() / "cache" / s["cache_entry"].get<std::string>() / a["file"].get<std::string>()));
  }
}

TEST_F(Engine, SecondConcurrentRunExitsWithCode4) {
  const pid_t first = test::spawn_nexusmap({"run", config().string()}, {{"NEXUSMAP_TEST_STAGE_DELAY_MS", "2000"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto second = run();
  EXPECT_EQ(second.exit_code, 4) << second.output;
  EXPECT_NE(second.output.find("another nexusmap run holds the lock"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("pid " + std::to_string(first)), std::string::npos) << second.output;
  EXPECT_EQ(test::wait_child(first), 0);
}

TEST_F(Engine, KilledRunNeverChangesLatestAndTheNextRunSucceeds) {
  write_config(second_terrain());
  ASSERT_EQ(run().exit_code, 0);
  const std::string good = test::latest_manifest(out())["run"]["id"];
  // Make the next runs compute again (new content), and kill them at several points.
  test::write_synthetic_dem(dir_ / "dem.tif", 3);
  // --force recomputes every stage each time: grid ~0-0.8 s, terrain ~0.8-1.6 s, terrain_b ~1.6-2.4 s,
  // then the outputs are copied and the run pauses 1.5 s before it completes.
  for (int kill_ms : {150, 1000, 1900, 3000}) {
    const pid_t pid = test::spawn_nexusmap({"run", config().string(), "--threads", "1", "--force"},
                                           {{"NEXUSMAP_TEST_STAGE_DELAY_MS", "800"},
                                            {"NEXUSMAP_TEST_PUBLISH_DELAY_MS", "1500"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_ms));
    ::kill(pid, SIGKILL);
    EXPECT_EQ(test::wait_child(pid), 128 + SIGKILL);
    EXPECT_EQ(test::latest_manifest(out())["run"]["id"], good) << "killed at " << kill_ms << " ms";
    // Every file visible under latest is complete: its checksum matches the manifest.
    const json latest = test::latest_manifest(out());
    for (const auto& o : latest["outputs"])
      EXPECT_EQ(sha256_file(out() / "latest" / o["path"].get<std::string>()), o["sha256"]);
  }
  const auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(test::latest_manifest(out())["run"]["id"], good);
  // The interrupted run folders are marked, not left looking like runs in progress.
  int incomplete = 0, partial = 0;
  for (const auto& e : std::filesystem::directory_iterator(out() / "runs")) {
    const auto name = e.path().filename().string();
    incomplete += name.find(".incomplete") != std::string::npos;
    partial += name.find(".partial") != std::string::npos;
  }
  EXPECT_EQ(partial, 0);
  EXPECT_GE(incomplete, 1);
  EXPECT_LE(incomplete, 3);  // keep_failed = 3
}

TEST_F(Engine, FailedRunKeepsLatestAndExitsWithTheInputDataCode) {
  ASSERT_EQ(run().exit_code, 0);
  const std::string good = test::latest_manifest(out())["run"]["id"];
  // A grid the DEM does not cover: terrain fails with an input-data error.
  std::string text = test::read_text(config());
  text.replace(text.find("bounds = [70.2, 37.2, 71.8, 38.0]"), 33, "bounds = [60.2, 30.2, 61.0, 31.0]");
  test::write_text(config(), text);
  const auto r = run();
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("stage 'terrain'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("does not cover the analysis grid"), std::string::npos) << r.output;
  EXPECT_EQ(test::latest_manifest(out())["run"]["id"], good);
  bool marked = false;
  for (const auto& e : std::filesystem::directory_iterator(out() / "runs"))
    if (e.path().extension() == ".failed") {
      marked = true;
      const json m = test::read_json(e.path() / "manifest.json");
      EXPECT_EQ(m["run"]["status"], "failed");
      EXPECT_EQ(test::stage_status(m)["terrain"], "failed");
    }
  EXPECT_TRUE(marked);
}

TEST_F(Engine, ManifestRecordsConfigInputsVersionsStagesAndLogs) {
  ASSERT_EQ(run().exit_code, 0);
  const json m = test::latest_manifest(out());
  EXPECT_EQ(m["config"]["sha256"], sha256_file(config()));
  EXPECT_EQ(m["config"]["text"], test::read_text(config()));
  ASSERT_EQ(m["inputs"].size(), 1U);
  EXPECT_EQ(m["inputs"][0]["path"], (dir_ / "dem.tif").string());
  EXPECT_EQ(m["inputs"][0]["sha256"], sha256_file(dir_ / "dem.tif"));
  EXPECT_EQ(m["inputs"][0]["size"], std::filesystem::file_size(dir_ / "dem.tif"));
  for (const char* k : {"nexusmap", "gdal", "proj", "geos", "compiler"}) EXPECT_TRUE(m["versions"].contains(k)) << k;
  for (const auto& s : m["stages"]) {
    EXPECT_TRUE(s.contains("seconds"));
    EXPECT_TRUE(s.contains("cache_key"));
  }
  // Outputs are listed with relative paths and checksums that match the files.
  for (const auto& o : m["outputs"]) {
    EXPECT_FALSE(std::filesystem::path(o["path"].get<std::string>()).is_absolute());
    EXPECT_EQ(sha256_file(out() / "latest" / o["path"].get<std::string>()), o["sha256"]);
  }
  // The JSON-lines log parses line by line and has stage events.
  std::istringstream log(test::read_text(out() / "latest" / "log.jsonl"));
  std::string line;
  int events = 0;
  while (std::getline(log, line)) {
    const json j = json::parse(line);
    EXPECT_TRUE(j.contains("time"));
    events += j.value("event", "") == "stage" ? 1 : 0;
  }
  EXPECT_EQ(events, 2);
}

TEST_F(Engine, OnlyRunsTheStageAndWhatItNeedsWithoutRepointingLatest) {
  write_config(second_terrain());
  auto r = run("--only terrain_b");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(test::latest_manifest(out()).is_null()) << "a partial run does not become latest";
  ASSERT_EQ(run().exit_code, 0);
  const auto status = test::stage_status(test::latest_manifest(out()));
  EXPECT_EQ(status.at("grid"), "cached");
  EXPECT_EQ(status.at("terrain_b"), "cached");
  EXPECT_EQ(status.at("terrain"), "ran");
  r = run("--only terain");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("did you mean 'terrain'?"), std::string::npos) << r.output;
}

TEST_F(Engine, RetentionKeepsTheNewestRuns) {
  std::string text = test::read_text(config());
  text.replace(text.find("name = \"test\""), 13, "name = \"test\"\nkeep_runs = 2");
  test::write_text(config(), text);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(run().exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // distinct run ids
  }
  int complete = 0;
  for (const auto& e : std::filesystem::directory_iterator(out() / "runs"))
    complete += e.path().filename().string().find('.') == std::string::npos;
  EXPECT_EQ(complete, 2);
  EXPECT_TRUE(std::filesystem::exists(out() / "latest" / "manifest.json"));
}

TEST_F(Engine, PlanShowsCachedAndWillRun) {
  auto p = test::run_nexusmap("plan " + config().string());
  EXPECT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("grid         grid         will run"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("an upstream stage runs"), std::string::npos) << p.output;
  ASSERT_EQ(run().exit_code, 0);
  write_config("", "resampling = \"cubic\"\n");
  p = test::run_nexusmap("plan " + config().string());
  EXPECT_NE(p.output.find("grid         grid         cached"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("terrain      terrain      will run"), std::string::npos) << p.output;
}

TEST(Docs, StageReferenceIsUpToDate) {
  const std::string checked_in = test::read_text(test::source_dir() / "docs" / "stages.md");
  EXPECT_EQ(checked_in, stages_markdown())
      << "docs/stages.md is stale: regenerate with `build/nexusmap help --markdown > docs/stages.md`";
}

TEST(Cli, VersionAndExitCodesInHelp) {
  const auto v = test::run_nexusmap("--version");
  EXPECT_EQ(v.exit_code, 0);
  for (const char* lib : {"nexusmap", "GDAL", "PROJ", "GEOS"}) EXPECT_NE(v.output.find(lib), std::string::npos);
  const auto h = test::run_nexusmap("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.output.find("4 another run holds the lock"), std::string::npos) << h.output;
  EXPECT_EQ(test::run_nexusmap("run").exit_code, 2);
  EXPECT_EQ(test::run_nexusmap("frobnicate").exit_code, 2);
  const auto unknown = test::run_nexusmap("help terain");
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace nexusmap
