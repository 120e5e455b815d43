// SPDX-License-Identifier: MIT
// Config validation: every kind of mistake is rejected before any heavy work, with
// file:line:column, the key path and exit code 2.
#include <gtest/gtest.h>

#include "pipeline/config.hpp"
#include "rasters/core/error.hpp"
#include "tests/pipeline/fixtures.hpp"
#include "tests/support.hpp"

namespace nexusmap {
namespace {

using test::TempDir;

class ConfigErrors : public ::testing::Test {
 protected:
  void SetUp() override { test::write_synthetic_dem(dir_ / "dem.tif"); }

  // Writes `text` as c.toml, runs `nexusmap validate` and checks exit code 2 and message fragments.
  void expect_rejected(const std::string& text, const std::vector<std::string>& fragments) {
    test::write_text(dir_ / "c.toml", text);
    const auto r = test::run_nexusmap("validate " + (dir_ / "c.toml").string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    for (const auto& f : fragments) EXPECT_NE(r.output.find(f), std::string::npos) << "missing '" << f << "' in: " << r.output;
    // Nothing heavy happened: no output directory was created.
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out")) << "validation must not create outputs";
  }
  [[nodiscard]] std::string base(const std::string& extra = "") const {
    return test::basic_config(dir_ / "dem.tif", dir_ / "out", extra);
  }

  TempDir dir_;
};

TEST_F(ConfigErrors, ValidConfigPasses) {
  test::write_text(dir_ / "c.toml", base());
  const auto r = test::run_nexusmap("validate " + (dir_ / "c.toml").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("valid, 2 stage(s): grid terrain"), std::string::npos) << r.output;
}

TEST_F(ConfigErrors, UnknownKeySuggestsTheClosestName) {
  expect_rejected(base("resampleing = \"cubic\"\n"),
                  {"c.toml:13:1", "stage 'terrain'.resampleing", "unknown key", "did you mean 'resampling'?"});
}

TEST_F(ConfigErrors, UnknownTopLevelTable) {
  expect_rejected(base() + "\n[rnu]\nname = \"x\"\n", {"c.toml:", "rnu", "did you mean 'run'?"});
}

TEST_F(ConfigErrors, WrongType) {
  expect_rejected(base("band = \"one\"\n"), {"c.toml:13:8", "stage 'terrain'.band", "expected an integer, got a string"});
}

TEST_F(ConfigErrors, OutOfRange) {
  std::string text = base();
  text.replace(text.find("resolution = 2000"), 17, "resolution = 5");
  expect_rejected(text, {"c.toml:8:14", "stage 'grid'.resolution", "5 m is below the minimum 10 m"});
}

TEST_F(ConfigErrors, NotOneOfTheChoices) {
  expect_rejected(base("resampling = \"bilinaer\"\n"),
                  {"stage 'terrain'.resampling", "'bilinaer' is not one of", "did you mean 'bilinear'?"});
}

TEST_F(ConfigErrors, MissingRequiredKey) {
  const std::string text = R"([run]
output = "out"

[[stage]]
id = "grid"
bounds = [70.2, 37.2, 71.8, 38.0]

[[stage]]
id = "terrain"
)";
  expect_rejected(text, {"c.toml:8:1", "stage 'terrain'", "missing required key 'dem'"});
}

TEST_F(ConfigErrors, MissingInputFile) {
  std::string text = base();
  text.replace(text.find((dir_ / "dem.tif").string()), (dir_ / "dem.tif").string().size(), "no/such/dem.tif");
  expect_rejected(text, {"c.toml:12:7", "stage 'terrain'.dem", "input file", "no/such/dem.tif", "does not exist"});
}

TEST_F(ConfigErrors, RelativePathsResolveAgainstTheConfigFile) {
  std::string text = base();
  text.replace(text.find((dir_ / "dem.tif").string()), (dir_ / "dem.tif").string().size(), "dem.tif");
  test::write_text(dir_ / "c.toml", text);
  // Run from another working directory: the path is relative to the config, not the cwd.
  const auto r = test::run_command("cd / && " + test::binary().string() + " validate " + (dir_ / "c.toml").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(ConfigErrors, EnvironmentExpansionWithDefault) {
  std::string text = base();
  text.replace(text.find((dir_ / "dem.tif").string()), (dir_ / "dem.tif").string().size(),
               "${NEXUSMAP_TEST_DATA_DIR:-/nowhere}/dem.tif");
  test::write_text(dir_ / "c.toml", text);
  const auto ok = test::run_command("NEXUSMAP_TEST_DATA_DIR=" + dir_.path().string() + " " + test::binary().string() +
                                    " validate " + (dir_ / "c.toml").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  const auto missing = test::run_command("env -u NEXUSMAP_TEST_DATA_DIR " + test::binary().string() + " validate " +
                                         (dir_ / "c.toml").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("/nowhere/dem.tif"), std::string::npos) << missing.output;
}

TEST_F(ConfigErrors, UndefinedVariable) {
  std::string text = base();
  text.replace(text.find((dir_ / "dem.tif").string()), (dir_ / "dem.tif").string().size(), "${NO_SUCH_NEXUSMAP_VAR}/dem.tif");
  expect_rejected(text, {"c.toml:12:7", "${NO_SUCH_NEXUSMAP_VAR} is not defined", "[vars]"});
}

TEST_F(ConfigErrors, DuplicateStageId) {
  expect_rejected(base("\n[[stage]]\nid = \"terrain\"\ndem = \"" + (dir_ / "dem.tif").string() + "\"\n"),
                  {"c.toml:15:6", "two stages have the id 'terrain'", "c.toml:10:1"});
}

TEST_F(ConfigErrors, UnknownStageKind) {
  expect_rejected(base("\n[[stage]]\nid = \"terain2\"\nkind = \"terain\"\n"),
                  {"unknown stage kind 'terain'", "did you mean 'terrain'?"});
}

TEST_F(ConfigErrors, InputNoStageProduces) {
  // The grid stage is missing: terrain's default input grid.grid has no producer.
  const std::string text = R"([run]
output = "out"

[[stage]]
id = "terrain"
dem = "dem.tif"
)";
  expect_rejected(text, {"c.toml:4:1", "stage 'terrain'.inputs.grid", "no stage produces it", "no stage with id 'grid'"});
}

TEST_F(ConfigErrors, InputRefersToAnUnknownArtifact) {
  expect_rejected(base("inputs = { grid = \"grid.extent\" }\n"),
                  {"c.toml:13:19", "inputs.grid", "no stage produces 'grid.extent'", "writes grid"});
}

TEST_F(ConfigErrors, InputOfTheWrongKind) {
  expect_rejected(base("\n[[stage]]\nid = \"terrain_b\"\nkind = \"terrain\"\ndem = \"" + (dir_ / "dem.tif").string() +
                       "\"\ninputs = { grid = \"terrain.elevation\" }\n"),
                  {"stage 'terrain_b'.inputs.grid", "expects a json, but 'terrain.elevation' is a raster"});
}

TEST_F(ConfigErrors, Cycle) {
  expect_rejected(base(R"(
[[stage]]
id = "h1"
kind = "hotspots"
layers = [{ name = "other", input = "h2.nexus_index" }]

[[stage]]
id = "h2"
kind = "hotspots"
layers = [{ name = "other", input = "h1.nexus_index" }]
)"),
                  {"c.toml:", "the stage inputs form a cycle", "'h1'", "'h2'", "change one of their `inputs`"});
}

TEST_F(ConfigErrors, SelfReference) {
  expect_rejected(base("\n[[stage]]\nid = \"h1\"\nkind = \"hotspots\"\nlayers = [{ name = \"self\", input = "
                       "\"h1.nexus_index\" }]\n"),
                  {"stage 'h1'.layers[0].input", "cannot read its own output"});
}

TEST_F(ConfigErrors, SetOverridesAreValidatedToo) {
  test::write_text(dir_ / "c.toml", base());
  auto r = test::run_nexusmap("validate " + (dir_ / "c.toml").string() + " --set grid.resolution=5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("stage 'grid'.resolution: 5 m is below the minimum 10 m"), std::string::npos) << r.output;
  r = test::run_nexusmap("validate " + (dir_ / "c.toml").string() + " --set gird.resolution=500");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no stage with id 'gird'"), std::string::npos) << r.output;
  r = test::run_nexusmap("validate " + (dir_ / "c.toml").string() + " --set grid.resolution=500 --set terrain.resampling=cubic");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(ConfigErrors, CrossOptionCheck) {
  expect_rejected(base("\n[[stage]]\nid = \"g2\"\nkind = \"grid\"\n"),
                  {"c.toml:", "stage 'g2'", "give exactly one of `bounds` or `area`"});
}

TEST_F(ConfigErrors, TomlSyntaxErrorHasALocation) {
  expect_rejected("[run]\noutput = \"out\n", {"c.toml:2:"});
}

TEST_F(ConfigErrors, WrongLayerNameInAVectorInput) {
  const std::string text = base() + R"(
[[stage]]
id = "g2"
kind = "grid"
area = { path = "dem.tif", layer = "admin1" }
)";
  expect_rejected(text, {"stage 'g2'.area"});
}

TEST(ConfigLoad, ResolvedOptionsHaveDefaultsAndAbsolutePaths) {
  TempDir dir;
  test::write_synthetic_dem(dir / "dem.tif");
  test::write_text(dir / "c.toml", test::basic_config("dem.tif", "out"));
  const PipelineConfig cfg = load_config(dir / "c.toml");
  ASSERT_EQ(cfg.stages.size(), 2U);
  const StageInstance* t = cfg.find("terrain");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->options["resampling"], "bilinear");
  EXPECT_EQ(t->options["band"], 1);
  EXPECT_EQ(t->options["dem"][0], (dir / "dem.tif").string());
  EXPECT_EQ(cfg.run.output_dir, dir / "out");
  EXPECT_EQ(t->inputs.at("grid").str(), "grid.grid");
  EXPECT_EQ(t->upstream, std::vector<std::size_t>{cfg.index_of("grid")});
}

}  // namespace
}  // namespace nexusmap
