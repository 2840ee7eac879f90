#include "jira/devinfo_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "jira/devinfo_prepare.hpp"
#include "core/text.hpp"

namespace tcj::jira {

using core::IsValidUtf8;
using core::SafeExcerpt;
using core::Utf16Length;
namespace {

using InJson = nlohmann::json;

// Our responses are at most 5 levels deep; anything much deeper is not Jira talking.
constexpr std::size_t kMaxJsonDepth = 32;
constexpr std::size_t kMaxMessagesPerRejection = 20;
constexpr std::size_t kMaxMessageLength = 300;
constexpr std::size_t kMaxAssociationValueLength = 300;
// How much of a non-JSON error body is looked at for the excerpt.
constexpr std::size_t kMaxExcerptScan = 64 * 1024;

constexpr std::string_view kSchemaVersion = "1.0";

core::Error InvalidRequest(std::string code, std::string message) {
  return core::Error::Make(core::ErrorKind::invalid_input, std::move(code), std::move(message));
}

std::string Str(std::string_view text) {
  return std::string(text);
}

// What every request checks as a whole; per-record rules belong to Prepare*.
core::Status CheckEnvelope(std::size_t count, const Properties& properties, std::string_view provider_product) {
  if (count == 0 || count > kMaxRecordsPerRequest) {
    return InvalidRequest("jira.batch_size",
                          fmt::format("A request carries 1 to {} records, not {}.", kMaxRecordsPerRequest, count));
  }
  if (auto status = ValidateProperties(properties); !status.ok()) {
    return std::move(status).take_error();
  }
  if (!IsValidUtf8(provider_product) || Utf16Length(provider_product) > kMaxTextLength) {
    return InvalidRequest(
        "jira.provider_product_invalid",
        fmt::format("The provider product name must be valid UTF-8 of at most {} characters.", kMaxTextLength));
  }
  return core::Ok();
}

// --- Writing --------------------------------------------------------------------------------------
//
// Requests are written straight into one string, not built as a JSON tree and dumped: building and
// dumping the tree was over a third of the sync pipeline's time on a page of 100 builds. The output is
// byte for byte what nlohmann's dump(-1, ' ', false, error_handler_t::replace) of an ordered_json
// with the same members in the same order wrote before (devinfo_json_writer_test.cpp keeps that
// tree as its oracle): no whitespace, members in the order written here (properties in the order
// given), integers in plain decimal.

// How each byte starts in a JSON string: 0 copied as is, 1 escaped (quote, backslash, control
// characters below 0x20; DEL is copied), 2 the lead of a multi-byte UTF-8 sequence (or invalid).
constexpr std::array<std::uint8_t, 256> kByteClass = [] {
  std::array<std::uint8_t, 256> classes{};
  for (std::size_t c = 0; c < 0x20; ++c) classes[c] = 1;
  classes['"'] = 1;
  classes['\\'] = 1;
  for (std::size_t c = 0x80; c < 0x100; ++c) classes[c] = 2;
  return classes;
}();

void AppendEscapedAscii(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\b':
      out.append("\\b");
      break;
    case '\t':
      out.append("\\t");
      break;
    case '\n':
      out.append("\\n");
      break;
    case '\f':
      out.append("\\f");
      break;
    case '\r':
      out.append("\\r");
      break;
    case '"':
      out.append("\\\"");
      break;
    case '\\':
      out.append("\\\\");
      break;
    default: {
      const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4U], kHex[c & 0x0FU]};
      out.append(escaped, sizeof escaped);
      break;
    }
  }
}

// The UTF-8 sequence starting at text[0] (a byte >= 0x80), as nlohmann's decoder sees it: {length,
// true} for a well-formed sequence (RFC 3629: no overlong forms, surrogates or code points above
// U+10FFFF); {n, false} when the first n bytes are one bad sequence that becomes one U+FFFD: a bad
// lead byte alone, a lead byte with the continuation bytes that fitted before one that does not
// (which is then read again), or a sequence cut off by the end of the text.
std::pair<std::size_t, bool> Utf8Sequence(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range of the second byte; later ones are always 0x80..0xBF
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};  // a continuation byte, C0, C1 or F5..FF
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= text.size()) return {i, false};
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < low || c > high) return {i, false};
    low = 0x80;
    high = 0xBF;
  }
  return {length, true};
}

