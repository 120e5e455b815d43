// SPDX-License-Identifier: MIT
#include "pipeline/run_folder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include <fmt/format.h>

#include "rasters/core/error.hpp"

namespace nexusmap {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

OutputLock::OutputLock(const std::filesystem::path& out_dir, const std::string& run_id) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) input_error(fmt::format("{}: cannot create the output directory: {}", out_dir.string(), ec.message()));
  const auto path = out_dir / ".nexusmap.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) input_error(fmt::format("{}: cannot open the lock file: {}", path.string(), std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[256] = {};
    const auto n = ::pread(fd_, buf, sizeof(buf) - 1, 0);
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("unknown");
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd_);
    fd_ = -1;
    fail(ErrorKind::locked, fmt::format("{}: another nexusmap run holds the lock ({}); wait for it to finish — "
                                        "runs of one output directory never overlap",
                                        out_dir.string(), holder));
  }
  const std::string me = fmt::format("pid {}, run {}\n", ::getpid(), run_id);
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] auto w = ::pwrite(fd_, me.data(), me.size(), 0);
  }
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

RunFolder::RunFolder(std::filesystem::path out_dir) : out_(std::move(out_dir)), runs_(out_ / "runs") {
  std::error_code ec;
  std::filesystem::create_directories(runs_, ec);
  if (ec) input_error(fmt::format("{}: cannot create the runs directory: {}", runs_.string(), ec.message()));
}

std::string RunFolder::new_run_id(const std::string& config_sha256) const {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  const std::string base = fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}", tm.tm_year + 1900, tm.tm_mon + 1,
                                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, config_sha256.substr(0, 6));
  std::string id = base;
  for (int n = 2;; ++n) {
    std::error_code ec;
    bool taken = false;
    for (const char* suffix : {"", ".partial", ".failed", ".incomplete"})
      taken = taken || std::filesystem::exists(runs_ / (id + suffix), ec);
    if (!taken) return id;
    id = fmt::format("{}-{}", base, n);
  }
}

int RunFolder::mark_interrupted() const {
  int n = 0;
  std::error_code ec;
  std::vector<std::filesystem::path> partial;
  for (const auto& e : std::filesystem::directory_iterator(runs_, ec))
    if (ends_with(e.path().filename().string(), ".partial")) partial.push_back(e.path());
  for (const auto& p : partial) {
    auto target = p;
    target.replace_extension(".incomplete");
    std::filesystem::rename(p, target, ec);
    if (!ec) ++n;
  }
  return n;
}

std::filesystem::path RunFolder::partial_dir(const std::string& id) const { return runs_ / (id + ".partial"); }
std::filesystem::path RunFolder::final_dir(const std::string& id) const { return runs_ / id; }

std::filesystem::path RunFolder::complete(const std::string& id) const {
  std::error_code ec;
  std::filesystem::rename(partial_dir(id), final_dir(id), ec);
  if (ec) input_error(fmt::format("{}: cannot finalise the run folder: {}", final_dir(id).string(), ec.message()));
  return final_dir(id);
}

std::filesystem::path RunFolder::mark_failed(const std::string& id) const {
  const auto target = runs_ / (id + ".failed");
  std::error_code ec;
  std::filesystem::rename(partial_dir(id), target, ec);
  return ec ? partial_dir(id) : target;
}

void RunFolder::point_latest(const std::string& id) const {
  const auto tmp = out_ / fmt::format(".latest.tmp-{}", ::getpid());
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  std::filesystem::create_directory_symlink(std::filesystem::path("runs") / id, tmp, ec);
  if (ec) input_error(fmt::format("{}: cannot create the latest link: {}", tmp.string(), ec.message()));
  std::filesystem::rename(tmp, out_ / "latest", ec);  // rename(2) replaces the old link atomically
  if (ec) input_error(fmt::format("{}: cannot repoint latest: {}", (out_ / "latest").string(), ec.message()));
}

std::string RunFolder::latest_id() const {
  std::error_code ec;
  const auto target = std::filesystem::read_symlink(out_ / "latest", ec);
  return ec ? std::string{} : target.filename().string();
}

std::vector<std::filesystem::path> RunFolder::complete_runs() const {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(runs_, ec))
    if (e.is_directory() && e.path().filename().string().find('.') == std::string::npos) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void RunFolder::retire(std::int64_t keep_runs, std::int64_t keep_failed) const {
  const std::string latest = latest_id();
  std::vector<std::filesystem::path> complete = complete_runs(), failed;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(runs_, ec)) {
    const auto name = e.path().filename().string();
    if (ends_with(name, ".failed") || ends_with(name, ".incomplete")) failed.push_back(e.path());
  }
  std::sort(failed.begin(), failed.end());
  auto drop_oldest = [&](std::vector<std::filesystem::path>& list, std::int64_t keep) {
    const auto excess = static_cast<std::int64_t>(list.size()) - keep;
    for (std::int64_t i = 0; i < excess; ++i) {
      const auto& p = list[static_cast<std::size_t>(i)];
      if (p.filename().string() == latest) continue;
      std::filesystem::remove_all(p, ec);
    }
  };
  drop_oldest(complete, keep_runs);
  drop_oldest(failed, keep_failed);
}

}  // namespace nexusmap
