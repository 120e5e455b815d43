// SPDX-License-Identifier: MIT
// Must not compile: the vector layer including the pipeline above it.
#include "pipeline/context.hpp"
