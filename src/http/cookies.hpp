// http: reading a request's cookies and writing Set-Cookie values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace tcj::http {

// The value of the named cookie in the Cookie header, nullopt when absent.
std::optional<std::string> CookieValue(const Request& request, std::string_view name);

struct CookieOptions {
  std::chrono::seconds max_age{0};  // 0: delete the cookie
  bool secure = false;              // sent only over HTTPS
};

// "name=value; Path=/; Max-Age=N; HttpOnly; SameSite=Strict[; Secure]": never readable by page
// scripts, never sent on a cross-site request.
std::string SessionCookie(std::string_view name, std::string_view value, const CookieOptions& options);

}  // namespace tcj::http