// A JSON string, quotes included. Valid UTF-8 is copied unescaped; each invalid sequence becomes
// U+FFFD (a precondition slip must not become an exception or invalid JSON).
void AppendString(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t copied = 0;  // text[copied, i) is still to be copied as is
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::uint8_t byte_class = kByteClass[c];
    if (byte_class == 0) {
      ++i;
      continue;
    }
    if (byte_class == 2) {
      const auto [length, valid] = Utf8Sequence(text.substr(i));
      if (valid) {
        i += length;
        continue;
      }
      out.append(text.data() + copied, i - copied);
      out.append("\xEF\xBF\xBD");
      i += length;
      copied = i;
      continue;
    }
    out.append(text.data() + copied, i - copied);
    AppendEscapedAscii(out, c);
    ++i;
    copied = i;
  }
  out.append(text.data() + copied, text.size() - copied);
  out.push_back('"');
}

void AppendInt(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(std::begin(digits), std::end(digits), value);
  out.append(digits, static_cast<std::size_t>(result.ptr - digits));
}

// `"name":`, after a comma unless it is the object's first member. name is a plain ASCII literal.
void Key(std::string& out, std::string_view name) {
  if (out.back() != '{') out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
}

// Before an array element: a comma unless it is the first.
void NextElement(std::string& out) {
  if (out.back() != '[') out.push_back(',');
}

void StringMember(std::string& out, std::string_view name, std::string_view value) {
  Key(out, name);
  AppendString(out, value);
}

void IntMember(std::string& out, std::string_view name, std::int64_t value) {
  Key(out, name);
  AppendInt(out, value);
}

void AppendStrings(std::string& out, const std::vector<std::string>& values) {
  out.push_back('[');
  for (const std::string& value : values) {
    NextElement(out);
    AppendString(out, value);
  }
  out.push_back(']');
}

// Room for a record without escapes; only a guess, so that the string rarely grows.
constexpr std::size_t kRecordOverhead = 512;

std::size_t SizeHint(const std::vector<std::string>& values) {
  std::size_t size = 0;
  for (const std::string& value : values) size += value.size() + 3;
  return size;
}

std::size_t SizeHint(const Build& build) {
  std::size_t size = kRecordOverhead + build.pipeline_id.size() + build.display_name.size() + build.description.size() +
                     build.label.size() + build.url.size() + build.last_updated.size() + SizeHint(build.issue_keys);
  for (const Reference& reference : build.references) {
    size += 64;
    if (reference.commit) size += reference.commit->id.size() + reference.commit->repository_uri.size();
    if (reference.ref) size += reference.ref->name.size() + reference.ref->uri.size();
  }
  return size;
}

std::size_t SizeHint(const Deployment& deployment) {
  std::size_t size = kRecordOverhead + deployment.display_name.size() + deployment.url.size() +
                     deployment.description.size() + deployment.label.size() + deployment.last_updated.size() +
                     deployment.pipeline.id.size() + deployment.pipeline.display_name.size() +
                     deployment.pipeline.url.size() + deployment.environment.id.size() +
                     deployment.environment.display_name.size() + SizeHint(deployment.issue_keys);
  for (const CommitAssociation& commit : deployment.commits) {
    size += 40 + commit.commit_hash.size() + commit.repository_id.size();
  }
  return size;
}

