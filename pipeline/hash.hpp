// SPDX-License-Identifier: MIT
// SHA-256 (OpenSSL) for cache keys, input provenance and output checksums.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace nexusmap {

std::string sha256_hex(std::string_view data);
// Streams the file; throws Error(input_data) naming it when unreadable.
std::string sha256_file(const std::filesystem::path& path);

struct FileDigest {
  std::string sha256;
  std::uintmax_t size = 0;
};
FileDigest digest_file(const std::filesystem::path& path);

}  // namespace nexusmap
