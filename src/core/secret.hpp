// core: Secret, the only type that holds a password, token or key in memory.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace tcj::core {

// Holds a secret value. It never prints (formatting and streaming give "***"), has no implicit
// conversion to a string, cannot be handed to the logger, and wipes its bytes when destroyed or
// overwritten. Read it only where it is used, through reveal().
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret& other) : value_(other.value_) {}
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

  // Constant-time comparison, so that checking a presented secret leaks nothing through timing.
  bool Equals(std::string_view presented) const;

 private:
  void Wipe();
  std::string value_;
};

std::ostream& operator<<(std::ostream& out, const Secret& secret);

// Overwrites memory in a way the optimiser may not remove.
void SecureWipe(void* data, std::size_t size);
void SecureWipe(std::string& text);

}  // namespace tcj::core

template <>
struct fmt::formatter<tcj::core::Secret> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const tcj::core::Secret&, Context& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
