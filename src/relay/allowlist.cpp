#include "relay/allowlist.hpp"

#include "core/uri.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace tcj::relay {
namespace {

constexpr std::size_t kMaxRequestLength = 16384;
constexpr std::size_t kMaxFieldsLength = 4096;
// Reasons are shown to admins and logged: a hostile request must not fill them.
constexpr std::size_t kMaxQuoted = 100;
// Build ids are Java longs: 19 digits at most.
constexpr std::size_t kMaxBuildIdDigits = 19;
constexpr std::string_view kRestPrefix = "/app/rest/";

// How the value of one locator dimension is checked.
enum class ValueRule {
  any,      // TeamCity takes it as text (state, branch, defaultFilter, ...)
  digits,   // count, start, lookupLimit
  id_only,  // a nested locator with only id: affectedProject, build, buildType
  date,     // finishDate, sinceDate: a plain date, or a nested locator with only date and condition
};

struct DimensionRule {
  std::string_view name;
  ValueRule rule;
};

constexpr std::array kBuildsDimensions{
    DimensionRule{"defaultFilter", ValueRule::any},
    DimensionRule{"state", ValueRule::any},
    DimensionRule{"finishDate", ValueRule::date},
    DimensionRule{"sinceDate", ValueRule::date},
    DimensionRule{"affectedProject", ValueRule::id_only},
    DimensionRule{"count", ValueRule::digits},
    DimensionRule{"start", ValueRule::digits},
    DimensionRule{"lookupLimit", ValueRule::digits},
    DimensionRule{"buildType", ValueRule::id_only},
    DimensionRule{"branch", ValueRule::any},
    DimensionRule{"personal", ValueRule::any},
    DimensionRule{"canceled", ValueRule::any},
    DimensionRule{"failedToStart", ValueRule::any},
    DimensionRule{"composite", ValueRule::any},
};
constexpr std::array kChangesDimensions{
    DimensionRule{"build", ValueRule::id_only},
    DimensionRule{"count", ValueRule::digits},
    DimensionRule{"start", ValueRule::digits},
    DimensionRule{"lookupLimit", ValueRule::digits},
};
constexpr std::array kProjectsDimensions{
    DimensionRule{"archived", ValueRule::any},
    DimensionRule{"count", ValueRule::digits},
    DimensionRule{"start", ValueRule::digits},
    DimensionRule{"lookupLimit", ValueRule::digits},
};
constexpr std::array kBuildTypesDimensions{
    DimensionRule{"templateFlag", ValueRule::any},
    DimensionRule{"count", ValueRule::digits},
    DimensionRule{"start", ValueRule::digits},
    DimensionRule{"lookupLimit", ValueRule::digits},
};

constexpr std::array<std::string_view, 1> kIdOnly{"id"};
constexpr std::array<std::string_view, 2> kDateAndCondition{"date", "condition"};

struct Endpoint {
  std::string_view name;                      // as shown in reasons
  std::span<const DimensionRule> dimensions;  // empty: the endpoint takes no locator
};

constexpr std::array kFixedEndpoints{
    Endpoint{"/app/rest/server", {}},
    Endpoint{"/app/rest/users/current", {}},
    Endpoint{"/app/rest/projects", kProjectsDimensions},
    Endpoint{"/app/rest/buildTypes", kBuildTypesDimensions},
    Endpoint{"/app/rest/builds", kBuildsDimensions},
    Endpoint{"/app/rest/changes", kChangesDimensions},
};

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Raw bytes a request may carry: printable ASCII without the space.
bool IsVisibleAscii(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte < 0x7f;
}

// text between quotes, cut to kMaxQuoted characters, anything but printable ASCII shown as '?': the
// only way request text gets into a reason.
std::string Quote(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    out.push_back(byte >= 0x20 && byte < 0x7f ? text[i] : '?');
  }
  if (text.size() > kMaxQuoted) out += "...";
  out += "'";
  return out;
}

