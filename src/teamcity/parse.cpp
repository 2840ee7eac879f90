#include "teamcity/parse.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <utility>

namespace tcj::teamcity {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr const char* kCode = "teamcity.bad_payload";

// Answers up to this size are parsed by the thread's own parser, which keeps its buffers between
// calls (simdjson's DOM needs about 14 bytes per input byte). A bigger answer gets a parser of its
// own, freed afterwards, so that one huge answer does not pin a hundred megabytes to a worker thread.
constexpr std::size_t kReusedParserBytes = std::size_t{1024} * 1024;

// Whether `key` is the field `name`. Comparing the length first and then a fixed number of bytes lets
// the compiler turn most comparisons into one or two integer compares: field dispatch is a large part
// of reading a page.
template <std::size_t N>
bool Is(std::string_view key, const char (&name)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

// Where a value sits in the answer. Lives on the stack while descending and is turned into text
// ("build[3].changes.change[0].id") only when something is wrong: the hot path formats nothing.
struct Path {
  const Path* parent = nullptr;  // nullptr: the answer's top-level object itself
  std::string_view key;          // a field of the parent object; empty: an item of the parent array
  std::size_t index = 0;

  void AppendTo(std::string& out) const {
    if (parent == nullptr) return;
    parent->AppendTo(out);
    if (key.empty()) {
      out += '[';
      out += std::to_string(index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += key;
    }
  }
};

constexpr Path kRoot{};

// PostgreSQL's text and jsonb refuse the NUL character, so one commit message with an escaped NUL
// (\u0000) would make every save of its page fail, and with it every poll of the server. Each NUL
// becomes U+FFFD, the replacement character; strings without one (all real ones) are copied as they
// are, after one memchr.
void AssignWithoutNul(std::string& out, std::string_view text) {
  if (text.empty() || std::memchr(text.data(), '\0', text.size()) == nullptr) {
    out.assign(text.data(), text.size());
    return;
  }
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  out.clear();
  out.reserve(text.size() + 2 * kReplacement.size());
  for (const char c : text) {
    if (c == '\0') {
      out += kReplacement;
    } else {
      out += c;
    }
  }
}

// Typed access to values with errors that name the field. Every method returns false once something
// is wrong and keeps the first problem, so that callers can `return r.Fail(...)`.
class Reader {
 public:
  bool Fail(const Path& at, std::string_view what) {
    field_.clear();
    at.AppendTo(field_);
    detail_ = field_;
    if (!detail_.empty()) detail_ += ' ';
    detail_ += what;
    return false;
  }

  bool Object(element value, const Path& at, object& out) {
    if (value.get_object().get(out) != simdjson::SUCCESS) return Fail(at, "is not an object");
    return true;
  }

  bool Array(element value, const Path& at, array& out) {
    if (value.get_array().get(out) != simdjson::SUCCESS) return Fail(at, "is not an array");
    return true;
  }

  bool String(element value, const Path& at, std::string& out) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return Fail(at, "is not a string");
    AssignWithoutNul(out, text);
    return true;
  }

  bool Int(element value, const Path& at, std::int64_t& out) {
    switch (value.type()) {
      case element_type::INT64:
        out = value.get_int64().value_unsafe();
        return true;
      case element_type::UINT64:
        return Fail(at, "is out of range");
      default:
        return Fail(at, "is not an integer");
    }
  }

  bool Int(element value, const Path& at, int& out) {
    std::int64_t wide = 0;
    if (!Int(value, at, wide)) return false;
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      return Fail(at, "is out of range");
    }
    out = static_cast<int>(wide);
    return true;
  }

  bool Bool(element value, const Path& at, bool& out) {
    if (value.get_bool().get(out) != simdjson::SUCCESS) return Fail(at, "is not a boolean");
    return true;
  }

  // Counts one list item against kMaxItemsPerAnswer.
  bool Take(const Path& at) {
    if (items_left_ == 0) {
      over_budget_ = true;
      return Fail(
          at, "is one item too many: an answer may hold at most " + std::to_string(kMaxItemsPerAnswer) + " list items");
    }
    --items_left_;
    return true;
  }
  std::size_t ItemsLeft() const { return items_left_; }

  const std::string& Detail() const { return detail_; }
  // Where the first problem is ("build[3].number"), without what it is.
  const std::string& Field() const { return field_; }
  // The answer holds more list items than any is allowed: a problem of the answer as a whole, not
  // of the item that happened to cross the line.
  bool OverBudget() const { return over_budget_; }

  // The failure was a build's own (read on: the page keeps its other builds).
  void Recover() {
    detail_.clear();
    field_.clear();
  }
  // The answer is a build whose fields cannot be read (ParseBuild's kUnreadableBuildCode).
  void MarkUnreadableBuild() { unreadable_build_ = true; }
  bool IsUnreadableBuild() const { return unreadable_build_; }

 private:
  std::string detail_;
  std::string field_;
  std::size_t items_left_ = kMaxItemsPerAnswer;
  bool over_budget_ = false;
  bool unreadable_build_ = false;
};

// Calls on_field(key, value, path) for every field of the object `value` that is not null (TeamCity
// never sends null for a value it has; a null is read as absent).
template <typename OnField>
bool ForEachField(Reader& r, element value, const Path& at, OnField&& on_field) {
  object fields;
  if (!r.Object(value, at, fields)) return false;
  for (const simdjson::dom::key_value_pair field : fields) {
    if (field.value.is_null()) continue;
    if (!on_field(field.key, field.value, Path{&at, field.key})) return false;
  }
  return true;
}

// Calls on_item(item, path) for every item of `items`, each counted against the answer's item budget.
template <typename OnItem>
bool ForEachItem(Reader& r, array items, const Path& at, OnItem&& on_item) {
  std::size_t i = 0;
  for (const element item : items) {
    const Path here{&at, {}, i++};
    if (!r.Take(here) || !on_item(item, here)) return false;
  }
  return true;
}

// ForEachItem over the array `value`, giving `out` room for its items first (not for more than a
// real answer holds: a hostile list of empty objects must not reserve gigabytes up front).
template <typename T, typename OnItem>
bool ReadItems(Reader& r, element value, const Path& at, std::vector<T>& out, OnItem&& on_item) {
  constexpr std::size_t kMaxReserve = 10'000;
  array items;
  if (!r.Array(value, at, items)) return false;
  out.reserve(out.size() + std::min({items.size(), r.ItemsLeft(), kMaxReserve}));
  return ForEachItem(r, items, at, on_item);
}

// TeamCity wraps every nested collection in an object ({"count": 2, "<name>": [...]}): hands the
// list to on_list and ignores the wrapper's other fields.
template <typename OnList>
bool ReadWrapper(Reader& r, element value, const Path& at, std::string_view name, OnList&& on_list) {
  return ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    return key == name ? on_list(v, here) : true;
  });
}

