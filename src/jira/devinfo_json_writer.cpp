#include "jira/devinfo_json.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"
#include "jira/devinfo_prepare.hpp"

namespace tcj::jira {
namespace {

using core::IsValidUtf8;
using core::Utf16Length;

constexpr std::string_view kSchemaVersion = "1.0";

core::Error InvalidRequest(std::string code, std::string message) {
  return core::Error::Make(core::ErrorKind::invalid_input, std::move(code), std::move(message));
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

std::size_t SizeHint(const PreparedRecord& record) {
  return record.json.size() + 1;
}

void AppendPrepared(std::string& out, const PreparedRecord& record) {
  out += record.json;
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

core::Result<std::string> SerializePreparedRequest(std::string_view list_name, std::span<const PreparedRecord> records,
                                                   const Properties& properties, std::string_view provider_product) {
  if (auto status = CheckEnvelope(records.size(), properties, provider_product); !status.ok()) {
    return std::move(status).take_error();
  }
  return WriteEnvelope(list_name, records, properties, provider_product, AppendPrepared);
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

}  // namespace tcj::jira
