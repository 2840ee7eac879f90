// core: which answered requests get an access log line (config log.access). A busy service
// answers thousands of issue panels a second; its metrics count every request, and the log keeps
// what someone will look for: failures and slow requests, and a sample of the rest.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcj::core {

class AccessLogPolicy {
 public:
  enum class Mode { all, errors, sample };
  // A request this slow is logged whatever the mode.
  static constexpr double kSlowSeconds = 1.0;

  // "all", "errors" or "sample:N" (1 <= N <= 1 000 000); nullopt otherwise.
  static std::optional<AccessLogPolicy> Parse(std::string_view text);
  static AccessLogPolicy All() { return AccessLogPolicy(Mode::all, 1); }

  // errors: status 400 and above, or slower than kSlowSeconds. sample:N: those, and one in N of the rest.
  bool ShouldLog(int status, double seconds) const;
  std::string Describe() const;

  AccessLogPolicy(const AccessLogPolicy& other) : mode_(other.mode_), every_(other.every_) {}
  AccessLogPolicy& operator=(const AccessLogPolicy& other) {
    mode_ = other.mode_;
    every_ = other.every_;
    return *this;
  }

 private:
  AccessLogPolicy(Mode mode, std::uint32_t every) : mode_(mode), every_(every) {}
  Mode mode_;
  std::uint32_t every_;
  mutable std::atomic<std::uint64_t> seen_{0};
};

}  // namespace tcj::core
