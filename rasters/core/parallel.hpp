// SPDX-License-Identifier: MIT
// Loop parallelism that cooperates with the runner: inside a stage task (already in a parallel
// region) the loop becomes an OpenMP taskloop that idle team threads pick up; outside any region
// (tests, benchmarks, tool mode) it is an ordinary worksharing loop.
#pragma once

#include <algorithm>
#include <cstdint>

#include <omp.h>

namespace nexusmap {

// Calls body(begin_chunk, end_chunk) over [begin, end) in chunks of at most `grain` iterations.
// Chunks write disjoint outputs, so results do not depend on the number of threads.
template <class Body>
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, Body&& body) {
  if (end <= begin) return;
  grain = std::max<std::int64_t>(1, grain);
  const std::int64_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1) {
    body(begin, end);
    return;
  }
  if (omp_in_parallel()) {
#pragma omp taskloop grainsize(1)
    for (std::int64_t c = 0; c < chunks; ++c)
      body(begin + c * grain, std::min(end, begin + (c + 1) * grain));
  } else {
#pragma omp parallel for schedule(dynamic, 1)
    for (std::int64_t c = 0; c < chunks; ++c)
      body(begin + c * grain, std::min(end, begin + (c + 1) * grain));
  }
}

// Runs independent jobs 0..n-1 (e.g. Monte Carlo draws) as OpenMP tasks, or a parallel loop
// when not already inside a parallel region.
template <class Job>
void parallel_jobs(std::int64_t n, Job&& job) {
  parallel_for(0, n, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) job(i);
  });
}

}  // namespace nexusmap
