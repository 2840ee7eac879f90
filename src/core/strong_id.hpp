// core: StrongId, a string id that cannot be mixed up with another kind of id.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace tcj::core {

// A distinct type per kind of id (TenantId, ServerId, ...), so that passing a server id where a
// tenant id is expected does not compile. Tag is an empty struct naming the kind.
template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 reads the synthesized comparison with 0 as a null pointer
  auto operator<=>(const StrongId&) const = default;
  bool operator==(const StrongId&) const = default;

 private:
  std::string value_;
};

template <typename Tag>
std::ostream& operator<<(std::ostream& out, const StrongId<Tag>& id) {
  return out << id.str();
}

// The same for numeric ids: no arithmetic and no conversion either way without saying so.
template <typename Tag>
class StrongNumber {
 public:
  constexpr StrongNumber() = default;
  constexpr explicit StrongNumber(std::int64_t value) : value_(value) {}

  constexpr std::int64_t value() const { return value_; }
  std::string str() const { return std::to_string(value_); }

  auto operator<=>(const StrongNumber&) const = default;
  bool operator==(const StrongNumber&) const = default;

 private:
  std::int64_t value_ = 0;
};

template <typename Tag>
std::ostream& operator<<(std::ostream& out, const StrongNumber<Tag>& id) {
  return out << id.value();
}

}  // namespace tcj::core

template <typename Tag>
struct std::hash<tcj::core::StrongId<Tag>> {
  std::size_t operator()(const tcj::core::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
