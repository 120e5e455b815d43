# OpenMP: stage tasks in the runner, worksharing loops inside stages.
find_package(OpenMP 4.5 REQUIRED COMPONENTS CXX)