bool ReadChange(Reader& r, element value, const Path& at, Change& c) {
  bool has_id = false;
  const bool ok = ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    if (Is(key, "id")) {
      has_id = true;
      if (v.type() == element_type::STRING) return r.String(v, here, c.id);
      std::int64_t number = 0;
      if (!r.Int(v, here, number)) return false;
      char digits[24];
      const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
      c.id.assign(digits, end);
      return true;
    }
    if (Is(key, "version")) return r.String(v, here, c.version);
    if (Is(key, "username")) return r.String(v, here, c.username);
    if (Is(key, "date")) return r.String(v, here, c.date);
    if (Is(key, "comment")) return r.String(v, here, c.comment);
    return true;
  });
  if (ok && !has_id) return r.Fail(Path{&at, "id"}, "is missing");
  return ok;
}

bool ReadChanges(Reader& r, element value, const Path& at, std::vector<Change>& out) {
  return ReadItems(r, value, at, out,
                   [&](element item, const Path& here) { return ReadChange(r, item, here, out.emplace_back()); });
}

bool ReadRevision(Reader& r, element value, const Path& at, Revision& rev) {
  return ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    if (Is(key, "version")) return r.String(v, here, rev.version);
    if (Is(key, "vcsBranchName")) return r.String(v, here, rev.branch);
    if (Is(key, "vcs-root-instance")) {
      return ForEachField(r, v, here, [&](std::string_view k, element w, const Path& there) {
        if (Is(k, "vcs-root-id")) return r.String(w, there, rev.vcs_root_id);
        if (Is(k, "name")) return r.String(w, there, rev.vcs_root_name);
        return true;
      });
    }
    return true;
  });
}

