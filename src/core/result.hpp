// core: Result<T> and Error, the value type every I/O seam returns for expected failures.
#pragma once

#include <cassert>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tcj::core {

// What went wrong, in categories that callers act on (map to an HTTP status, retry or not).
enum class ErrorKind {
  invalid_input,    // the caller sent something malformed or out of range
  not_found,
  unauthenticated,
  forbidden,
  conflict,
  rate_limited,     // the other side asked us to slow down (429, 503 with Retry-After)
  unavailable,      // the other side or the network is down; trying later can help
  timeout,
  bad_payload,      // the other side answered something we cannot parse or accept
  internal,         // a bug or an unexpected state on our side
};

std::string_view ToString(ErrorKind kind);

// An expected failure: a code for machines, a message fit for an admin, and whether retrying can help.
// Messages never contain secrets: whoever builds an Error is responsible for that.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string code;      // stable, dotted, e.g. "teamcity.unauthorized"
  std::string message;   // one sentence an admin can act on
  bool retryable = false;
  std::optional<std::chrono::seconds> retry_after;  // when the other side said how long to wait
  std::string field;  // invalid_input: the input field at fault ("projects", "auth"), when there is one

  static Error Make(ErrorKind kind, std::string code, std::string message);
  static Error Retryable(ErrorKind kind, std::string code, std::string message);
  // invalid_input about one field of the caller's input, which an API answer can point at.
  static Error InvalidField(std::string field, std::string code, std::string message);
};

// A small std::expected: holds either a T or an Error. Accessing the wrong side is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }
  Error&& take_error() && { assert(!ok()); return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }
  Error&& take_error() && { assert(!ok()); return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace tcj::core