void AppendBuild(std::string& out, const Build& build) {
  out.push_back('{');
  StringMember(out, "schemaVersion", kSchemaVersion);
  StringMember(out, "pipelineId", build.pipeline_id);
  IntMember(out, "buildNumber", build.build_number);
  IntMember(out, "updateSequenceNumber", build.update_sequence_number);
  StringMember(out, "displayName", build.display_name);
  if (!build.description.empty()) StringMember(out, "description", build.description);
  if (!build.label.empty()) StringMember(out, "label", build.label);
  StringMember(out, "url", build.url);
  StringMember(out, "state", ToString(build.state));
  StringMember(out, "lastUpdated", build.last_updated);
  Key(out, "issueKeys");
  AppendStrings(out, build.issue_keys);
  if (build.test_info) {
    Key(out, "testInfo");
    out.push_back('{');
    IntMember(out, "totalNumber", build.test_info->total);
    IntMember(out, "numberPassed", build.test_info->passed);
    IntMember(out, "numberFailed", build.test_info->failed);
    IntMember(out, "numberSkipped", build.test_info->skipped);
    out.push_back('}');
  }
  if (!build.references.empty()) {
    Key(out, "references");
    out.push_back('[');
    for (const Reference& reference : build.references) {
      NextElement(out);
      out.push_back('{');
      if (reference.commit) {
        Key(out, "commit");
        out.push_back('{');
        StringMember(out, "id", reference.commit->id);
        StringMember(out, "repositoryUri", reference.commit->repository_uri);
        out.push_back('}');
      }
      if (reference.ref) {
        Key(out, "ref");
        out.push_back('{');
        StringMember(out, "name", reference.ref->name);
        StringMember(out, "uri", reference.ref->uri);
        out.push_back('}');
      }
      out.push_back('}');
    }
    out.push_back(']');
  }
  out.push_back('}');
}

void AppendDeployment(std::string& out, const Deployment& deployment) {
  out.push_back('{');
  StringMember(out, "schemaVersion", kSchemaVersion);
  IntMember(out, "deploymentSequenceNumber", deployment.deployment_sequence_number);
  IntMember(out, "updateSequenceNumber", deployment.update_sequence_number);
  StringMember(out, "displayName", deployment.display_name);
  StringMember(out, "url", deployment.url);
  StringMember(out, "description", deployment.description);
  StringMember(out, "lastUpdated", deployment.last_updated);
  if (!deployment.label.empty()) StringMember(out, "label", deployment.label);
  if (deployment.duration_seconds) IntMember(out, "duration", *deployment.duration_seconds);
  StringMember(out, "state", ToString(deployment.state));
  Key(out, "pipeline");
  out.push_back('{');
  StringMember(out, "id", deployment.pipeline.id);
  StringMember(out, "displayName", deployment.pipeline.display_name);
  StringMember(out, "url", deployment.pipeline.url);
  out.push_back('}');
  Key(out, "environment");
  out.push_back('{');
  StringMember(out, "id", deployment.environment.id);
  StringMember(out, "displayName", deployment.environment.display_name);
  StringMember(out, "type", ToString(deployment.environment.type));
  out.push_back('}');
  Key(out, "associations");
  out.push_back('[');
  if (!deployment.issue_keys.empty()) {
    NextElement(out);
    out.push_back('{');
    StringMember(out, "associationType", "issueKeys");
    Key(out, "values");
    AppendStrings(out, deployment.issue_keys);
    out.push_back('}');
  }
  if (!deployment.commits.empty()) {
    NextElement(out);
    out.push_back('{');
    StringMember(out, "associationType", "commit");
    Key(out, "values");
    out.push_back('[');
    for (const CommitAssociation& commit : deployment.commits) {
      NextElement(out);
      out.push_back('{');
      StringMember(out, "commitHash", commit.commit_hash);
      StringMember(out, "repositoryId", commit.repository_id);
      out.push_back('}');
    }
    out.push_back(']');
    out.push_back('}');
  }
  out.push_back(']');
  out.push_back('}');
}