bool ReadTests(Reader& r, element value, const Path& at, TestCounts& t) {
  return ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    if (Is(key, "count")) return r.Int(v, here, t.count);
    if (Is(key, "passed")) return r.Int(v, here, t.passed);
    if (Is(key, "failed")) return r.Int(v, here, t.failed);
    if (Is(key, "ignored")) return r.Int(v, here, t.ignored);
    if (Is(key, "muted")) return r.Int(v, here, t.muted);
    if (Is(key, "newFailed")) return r.Int(v, here, t.new_failed);
    return true;
  });
}

// One {"name", "value"} of a properties/settings list; a property without a value has "" (TeamCity
// leaves the value out when it is empty).
bool ReadProperty(Reader& r, element value, const Path& at, std::string& name, std::string& text) {
  bool has_name = false;
  const bool ok = ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    if (Is(key, "name")) {
      has_name = true;
      return r.String(v, here, name);
    }
    if (Is(key, "value")) return r.String(v, here, text);
    return true;
  });
  if (ok && !has_name) return r.Fail(Path{&at, "name"}, "is missing");
  return ok;
}

// The long form's setting buildConfigurationType ("DEPLOYMENT"), lower-cased like `type`.
bool ReadTypeSetting(Reader& r, element settings, const Path& at, std::string& type) {
  return ReadWrapper(r, settings, at, "property", [&](element list, const Path& here) {
    array items;
    if (!r.Array(list, here, items)) return false;
    return ForEachItem(r, items, here, [&](element item, const Path& there) {
      std::string name, text;
      if (!ReadProperty(r, item, there, name, text)) return false;
      if (name == "buildConfigurationType") {
        for (char& ch : text) {
          if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        }
        type = std::move(text);
      }
      return true;
    });
  });
}

bool ReadBuildType(Reader& r, element value, const Path& at, BuildTypeRef& t) {
  bool has_id = false;
  std::optional<element> settings;
  bool ok = ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    if (Is(key, "id")) {
      has_id = true;
      return r.String(v, here, t.id);
    }
    if (Is(key, "internalId")) return r.String(v, here, t.internal_id);
    if (Is(key, "name")) return r.String(v, here, t.name);
    if (Is(key, "projectId")) return r.String(v, here, t.project_id);
    if (Is(key, "projectName")) return r.String(v, here, t.project_name);
    if (Is(key, "type")) return r.String(v, here, t.type);
    if (Is(key, "settings")) settings = v;
    return true;
  });
  if (ok && !has_id) return r.Fail(Path{&at, "id"}, "is missing");
  if (ok && t.type.empty() && settings) ok = ReadTypeSetting(r, *settings, Path{&at, "settings"}, t.type);
  return ok;
}

bool ReadProject(Reader& r, element value, const Path& at, Project& p) {
  bool has_id = false;
  const bool ok = ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    if (Is(key, "id")) {
      has_id = true;
      return r.String(v, here, p.id);
    }
    if (Is(key, "internalId")) return r.String(v, here, p.internal_id);
    if (Is(key, "name")) return r.String(v, here, p.name);
    if (Is(key, "parentProjectId")) return r.String(v, here, p.parent_project_id);
    if (Is(key, "archived")) return r.Bool(v, here, p.archived);
    return true;
  });
  if (ok && !has_id) return r.Fail(Path{&at, "id"}, "is missing");
  return ok;
}

