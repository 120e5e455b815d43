// SPDX-License-Identifier: MIT
// A small streaming XML writer for the QGIS files (.qml, .qgs) and the SLD styles: escaping,
// indentation and balanced elements, nothing more.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nexusmap {

// The QGIS release whose file format the .qml and .qgs files follow (QGIS upgrades older formats
// on load, so this must not claim a version older than the elements written).
inline constexpr const char* kQgisFormatVersion = "3.22.0-Białowieża";

using XmlAttrs = std::vector<std::pair<std::string, std::string>>;

// Escapes &, <, >, " and ' for text and attribute values.
std::string xml_escape(std::string_view text);

class XmlWriter {
 public:
  explicit XmlWriter(int base_indent = 0) : depth_(base_indent) {}
  // <!DOCTYPE ...> or <?xml ...?> line, verbatim.
  XmlWriter& prolog(std::string_view line);
  XmlWriter& open(std::string_view tag, const XmlAttrs& attrs = {});
  XmlWriter& close();                                                  // the innermost open element
  XmlWriter& empty(std::string_view tag, const XmlAttrs& attrs = {});  // <tag/>
  XmlWriter& text(std::string_view tag, std::string_view text, const XmlAttrs& attrs = {});  // <tag>text</tag>
  // Pre-serialised, balanced XML (e.g. a style body); each line is indented to the current depth.
  XmlWriter& raw(std::string_view xml);
  // QGIS property map: <Option type="Map"><Option type="QString" name=".." value=".."/>...</Option>
  XmlWriter& option_map(const std::vector<std::pair<std::string, std::string>>& properties);
  // The document; throws Error(internal) when elements are left open.
  [[nodiscard]] std::string str() const;

 private:
  void indent();
  std::string out_;
  std::vector<std::string> open_;
  int depth_;
};

}  // namespace nexusmap
