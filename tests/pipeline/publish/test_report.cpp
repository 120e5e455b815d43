// SPDX-License-Identifier: MIT
// The HTML run report.
#include "tests/pipeline/publish/publish_test_support.hpp"

namespace nexusmap {
namespace {

using namespace publish_test;

// ---- report --------------------------------------------------------------------------------------

TEST(Report, Base64AndCsv) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\x10", 3)), "/wAQ");
  const auto rows = parse_csv("a,b,c\r\n1,\"x, \"\"y\"\"\",\n\n2,z,3");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x, \"y\"", ""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "z", "3"}));
}

TEST(Report, EscapesAndEmbeds) {
  TempDir dir;
  {
    std::ofstream png(dir / "m.png", std::ios::binary);
    png << "\x89PNG fake";
  }
  ReportInput in;
  in.title = "Run <1>";
  in.date = "2024-05-01";
  in.maps = {{"Nexus & more", dir / "m.png"}};
  in.ranking_csv = "rank,name\n1,\"Badakhshan <AF>\"\n";
  in.stages = json::array({{{"id", "grid"}, {"kind", "grid"}, {"options", {{"resolution", 1000}}}}});
  in.provenance = {{"stage", "publish"}};
  in.versions = {{"gdal", "3.6.2"}};
  const std::string html = report_html(in);
  EXPECT_EQ(html.find("<1>"), std::string::npos);
  EXPECT_NE(html.find("Run &lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("Badakhshan &lt;AF&gt;"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64," + base64_encode("\x89PNG fake")), std::string::npos);
  EXPECT_NE(html.find("<th>resolution</th><td><code>1000</code>"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
}

}  // namespace
}  // namespace nexusmap
