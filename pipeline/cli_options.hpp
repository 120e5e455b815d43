// SPDX-License-Identifier: MIT
// A tool's command line built from its option declarations (pipeline/bind.hpp): one CLI11 option
// `--name-with-dashes` per declared option, help from the declaration, and the values resolved and
// checked by the same code as a config's (types, ranges, choices), so a default or a limit exists
// once. Errors are Error(config) naming the flag, e.g. "--neighbours: '12' is not one of 8, 16".
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "pipeline/bind.hpp"
#include "pipeline/options.hpp"

namespace nexusmap {

class DeclaredOptions {
 public:
  // Adds the options to `command`; `required` names the declared options CLI11 must insist on
  // (declarations without a default are required anyway).
  DeclaredOptions(CLI::App* command, std::vector<OptionSpec> specs);

  // The options given (defaults for the rest), resolved as resolve_options resolves a config table.
  [[nodiscard]] nlohmann::json resolve() const;

  template <class T>
  [[nodiscard]] T bind(const OptionSet<T>& set) const {
    return set.bind(resolve());
  }

 private:
  CLI::App* command_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::vector<std::string>> values_;  // by option name, as given
  std::map<std::string, bool> flags_;
};

}  // namespace nexusmap
