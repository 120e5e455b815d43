// SPDX-License-Identifier: MIT
#include "pipeline/logging.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace nexusmap {
namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)), ms);
}

class ConsoleSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto tt = std::chrono::system_clock::to_time_t(msg.time);
    std::string level;
    if (msg.level >= spdlog::level::err) level = "error: ";
    else if (msg.level == spdlog::level::warn) level = "warning: ";
    else if (msg.level <= spdlog::level::debug) level = "debug: ";
    const std::string name(msg.logger_name.begin(), msg.logger_name.end());
    const std::string prefix = name.empty() || name == "nexusmap" ? "" : "[" + name + "] ";
    Logging::progress().print_line(fmt::format("{:%H:%M:%S} {}{}{}", fmt::localtime(tt), level, prefix,
                                               std::string_view(msg.payload.data(), msg.payload.size())));
  }
  void flush_() override { std::fflush(stderr); }
};

class JsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void open(const std::filesystem::path& p) {
    std::lock_guard lock(mutex_);
    out_.open(p, std::ios::app);
  }
  void close() {
    std::lock_guard lock(mutex_);
    out_.close();
  }
  void event(const nlohmann::json& fields) {
    std::lock_guard lock(mutex_);
    if (!out_.is_open()) return;
    nlohmann::json j = {{"time", iso_time(std::chrono::system_clock::now())}, {"level", "info"}};
    j.update(fields);
    out_ << j.dump() << '\n';
    out_.flush();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (!out_.is_open()) return;
    const auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json j = {{"time", iso_time(msg.time)},
                        {"level", std::string(level.begin(), level.end())},
                        {"logger", std::string(msg.logger_name.begin(), msg.logger_name.end())},
                        {"msg", std::string(msg.payload.begin(), msg.payload.end())}};
    out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out_.flush();
  }
  void flush_() override { out_.flush(); }

 private:
  std::ofstream out_;
};

struct State {
  std::shared_ptr<ConsoleSink> console = std::make_shared<ConsoleSink>();
  std::shared_ptr<JsonSink> json = std::make_shared<JsonSink>();
  spdlog::level::level_enum level = spdlog::level::info;
  ProgressBoard board;
  std::mutex mutex;
};

State& state() {
  static State s;
  return s;
}

}  // namespace

void Logging::init(Verbosity verbosity) {
  auto& s = state();
  s.level = verbosity == Verbosity::quiet     ? spdlog::level::warn
            : verbosity == Verbosity::verbose ? spdlog::level::debug
                                              : spdlog::level::info;
  s.console->set_level(s.level);
  s.json->set_level(spdlog::level::debug);
  s.board.start(stderr_is_terminal(), verbosity != Verbosity::quiet);
  spdlog::set_default_logger(get("nexusmap"));
}

std::shared_ptr<spdlog::logger> Logging::get(const std::string& name) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, spdlog::sinks_init_list{s.console, s.json});
  logger->set_level(spdlog::level::debug);
  spdlog::register_logger(logger);
  return logger;
}

void Logging::open_json_log(const std::filesystem::path& path) { state().json->open(path); }
void Logging::close_json_log() { state().json->close(); }
void Logging::event(const nlohmann::json& fields) { state().json->event(fields); }
ProgressBoard& Logging::progress() { return state().board; }
bool Logging::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBoard::ProgressBoard() = default;
ProgressBoard::~ProgressBoard() { stop(); }

void ProgressBoard::start(bool tty, bool enabled) {
  std::lock_guard lock(mutex_);
  tty_ = tty;
  enabled_ = enabled;
  if (running_ || !enabled_) return;
  running_ = true;
  printer_ = std::thread([this] { loop(); });
}

void ProgressBoard::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_all();
  if (printer_.joinable()) printer_.join();
  std::lock_guard lock(mutex_);
  clear_locked();
}

ProgressFn ProgressBoard::track(const std::string& stage) {
  std::lock_guard lock(mutex_);
  auto bar = std::make_shared<Bar>();
  bar->stage = stage;
  bar->started = std::chrono::steady_clock::now();
  bar->last_print_time = bar->started;
  bars_.push_back(bar);
  return [this, bar](double fraction, std::string_view message) {
    bar->fraction.store(std::clamp(fraction, 0.0, 1.0), std::memory_order_relaxed);
    if (!message.empty()) {
      std::lock_guard l(mutex_);
      bar->message = std::string(message);
    }
    return true;
  };
}

void ProgressBoard::finish(const std::string& stage) {
  std::lock_guard lock(mutex_);
  clear_locked();
  std::erase_if(bars_, [&](const auto& b) { return b->stage == stage; });
  if (tty_ && enabled_) draw_locked();
}

void ProgressBoard::print_line(const std::string& line) {
  std::lock_guard lock(mutex_);
  clear_locked();
  std::fprintf(stderr, "%s\n", line.c_str());
  if (tty_ && enabled_ && running_) draw_locked();
  std::fflush(stderr);
}

void ProgressBoard::clear_locked() {
  if (drawn_lines_ > 0) {
    std::fprintf(stderr, "\x1b[%dA\x1b[J", drawn_lines_);
    drawn_lines_ = 0;
  }
}

void ProgressBoard::draw_locked() {
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    for (const auto& b : bars_) {
      const double f = b->fraction.load(std::memory_order_relaxed);
      constexpr int width = 30;
      const int filled = static_cast<int>(f * width);
      const double secs = std::chrono::duration<double>(now - b->started).count();
      std::fprintf(stderr, "  %-12.12s [%s%s] %3d%% %6.1fs %s\n", b->stage.c_str(), std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), static_cast<int>(f * 100 + 0.5),
                   secs, b->message.substr(0, 40).c_str());
      ++drawn_lines_;
    }
    return;
  }
  // Not a terminal: one plain line per stage when it passed another quarter, at most every 5 s.
  for (auto& b : bars_) {
    const double f = b->fraction.load(std::memory_order_relaxed);
    const bool quarter = static_cast<int>(f * 4) > static_cast<int>(b->last_printed * 4);
    if (f > 0 && f < 1 && quarter && now - b->last_print_time > std::chrono::seconds(5)) {
      std::fprintf(stderr, "[%s] %d%% %s\n", b->stage.c_str(), static_cast<int>(f * 100 + 0.5), b->message.c_str());
      b->last_printed = f;
      b->last_print_time = now;
    }
  }
}

void ProgressBoard::loop() {
  std::unique_lock lock(mutex_);
  while (running_) {
    wake_.wait_for(lock, std::chrono::milliseconds(tty_ ? 150 : 1000));
    if (!running_) break;
    clear_locked();
    draw_locked();
    std::fflush(stderr);
  }
}

}  // namespace nexusmap
