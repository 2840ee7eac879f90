#include "http/message.hpp"

#include <strings.h>

#include <algorithm>

#include "core/log.hpp"
#include "core/text.hpp"

namespace tcj::http {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void Headers::Set(std::string_view name, std::string value) {
  std::erase_if(fields_, [name](const auto& f) { return SameName(f.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (SameName(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::size_t Headers::Count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& f : fields_) {
    if (SameName(f.first, name)) ++n;
  }
  return n;
}

std::optional<std::string_view> Request::PathParam(std::string_view name) const {
  for (const auto& [n, v] : path_params) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":\"";
  core::AppendJsonEscaped(body, code);
  body += "\",\"message\":\"";
  core::AppendJsonEscaped(body, message);
  body += "\"}}";
  return Json(status, std::move(body));
}

std::optional<std::string_view> BearerToken(const Request& request) {
  const auto header = request.headers.Get("Authorization");
  if (!header || header->size() <= 7 || !core::EqualsIgnoringAsciiCase(header->substr(0, 7), "Bearer ")) {
    return std::nullopt;
  }
  const std::string_view token = core::TrimAsciiSpace(header->substr(7));
  if (token.empty()) return std::nullopt;
  return token;
}

bool LooksLikeJwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace tcj::http
