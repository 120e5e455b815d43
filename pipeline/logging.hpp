// SPDX-License-Identifier: MIT
// Human log lines on stderr, a JSON-lines log in the run folder, and live progress bars per
// running stage (plain lines when stderr is not a terminal). One thread prints progress,
// rate-limited; stages only update numbers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "rasters/core/progress.hpp"

namespace nexusmap {

enum class Verbosity { quiet, normal, verbose };

class ProgressBoard;

// Process-wide logging set up once by the CLI.
class Logging {
 public:
  static void init(Verbosity verbosity);
  // A logger named after a stage (or "nexusmap"), sharing the console and JSON sinks.
  static std::shared_ptr<spdlog::logger> get(const std::string& name);
  // Starts/stops copying every log line (and events) as JSON to `path`.
  static void open_json_log(const std::filesystem::path& path);
  static void close_json_log();
  // A machine-readable event in the JSON log (e.g. stage start/end with status and seconds).
  static void event(const nlohmann::json& fields);
  static ProgressBoard& progress();
  static bool stderr_is_terminal();
};

class ProgressBoard {
 public:
  ProgressBoard();
  ~ProgressBoard();
  ProgressBoard(const ProgressBoard&) = delete;
  ProgressBoard& operator=(const ProgressBoard&) = delete;

  void start(bool tty, bool enabled);
  void stop();
  // Adds a bar for `stage` and returns the callback the stage reports through.
  ProgressFn track(const std::string& stage);
  void finish(const std::string& stage);
  // Prints a log line above the bars (used by the console sink).
  void print_line(const std::string& line);

 private:
  struct Bar {
    std::string stage;
    std::atomic<double> fraction{0};
    std::string message;
    std::chrono::steady_clock::time_point started;
    double last_printed = -1;
    std::chrono::steady_clock::time_point last_print_time;
    bool done = false;
  };
  void loop();
  void draw_locked();
  void clear_locked();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<Bar>> bars_;  // shared with the callbacks, which may outlive finish()
  std::thread printer_;
  bool running_ = false;
  bool tty_ = false;
  bool enabled_ = true;
  int drawn_lines_ = 0;
};

}  // namespace nexusmap
