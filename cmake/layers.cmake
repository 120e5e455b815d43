# SPDX-License-Identifier: MIT
# One-way layers enforced by the compiler. The source root is never an include path. Instead each
# library target sees its own folder, and the folders of what it links, through an include tree of
# its own: ${PROJECT_BINARY_DIR}/include-trees/<target>/<folder> -> <source>/<folder>. A header is
# found only when its folder is in a tree the including target has, so rasters/cost cannot include
# rasters/io (GDAL) or pipeline/, and vectors/ cannot include pipeline/. GDAL's own headers come only
# with GDAL::GDAL, which only the I/O targets link.
#
#   nexusmap_layer(<target> <folder>...)   gives <target> (and whoever links it) these folders.
function(nexusmap_layer target)
  set(root "${PROJECT_BINARY_DIR}/include-trees/${target}")
  foreach(folder IN LISTS ARGN)
    get_filename_component(parent "${root}/${folder}" DIRECTORY)
    file(MAKE_DIRECTORY "${parent}")
    if(NOT EXISTS "${root}/${folder}")
      file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${folder}" "${root}/${folder}" SYMBOLIC)
    endif()
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE "${root}")
  else()
    target_include_directories(${target} PUBLIC "${root}")
  endif()
endfunction()