// {"properties":{…},"<list_name>":[…],"providerMetadata":{"product":"…"}}, the first and the last
// only when non-empty.
template <typename Record, typename AppendRecord>
std::string WriteEnvelope(std::string_view list_name, std::span<const Record> records, const Properties& properties,
                          std::string_view provider_product, AppendRecord append_record) {
  std::size_t size = kRecordOverhead + provider_product.size();
  for (const auto& [key, value] : properties) size += key.size() + value.size() + 8;
  for (const Record& record : records) size += SizeHint(record);
  std::string out;
  out.reserve(size);
  out.push_back('{');
  if (!properties.empty()) {
    Key(out, "properties");
    out.push_back('{');
    for (const auto& [key, value] : properties) {
      if (out.back() != '{') out.push_back(',');
      AppendString(out, key);
      out.push_back(':');
      AppendString(out, value);
    }
    out.push_back('}');
  }
  Key(out, list_name);
  out.push_back('[');
  for (const Record& record : records) {
    NextElement(out);
    append_record(out, record);
  }
  out.push_back(']');
  if (!provider_product.empty()) {
    Key(out, "providerMetadata");
    out.push_back('{');
    StringMember(out, "product", provider_product);
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

// --- Parsing --------------------------------------------------------------------------------------

// Whether brackets nest at most max_depth deep. Checked before parsing: the DOM parser would build
// every level first, and 10 MB of '[' must not cost gigabytes.
bool NestingWithin(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// Parses without exceptions; nullopt for anything that is not acceptable JSON within our limits.
// nlohmann's parser also refuses invalid UTF-8 inside strings.
std::optional<InJson> ParseJson(std::string_view body) {
  if (body.size() > kMaxResponseBytes || !NestingWithin(body, kMaxJsonDepth)) {
    return std::nullopt;
  }
  try {
    InJson json = InJson::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return std::nullopt;
    }
    return json;
  } catch (const std::exception&) {
    return std::nullopt;  // e.g. bad_alloc; the caller reports "not valid JSON"
  }
}

// Reads one response, knowing which one for its messages. Every accessor answers an Error naming
// the JSON path of the problem.
class Reader {
 public:
  explicit Reader(std::string_view what) : what_(what) {}

  core::Error Bad(std::string_view path, std::string_view problem) const {
    return core::Error::Make(
        core::ErrorKind::bad_payload, "jira.response_invalid",
        fmt::format("Jira's {} response is not what the API documents: '{}' {}.", what_, path, problem));
  }

  core::Result<InJson> Parse(std::string_view body) const {
    if (body.size() > kMaxResponseBytes) {
      return core::Error::Make(core::ErrorKind::bad_payload, "jira.response_too_large",
                               fmt::format("Jira's {} response is larger than {} bytes.", what_, kMaxResponseBytes));
    }
    if (!NestingWithin(body, kMaxJsonDepth)) {
      return core::Error::Make(core::ErrorKind::bad_payload, "jira.response_invalid",
                               fmt::format("Jira's {} response nests deeper than {} levels.", what_, kMaxJsonDepth));
    }
    auto json = ParseJson(body);
    if (!json) {
      return core::Error::Make(core::ErrorKind::bad_payload, "jira.response_invalid",
                               fmt::format("Jira's {} response is not valid JSON.", what_));
    }
    if (!json->is_object()) {
      return Bad("$", "must be a JSON object");
    }
    return std::move(*json);
  }

  // The member, or nullptr when absent or null.
  static const InJson* Member(const InJson& object, std::string_view name) {
    const auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  core::Result<std::string> String(const InJson& object, std::string_view name, std::string_view path) const {
    const InJson* value = Member(object, name);
    if (value == nullptr) {
      return Bad(Join(path, name), "is missing");
    }
    if (!value->is_string()) {
      return Bad(Join(path, name), "must be a string");
    }
    return value->get<std::string>();
  }

  core::Result<std::int64_t> Int64(const InJson& object, std::string_view name, std::string_view path) const {
    const InJson* value = Member(object, name);
    if (value == nullptr) {
      return Bad(Join(path, name), "is missing");
    }
    if (value->is_number_unsigned()) {
      const auto number = value->get<std::uint64_t>();
      if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Bad(Join(path, name), "is out of the int64 range");
      }
      return static_cast<std::int64_t>(number);
    }
    if (value->is_number_integer()) {
      return value->get<std::int64_t>();
    }
    return Bad(Join(path, name), "must be an integer");
  }

  // An array member; an empty array when absent or null.
  core::Result<const InJson*> OptionalArray(const InJson& object, std::string_view name, std::string_view path) const {
    static const InJson kEmpty = InJson::array();
    const InJson* value = Member(object, name);
    if (value == nullptr) {
      return &kEmpty;
    }
    if (!value->is_array()) {
      return Bad(Join(path, name), "must be an array");
    }
    return value;
  }

  core::Result<const InJson*> Object(const InJson& value, std::string_view path) const {
    if (!value.is_object()) {
      return Bad(path, "must be an object");
    }
    return &value;
  }

  static std::string Join(std::string_view path, std::string_view name) {
    return path.empty() ? Str(name) : fmt::format("{}.{}", path, name);
  }
  static std::string At(std::string_view path, std::size_t index) { return fmt::format("{}[{}]", path, index); }

 private:
  std::string_view what_;
};

core::Result<RecordKey> ReadBuildKey(const Reader& r, const InJson& value, const std::string& path) {
  auto object = r.Object(value, path);
  if (!object.ok()) return std::move(object).take_error();
  auto pipeline_id = r.String(**object, "pipelineId", path);
  if (!pipeline_id.ok()) return std::move(pipeline_id).take_error();
  auto build_number = r.Int64(**object, "buildNumber", path);
  if (!build_number.ok()) return std::move(build_number).take_error();
  return RecordKey{BuildKey{std::move(*pipeline_id), *build_number}};
}

core::Result<RecordKey> ReadDeploymentKey(const Reader& r, const InJson& value, const std::string& path) {
  auto object = r.Object(value, path);
  if (!object.ok()) return std::move(object).take_error();
  auto pipeline_id = r.String(**object, "pipelineId", path);
  if (!pipeline_id.ok()) return std::move(pipeline_id).take_error();
  auto environment_id = r.String(**object, "environmentId", path);
  if (!environment_id.ok()) return std::move(environment_id).take_error();
  auto sequence_number = r.Int64(**object, "deploymentSequenceNumber", path);
  if (!sequence_number.ok()) return std::move(sequence_number).take_error();
  return RecordKey{DeploymentKey{std::move(*pipeline_id), std::move(*environment_id), *sequence_number}};
}

using KeyReader = core::Result<RecordKey> (*)(const Reader&, const InJson&, const std::string&);

core::Result<std::vector<RecordKey>> ReadAccepted(const Reader& r, const InJson& body, std::string_view name,
                                                  KeyReader read_key) {
  auto array = r.OptionalArray(body, name, "");
  if (!array.ok()) return std::move(array).take_error();
  std::vector<RecordKey> keys;
  keys.reserve((*array)->size());
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    auto key = read_key(r, (**array)[i], Reader::At(name, i));
    if (!key.ok()) return std::move(key).take_error();
    keys.push_back(std::move(*key));
  }
  return keys;
}

core::Result<std::vector<std::string>> ReadMessages(const Reader& r, const InJson& rejection, const std::string& path) {
  auto errors = r.OptionalArray(rejection, "errors", path);
  if (!errors.ok()) return std::move(errors).take_error();
  std::vector<std::string> messages;
  const std::string errors_path = Reader::Join(path, "errors");
  for (std::size_t i = 0; i < (*errors)->size(); ++i) {
    const std::string item_path = Reader::At(errors_path, i);
    auto item = r.Object((**errors)[i], item_path);
    if (!item.ok()) return std::move(item).take_error();
    auto message = r.String(**item, "message", item_path);
    if (!message.ok()) return std::move(message).take_error();
    if (messages.size() < kMaxMessagesPerRejection) {
      messages.push_back(SafeExcerpt(*message, kMaxMessageLength));
    }
  }
  if ((*errors)->size() > kMaxMessagesPerRejection) {
    messages.push_back(fmt::format("({} more)", (*errors)->size() - kMaxMessagesPerRejection));
  }
  return messages;
}

core::Result<std::vector<RejectedRecord>> ReadRejected(const Reader& r, const InJson& body, std::string_view name,
                                                       KeyReader read_key) {
  auto array = r.OptionalArray(body, name, "");
  if (!array.ok()) return std::move(array).take_error();
  std::vector<RejectedRecord> rejected;
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const std::string path = Reader::At(name, i);
    auto item = r.Object((**array)[i], path);
    if (!item.ok()) return std::move(item).take_error();
    const InJson* key_json = Reader::Member(**item, "key");
    if (key_json == nullptr) return r.Bad(Reader::Join(path, "key"), "is missing");
    auto key = read_key(r, *key_json, Reader::Join(path, "key"));
    if (!key.ok()) return std::move(key).take_error();
    auto messages = ReadMessages(r, **item, path);
    if (!messages.ok()) return std::move(messages).take_error();
    rejected.push_back(RejectedRecord{std::move(*key), std::move(*messages)});
  }
  return rejected;
}

