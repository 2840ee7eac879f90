#include "crypto/keyring.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/errno_text.hpp"
#include "core/time.hpp"

namespace tcj::crypto {
namespace {

using core::Error;
using core::ErrorKind;

Error KeyringError(std::string message) {
  return Error::Make(ErrorKind::invalid_input, "secrets.keyring", std::move(message));
}

std::string_view StateName(KeyState s) { return s == KeyState::active ? "active" : "decrypt-only"; }

core::Secret NewKeyBytes(RandomSource& random) {
  std::string bytes(kMasterKeyBytes, '\0');
  random.Fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()));
  return core::Secret(std::move(bytes));
}

}  // namespace

bool IsValidKeyId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

core::Result<Keyring> Keyring::Parse(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return KeyringError("the keyring is not a JSON object");
  for (const auto& [name, value] : doc.items()) {
    if (name != "keys") return KeyringError(fmt::format("unknown field \"{}\" in the keyring", name.substr(0, 40)));
  }
  if (!doc.contains("keys") || !doc["keys"].is_array()) return KeyringError("the keyring has no \"keys\" list");
  Keyring ring;
  int active = 0;
  for (auto& entry : doc["keys"]) {
    const std::size_t n = ring.keys_.size() + 1;
    if (!entry.is_object() || !entry.contains("id") || !entry.contains("key") || !entry.contains("state") ||
        !entry["id"].is_string() || !entry["key"].is_string() || !entry["state"].is_string() || entry.size() != 3) {
      return KeyringError(fmt::format("key {} must have exactly the string fields id, key and state", n));
    }
    MasterKey key;
    key.id = entry["id"].get<std::string>();
    if (!IsValidKeyId(key.id)) {
      return KeyringError(fmt::format("key {}: the id must be 1 to 64 characters from A-Z a-z 0-9 . _ -", n));
    }
    if (ring.Find(key.id) != nullptr) return KeyringError(fmt::format("key id {} appears twice", key.id));
    std::string& encoded = entry["key"].get_ref<std::string&>();
    auto bytes = core::Base64Decode(encoded);
    core::SecureWipe(encoded);  // the parsed document would otherwise keep the key until freed
    if (!bytes || bytes->size() != kMasterKeyBytes) {
      if (bytes) core::SecureWipe(*bytes);
      return KeyringError(fmt::format("key {}: the key must be the base64 of exactly 32 bytes", key.id));
    }
    key.key = core::Secret(std::move(*bytes));
    const std::string state = entry["state"].get<std::string>();
    if (state == "active") {
      key.state = KeyState::active;
      ++active;
    } else if (state == "decrypt-only") {
      key.state = KeyState::decrypt_only;
    } else {
      return KeyringError(fmt::format("key {}: state must be \"active\" or \"decrypt-only\"", key.id));
    }
    ring.keys_.push_back(std::move(key));
  }
  if (active != 1) {
    return KeyringError(fmt::format("the keyring must have exactly one active key, it has {}", active));
  }
  return ring;
}

core::Result<Keyring> Keyring::Load(const std::filesystem::path& file) {
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) {
    return KeyringError(fmt::format("cannot read the keyring {}: {}", file.string(), core::ErrnoText(errno)));
  }
  if (!S_ISREG(st.st_mode)) return KeyringError(fmt::format("the keyring {} is not a file", file.string()));
  if ((st.st_mode & 077) != 0) {
    return KeyringError(fmt::format("the keyring {} is readable or writable by others (mode {:04o}); "
                                    "run chmod 600 on it",
                                    file.string(), st.st_mode & 07777));
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto ring = Parse(content);
  core::SecureWipe(content);
  if (!ring) {
    return KeyringError(fmt::format("keyring {}: {}", file.string(), ring.error().message));
  }
  return ring;
}

Keyring Keyring::Generate(RandomSource& random, std::string id) {
  Keyring ring;
  ring.keys_.push_back(MasterKey{std::move(id), NewKeyBytes(random), KeyState::active});
  return ring;
}

const MasterKey& Keyring::Active() const {
  for (const MasterKey& k : keys_) {
    if (k.state == KeyState::active) return k;
  }
  std::abort();  // every constructor guarantees one active key
}

const MasterKey* Keyring::Find(std::string_view id) const {
  for (const MasterKey& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::vector<std::string> Keyring::Ids() const {
  std::vector<std::string> ids;
  for (const MasterKey& k : keys_) ids.push_back(k.id);
  return ids;
}

core::Status Keyring::Add(RandomSource& random, std::string id) {
  if (!IsValidKeyId(id)) return KeyringError("the id must be 1 to 64 characters from A-Z a-z 0-9 . _ -");
  if (Find(id) != nullptr) return KeyringError(fmt::format("the keyring already has a key {}", id));
  keys_.push_back(MasterKey{std::move(id), NewKeyBytes(random), KeyState::decrypt_only});
  return core::Ok();
}

core::Status Keyring::Rotate(RandomSource& random, const std::string& id) {
  if (Find(id) == nullptr) {
    if (auto st = Add(random, id); !st) return st;
  }
  for (MasterKey& k : keys_) k.state = k.id == id ? KeyState::active : KeyState::decrypt_only;
  return core::Ok();
}

core::Status Keyring::Remove(std::string_view id) {
  const MasterKey* k = Find(id);
  if (k == nullptr) return KeyringError(fmt::format("the keyring has no key {}", id));
  if (k->state == KeyState::active) return KeyringError("the active key cannot be removed; rotate first");
  std::erase_if(keys_, [id](const MasterKey& m) { return m.id == id; });
  return core::Ok();
}

std::string Keyring::ToJson() const {
  // Built by hand so that the base64 key text lives only in this string, which the caller wipes.
  std::string out = "{\n  \"keys\": [\n";
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const MasterKey& k = keys_[i];
    std::string encoded = core::Base64Encode(k.key.reveal());
    out += fmt::format("    {{\"id\": \"{}\", \"key\": \"{}\", \"state\": \"{}\"}}{}\n", k.id, encoded,
                       StateName(k.state), i + 1 < keys_.size() ? "," : "");
    core::SecureWipe(encoded);
  }
  out += "  ]\n}\n";
  return out;
}

core::Status Keyring::Save(const std::filesystem::path& file, bool overwrite) const {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(file, ec)) {
    return KeyringError(fmt::format("{} exists already; not replacing a keyring", file.string()));
  }
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  const std::string temp = file.string() + ".tmp";
  std::string text = ToJson();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    core::SecureWipe(text);
    return KeyringError(fmt::format("cannot write {}: {}", temp, core::ErrnoText(errno)));
  }
  fchmod(fd, 0600);  // also when the temporary file existed with other bits
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  ::close(fd);
  core::SecureWipe(text);
  if (!written || std::rename(temp.c_str(), file.c_str()) != 0) {
    ::unlink(temp.c_str());
    return KeyringError(fmt::format("cannot write {}", file.string()));
  }
  return core::Ok();
}

std::string NewKeyId(const core::Clock& clock, const KeySource* existing) {
  const std::string date = core::FormatUtc(clock.Now(), "%Y-%m-%d");
  std::string id = std::string("kek-") + date;
  for (int n = 2; existing != nullptr && existing->Find(id) != nullptr; ++n) {
    id = fmt::format("kek-{}-{}", date, n);
  }
  return id;
}

}  // namespace tcj::crypto
