// SPDX-License-Identifier: MIT
// The output directory contract: one run at a time (lock), runs/<id>.partial while running,
// runs/<id> when complete, `latest` repointed atomically, failed runs marked, old runs retired.
#pragma once

#include <filesystem>
#include <cstdint>
#include <string>
#include <vector>

namespace nexusmap {

// An exclusive flock on <out>/.nexusmap.lock; released by the kernel even on kill -9.
class OutputLock {
 public:
  // Throws Error(locked) naming the holder's pid when another run has the lock.
  OutputLock(const std::filesystem::path& out_dir, const std::string& run_id);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  int fd_ = -1;
};

class RunFolder {
 public:
  explicit RunFolder(std::filesystem::path out_dir);

  // A new run id: UTC time plus a short config digest, unique within runs/.
  [[nodiscard]] std::string new_run_id(const std::string& config_sha256) const;
  // Marks runs/<id>.partial left by killed runs as runs/<id>.incomplete; returns how many.
  int mark_interrupted() const;
  [[nodiscard]] std::filesystem::path partial_dir(const std::string& id) const;
  [[nodiscard]] std::filesystem::path final_dir(const std::string& id) const;
  // runs/<id>.partial -> runs/<id> (or runs/<id>.failed).
  std::filesystem::path complete(const std::string& id) const;
  std::filesystem::path mark_failed(const std::string& id) const;
  // Atomically points <out>/latest at runs/<id> (symlink created aside, then renamed over).
  void point_latest(const std::string& id) const;
  // The run id `latest` points at, or "".
  [[nodiscard]] std::string latest_id() const;
  // Deletes complete runs beyond keep_runs and failed/incomplete ones beyond keep_failed (never latest).
  void retire(std::int64_t keep_runs, std::int64_t keep_failed) const;
  [[nodiscard]] std::vector<std::filesystem::path> complete_runs() const;
  [[nodiscard]] const std::filesystem::path& out_dir() const { return out_; }

 private:
  std::filesystem::path out_;
  std::filesystem::path runs_;
};

}  // namespace nexusmap
