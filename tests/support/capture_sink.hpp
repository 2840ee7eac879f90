// Test support: a log sink that keeps every line, to assert on what was (and was not) logged.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace tcj::testing {

class CaptureSink final : public core::LogSink {
 public:
  void Write(core::LogLevel, std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::string all() const {
    std::string out;
    for (const auto& l : lines()) out += l + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace tcj::testing