core::Result<std::vector<std::string>> ReadStrings(const Reader& r, const InJson& body, std::string_view name) {
  auto array = r.OptionalArray(body, name, "");
  if (!array.ok()) return std::move(array).take_error();
  std::vector<std::string> strings;
  strings.reserve((*array)->size());
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const InJson& value = (**array)[i];
    if (!value.is_string()) return r.Bad(Reader::At(name, i), "must be a string");
    strings.push_back(value.get<std::string>());
  }
  return strings;
}

core::Result<std::vector<UnknownAssociation>> ReadUnknownAssociations(const Reader& r, const InJson& body) {
  constexpr std::string_view kName = "unknownAssociations";
  auto array = r.OptionalArray(body, kName, "");
  if (!array.ok()) return std::move(array).take_error();
  std::vector<UnknownAssociation> out;
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const std::string path = Reader::At(kName, i);
    auto item = r.Object((**array)[i], path);
    if (!item.ok()) return std::move(item).take_error();
    auto type = r.String(**item, "associationType", path);
    if (!type.ok()) return std::move(type).take_error();
    auto values = r.OptionalArray(**item, "values", path);
    if (!values.ok()) return std::move(values).take_error();
    UnknownAssociation association{std::move(*type), {}};
    for (const InJson& value : **values) {
      // Issue keys come as strings, commits as objects: keep both readable for a log line.
      association.values.push_back(
          value.is_string()
              ? value.get<std::string>()
              : SafeExcerpt(value.dump(-1, ' ', false, InJson::error_handler_t::replace), kMaxAssociationValueLength));
    }
    out.push_back(std::move(association));
  }
  return out;
}

