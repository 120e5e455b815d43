// SPDX-License-Identifier: MIT
// Small RAII helpers around GDAL's C API: captured error messages, option lists, app options.
// Datasets themselves use GDAL's own GDALDatasetUniquePtr.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <gdal_utils.h>

#include "rasters/core/progress.hpp"

namespace nexusmap {

// While alive, GDAL/OGR errors raised on this thread are collected here instead of printed, so
// they can be folded into one project error that names the file.
class GdalErrorCapture {
 public:
  GdalErrorCapture();
  ~GdalErrorCapture();
  GdalErrorCapture(const GdalErrorCapture&) = delete;
  GdalErrorCapture& operator=(const GdalErrorCapture&) = delete;
  // The last error (not warning) message, or "" when none.
  [[nodiscard]] std::string last_error() const;
  // " (GDAL: <message>)" or "" — convenient for appending to a message.
  [[nodiscard]] std::string suffix() const;

 private:
  static void CPL_STDCALL handler(CPLErr level, CPLErrorNum num, const char* message);
  std::vector<std::string> errors_;
};

// Builds a CPLStringList from argv-style tokens for the gdal_utils API.
CPLStringList make_args(const std::vector<std::string>& args);

template <class T, void (*Free)(T*)>
struct GdalFree {
  void operator()(T* p) const { Free(p); }
};
using WarpAppOptionsPtr = std::unique_ptr<GDALWarpAppOptions, GdalFree<GDALWarpAppOptions, GDALWarpAppOptionsFree>>;
using TranslateOptionsPtr = std::unique_ptr<GDALTranslateOptions, GdalFree<GDALTranslateOptions, GDALTranslateOptionsFree>>;
using DemOptionsPtr = std::unique_ptr<GDALDEMProcessingOptions,
                                      GdalFree<GDALDEMProcessingOptions, GDALDEMProcessingOptionsFree>>;
using RasterizeOptionsPtr = std::unique_ptr<GDALRasterizeOptions, GdalFree<GDALRasterizeOptions, GDALRasterizeOptionsFree>>;
using VectorTranslateOptionsPtr =
    std::unique_ptr<GDALVectorTranslateOptions, GdalFree<GDALVectorTranslateOptions, GDALVectorTranslateOptionsFree>>;

// Adapts a ProgressFn to GDALProgressFunc; pass `&progress` as the callback data.
int CPL_STDCALL gdal_progress_adapter(double fraction, const char* message, void* data);

// GDAL is initialised once per process (drivers registered); safe to call repeatedly.
void ensure_gdal_registered();

}  // namespace nexusmap
