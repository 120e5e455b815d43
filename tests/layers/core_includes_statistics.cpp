// SPDX-License-Identifier: MIT
// Must not compile: the core including an algorithm group.
#include "rasters/statistics/getis_ord.hpp"
