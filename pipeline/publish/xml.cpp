// SPDX-License-Identifier: MIT
#include "pipeline/publish/xml.hpp"

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string start_tag(std::string_view tag, const XmlAttrs& attrs) {
  std::string s = fmt::format("<{}", tag);
  for (const auto& [k, v] : attrs) s += fmt::format(" {}=\"{}\"", k, xml_escape(v));
  return s;
}

}  // namespace

void XmlWriter::indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }

XmlWriter& XmlWriter::prolog(std::string_view line) {
  out_ += line;
  out_ += '\n';
  return *this;
}

XmlWriter& XmlWriter::open(std::string_view tag, const XmlAttrs& attrs) {
  indent();
  out_ += start_tag(tag, attrs) + ">\n";
  open_.emplace_back(tag);
  ++depth_;
  return *this;
}

XmlWriter& XmlWriter::close() {
  if (open_.empty()) fail(ErrorKind::internal, "XmlWriter: close() without an open element");
  --depth_;
  indent();
  out_ += fmt::format("</{}>\n", open_.back());
  open_.pop_back();
  return *this;
}

XmlWriter& XmlWriter::empty(std::string_view tag, const XmlAttrs& attrs) {
  indent();
  out_ += start_tag(tag, attrs) + "/>\n";
  return *this;
}

XmlWriter& XmlWriter::text(std::string_view tag, std::string_view text, const XmlAttrs& attrs) {
  indent();
  out_ += fmt::format("{}>{}</{}>\n", start_tag(tag, attrs), xml_escape(text), tag);
  return *this;
}

XmlWriter& XmlWriter::raw(std::string_view xml) {
  std::size_t pos = 0;
  while (pos < xml.size()) {
    std::size_t end = xml.find('\n', pos);
    if (end == std::string_view::npos) end = xml.size();
    if (end > pos) {
      indent();
      out_.append(xml.substr(pos, end - pos));
      out_ += '\n';
    }
    pos = end + 1;
  }
  return *this;
}

XmlWriter& XmlWriter::option_map(const std::vector<std::pair<std::string, std::string>>& properties) {
  open("Option", {{"type", "Map"}});
  for (const auto& [name, value] : properties) empty("Option", {{"type", "QString"}, {"name", name}, {"value", value}});
  return close();
}

std::string XmlWriter::str() const {
  if (!open_.empty()) fail(ErrorKind::internal, fmt::format("XmlWriter: element <{}> left open", open_.back()));
  return out_;
}

}  // namespace nexusmap
