#include "issuekeys/issuekeys.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <tuple>

#include <re2/re2.h>

#include "core/text.hpp"

namespace tcj::issuekeys {
namespace {

using core::AsciiLower;
using core::AsciiUpper;
using core::IsAsciiSpace;

// Jira validates submitted keys against \w{1,255}-\d{1,255}; longer ones can never link.
constexpr std::size_t kMaxKeyPartLength = 255;
// Dropped texts are for people: a megabyte of digits is cut.
constexpr std::size_t kMaxShownText = 100;

// Names of standards and algorithms that are written in upper case with a number, like keys. Only used
// when the site's projects are unknown: a configured allowlist or a listed project always wins.
constexpr std::array<std::string_view, 23> kWellKnownNonProjects = {
    "AES", "AGPL", "ANSI", "ASCII", "CP",  "CVE", "CWE", "ECMA", "GPL", "HTTP", "IEC", "IEEE",
    "ISO", "JSR",  "LGPL", "MD",    "PEP", "RFC", "RSA", "SHA",  "TLS", "UCS",  "UTF"};

bool IsAsciiLetter(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool IsAsciiDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool IsAsciiAlnum(unsigned char c) {
  return IsAsciiLetter(c) || IsAsciiDigit(c);
}

unsigned char ByteAt(std::string_view text, std::size_t pos) {
  return static_cast<unsigned char>(text[pos]);
}

// The code point of the UTF-8 sequence [begin, begin + length), or nullopt when it is not one valid
// sequence (overlong, surrogate, out of range, wrong length).
std::optional<char32_t> DecodeUtf8(std::string_view text, std::size_t begin, std::size_t length) {
  const unsigned char lead = ByteAt(text, begin);
  std::size_t expected = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    expected = 2;
    cp = lead & 0x1Fu;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    expected = 3;
    cp = lead & 0x0Fu;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    expected = 4;
    cp = lead & 0x07u;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (length != expected) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char c = ByteAt(text, begin + i);
    if ((c & 0xC0u) != 0x80u) return std::nullopt;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

std::size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Non-ASCII characters that separate words: spaces, punctuation, quotes, dashes, brackets, arrows,
// symbols and emoji. Letters and digits of any script are not in here, so keys glued to words are not found.
bool IsNonAsciiDelimiter(char32_t cp) {
  struct Range {
    char32_t first;
    char32_t last;
  };
  static constexpr std::array<Range, 22> kRanges = {{
      {0x80, 0xA9},        // C1 controls, NBSP, ¡ currency ¦ § ¨ ©  (ª is a letter)
      {0xAB, 0xB1},        // « ¬ soft hyphen ® ¯ ° ±
      {0xB4, 0xB4},        // ´
      {0xB6, 0xB8},        // ¶ · ¸
      {0xBB, 0xBB},        // »
      {0xBF, 0xBF},        // ¿
      {0xD7, 0xD7},        // ×
      {0xF7, 0xF7},        // ÷
      {0x2000, 0x206F},    // general punctuation: spaces, dashes, quotes, bullets, …
      {0x20A0, 0x20CF},    // currency
      {0x2190, 0x23FF},    // arrows, mathematical operators, technical symbols
      {0x2500, 0x27BF},    // box drawing, shapes, symbols, dingbats (✓ ✅ ❌)
      {0x2E00, 0x2E7F},    // supplemental punctuation
      {0x3000, 0x3004},    // ideographic space and CJK punctuation 、。
      {0x3008, 0x3020},    // CJK brackets 〈〉《》「」『』【】〔〕 and marks
      {0xFE30, 0xFE4F},    // CJK compatibility forms
      {0xFEFF, 0xFEFF},    // zero width no-break space (byte order mark)
      {0xFF01, 0xFF0F},    // fullwidth ！＂＃＄％＆＇（）＊＋，－．／
      {0xFF1A, 0xFF20},    // fullwidth ：；＜＝＞？＠
      {0xFF3B, 0xFF40},    // fullwidth ［＼］＾＿｀
      {0xFF5B, 0xFF65},    // fullwidth ｛｜｝～ and halfwidth CJK punctuation
      {0x1F000, 0x1FAFF},  // emoji and pictographs
  }};
  return std::any_of(kRanges.begin(), kRanges.end(),
                     [cp](const Range& range) { return cp >= range.first && cp <= range.last; });
}

// Whether the character that ends just before pos separates words. Start of text counts.
bool DelimiterBefore(std::string_view text, std::size_t pos) {
  if (pos == 0) return true;
  const unsigned char c = ByteAt(text, pos - 1);
  if (c < 0x80) return !IsAsciiAlnum(c);
  std::size_t begin = pos - 1;
  while (begin > 0 && pos - begin < 4 && (ByteAt(text, begin) & 0xC0u) == 0x80u) --begin;
  const auto cp = DecodeUtf8(text, begin, pos - begin);
  return cp && IsNonAsciiDelimiter(*cp);
}

// Whether the character that starts at pos separates words. End of text counts.
bool DelimiterAt(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return true;
  const unsigned char c = ByteAt(text, pos);
  if (c < 0x80) return !IsAsciiAlnum(c);
  const std::size_t length = Utf8Length(c);
  if (pos + length > text.size()) return false;
  const auto cp = DecodeUtf8(text, pos, length);
  return cp && IsNonAsciiDelimiter(*cp);
}

// "acme.atlassian.net", "https://ACME.atlassian.net/", "acme.atlassian.net:443" -> "acme.atlassian.net".
std::string NormalizeHost(std::string_view host) {
  if (const auto scheme = host.find("://"); scheme != std::string_view::npos) host.remove_prefix(scheme + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  host = host.substr(0, host.find(':'));
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return AsciiLower(host);
}

struct Link {
  std::size_t separator;  // offset of "://"
  std::string origin;     // scheme://host as written, for the admin
  bool to_jira;           // the host is the Jira site's
};

// Walks the whitespace-delimited tokens of a text alongside candidates in increasing offsets, so that
// finding the link around every candidate of a text is linear in the text's size overall.
class LinkFinder {
 public:
  LinkFinder(std::string_view text, std::string jira_host) : text_(text), jira_host_(std::move(jira_host)) {}

  // The link a candidate at offset belongs to, or nullptr when its token has no "://". Offsets must
  // not decrease between calls. The nearest "://" before the candidate wins, else the first after it.
  const Link* LinkAt(std::size_t offset) {
    if (!started_ || offset >= token_end_) EnterTokenAt(offset);
    if (links_.empty()) return nullptr;
    while (next_link_ + 1 < links_.size() && links_[next_link_ + 1].separator < offset) ++next_link_;
    return &links_[next_link_];
  }

 private:
  void EnterTokenAt(std::size_t offset) {
    const std::size_t floor = started_ ? token_end_ : 0;
    std::size_t begin = offset;
    while (begin > floor && !IsAsciiSpace(static_cast<char>(ByteAt(text_, begin - 1)))) --begin;
    std::size_t end = offset;
    while (end < text_.size() && !IsAsciiSpace(static_cast<char>(ByteAt(text_, end)))) ++end;
    started_ = true;
    token_end_ = end;
    next_link_ = 0;
    links_.clear();
    const std::string_view token = text_.substr(begin, end - begin);
    for (std::size_t at = token.find("://"); at != std::string_view::npos; at = token.find("://", at + 3)) {
      links_.push_back(ReadLink(token, at, begin));
    }
  }

  Link ReadLink(std::string_view token, std::size_t at, std::size_t token_begin) const {
    std::size_t scheme_begin = at;
    while (scheme_begin > 0) {
      const unsigned char c = ByteAt(token, scheme_begin - 1);
      if (!IsAsciiAlnum(c) && c != '+' && c != '.' && c != '-') break;
      --scheme_begin;
    }
    std::string_view authority = token.substr(at + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto user = authority.rfind('@'); user != std::string_view::npos) authority.remove_prefix(user + 1);
    std::size_t host_length = 0;
    while (host_length < authority.size()) {
      const unsigned char c = ByteAt(authority, host_length);
      if (!IsAsciiAlnum(c) && c != '.' && c != '-' && c != '_' && c < 0x80) break;
      ++host_length;
    }
    const std::string_view host = authority.substr(0, host_length);
    Link link;
    link.separator = token_begin + at;
    link.origin = std::string(token.substr(scheme_begin, at + 3 - scheme_begin)) + std::string(host);
    link.to_jira = !jira_host_.empty() && NormalizeHost(host) == jira_host_;
    return link;
  }

  std::string_view text_;
  std::string jira_host_;
  bool started_ = false;
  std::size_t token_end_ = 0;
  std::vector<Link> links_;
  std::size_t next_link_ = 0;
};

// Candidate plus what only the extraction needs.
struct Mention {
  Candidate candidate{};
  bool single_letter = false;
  std::string link_origin;  // set when in a foreign link
};

const re2::RE2& MentionPattern() {
  // Latin-1: a byte-wise match of ASCII classes; UTF-8 neighbours are judged by the boundary checks.
  // The project part may be one letter here so that X-1 can be reported as a look-alike.
  static const re2::RE2 kPattern("[A-Za-z][A-Za-z0-9]*-[0-9]+", [] {
    re2::RE2::Options options;
    options.set_encoding(re2::RE2::Options::EncodingLatin1);
    options.set_log_errors(false);
    return options;
  }());
  return kPattern;
}

template <typename Visit>
void FindMentions(std::string_view text, std::string_view jira_host, const Visit& visit) {
  const re2::RE2& pattern = MentionPattern();
  const re2::StringPiece input(text.data(), text.size());
  LinkFinder links(text, NormalizeHost(jira_host));
  re2::StringPiece match;
  std::size_t pos = 0;
  while (pos < text.size() && pattern.Match(input, pos, text.size(), re2::RE2::UNANCHORED, &match, 1)) {
    const auto begin = static_cast<std::size_t>(match.data() - text.data());
    const std::size_t end = begin + match.size();
    // No valid candidate can start inside a match (its only non-alphanumeric is the dash, which is followed
    // by digits), so going on after it keeps the scan linear without losing any.
    pos = end;
    if (!DelimiterBefore(text, begin) || !DelimiterAt(text, end)) continue;
    Mention mention;
    Candidate& candidate = mention.candidate;
    candidate.text = std::string(text.substr(begin, end - begin));
    candidate.key = AsciiUpper(candidate.text);
    candidate.offset = begin;
    const std::size_t dash = candidate.text.find('-');
    mention.single_letter = dash == 1;
    candidate.leading_zero = candidate.text[dash + 1] == '0';
    const Link* link = links.LinkAt(begin);
    candidate.in_foreign_link = link != nullptr && !link->to_jira;
    if (candidate.in_foreign_link) mention.link_origin = link->origin;
    visit(std::move(mention));
  }
}

// ABC-12 as a whole, nothing around it (the jira.issueKeys parameter's items).
bool IsWholeKeyShape(std::string_view item) {
  if (item.empty() || !IsAsciiLetter(ByteAt(item, 0))) return false;
  const std::size_t dash = item.find('-');
  if (dash == std::string_view::npos || dash + 1 == item.size()) return false;
  for (std::size_t i = 1; i < dash; ++i) {
    if (!IsAsciiAlnum(ByteAt(item, i))) return false;
  }
  for (std::size_t i = dash + 1; i < item.size(); ++i) {
    if (!IsAsciiDigit(ByteAt(item, i))) return false;
  }
  return true;
}

std::string ShownText(std::string_view text) {
  if (text.size() <= kMaxShownText) return std::string(text);
  // Cut on a UTF-8 character boundary so the diagnostics stay valid text.
  std::size_t cut = kMaxShownText;
  while (cut > 0 && (ByteAt(text, cut) & 0xC0u) == 0x80u) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

bool WrittenInUpperCase(std::string_view project) {
  return std::none_of(project.begin(), project.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

bool IsWellKnownNonProject(std::string_view project) {
  return std::find(kWellKnownNonProjects.begin(), kWellKnownNonProjects.end(), project) != kWellKnownNonProjects.end();
}

// Why a mention is not a key under the policy, or nullopt when it is one.
std::optional<std::string> WhyNotAKey(const Mention& mention, const KeyPolicy& policy) {
  const Candidate& candidate = mention.candidate;
  const std::size_t dash = candidate.key.find('-');
  const std::string_view project = std::string_view(candidate.key).substr(0, dash);
  const std::string_view written_project = std::string_view(candidate.text).substr(0, dash);
  if (mention.single_letter) {
    return "a one-letter prefix is not a project: Jira project keys have at least 2 characters";
  }
  if (candidate.in_foreign_link) return "inside a link to another site (" + mention.link_origin + "/...)";
  if (dash > kMaxKeyPartLength || candidate.key.size() - dash - 1 > kMaxKeyPartLength) {
    return "longer than Jira allows for an issue key (255 characters on each side of the dash)";
  }
  if (candidate.leading_zero) return "leading zero: Jira issue numbers start at 1 and are written without one";
  const std::string project_key(project);
  if (!policy.allowlist.empty()) {
    if (!policy.allowlist.contains(project_key)) {
      return "project " + project_key + " is not in this server's list of Jira projects";
    }
    if (policy.jira_projects && !policy.jira_projects->contains(project_key)) {
      return "project " + project_key + " does not exist in this Jira site";
    }
    return std::nullopt;
  }
  if (policy.jira_projects) {
    if (!policy.jira_projects->contains(project_key)) {
      return "project " + project_key + " does not exist in this Jira site";
    }
    return std::nullopt;
  }
  if (!WrittenInUpperCase(written_project)) {
    return "written in lower case and this site's projects are unknown";
  }
  if (IsWellKnownNonProject(project)) {
    return project_key + " names a standard or algorithm, not a project, and this site's projects are unknown";
  }
  return std::nullopt;
}

constexpr std::string_view kReplacedByParameter = "the jira.issueKeys parameter replaces keys found elsewhere";

// An accepted mention with the text as written, so that it can still be reported if the parameter wins.
struct Accepted {
  Found found;
  std::string text;
};

// Accumulates one group of sources (the parameter, or everything else) with de-duplication.
class Collector {
 public:
  explicit Collector(const KeyPolicy& policy) : policy_(policy) {}

  void ScanText(std::string_view text, Source source, std::string_view where) {
    FindMentions(text, policy_.jira_host, [&](const Mention& mention) { Judge(mention, source, where); });
  }

  // Returns whether the text held at least one key-shaped mention.
  bool ScanRelatedIssue(const std::string& issue) {
    bool any = false;
    FindMentions(issue, policy_.jira_host, [&](const Mention& mention) {
      any = true;
      Judge(mention, Source::related_issue, issue);
    });
    return any;
  }

  void Judge(const Mention& mention, Source source, std::string_view where) {
    if (auto reason = WhyNotAKey(mention, policy_)) {
      Drop(mention.candidate.text, source, where, std::move(*reason));
      return;
    }
    const std::string& key = mention.candidate.key;
    // Look up before inserting: a key repeated thousands of times in one message costs no allocation.
    if (found_seen_.contains(std::tuple<std::string_view, Source, std::string_view>(key, source, where))) return;
    found_seen_.emplace(key, source, std::string(where));
    if (key_seen_.insert(key).second) keys_.push_back(key);
    accepted_.push_back(Accepted{Found{key, source, std::string(where)}, mention.candidate.text});
  }

  void Drop(std::string_view text, Source source, std::string_view where, std::string reason) {
    std::string shown = ShownText(text);
    if (dropped_seen_.contains(std::tuple<std::string_view, Source, std::string_view>(shown, source, where))) return;
    dropped_seen_.emplace(shown, source, std::string(where));
    dropped_.push_back(Dropped{std::move(shown), source, std::string(where), std::move(reason)});
  }

  const std::vector<std::string>& Keys() const { return keys_; }
  const std::vector<Accepted>& AcceptedMentions() const { return accepted_; }
  std::vector<Dropped>& DroppedMentions() { return dropped_; }

  std::vector<Found> TakeFound() {
    std::vector<Found> out;
    out.reserve(accepted_.size());
    for (auto& accepted : accepted_) out.push_back(std::move(accepted.found));
    accepted_.clear();
    return out;
  }

 private:
  const KeyPolicy& policy_;
  std::vector<std::string> keys_;
  std::set<std::string> key_seen_;
  std::vector<Accepted> accepted_;
  // Transparent comparison, so that lookups can use views. Both sides are compared as views:
  // std::less<> on a tuple of strings against a tuple of views does not compile with clang.
  struct SeenLess {
    using is_transparent = void;
    using View = std::tuple<std::string_view, Source, std::string_view>;
    static View AsView(const View& view) { return view; }
    static View AsView(const std::tuple<std::string, Source, std::string>& owned) {
      return View(std::get<0>(owned), std::get<1>(owned), std::get<2>(owned));
    }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return AsView(a) < AsView(b);
    }
  };
  std::set<std::tuple<std::string, Source, std::string>, SeenLess> found_seen_;
  std::vector<Dropped> dropped_;
  std::set<std::tuple<std::string, Source, std::string>, SeenLess> dropped_seen_;
};

std::vector<std::string_view> SplitParameter(std::string_view value) {
  std::vector<std::string_view> items;
  std::size_t pos = 0;
  while (pos < value.size()) {
    const auto is_separator = [](char c) {
      return c == ',' || c == ';' || IsAsciiSpace(c);
    };
    while (pos < value.size() && is_separator(value[pos])) ++pos;
    const std::size_t begin = pos;
    while (pos < value.size() && !is_separator(value[pos])) ++pos;
    if (pos > begin) items.push_back(value.substr(begin, pos - begin));
  }
  return items;
}

void ScanParameter(std::string_view value, Collector& collector) {
  for (const std::string_view item : SplitParameter(value)) {
    if (!IsWholeKeyShape(item)) {
      collector.Drop(item, Source::build_parameter, "", "not an issue key (a key looks like ABC-123)");
      continue;
    }
    Mention mention;
    mention.candidate.text = std::string(item);
    mention.candidate.key = AsciiUpper(item);
    const std::size_t dash = item.find('-');
    mention.single_letter = dash == 1;
    mention.candidate.leading_zero = item[dash + 1] == '0';
    collector.Judge(mention, Source::build_parameter, "");
  }
}

}  // namespace

std::string_view ToString(Source source) {
  switch (source) {
    case Source::branch:
      return "branch";
    case Source::commit_message:
      return "commit";
    case Source::related_issue:
      return "related_issue";
    case Source::build_parameter:
      return "parameter";
  }
  return "unknown";
}

std::vector<Candidate> FindCandidates(std::string_view text, std::string_view jira_host) {
  std::vector<Candidate> out;
  FindMentions(text, jira_host, [&](Mention mention) {
    if (!mention.single_letter) out.push_back(std::move(mention.candidate));
  });
  return out;
}

Extraction ExtractIssueKeys(const BuildText& text, const KeyPolicy& policy) {
  Collector elsewhere(policy);
  elsewhere.ScanText(text.branch, Source::branch, "");
  for (const auto& [change_id, message] : text.commits) elsewhere.ScanText(message, Source::commit_message, change_id);
  for (const std::string& issue : text.related_issues) {
    if (!elsewhere.ScanRelatedIssue(issue)) {
      elsewhere.Drop(issue, Source::related_issue, issue,
                     "TeamCity's related issue is not a Jira issue key (its issue tracker may be another one)");
    }
  }

  Extraction out;
  if (text.parameter) {
    Collector parameter(policy);
    ScanParameter(*text.parameter, parameter);
    if (!parameter.Keys().empty()) {
      for (const Accepted& accepted : elsewhere.AcceptedMentions()) {
        parameter.Drop(accepted.text, accepted.found.source, accepted.found.where, std::string(kReplacedByParameter));
      }
      for (Dropped& dropped : elsewhere.DroppedMentions()) {
        parameter.Drop(dropped.text, dropped.source, dropped.where, std::move(dropped.reason));
      }
      out.keys = parameter.Keys();
      out.found = parameter.TakeFound();
      out.dropped = std::move(parameter.DroppedMentions());
      return out;
    }
    const bool blank = SplitParameter(*text.parameter).empty();
    parameter.Drop(*text.parameter, Source::build_parameter, "",
                   blank ? "the jira.issueKeys parameter is empty, so keys found in the branch, commits and "
                           "related issues are used"
                         : "the jira.issueKeys parameter has no usable issue key, so keys found in the branch, "
                           "commits and related issues are used");
    out.dropped = std::move(parameter.DroppedMentions());
  }
  out.keys = elsewhere.Keys();
  out.found = elsewhere.TakeFound();
  for (Dropped& dropped : elsewhere.DroppedMentions()) out.dropped.push_back(std::move(dropped));
  return out;
}

}  // namespace tcj::issuekeys
