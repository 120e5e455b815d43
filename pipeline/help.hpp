// SPDX-License-Identifier: MIT
// Help text and the reference page, rendered from the stage declarations.
#pragma once

#include <string>

#include "pipeline/stage.hpp"

namespace nexusmap {

std::string stages_overview();                 // `nexusmap help`
std::string stage_help(const StageDef& stage); // `nexusmap help STAGE`
std::string stages_markdown();                 // docs/stages.md
std::string exit_codes_text();                 // shared by --help and the README

}  // namespace nexusmap
