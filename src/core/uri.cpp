#include "core/uri.hpp"

#include <strings.h>

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace tcj::core {
namespace {

bool IsSecretName(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kSecretNames = {
      "jwt", "token", "access_token", "password", "secret", "client_secret", "signature", "sig", "code"};
  for (std::string_view s : kSecretNames) {
    if (name.size() == s.size() && strncasecmp(name.data(), s.data(), s.size()) == 0) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool form) {
  if (text.find_first_of(form ? "%+" : "%") == std::string_view::npos) return std::string(text);
  std::string out(text.size(), '\0');
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexDigitValue(text[i + 1]);
      const int lo = HexDigitValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out[n++] = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out[n++] = form && c == '+' ? ' ' : c;
    }
  }
  out.resize(n);
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(text.size() * 3, '\0');
  std::size_t n = 0;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out[n++] = static_cast<char>(c);
    } else {
      out[n++] = '%';
      out[n++] = kHex[c >> 4];
      out[n++] = kHex[c & 0x0f];
    }
  }
  out.resize(n);
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("") : PercentDecode(pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string RedactQuery(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  std::size_t start = 0;
  while (true) {
    const std::size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, amp - start);
    const auto eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const auto name = PercentDecode(raw_name, true);
    if (eq != std::string_view::npos && (!name || IsSecretName(*name))) {
      out.append(raw_name).append("=[REDACTED]");
    } else {
      out.append(pair);
    }
    if (amp == query.size()) break;
    out.push_back('&');
    start = amp + 1;
  }
  return out;
}

}  // namespace tcj::core
