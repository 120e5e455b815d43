// SPDX-License-Identifier: MIT
#include "rasters/io/gdal_util.hpp"

#include <mutex>

namespace nexusmap {

GdalErrorCapture::GdalErrorCapture() { CPLPushErrorHandlerEx(&GdalErrorCapture::handler, this); }

GdalErrorCapture::~GdalErrorCapture() { CPLPopErrorHandler(); }

void CPL_STDCALL GdalErrorCapture::handler(CPLErr level, CPLErrorNum /*num*/, const char* message) {
  auto* self = static_cast<GdalErrorCapture*>(CPLGetErrorHandlerUserData());
  if (self && (level == CE_Failure || level == CE_Fatal)) self->errors_.emplace_back(message ? message : "");
}

std::string GdalErrorCapture::last_error() const { return errors_.empty() ? std::string{} : errors_.back(); }

std::string GdalErrorCapture::suffix() const {
  return errors_.empty() ? std::string{} : " (GDAL: " + errors_.back() + ")";
}

CPLStringList make_args(const std::vector<std::string>& args) {
  CPLStringList list;
  for (const auto& a : args) list.AddString(a.c_str());
  return list;
}

int CPL_STDCALL gdal_progress_adapter(double fraction, const char* message, void* data) {
  const auto* fn = static_cast<const ProgressFn*>(data);
  if (fn == nullptr || !*fn) return TRUE;
  return (*fn)(fraction, message ? message : "") ? TRUE : FALSE;
}

void ensure_gdal_registered() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

}  // namespace nexusmap
