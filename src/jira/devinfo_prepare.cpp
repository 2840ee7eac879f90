#include "jira/devinfo_prepare.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/url.hpp"
#include "core/text.hpp"

namespace tcj::jira {

using core::CutToUtf16Length;
using core::IsValidUtf8;
using core::RepairUtf8;
using core::SafeExcerpt;
using core::Utf16Length;
namespace {

constexpr std::size_t kMaxIssueKeyPart = 255;
constexpr std::size_t kExampleLength = 40;  // of a quoted value in a note
constexpr std::size_t kMaxExamples = 3;     // quoted values per note

std::string Quoted(std::string_view text) {
  return "'" + SafeExcerpt(text, kExampleLength) + "'";
}

std::string Plural(std::size_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

// The notes of one record. They reach the output only when the record is kept; a dropped record
// gets just the one note that says why, not a list of fixes that no longer matter.
class RecordNotes {
 public:
  explicit RecordNotes(RecordKey key) : key_(std::move(key)) {}

  void Changed(std::string field, std::string message) {
    changes_.push_back(PrepareNote{key_, std::move(field), std::move(message), false});
  }

  // Always false, so that `return notes.Drop(...)` reads as "not kept".
  bool Drop(std::string field, std::string_view reason) {
    drop_ = PrepareNote{key_, std::move(field), fmt::format("dropped: {}", reason), true};
    return false;
  }

  void MoveTo(std::vector<PrepareNote>& out) {
    if (drop_) {
      out.push_back(std::move(*drop_));
      return;
    }
    std::move(changes_.begin(), changes_.end(), std::back_inserter(out));
  }

 private:
  RecordKey key_;
  std::vector<PrepareNote> changes_;
  std::optional<PrepareNote> drop_;
};

bool RepairNoted(std::string& text, const std::string& field, RecordNotes& notes) {
  if (!RepairUtf8(text)) {
    return false;
  }
  notes.Changed(field, "replaced invalid UTF-8 with U+FFFD");
  return true;
}

void CutNoted(std::string& text, const std::string& field, std::size_t max_length, RecordNotes& notes) {
  const std::size_t length = Utf16Length(text);
  if (length > max_length) {
    CutToUtf16Length(text, max_length);
    notes.Changed(field, fmt::format("cut to {} characters (was {})", max_length, length));
  }
}

// A display text: repaired, filled when empty (if a fallback is given), cut.
void FixText(std::string& text, const std::string& field, RecordNotes& notes,
             std::optional<std::string> fallback = std::nullopt, std::string_view fallback_name = {}) {
  RepairNoted(text, field, notes);
  if (text.empty() && fallback) {
    text = std::move(*fallback);
    RepairUtf8(text);
    notes.Changed(field, fmt::format("was empty, sent {} instead", fallback_name));
  }
  CutNoted(text, field, kMaxTextLength, notes);
}

// An identifier or URI: repaired, never cut. Returns why it cannot be sent, if it cannot.
std::optional<std::string> IdentifierProblem(std::string& text, const std::string& field, std::size_t max_length,
                                             RecordNotes& notes) {
  RepairNoted(text, field, notes);
  if (text.empty()) {
    return "is empty";
  }
  const std::size_t length = Utf16Length(text);
  if (length > max_length) {
    return fmt::format("is {} characters long, more than {}", length, max_length);
  }
  return std::nullopt;
}

std::optional<std::string> UrlProblem(std::string& url, const std::string& field, RecordNotes& notes) {
  if (auto problem = IdentifierProblem(url, field, kMaxUrlLength, notes)) {
    return problem;
  }
  // core::ParseUrl is stricter than Jira: it also refuses credentials in the URL (they would be
  // shown to every Jira user) and fragments.
  auto parsed = core::ParseUrl(url);
  if (!parsed.ok()) {
    return fmt::format("is not a usable http(s) URL ({})", parsed.error().message);
  }
  return std::nullopt;
}

// An id that goes into URL paths (GET/DELETE): made path-safe, at most 255 characters.
std::optional<std::string> PathIdProblem(std::string& id, const std::string& field, RecordNotes& notes) {
  if (id.empty()) {
    return "is empty";
  }
  std::string safe = SanitizeId(id);
  if (safe != id) {
    notes.Changed(field, fmt::format("replaced characters outside [A-Za-z0-9_.-] with '_', now {}", Quoted(safe)));
    id = std::move(safe);
  }
  if (id.size() > kMaxTextLength) {
    return fmt::format("is {} characters long, more than {}", id.size(), kMaxTextLength);
  }
  return std::nullopt;
}

std::optional<std::string> LastUpdatedProblem(std::string& last_updated, RecordNotes& notes) {
  RepairNoted(last_updated, "lastUpdated", notes);
  if (!IsRfc3339DateTime(last_updated)) {
    return fmt::format("lastUpdated {} is not an RFC 3339 date-time such as 2026-11-29T04:46:31Z",
                       Quoted(last_updated));
  }
  // RFC 3339 allows lower-case 't' and 'z'; parsers on the other side do not all agree.
  std::transform(last_updated.begin(), last_updated.end(), last_updated.begin(), [](char c) {
    return c == 't' ? 'T' : c == 'z' ? 'Z' : c;
  });
  return std::nullopt;
}

// Normalises, validates and de-duplicates issue keys, keeping the given order; notes what was left out.
std::vector<std::string> FilterIssueKeys(const std::vector<std::string>& raw_keys, const std::string& field,
                                         RecordNotes& notes) {
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  std::size_t invalid = 0;
  std::vector<std::string> examples;
  for (const std::string& raw : raw_keys) {
    std::string key = NormalizeIssueKey(raw);
    if (!IsValidIssueKey(key)) {
      ++invalid;
      if (examples.size() < kMaxExamples) {
        examples.push_back(Quoted(raw));
      }
      continue;
    }
    if (seen.insert(key).second) {
      keys.push_back(std::move(key));
    }
  }
  if (invalid > 0) {
    notes.Changed(field, fmt::format("left out {} that {} not look like an issue key (ABC-123): {}",
                                     Plural(invalid, "value", "values"), invalid == 1 ? "does" : "do",
                                     fmt::join(examples, ", ")));
  }
  return keys;
}

template <typename T>
void CapNoted(std::vector<T>& values, std::size_t max, const std::string& field, std::string_view what,
              RecordNotes& notes, std::string_view why = {}) {
  if (values.size() <= max) {
    return;
  }
  notes.Changed(field, fmt::format("{} {}, sent the first {}{}", values.size(), what, max, why));
  values.resize(max);
}

// One sub-object of a reference (commit or ref): both fields are required, neither is cut. The
// first (commit id, ref name) has up to 255 characters, the second (a URI) up to 2000.
template <typename Part>
void CheckReferencePart(std::optional<Part>& part, const std::string& field, std::string Part::*first,
                        std::string_view first_name, std::string Part::*second, std::string_view second_name,
                        RecordNotes& notes) {
  if (!part) {
    return;
  }
  auto problem = IdentifierProblem((*part).*first, fmt::format("{}.{}", field, first_name), kMaxTextLength, notes);
  std::string_view name = first_name;
  if (!problem) {
    problem = IdentifierProblem((*part).*second, fmt::format("{}.{}", field, second_name), kMaxUrlLength, notes);
    name = second_name;
  }
  if (problem) {
    notes.Changed(field, fmt::format("left out: {} {}", name, *problem));
    part.reset();
  }
}

bool PrepareReference(Reference& reference, std::size_t index, RecordNotes& notes) {
  const std::string base = fmt::format("references[{}]", index);
  CheckReferencePart(reference.commit, base + ".commit", &Reference::Commit::id, "id",
                     &Reference::Commit::repository_uri, "repositoryUri", notes);
  CheckReferencePart(reference.ref, base + ".ref", &Reference::Ref::name, "name", &Reference::Ref::uri, "uri", notes);
  if (!reference.commit && !reference.ref) {
    notes.Changed(base, "left out: neither a usable commit nor a usable ref");
    return false;
  }
  return true;
}

// Returns whether the build can be sent; notes say what changed or why not.
bool PrepareBuild(Build& build, RecordNotes& notes) {
  if (auto problem = PathIdProblem(build.pipeline_id, "pipelineId", notes)) {
    return notes.Drop("pipelineId", "pipelineId " + *problem);
  }
  if (auto problem = UrlProblem(build.url, "url", notes)) {
    return notes.Drop("url", "url " + *problem);
  }
  if (auto problem = LastUpdatedProblem(build.last_updated, notes)) {
    return notes.Drop("lastUpdated", *problem);
  }
  build.issue_keys = FilterIssueKeys(build.issue_keys, "issueKeys", notes);
  if (build.issue_keys.empty()) {
    // Jira requires at least one key and rejects the build without one.
    return notes.Drop("issueKeys", "no valid issue key");
  }
  CapNoted(build.issue_keys, kMaxIssueKeysPerBuild, "issueKeys", "keys", notes);

  FixText(build.display_name, "displayName", notes, fmt::format("{} #{}", build.pipeline_id, build.build_number),
          "\"<pipelineId> #<buildNumber>\"");
  FixText(build.description, "description", notes);
  FixText(build.label, "label", notes);

  if (build.test_info) {
    const TestInfo& t = *build.test_info;
    if (t.total < 0 || t.passed < 0 || t.failed < 0 || t.skipped < 0) {
      notes.Changed("testInfo", "left out: a test count is negative");
      build.test_info.reset();
    }
  }

  std::vector<Reference> references;
  for (std::size_t i = 0; i < build.references.size(); ++i) {
    if (PrepareReference(build.references[i], i, notes)) {
      references.push_back(std::move(build.references[i]));
    }
  }
  CapNoted(references, kMaxReferencesPerBuild, "references", "references", notes);
  build.references = std::move(references);
  return true;
}

std::vector<CommitAssociation> FilterCommits(std::vector<CommitAssociation> commits, RecordNotes& notes) {
  std::vector<CommitAssociation> kept;
  std::size_t invalid = 0;
  std::vector<std::string> examples;
  for (CommitAssociation& commit : commits) {
    // Repairs are part of the "left out" note, or harmless (a repaired id is still sent): no note.
    RepairUtf8(commit.commit_hash);
    RepairUtf8(commit.repository_id);
    const bool usable = !commit.commit_hash.empty() && !commit.repository_id.empty() &&
                        Utf16Length(commit.commit_hash) <= kMaxTextLength &&
                        Utf16Length(commit.repository_id) <= kMaxTextLength;
    if (!usable) {
      ++invalid;
      if (examples.size() < kMaxExamples) {
        examples.push_back(Quoted(commit.commit_hash) + " in " + Quoted(commit.repository_id));
      }
      continue;
    }
    if (std::find(kept.begin(), kept.end(), commit) == kept.end()) {
      kept.push_back(std::move(commit));
    }
  }
  if (invalid > 0) {
    notes.Changed("associations.commit",
                  fmt::format("left out {} with an empty hash or repository id, or one longer than {} characters: {}",
                              Plural(invalid, "commit", "commits"), kMaxTextLength, fmt::join(examples, ", ")));
  }
  return kept;
}

bool PrepareDeployment(Deployment& deployment, RecordNotes& notes) {
  if (auto problem = PathIdProblem(deployment.pipeline.id, "pipeline.id", notes)) {
    return notes.Drop("pipeline.id", "pipeline.id " + *problem);
  }
  if (auto problem = PathIdProblem(deployment.environment.id, "environment.id", notes)) {
    return notes.Drop("environment.id", "environment.id " + *problem);
  }
  if (auto problem = UrlProblem(deployment.url, "url", notes)) {
    return notes.Drop("url", "url " + *problem);
  }
  if (auto problem = UrlProblem(deployment.pipeline.url, "pipeline.url", notes)) {
    return notes.Drop("pipeline.url", "pipeline.url " + *problem);
  }
  if (auto problem = LastUpdatedProblem(deployment.last_updated, notes)) {
    return notes.Drop("lastUpdated", *problem);
  }

  // Associations: issue keys first (they are what links the deployment to issues), then commits,
  // within 500 values in total. Only two association types are sent, so the limit of 3 holds.
  deployment.issue_keys = FilterIssueKeys(deployment.issue_keys, "associations.issueKeys", notes);
  deployment.commits = FilterCommits(std::move(deployment.commits), notes);
  if (deployment.issue_keys.empty() && deployment.commits.empty()) {
    return notes.Drop("associations", "no valid issue key or commit");
  }
  constexpr std::string_view kWhy = " (at most 500 association values in total)";
  CapNoted(deployment.issue_keys, kMaxAssociationValues, "associations.issueKeys", "keys", notes, kWhy);
  const std::size_t room = kMaxAssociationValues - deployment.issue_keys.size();
  if (room == 0 && !deployment.commits.empty()) {
    notes.Changed("associations.commit", fmt::format("left out all {}: the issue keys use all 500 association values",
                                                     Plural(deployment.commits.size(), "commit", "commits")));
    deployment.commits.clear();
  } else {
    CapNoted(deployment.commits, room, "associations.commit", "commits", notes, kWhy);
  }

  FixText(deployment.display_name, "displayName", notes,
          fmt::format("{} #{}", deployment.pipeline.id, deployment.deployment_sequence_number),
          "\"<pipeline.id> #<deploymentSequenceNumber>\"");
  // description is required for deployments (§4.3), unlike for builds.
  FixText(deployment.description, "description", notes, deployment.display_name, "the displayName");
  FixText(deployment.label, "label", notes);
  FixText(deployment.pipeline.display_name, "pipeline.displayName", notes, deployment.pipeline.id, "pipeline.id");
  FixText(deployment.environment.display_name, "environment.displayName", notes, deployment.environment.id,
          "environment.id");
  if (deployment.duration_seconds && *deployment.duration_seconds < 0) {
    notes.Changed("duration", "left out: negative");
    deployment.duration_seconds.reset();
  }
  return true;
}

std::int64_t UpdateSequenceNumberOf(const Build& build) {
  return build.update_sequence_number;
}
std::int64_t UpdateSequenceNumberOf(const Deployment& deployment) {
  return deployment.update_sequence_number;
}

// Of records with the same key (after sanitising), keeps the one with the highest
// updateSequenceNumber, the later one on a tie: Jira keeps only one per key, and which one would
// otherwise depend on how batches are cut. original_keys[i] is records[i]'s key before sanitising.
template <typename Record>
void KeepLatestPerKey(std::vector<Record>& records, const std::vector<RecordKey>& original_keys,
                      std::vector<PrepareNote>& notes) {
  std::map<RecordKey, std::size_t> latest;
  std::vector<bool> keep(records.size(), true);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto [it, inserted] = latest.emplace(KeyOf(records[i]), i);
    if (inserted) {
      continue;
    }
    std::size_t loser = i;
    if (UpdateSequenceNumberOf(records[i]) >= UpdateSequenceNumberOf(records[it->second])) {
      loser = it->second;
      it->second = i;
    }
    keep[loser] = false;
    notes.push_back(PrepareNote{original_keys[loser], "updateSequenceNumber",
                                "dropped: another record in this batch has the same key and a newer "
                                "updateSequenceNumber",
                                true});
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (keep[i]) {
      if (out != i) {
        records[out] = std::move(records[i]);
      }
      ++out;
    }
  }
  records.resize(out);
}

template <typename Record, typename PrepareOne>
std::vector<Record> PrepareAll(std::vector<Record> records, std::vector<PrepareNote>& notes, PrepareOne prepare_one) {
  std::vector<Record> kept;
  std::vector<RecordKey> original_keys;
  kept.reserve(records.size());
  for (Record& record : records) {
    RecordKey original = KeyOf(record);
    RecordNotes record_notes(original);
    const bool ok = prepare_one(record, record_notes);
    record_notes.MoveTo(notes);
    if (ok) {
      kept.push_back(std::move(record));
      original_keys.push_back(std::move(original));
    }
  }
  KeepLatestPerKey(kept, original_keys, notes);
  return kept;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsWordChar(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsPathIdChar(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == '-';
}

// Reads exactly `digits` decimal digits at text[pos]; advances pos.
std::optional<int> ReadNumber(std::string_view text, std::size_t& pos, std::size_t digits) {
  if (pos + digits > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (!IsDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool Expect(std::string_view text, std::size_t& pos, std::string_view choices) {
  if (pos >= text.size() || choices.find(text[pos]) == std::string_view::npos) {
    return false;
  }
  ++pos;
  return true;
}

int DaysInMonth(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

}  // namespace

std::string ToString(const PrepareNote& note) {
  return fmt::format("{}: {}: {}", ToString(note.key), note.field, note.message);
}

PreparedBuilds PrepareBuilds(std::vector<Build> builds) {
  PreparedBuilds out;
  out.builds = PrepareAll(std::move(builds), out.notes, PrepareBuild);
  return out;
}

PreparedDeployments PrepareDeployments(std::vector<Deployment> deployments) {
  PreparedDeployments out;
  out.deployments = PrepareAll(std::move(deployments), out.notes, PrepareDeployment);
  return out;
}

core::Status ValidateProperties(const Properties& properties) {
  const auto invalid = [](std::string message) {
    return core::Error::Make(core::ErrorKind::invalid_input, "jira.properties_invalid", std::move(message));
  };
  if (properties.size() > kMaxProperties) {
    return invalid(
        fmt::format("Jira accepts at most {} request properties, got {}.", kMaxProperties, properties.size()));
  }
  for (std::size_t i = 0; i < properties.size(); ++i) {
    const auto& [key, value] = properties[i];
    if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
      return invalid(fmt::format("Request property {} is not valid UTF-8.", i + 1));
    }
    if (key.empty()) {
      return invalid(fmt::format("Request property {} has an empty key.", i + 1));
    }
    if (Utf16Length(key) > kMaxTextLength) {
      return invalid(
          fmt::format("The request property key {} is longer than {} characters.", Quoted(key), kMaxTextLength));
    }
    if (key.find(':') != std::string::npos) {
      return invalid(fmt::format("The request property key {} must not contain ':'.", Quoted(key)));
    }
    if (key.front() == '_') {
      return invalid(fmt::format("The request property key {} must not start with '_'.", Quoted(key)));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (properties[j].first == key) {
        return invalid(fmt::format("The request property key {} is given twice.", Quoted(key)));
      }
    }
    if (Utf16Length(value) > kMaxTextLength) {
      return invalid(
          fmt::format("The value of request property {} is longer than {} characters.", Quoted(key), kMaxTextLength));
    }
  }
  return core::Ok();
}

bool IsValidIssueKey(std::string_view key) {
  const auto dash = key.find('-');
  if (dash == std::string_view::npos) {
    return false;
  }
  const std::string_view project = key.substr(0, dash);
  const std::string_view number = key.substr(dash + 1);
  // \w does not match '-', so the first dash is the separator.
  return !project.empty() && project.size() <= kMaxIssueKeyPart && !number.empty() &&
         number.size() <= kMaxIssueKeyPart && std::all_of(project.begin(), project.end(), IsWordChar) &&
         std::all_of(number.begin(), number.end(), IsDigit);
}

std::string NormalizeIssueKey(std::string_view key) {
  while (!key.empty() && IsAsciiSpace(key.front())) {
    key.remove_prefix(1);
  }
  while (!key.empty() && IsAsciiSpace(key.back())) {
    key.remove_suffix(1);
  }
  std::string out(key);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

bool IsRfc3339DateTime(std::string_view text) {
  std::size_t pos = 0;
  const auto year = ReadNumber(text, pos, 4);
  if (!year || !Expect(text, pos, "-")) return false;
  const auto month = ReadNumber(text, pos, 2);
  if (!month || !Expect(text, pos, "-")) return false;
  const auto day = ReadNumber(text, pos, 2);
  if (!day || !Expect(text, pos, "Tt")) return false;
  const auto hour = ReadNumber(text, pos, 2);
  if (!hour || !Expect(text, pos, ":")) return false;
  const auto minute = ReadNumber(text, pos, 2);
  if (!minute || !Expect(text, pos, ":")) return false;
  const auto second = ReadNumber(text, pos, 2);
  if (!second) return false;
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysInMonth(*year, *month) || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return false;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      ++pos;
      ++digits;
    }
    // Java's ISO parser takes at most nanoseconds.
    if (digits == 0 || digits > 9) return false;
  }
  if (Expect(text, pos, "Zz")) {
    return pos == text.size();
  }
  if (!Expect(text, pos, "+-")) return false;
  const auto offset_hour = ReadNumber(text, pos, 2);
  if (!offset_hour || !Expect(text, pos, ":")) return false;
  const auto offset_minute = ReadNumber(text, pos, 2);
  return offset_minute && *offset_hour <= 23 && *offset_minute <= 59 && pos == text.size();
}

std::string SanitizeId(std::string_view id) {
  std::string repaired(id);
  RepairUtf8(repaired);  // each invalid sequence becomes one U+FFFD, hence one '_'
  std::string out;
  out.reserve(repaired.size());
  for (const char c : repaired) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80U) {
      out.push_back(IsPathIdChar(c) ? c : '_');
    } else if ((byte & 0xC0U) == 0xC0U) {
      out.push_back('_');  // the first byte of a multi-byte character; its continuation bytes are skipped
    }
  }
  if (out == "." || out == "..") {
    std::replace(out.begin(), out.end(), '.', '_');
  }
  return out;
}

}  // namespace tcj::jira
