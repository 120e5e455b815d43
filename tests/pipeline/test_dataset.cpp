// SPDX-License-Identifier: MIT
// The data's description (DATASET.toml, `[run] dataset`): its [vars] name the files, a --set still
// wins, a directory without one runs on the config's own vars, mistakes name file, line and key, and a
// run logs its limitations, records them in the manifest and shows them in the report.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pipeline/config.hpp"
#include "pipeline/publish/report.hpp"
#include "rasters/core/error.hpp"
#include "tests/pipeline/fixtures.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using json = nlohmann::json;
using test::TempDir;

class DatasetDescription : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "data");
    test::write_synthetic_dem(dir_ / "data" / "full.tif", 1);
    test::write_synthetic_dem(dir_ / "data" / "coarse.tif", 2);
  }
  // A config reading its DEM through [vars], as configs/badakhshan.toml does.
  void write_config() const {
    test::write_text(dir_ / "c.toml", fmt::format(R"([run]
name = "test"
output = "{}"
dataset = "${{data}}/DATASET.toml"

[vars]
data = "{}"
dem_file = "full.tif"

[[stage]]
id = "grid"
bounds = [70.2, 37.2, 71.8, 38.0]
resolution = 2000

[[stage]]
id = "terrain"
dem = "${{data}}/${{dem_file}}"
)",
                                                  (dir_ / "out").string(), (dir_ / "data").string()));
  }
  void write_dataset(const std::string& text) const { test::write_text(dir_ / "data" / "DATASET.toml", text); }
  [[nodiscard]] std::string dem_of(const PipelineConfig& cfg) const {
    return std::filesystem::path(cfg.find("terrain")->options["dem"].at(0).get<std::string>()).filename().string();
  }

  TempDir dir_;
};

constexpr const char* kCoarse = R"(name = "Coarse <demo>"
licence = "public domain"
limitations = ["9 km DEM: hours are indicative only", "no rivers"]

[vars]
dem_file = "coarse.tif"
)";

TEST_F(DatasetDescription, ItsVarsNameTheFiles) {
  write_config();
  write_dataset(kCoarse);
  const PipelineConfig cfg = load_config(dir_ / "c.toml");
  ASSERT_TRUE(cfg.run.dataset.has_value());
  EXPECT_EQ(cfg.run.dataset->name, "Coarse <demo>");
  EXPECT_EQ(cfg.run.dataset->limitations.size(), 2U);
  EXPECT_EQ(dem_of(cfg), "coarse.tif");
}

TEST_F(DatasetDescription, SetOnTheCommandLineWins) {
  write_config();
  write_dataset(kCoarse);
  LoadOptions opts;
  opts.overrides = {"vars.dem_file=full.tif"};
  EXPECT_EQ(dem_of(load_config(dir_ / "c.toml", opts)), "full.tif");
}

TEST_F(DatasetDescription, WithoutOneTheConfigsVarsApply) {
  write_config();
  const PipelineConfig cfg = load_config(dir_ / "c.toml");
  EXPECT_FALSE(cfg.run.dataset.has_value());
  EXPECT_EQ(dem_of(cfg), "full.tif");
}

TEST_F(DatasetDescription, MistakesNameFileLineAndKey) {
  write_config();
  write_dataset("name = \"x\"\nlicense = \"CC BY 4.0\"\n");
  test::expect_error([&] { (void)load_config(dir_ / "c.toml"); }, ErrorKind::config,
                     "DATASET.toml:2:11: license: unknown key; did you mean 'licence'?");
  write_dataset("licence = \"CC BY 4.0\"\n");
  test::expect_error([&] { (void)load_config(dir_ / "c.toml"); }, ErrorKind::config, "needs a `name`");
  write_dataset("name = \"x\"\nlimitations = \"one string\"\n");
  test::expect_error([&] { (void)load_config(dir_ / "c.toml"); }, ErrorKind::config,
                     "DATASET.toml:2:15: limitations: expected an array of strings");
  write_dataset("name = \"x\"\n[vars]\ndem_file = \"${nowhere}\"\n");
  test::expect_error([&] { (void)load_config(dir_ / "c.toml"); }, ErrorKind::config,
                     "DATASET.toml:3:12: vars.dem_file: ${nowhere} is not defined");
}

TEST_F(DatasetDescription, RunWarnsRecordsAndReruns) {
  write_config();
  write_dataset(kCoarse);
  const auto r = test::run_nexusmap("run " + (dir_ / "c.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: data: Coarse <demo> (" + (dir_ / "data").string() + "); it cannot support:"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  - 9 km DEM: hours are indicative only"), std::string::npos) << r.output;
  const json m = test::latest_manifest(dir_ / "out");
  EXPECT_EQ(m["dataset"]["name"], "Coarse <demo>");
  EXPECT_EQ(m["dataset"]["vars"]["dem_file"], "coarse.tif");
  EXPECT_EQ(m["dataset"]["limitations"].size(), 2U);
  // Its text is part of every stage's identity: the report shows it.
  write_dataset(std::string(kCoarse) + "source = \"rebuilt\"\n");
  const auto again = test::run_nexusmap("run " + (dir_ / "c.toml").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  for (const auto& [id, status] : test::stage_status(test::latest_manifest(dir_ / "out")))
    EXPECT_EQ(status, "ran") << id << " must rerun when the dataset description changes";
}

TEST(DatasetReport, LimitationsComeFirstEscaped) {
  ReportInput in;
  in.title = "t";
  in.versions = json::object();
  in.dataset = {{"name", "Coarse <demo>"}, {"licence", "public domain"}, {"file", "/d/DATASET.toml"},
                {"limitations", {"9 km DEM & no gorges", "no rivers"}}};
  const std::string h = report_html(in);
  const auto data = h.find("<section id=\"data\"");
  ASSERT_NE(data, std::string::npos) << h;
  EXPECT_LT(data, h.find("<section id=\"maps\"")) << "the data's limits come before the maps";
  EXPECT_NE(h.find("<h2>Data: Coarse &lt;demo&gt;</h2>"), std::string::npos) << h;
  EXPECT_NE(h.find("<li>9 km DEM &amp; no gorges</li>"), std::string::npos) << h;
  EXPECT_NE(h.find("<a href=\"#data\">Data</a>"), std::string::npos) << h;
  in.dataset = nullptr;
  const std::string none = report_html(in);
  EXPECT_EQ(none.find("id=\"data\""), std::string::npos);
  EXPECT_EQ(none.find("#data"), std::string::npos);
}

}  // namespace
}  // namespace nexusmap