std::string Join(std::span<const std::string_view> names) {
  std::string out;
  for (const std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// %XX escapes; nullopt for a malformed one. '+' stays '+': wherever TeamCity would read it as a
// space instead, both spellings are refused alike (names, fields) or mean nothing to the locator
// grammar (values), so the difference cannot open anything.
std::optional<std::string> PercentDecode(std::string_view text) {
  return core::PercentDecode(text, false);
}

std::optional<Endpoint> MatchEndpoint(std::string_view path) {
  for (const Endpoint& endpoint : kFixedEndpoints) {
    if (path == endpoint.name) return endpoint;
  }
  constexpr std::string_view kBuildById = "/app/rest/builds/id:";
  if (!path.starts_with(kBuildById)) return std::nullopt;
  std::string_view rest = path.substr(kBuildById.size());
  std::size_t digits = 0;
  while (digits < rest.size() && IsDigit(rest[digits])) ++digits;
  if (digits == 0 || digits > kMaxBuildIdDigits) return std::nullopt;
  rest.remove_prefix(digits);
  if (rest.empty()) return Endpoint{"/app/rest/builds/id:<id>", {}};
  if (rest == "/resultingProperties") return Endpoint{"/app/rest/builds/id:<id>/resultingProperties", {}};
  return std::nullopt;
}

// Everything about the path; the endpoint it names when allowed.
struct PathCheck {
  std::optional<Endpoint> endpoint;
  std::string refusal;
};

PathCheck CheckPath(std::string_view path) {
  // The specific checks come before the allowlist only so that the reason says what is wrong; the
  // allowlist alone would refuse all of these.
  if (!path.starts_with('/')) return {{}, "The request " + Quote(path) + " is not a path under /app/rest/."};
  if (path.find("//") != std::string_view::npos) {
    return {{}, "The path " + Quote(path) + " contains '//', which could name another host or hide a segment."};
  }
  if (path.find('%') != std::string_view::npos) {
    return {{}, "The path " + Quote(path) + " is percent-encoded, which the relay refuses (no encoded '.' or '/')."};
  }
  if (path.find('@') != std::string_view::npos) return {{}, "The path " + Quote(path) + " contains '@'."};
  if (path.find("/./") != std::string_view::npos || path.find("/../") != std::string_view::npos ||
      path.ends_with("/.") || path.ends_with("/..")) {
    return {{}, "The path " + Quote(path) + " contains a '.' or '..' segment."};
  }
  if (!path.starts_with(kRestPrefix)) {
    return {{}, "The path " + Quote(path) + " does not start with /app/rest/ (the service strips any auth prefix)."};
  }
  std::optional<Endpoint> endpoint = MatchEndpoint(path);
  if (!endpoint) return {{}, "The relay does not allow the endpoint " + Quote(path) + "."};
  return {endpoint, {}};
}

// One name:value part of a locator.
struct LocatorPart {
  std::string_view name;
  std::string_view value;  // a group without its parentheses, or the plain value
};

struct SplitLocator {
  std::vector<LocatorPart> parts;
  std::string refusal;
};

// The index of the ')' that closes the '(' at open, or npos.
std::size_t MatchingParenthesis(std::string_view text, std::size_t open) {
  std::size_t depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Splits a locator the way TeamCity's Locator.parse does: a name ends at ':', ',' or '('; a value is
// a group up to its matching ')' or plain text up to the next ',' outside parentheses. Stricter than
// TeamCity about what it tolerates and the service never sends (a part without ':', an empty part, a
// stray ')', text after a group), so that whatever passes is read by TeamCity exactly as here.
// subject starts a refusal: "The locator", "The value of 'build'".
SplitLocator Split(std::string_view text, const std::string& subject) {
  SplitLocator out;
  if (text.empty()) {
    out.refusal = subject + " is empty.";
    return out;
  }
  std::size_t pos = 0;
  while (true) {
    const std::size_t name_end = text.find_first_of(":,(", pos);
    const std::string_view name = text.substr(pos, name_end == std::string_view::npos ? name_end : name_end - pos);
    if (name.empty()) {
      out.refusal = subject + " has a part without a dimension name (a stray ',', ':' or '(').";
      return out;
    }
    if (name_end == std::string_view::npos || text[name_end] != ':') {
      out.refusal = subject + " has " + Quote(name) + ", which is not a dimension:value pair.";
      return out;
    }
    pos = name_end + 1;
    std::size_t value_end = pos;
    LocatorPart part{name, {}};
    if (pos < text.size() && text[pos] == '(') {
      const std::size_t close = MatchingParenthesis(text, pos);
      if (close == std::string_view::npos) {
        out.refusal = subject + " has unbalanced parentheses in the value of " + Quote(name) + ".";
        return out;
      }
      part.value = text.substr(pos + 1, close - pos - 1);
      value_end = close + 1;
      if (value_end < text.size() && text[value_end] != ',') {
        out.refusal = subject + " has text after the closing parenthesis of " + Quote(name) + ".";
        return out;
      }
    } else {
      std::size_t depth = 0;
      for (; value_end < text.size() && (depth > 0 || text[value_end] != ','); ++value_end) {
        if (text[value_end] == '(') {
          ++depth;
        } else if (text[value_end] == ')') {
          if (depth == 0) break;
          --depth;
        }
      }
      if (depth > 0 || (value_end < text.size() && text[value_end] == ')')) {
        out.refusal = subject + " has unbalanced parentheses in the value of " + Quote(name) + ".";
        return out;
      }
      part.value = text.substr(pos, value_end - pos);
    }
    out.parts.push_back(part);
    if (value_end == text.size()) return out;
    pos = value_end + 1;  // past the ','
    if (pos == text.size()) {
      out.refusal = subject + " ends with ','.";
      return out;
    }
  }
}

// A dimension whose value TeamCity reads as a locator of its own (a project, a build, a date).
std::optional<std::string> CheckNested(const LocatorPart& part, std::span<const std::string_view> allowed,
                                       bool plain_date_allowed) {
  // TeamCity decodes a whole ($base64:...) value and then reads the result as a nested locator, which
  // would hide its sub-dimensions from the check below. Inside them, as id:($base64:...), it is fine.
  if (part.value.starts_with("$base64:")) {
    return "The locator dimension " + Quote(part.name) +
           " cannot be ($base64:...) as a whole; encode the values inside it instead.";
  }
  // A plain date such as 20260101T000000+0000: TeamCity reads text without ':' or parentheses as one value.
  if (plain_date_allowed && !part.value.empty() && part.value.find_first_of(":(),") == std::string_view::npos) {
    return std::nullopt;
  }
  const SplitLocator nested = Split(part.value, "The value of " + Quote(part.name));
  if (!nested.refusal.empty()) return nested.refusal;
  for (const LocatorPart& sub : nested.parts) {
    bool known = false;
    for (const std::string_view name : allowed) known = known || sub.name == name;
    if (!known) {
      return "The locator dimension " + Quote(part.name) + " does not allow " + Quote(sub.name) + " inside it (only " +
             Join(allowed) + ").";
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckDimensionValue(const LocatorPart& part, ValueRule rule) {
  switch (rule) {
    case ValueRule::any:
      return std::nullopt;
    case ValueRule::digits:
      if (IsAllDigits(part.value)) return std::nullopt;
      return "The locator dimension " + Quote(part.name) + " takes a number, not " + Quote(part.value) + ".";
    case ValueRule::id_only:
      return CheckNested(part, kIdOnly, false);
    case ValueRule::date:
      return CheckNested(part, kDateAndCondition, true);
  }
  return "The locator dimension " + Quote(part.name) + " has no rule.";  // unreachable: every rule is handled
}

std::optional<std::string> CheckLocator(std::string_view locator, const Endpoint& endpoint) {
  const SplitLocator split = Split(locator, "The locator");
  if (!split.refusal.empty()) return split.refusal;
  for (const LocatorPart& part : split.parts) {
    const DimensionRule* rule = nullptr;
    for (const DimensionRule& candidate : endpoint.dimensions) {
      if (candidate.name == part.name) rule = &candidate;
    }
    if (rule == nullptr) {
      return "The locator dimension " + Quote(part.name) + " is not allowed on " + std::string(endpoint.name) + ".";
    }
    if (auto refusal = CheckDimensionValue(part, rule->rule)) return refusal;
  }
  return std::nullopt;
}

std::optional<std::string> CheckFields(std::string_view fields) {
  if (fields.size() > kMaxFieldsLength) return "The fields value is longer than 4096 characters.";
  std::size_t depth = 0;
  for (const char c : fields) {
    const bool letter_or_digit = IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter_or_digit && std::string_view("_,()$:.-").find(c) == std::string_view::npos) {
      return "The fields value contains " + Quote(std::string_view(&c, 1)) +
             "; only letters, digits and _,()$:.- are allowed.";
    }
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth == 0) return "The fields value has unbalanced parentheses.";
      --depth;
    }
  }
  if (depth != 0) return "The fields value has unbalanced parentheses.";
  return std::nullopt;
}

std::optional<std::string> CheckQuery(std::string_view query, const Endpoint& endpoint) {
  if (query.empty()) return std::nullopt;
  bool seen_locator = false;
  bool seen_fields = false;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const std::size_t end = std::min(query.find('&', pos), query.size());
    const std::string_view parameter = query.substr(pos, end - pos);
    pos = end + 1;
    if (parameter.empty()) return "The query has an empty parameter (a stray '&').";
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) return "The query parameter " + Quote(parameter) + " has no '=' and value.";
    const std::optional<std::string> name = PercentDecode(parameter.substr(0, equals));
    if (!name) return "The query parameter name " + Quote(parameter.substr(0, equals)) + " has a malformed % escape.";
    const std::optional<std::string> value = PercentDecode(parameter.substr(equals + 1));
    if (!value) return "The value of query parameter " + Quote(*name) + " has a malformed % escape.";

    std::optional<std::string> refusal;
    if (*name == "locator") {
      if (seen_locator) return "The query parameter 'locator' is given more than once.";
      seen_locator = true;
      if (endpoint.dimensions.empty()) return "The endpoint " + std::string(endpoint.name) + " takes no locator.";
      refusal = CheckLocator(*value, endpoint);
    } else if (*name == "fields") {
      if (seen_fields) return "The query parameter 'fields' is given more than once.";
      seen_fields = true;
      refusal = CheckFields(*value);
    } else {
      return "The query parameter " + Quote(*name) + " is not allowed; only locator and fields are.";
    }
    if (refusal) return refusal;
  }
  return std::nullopt;
}

// Why the request is refused, or nothing when it is allowed.
std::optional<std::string> WhyRefused(std::string_view request) {
  if (request.empty()) return "The request is empty; expected a path under /app/rest/.";
  if (request.size() > kMaxRequestLength) {
    return "The request is " + std::to_string(request.size()) + " bytes long; the relay accepts at most 16384.";
  }
  for (std::size_t i = 0; i < request.size(); ++i) {
    if (!IsVisibleAscii(request[i])) {
      return "The request has a space, control or non-ASCII byte at offset " + std::to_string(i) +
             "; such bytes must be percent-encoded.";
    }
  }
  // A fragment never belongs in a request, and some servers read '\' as '/'.
  if (request.find('#') != std::string_view::npos) return "The request contains '#'.";
  if (request.find('\\') != std::string_view::npos) return "The request contains a backslash.";

  const std::size_t question = request.find('?');
  const std::string_view path = request.substr(0, question);
  const PathCheck path_check = CheckPath(path);
  if (!path_check.endpoint) return path_check.refusal;
  if (question == std::string_view::npos) return std::nullopt;
  return CheckQuery(request.substr(question + 1), *path_check.endpoint);
}

}  // namespace

Verdict CheckRequest(std::string_view path_and_query) {
  // Fail closed: the only exception possible here is an allocation failure, and a request that cannot
  // be checked must not run.
  try {
    std::optional<std::string> refusal = WhyRefused(path_and_query);
    if (!refusal) return Verdict{true, {}};
    return Verdict{false, std::move(*refusal)};
  } catch (...) {
    return Verdict{false, "The relay could not check the request (out of memory)."};
  }
}

}  // namespace tcj::relay