// relatedIssues.issueUsage[]: the ids of the issues. A usage without an issue id says nothing we
// can use and is skipped.
bool ReadRelatedIssues(Reader& r, element value, const Path& at, std::vector<std::string>& out) {
  return ReadWrapper(r, value, at, "issueUsage", [&](element list, const Path& here) {
    return ReadItems(r, list, here, out, [&](element item, const Path& there) {
      std::string id;
      const bool ok = ForEachField(r, item, there, [&](std::string_view key, element v, const Path& usage) {
        if (!Is(key, "issue")) return true;
        return ForEachField(r, v, usage, [&](std::string_view k, element w, const Path& issue) {
          return Is(k, "id") ? r.String(w, issue, id) : true;
        });
      });
      if (ok && !id.empty()) out.push_back(std::move(id));
      return ok;
    });
  });
}

bool ReadSnapshotDependencies(Reader& r, element value, const Path& at, std::vector<std::int64_t>& out) {
  return ReadWrapper(r, value, at, "build", [&](element list, const Path& here) {
    return ReadItems(r, list, here, out, [&](element item, const Path& there) {
      std::optional<std::int64_t> id;
      const bool ok = ForEachField(r, item, there, [&](std::string_view key, element v, const Path& field) {
        return Is(key, "id") ? r.Int(v, field, id.emplace()) : true;
      });
      if (ok && !id) return r.Fail(Path{&there, "id"}, "is missing");
      if (ok) out.push_back(*id);
      return ok;
    });
  });
}

bool ReadBuild(Reader& r, element value, const Path& at, Build& b) {
  bool has_id = false;
  const bool ok = ForEachField(r, value, at, [&](std::string_view key, element v, const Path& here) {
    // In the order TeamCity sends them, so that the usual build needs few comparisons per field.
    if (Is(key, "id")) {
      has_id = true;
      return r.Int(v, here, b.id);
    }
    if (Is(key, "buildTypeId")) return r.String(v, here, b.build_type_id);
    if (Is(key, "number")) return r.String(v, here, b.number);
    if (Is(key, "status")) return r.String(v, here, b.status);
    if (Is(key, "state")) {
      std::string_view text;
      if (v.get_string().get(text) != simdjson::SUCCESS) return r.Fail(here, "is not a string");
      b.state = BuildStateFromText(text);
      return true;
    }
    if (Is(key, "running")) return r.Bool(v, here, b.running);
    if (Is(key, "composite")) return r.Bool(v, here, b.composite);
    if (Is(key, "failedToStart")) return r.Bool(v, here, b.failed_to_start);
    if (Is(key, "personal")) return r.Bool(v, here, b.personal);
    if (Is(key, "branchName")) return r.String(v, here, b.branch_name);
    if (Is(key, "defaultBranch")) return r.Bool(v, here, b.default_branch);
    if (Is(key, "history")) return r.Bool(v, here, b.history);
    if (Is(key, "webUrl")) return r.String(v, here, b.web_url);
    if (Is(key, "statusText")) return r.String(v, here, b.status_text);
    if (Is(key, "buildType")) return ReadBuildType(r, v, here, b.build_type.emplace());
    if (Is(key, "canceledInfo")) {
      b.canceled = true;
      return ForEachField(r, v, here, [&](std::string_view k, element w, const Path& there) {
        return Is(k, "text") ? r.String(w, there, b.canceled_text) : true;
      });
    }
    if (Is(key, "canceled")) {  // newer servers may send the flag too; canceledInfo alone suffices
      bool flag = false;
      if (!r.Bool(v, here, flag)) return false;
      b.canceled = b.canceled || flag;
      return true;
    }
    if (Is(key, "queuedDate")) return r.String(v, here, b.queued_date);
    if (Is(key, "startDate")) return r.String(v, here, b.start_date);
    if (Is(key, "finishDate")) return r.String(v, here, b.finish_date);
    if (Is(key, "triggered")) {
      return ForEachField(r, v, here, [&](std::string_view k, element w, const Path& there) {
        return Is(k, "type") ? r.String(w, there, b.triggered_type) : true;
      });
    }
    if (Is(key, "changes")) {
      return ForEachField(r, v, here, [&](std::string_view k, element w, const Path& there) {
        if (Is(k, "count")) return r.Int(w, there, b.changes_count);
        if (Is(k, "change")) return ReadChanges(r, w, there, b.changes);
        return true;
      });
    }
    if (Is(key, "revisions")) {
      return ReadWrapper(r, v, here, "revision", [&](element list, const Path& there) {
        return ReadItems(r, list, there, b.revisions, [&](element item, const Path& p) {
          return ReadRevision(r, item, p, b.revisions.emplace_back());
        });
      });
    }
    if (Is(key, "testOccurrences")) return ReadTests(r, v, here, b.tests.emplace());
    if (Is(key, "relatedIssues")) return ReadRelatedIssues(r, v, here, b.related_issues);
    if (Is(key, "properties")) {
      return ReadWrapper(r, v, here, "property", [&](element list, const Path& there) {
        return ReadItems(r, list, there, b.properties, [&](element item, const Path& p) {
          auto& [name, text] = b.properties.emplace_back();
          return ReadProperty(r, item, p, name, text);
        });
      });
    }
    if (Is(key, "snapshot-dependencies")) return ReadSnapshotDependencies(r, v, here, b.snapshot_dependencies);
    return true;
  });
  if (ok && !has_id) return r.Fail(Path{&at, "id"}, "is missing");
  return ok;
}