// Every parser catches here, so no exception (bad_alloc, a nlohmann type_error from a case missed
// above) can leave it.
template <typename Parse>
auto NoThrow(std::string_view what, Parse parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const std::exception&) {
    return core::Error::Make(core::ErrorKind::bad_payload, "jira.response_invalid",
                             fmt::format("Jira's {} response could not be read.", what));
  }
}

// --- Error bodies ---------------------------------------------------------------------------------

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

char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::size_t FindNoCase(std::string_view haystack, std::string_view needle, std::size_t from = 0) {
  const auto it =
      std::search(haystack.begin() + static_cast<std::ptrdiff_t>(std::min(from, haystack.size())), haystack.end(),
                  needle.begin(), needle.end(), [](char a, char b) { return AsciiLower(a) == AsciiLower(b); });
  return it == haystack.end() ? std::string_view::npos : static_cast<std::size_t>(it - haystack.begin());
}

// The readable text of an HTML error page (a proxy's 502, a maintenance page): its title if it has
// one, else the text between the tags.
std::string HtmlText(std::string_view html) {
  if (const auto open = FindNoCase(html, "<title"); open != std::string_view::npos) {
    const auto start = html.find('>', open);
    const auto end = FindNoCase(html, "</title", open);
    if (start != std::string_view::npos && end != std::string_view::npos && start < end) {
      return Str(html.substr(start + 1, end - start - 1));
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
  std::string text = body[first] == '<' ? HtmlText(body) : Str(body);
  std::string excerpt = SafeExcerpt(text, kMaxErrorSummaryLength);
  return excerpt.empty() ? "(empty body)" : excerpt;
}

}  // namespace

core::Result<std::string> SerializeBuildsRequest(std::span<const Build> builds, const Properties& properties,
                                                 std::string_view provider_product) {
  if (auto status = CheckEnvelope(builds.size(), properties, provider_product); !status.ok()) {
    return std::move(status).take_error();
  }
  return WriteEnvelope("builds", builds, properties, provider_product, AppendBuild);
}

core::Result<std::string> SerializeDeploymentsRequest(std::span<const Deployment> deployments,
                                                      const Properties& properties, std::string_view provider_product) {
  if (auto status = CheckEnvelope(deployments.size(), properties, provider_product); !status.ok()) {
    return std::move(status).take_error();
  }
  return WriteEnvelope("deployments", deployments, properties, provider_product, AppendDeployment);
}

std::string BuildRecordJson(const Build& build) {
  std::string out;
  out.reserve(SizeHint(build));
  AppendBuild(out, build);
  return out;
}

std::string DeploymentRecordJson(const Deployment& deployment) {
  std::string out;
  out.reserve(SizeHint(deployment));
  AppendDeployment(out, deployment);
  return out;
}

core::Result<SubmitBuildsResponse> ParseSubmitBuildsResponse(std::string_view body) {
  constexpr std::string_view kWhat = "builds";
  return NoThrow(kWhat, [&]() -> core::Result<SubmitBuildsResponse> {
    const Reader r(kWhat);
    auto json = r.Parse(body);
    if (!json.ok()) return std::move(json).take_error();
    SubmitBuildsResponse out;
    auto accepted = ReadAccepted(r, *json, "acceptedBuilds", ReadBuildKey);
    if (!accepted.ok()) return std::move(accepted).take_error();
    out.accepted = std::move(*accepted);
    auto rejected = ReadRejected(r, *json, "rejectedBuilds", ReadBuildKey);
    if (!rejected.ok()) return std::move(rejected).take_error();
    out.rejected = std::move(*rejected);
    auto unknown = ReadStrings(r, *json, "unknownIssueKeys");
    if (!unknown.ok()) return std::move(unknown).take_error();
    out.unknown_issue_keys = std::move(*unknown);
    return out;
  });
}

core::Result<SubmitDeploymentsResponse> ParseSubmitDeploymentsResponse(std::string_view body) {
  constexpr std::string_view kWhat = "deployments";
  return NoThrow(kWhat, [&]() -> core::Result<SubmitDeploymentsResponse> {
    const Reader r(kWhat);
    auto json = r.Parse(body);
    if (!json.ok()) return std::move(json).take_error();
    SubmitDeploymentsResponse out;
    auto accepted = ReadAccepted(r, *json, "acceptedDeployments", ReadDeploymentKey);
    if (!accepted.ok()) return std::move(accepted).take_error();
    out.accepted = std::move(*accepted);
    auto rejected = ReadRejected(r, *json, "rejectedDeployments", ReadDeploymentKey);
    if (!rejected.ok()) return std::move(rejected).take_error();
    out.rejected = std::move(*rejected);
    auto unknown = ReadStrings(r, *json, "unknownIssueKeys");
    if (!unknown.ok()) return std::move(unknown).take_error();
    out.unknown_issue_keys = std::move(*unknown);
    auto associations = ReadUnknownAssociations(r, *json);
    if (!associations.ok()) return std::move(associations).take_error();
    out.unknown_associations = std::move(*associations);
    return out;
  });
}

std::string ParseErrorMessages(std::string_view body) {
  try {
    std::vector<std::string> messages;
    if (auto json = ParseJson(body)) {
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
