#include "jira/devinfo_json.hpp"

#include <exception>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"
#include "jira/json_input.hpp"

namespace tcj::jira {
namespace {

using core::SafeExcerpt;

constexpr std::size_t kMaxMessagesPerRejection = 20;
constexpr std::size_t kMaxMessageLength = 300;
constexpr std::size_t kMaxAssociationValueLength = 300;

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
    auto json = ParseJsonWithinLimits(body);
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
    return path.empty() ? std::string(name) : fmt::format("{}.{}", path, name);
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

}  // namespace

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

}  // namespace tcj::jira