// At most 300 bytes of TeamCity's own text, not cut inside a UTF-8 sequence, without NUL (the
// message ends up in the server's last error, a text column).
std::string Cut(std::string_view text) {
  constexpr std::size_t kMax = 300;
  std::string out;
  if (text.size() <= kMax) {
    AssignWithoutNul(out, text);
    return out;
  }
  std::size_t end = kMax;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  AssignWithoutNul(out, text.substr(0, end));
  return out + "...";
}

// TeamCity's JSON error body {"errors":[{"message": ...}]}, which modern servers send with 4xx: its
// message, or nullopt when `root` is something else.
std::optional<std::string> ErrorBodyMessage(object root) {
  element errors;
  if (root["errors"].get(errors) != simdjson::SUCCESS) return std::nullopt;
  array list;
  object first;
  std::string_view message;
  if (errors.get_array().get(list) == simdjson::SUCCESS && list.size() > 0 &&
      list.at(0).get_object().get(first) == simdjson::SUCCESS &&
      first["message"].get_string().get(message) == simdjson::SUCCESS) {
    return Cut(message);
  }
  return std::string("(no message)");
}

simdjson::dom::parser& ReusedParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

core::Error Refused(std::string_view what, std::string_view detail) {
  std::string message = "TeamCity's answer is not a valid ";
  message += what;
  message += ": ";
  message += detail;
  return core::Error::Make(core::ErrorKind::bad_payload, kCode, std::move(message));
}

