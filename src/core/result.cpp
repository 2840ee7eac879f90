#include "core/result.hpp"

namespace tcj::core {

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return "invalid_input";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::unauthenticated: return "unauthenticated";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::rate_limited: return "rate_limited";
    case ErrorKind::unavailable: return "unavailable";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::bad_payload: return "bad_payload";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

Error Error::Make(ErrorKind kind, std::string code, std::string message) {
  return Error{kind, std::move(code), std::move(message), false, std::nullopt, {}};
}

Error Error::Retryable(ErrorKind kind, std::string code, std::string message) {
  return Error{kind, std::move(code), std::move(message), true, std::nullopt, {}};
}

Error Error::InvalidField(std::string field, std::string code, std::string message) {
  return Error{ErrorKind::invalid_input, std::move(code), std::move(message), false, std::nullopt, std::move(field)};
}

}  // namespace tcj::core
