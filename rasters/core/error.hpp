// SPDX-License-Identifier: MIT
// The one project exception type. Its kind maps to the documented process exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace nexusmap {

enum class ErrorKind {
  internal = 1,    // a bug or an unexpected library failure
  config = 2,      // usage or configuration error
  input_data = 3,  // an input file is missing, unreadable or unusable
  locked = 4,      // another run holds the output directory
  stage = 5,       // a stage failed while computing
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] int exit_code() const noexcept { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) { throw Error(kind, message); }
[[noreturn]] inline void input_error(const std::string& message) { throw Error(ErrorKind::input_data, message); }
[[noreturn]] inline void config_error(const std::string& message) { throw Error(ErrorKind::config, message); }

}  // namespace nexusmap