core::Error NotJson(simdjson::error_code code, std::string_view what) {
  switch (code) {
    case simdjson::EMPTY:
      return Refused(what, "it is empty");
    case simdjson::UTF8_ERROR:
      return Refused(what, "it is not valid UTF-8");
    case simdjson::DEPTH_ERROR:
      return Refused(what, "it nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    case simdjson::MEMALLOC:
      return core::Error::Retryable(core::ErrorKind::internal, "teamcity.parse_memory",
                                    "Out of memory while reading TeamCity's answer");
    default:
      return Refused(what, std::string("it is not valid JSON (") + simdjson::error_message(code) + ")");
  }
}

// Parses `json` and hands its top-level object to read(reader, root, root_fields, out). `what` names
// the expected answer in messages ("page of builds").
template <typename T, typename Read>
core::Result<T> ReadAnswer(simdjson::dom::parser& parser, std::string_view json, std::string_view what, Read&& read) {
  // The depth limit is a property of the parser's allocation: set it before the first parse (and
  // again should an allocation ever have failed and left the parser without one).
  if (parser.max_depth() != kMaxJsonDepth || parser.capacity() < json.size()) {
    // Grown in steps of 64 KiB: pages of one server vary a little in size, and each growth costs
    // an allocation of the parser's buffers.
    constexpr std::size_t kStep = std::size_t{64} * 1024;
    const std::size_t capacity = std::max(parser.capacity(), (json.size() / kStep + 1) * kStep);
    if (const auto error = parser.allocate(capacity, kMaxJsonDepth); error != simdjson::SUCCESS) {
      return NotJson(error, what);
    }
  }
  element root;
  if (const auto error = parser.parse(json.data(), json.size()).get(root); error != simdjson::SUCCESS) {
    return NotJson(error, what);
  }
  object fields;
  if (root.get_object().get(fields) != simdjson::SUCCESS) return Refused(what, "it is not a JSON object");
  if (auto message = ErrorBodyMessage(fields)) {
    return core::Error::Make(core::ErrorKind::bad_payload, kCode,
                             "TeamCity answered an error instead of a " + std::string(what) + ": " + *message);
  }
  Reader reader;
  T out{};
  if (!read(reader, root, fields, out)) {
    core::Error error = Refused(what, reader.Detail());
    // The answer is JSON of the right kind with one field wrong: callers may leave out the one
    // build it is about. (An answer that is not JSON at all, or an error, names no field.)
    error.field = reader.Field();
    if (reader.IsUnreadableBuild()) error.code = kUnreadableBuildCode;
    return error;
  }
  return out;
}

template <typename T, typename Read>
core::Result<T> ParseAnswer(std::string_view json, std::string_view what, Read&& read) {
  if (json.size() > kMaxJsonBytes) {
    return Refused(what, "it is " + std::to_string(json.size()) + " bytes long, more than the " +
                             std::to_string(kMaxJsonBytes) + " accepted");
  }
  try {
    if (json.size() <= kReusedParserBytes) return ReadAnswer<T>(ReusedParser(), json, what, read);
    simdjson::dom::parser own;
    return ReadAnswer<T>(own, json, what, read);
  } catch (const std::bad_alloc&) {
    return core::Error::Retryable(core::ErrorKind::internal, "teamcity.parse_memory",
                                  "Out of memory while reading TeamCity's answer");
  } catch (const std::exception& e) {
    return core::Error::Make(core::ErrorKind::internal, "teamcity.parse_failed",
                             std::string("Unexpected failure while reading TeamCity's answer: ") + e.what());
  }
}

// The list `name` is absent. Fine for an empty list (TeamCity leaves out empty lists it was not asked
// for by name), not when `count` says there are items: then the answer is of another kind (e.g. an
// artifact listing {"count": 7, "file": [...]}) or a count-only answer (fields=count).
bool MissingList(Reader& r, std::string_view name, std::int64_t count) {
  const Path at{&kRoot, name};
  if (count == 0) return r.Fail(at, "is missing");
  return r.Fail(at, "is missing although count is " + std::to_string(count));
}

// A list answer ({"count", "<name>": [...]}), or the single entity's answer (it has an `id`) as a
// list of one. A list TeamCity left out because it was empty is an empty list when `count` is 0.
template <typename T, typename ReadOne>
bool ReadListOrOne(Reader& r, element root, object fields, std::string_view name, std::vector<T>& out,
                   ReadOne&& read_one) {
  element list;
  if (fields[name].get(list) == simdjson::SUCCESS && !list.is_null()) {
    return ReadItems(r, list, Path{&kRoot, name}, out,
                     [&](element item, const Path& here) { return read_one(item, here, out.emplace_back()); });
  }
  if (fields["id"].error() == simdjson::SUCCESS) {
    return r.Take(kRoot) && read_one(root, kRoot, out.emplace_back());
  }
  element count_value;
  std::int64_t count = 0;
  if (fields["count"].get(count_value) == simdjson::SUCCESS && !count_value.is_null()) {
    if (!r.Int(count_value, Path{&kRoot, "count"}, count)) return false;
    if (count == 0) return true;
  }
  return MissingList(r, name, count);
}

// The id of a build that could not be read, when that much of it can be.
std::optional<std::int64_t> IdOf(element build) {
  object fields;
  element id;
  if (build.get_object().get(fields) != simdjson::SUCCESS || fields["id"].get(id) != simdjson::SUCCESS ||
      id.type() != element_type::INT64) {
    return std::nullopt;
  }
  return id.get_int64().value_unsafe();
}

// The page's build at `index` as an unreadable one, from the reader's problem with it ("build[3].number",
// "build[3].number is not a string"): the field and reason within the build.
UnreadableBuild Unreadable(element build, std::size_t index, std::string_view field, std::string_view detail) {
  const std::string prefix = "build[" + std::to_string(index) + "]";
  auto within = [&](std::string_view text) {
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
    if (text.starts_with('.') || text.starts_with(' ')) text.remove_prefix(1);
    return std::string(text);
  };
  UnreadableBuild out;
  out.id = IdOf(build);
  out.field = within(field);
  out.reason = within(detail);
  if (out.field.empty()) out.reason = "the build " + out.reason;  // "the build is not an object"
  return out;
}

}  // namespace

