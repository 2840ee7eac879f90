#include "core/access_log.hpp"

#include <charconv>

namespace tcj::core {

std::optional<AccessLogPolicy> AccessLogPolicy::Parse(std::string_view text) {
  if (text == "all") return AccessLogPolicy(Mode::all, 1);
  if (text == "errors") return AccessLogPolicy(Mode::errors, 0);
  constexpr std::string_view kSample = "sample:";
  if (!text.starts_with(kSample)) return std::nullopt;
  const std::string_view number = text.substr(kSample.size());
  std::uint32_t every = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), every);
  if (ec != std::errc() || end != number.data() + number.size() || every < 1 || every > 1'000'000) {
    return std::nullopt;
  }
  return AccessLogPolicy(Mode::sample, every);
}

bool AccessLogPolicy::ShouldLog(int status, double seconds) const {
  if (mode_ == Mode::all || status >= 400 || seconds >= kSlowSeconds) return true;
  if (mode_ == Mode::errors) return false;
  return seen_.fetch_add(1, std::memory_order_relaxed) % every_ == 0;
}

std::string AccessLogPolicy::Describe() const {
  switch (mode_) {
    case Mode::all:
      return "all";
    case Mode::errors:
      return "errors";
    case Mode::sample:
      return "sample:" + std::to_string(every_);
  }
  return "all";
}

}  // namespace tcj::core
