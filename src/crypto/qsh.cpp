#include "crypto/qsh.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "core/text.hpp"
#include "core/uri.hpp"
#include "crypto/sha256.hpp"

namespace tcj::crypto {
namespace {

std::string CanonicalUri(std::string_view path, std::string_view base_path, PathForm form) {
  std::string p(path);
  if (form == PathForm::decoded) {
    // A malformed escape is kept as sent: the hash then simply will not match.
    if (auto decoded = core::PercentDecode(path)) p = std::move(*decoded);
  }
  if (!base_path.empty() && p.starts_with(base_path)) p.erase(0, base_path.size());
  if (p.empty()) p = "/";
  std::string out;
  out.reserve(p.size() + 8);
  for (char c : p) {
    if (c == '&') {
      out += "%26";
    } else {
      out.push_back(c);
    }
  }
  if (out.front() != '/') out.insert(out.begin(), '/');
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string CanonicalQuery(std::string_view raw_query) {
  // Encoded name -> decoded values.
  std::map<std::string, std::vector<std::string>> params;
  std::size_t start = 0;
  while (start < raw_query.size()) {
    const std::size_t amp = std::min(raw_query.find('&', start), raw_query.size());
    const std::string_view pair = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto name = core::PercentDecode(pair.substr(0, eq), /*form=*/true);
    const std::string decoded_name = name.value_or(std::string(pair.substr(0, eq)));
    if (decoded_name == "jwt") continue;
    const auto value =
        eq == std::string_view::npos ? std::optional<std::string>("") : core::PercentDecode(pair.substr(eq + 1), true);
    params[core::PercentEncode(decoded_name)].push_back(value.value_or(std::string(pair.substr(eq + 1))));
  }
  std::string out;
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += core::PercentEncode(values[i]);
    }
  }
  return out;
}

}  // namespace

std::string CanonicalRequest(std::string_view method, std::string_view path, std::string_view raw_query,
                             std::string_view base_path, PathForm form) {
  return core::AsciiUpper(method) + "&" + CanonicalUri(path, base_path, form) + "&" + CanonicalQuery(raw_query);
}

std::string QueryStringHash(std::string_view method, std::string_view path, std::string_view raw_query,
                            std::string_view base_path, PathForm form) {
  return crypto::Sha256Hex(CanonicalRequest(method, path, raw_query, base_path, form));
}

}  // namespace tcj::crypto