core::Result<BuildsPage> ParseBuildsPage(std::string_view json) {
  return ParseAnswer<BuildsPage>(json, "page of builds", [](Reader& r, element root, object, BuildsPage& page) {
    bool has_count = false, has_builds = false;
    const bool ok = ForEachField(r, root, kRoot, [&](std::string_view key, element v, const Path& here) {
      if (Is(key, "count")) {
        has_count = true;
        return r.Int(v, here, page.count);
      }
      if (Is(key, "nextHref")) return r.String(v, here, page.next_href.emplace());
      if (Is(key, "build")) {
        has_builds = true;
        array items;
        if (!r.Array(v, here, items)) return false;
        if (items.size() > kMaxBuildsPerPage) {
          return r.Fail(here, "holds " + std::to_string(items.size()) + " builds, more than the " +
                                  std::to_string(kMaxBuildsPerPage) + " accepted on a page");
        }
        page.builds.reserve(std::min(items.size(), r.ItemsLeft()));
        return ForEachItem(r, items, here, [&](element item, const Path& there) {
          if (ReadBuild(r, item, there, page.builds.emplace_back())) return true;
          page.builds.pop_back();
          if (r.OverBudget()) return false;
          page.unreadable.push_back(Unreadable(item, there.index, r.Field(), r.Detail()));
          r.Recover();
          return true;
        });
      }
      return true;
    });
    if (!ok) return false;
    if (!has_builds && (!has_count || page.count != 0)) return MissingList(r, "build", page.count);
    if (!has_count) page.count = static_cast<std::int64_t>(page.SentCount());
    return true;
  });
}

core::Result<Build> ParseBuild(std::string_view json) {
  return ParseAnswer<Build>(json, "build", [](Reader& r, element root, object, Build& build) {
    if (ReadBuild(r, root, kRoot, build)) return true;
    // A build that says which it is, but not all of it readably; an answer without an id is not a build.
    if (!r.OverBudget() && IdOf(root)) r.MarkUnreadableBuild();
    return false;
  });
}

