#include "jira/devinfo_json.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"
#include "jira/json_input.hpp"

namespace tcj::jira {
namespace {

using core::SafeExcerpt;
using core::Utf16Length;

// How much of a non-JSON error body is looked at for the excerpt.
constexpr std::size_t kMaxExcerptScan = 64 * 1024;

void CollectMessages(const InJson& json, std::vector<std::string>& messages) {
  const auto add_string = [&](const InJson& value) {
    if (value.is_string()) messages.push_back(value.get<std::string>());
  };
  if (json.is_string()) {
    add_string(json);
  } else if (json.is_array()) {
    // Builds/Deployments: [{"message": "...", "errorTraceId": "..."}]
    for (const InJson& item : json) {
      if (item.is_object()) {
        if (const auto it = item.find("message"); it != item.end()) add_string(*it);
      } else {
        add_string(item);
      }
    }
  } else if (json.is_object()) {
    // Other Jira endpoints: {"errorMessages": [...], "errors": {"field": "message"}}, or {"message": ...}.
    if (const auto it = json.find("errorMessages"); it != json.end() && it->is_array()) {
      for (const InJson& item : *it) add_string(item);
    }
    if (const auto it = json.find("errors"); it != json.end() && it->is_object()) {
      for (const auto& [field, value] : it->items()) {
        if (value.is_string()) messages.push_back(fmt::format("{}: {}", field, value.get<std::string>()));
      }
    }
    if (const auto it = json.find("message"); it != json.end()) add_string(*it);
  }
}

std::size_t FindNoCase(std::string_view haystack, std::string_view needle, std::size_t from = 0) {
  const auto it = std::search(haystack.begin() + static_cast<std::ptrdiff_t>(std::min(from, haystack.size())),
                              haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) { return core::AsciiLower(a) == core::AsciiLower(b); });
  return it == haystack.end() ? std::string_view::npos : static_cast<std::size_t>(it - haystack.begin());
}

// The readable text of an HTML error page (a proxy's 502, a maintenance page): its title if it has
// one, else the text between the tags.
std::string HtmlText(std::string_view html) {
  if (const auto open = FindNoCase(html, "<title"); open != std::string_view::npos) {
    const auto start = html.find('>', open);
    const auto end = FindNoCase(html, "</title", open);
    if (start != std::string_view::npos && end != std::string_view::npos && start < end) {
      return std::string(html.substr(start + 1, end - start - 1));
    }
  }
  std::string text;
  bool in_tag = false;
  for (const char c : html) {
    if (c == '<') {
      in_tag = true;
      text.push_back(' ');
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      text.push_back(c);
    }
  }
  return text;
}

std::string Excerpt(std::string_view body) {
  body = body.substr(0, kMaxExcerptScan);
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return "(empty body)";
  }
  std::string text = body[first] == '<' ? HtmlText(body) : std::string(body);
  std::string excerpt = SafeExcerpt(text, kMaxErrorSummaryLength);
  return excerpt.empty() ? "(empty body)" : excerpt;
}

}  // namespace

std::string ParseErrorMessages(std::string_view body) {
  try {
    std::vector<std::string> messages;
    if (auto json = ParseJsonWithinLimits(body)) {
      CollectMessages(*json, messages);
    }
    if (messages.empty()) {
      return Excerpt(body);
    }
    // Joins only what can show: the summary is cut anyway, and there may be thousands.
    std::string joined;
    for (const std::string& message : messages) {
      if (Utf16Length(joined) > kMaxErrorSummaryLength) break;
      if (!joined.empty()) joined.append("; ");
      joined.append(message.substr(0, kMaxErrorSummaryLength * 4));
    }
    std::string summary = SafeExcerpt(joined, kMaxErrorSummaryLength);
    return summary.empty() ? Excerpt(body) : summary;
  } catch (const std::exception&) {
    return "(unreadable error body)";
  }
}

}  // namespace tcj::jira
