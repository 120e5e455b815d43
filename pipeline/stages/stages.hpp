// SPDX-License-Identifier: MIT
// One function per stage kind, each defined in its own file; pipeline/registry.cpp lists them.
#pragma once

#include "pipeline/stage.hpp"

namespace nexusmap::stages {

StageDef grid();
StageDef publish();
StageDef terrain();

}  // namespace nexusmap::stages