UnreadableBuild UnreadableBuildOf(std::int64_t id, const core::Error& error) {
  UnreadableBuild out;
  out.id = id;
  out.field = error.field;
  // ParseBuild's message is Refused("build", detail): the detail is the reason.
  constexpr std::string_view kPrefix = "TeamCity's answer is not a valid build: ";
  std::string_view reason = error.message;
  if (reason.starts_with(kPrefix)) reason.remove_prefix(kPrefix.size());
  out.reason = std::string(reason);
  return out;
}

core::Result<ChangesPage> ParseChangesPage(std::string_view json) {
  return ParseAnswer<ChangesPage>(
      json, "page of changes", [](Reader& r, element root, object fields, ChangesPage& page) {
        element next;
        if (fields["nextHref"].get(next) == simdjson::SUCCESS && !next.is_null() &&
            !r.String(next, Path{&kRoot, "nextHref"}, page.next_href.emplace())) {
          return false;
        }
        return ReadListOrOne(r, root, fields, "change", page.changes,
                             [&](element item, const Path& here, Change& c) { return ReadChange(r, item, here, c); });
      });
}

namespace {

// "2019.2.4 (build 72059)" → 2019, 2; leaves the numbers alone when the text is not like that.
void VersionFromText(std::string_view text, int& major, int& minor) {
  const char* p = text.data();
  const char* end = text.data() + text.size();
  int a = 0, b = 0;
  auto first = std::from_chars(p, end, a);
  if (first.ec != std::errc() || first.ptr == end || *first.ptr != '.') return;
  auto second = std::from_chars(first.ptr + 1, end, b);
  if (second.ec != std::errc()) return;
  major = a;
  minor = b;
}

}  // namespace

core::Result<ServerInfo> ParseServerInfo(std::string_view json) {
  return ParseAnswer<ServerInfo>(json, "server description", [](Reader& r, element root, object, ServerInfo& s) {
    bool has_version = false, has_numbers = false;
    const bool ok = ForEachField(r, root, kRoot, [&](std::string_view key, element v, const Path& here) {
      if (Is(key, "version")) {
        has_version = true;
        return r.String(v, here, s.version);
      }
      if (Is(key, "versionMajor")) {
        has_numbers = true;
        return r.Int(v, here, s.version_major);
      }
      if (Is(key, "versionMinor")) return r.Int(v, here, s.version_minor);
      if (Is(key, "buildNumber")) return r.String(v, here, s.build_number);
      if (Is(key, "internalId")) return r.String(v, here, s.internal_id);
      if (Is(key, "webUrl")) return r.String(v, here, s.web_url);
      if (Is(key, "currentTime")) return r.String(v, here, s.current_time);
      return true;
    });
    if (!ok) return false;
    if (!has_version) return r.Fail(Path{&kRoot, "version"}, "is missing");
    if (!has_numbers) VersionFromText(s.version, s.version_major, s.version_minor);
    return true;
  });
}

core::Result<std::vector<BuildTypeRef>> ParseBuildTypes(std::string_view json) {
  return ParseAnswer<std::vector<BuildTypeRef>>(
      json, "list of build types", [](Reader& r, element root, object fields, std::vector<BuildTypeRef>& out) {
        return ReadListOrOne(r, root, fields, "buildType", out, [&](element item, const Path& here, BuildTypeRef& t) {
          return ReadBuildType(r, item, here, t);
        });
      });
}

core::Result<std::vector<Project>> ParseProjects(std::string_view json) {
  return ParseAnswer<std::vector<Project>>(
      json, "list of projects", [](Reader& r, element root, object fields, std::vector<Project>& out) {
        return ReadListOrOne(r, root, fields, "project", out,
                             [&](element item, const Path& here, Project& p) { return ReadProject(r, item, here, p); });
      });
}

}  // namespace tcj::teamcity
