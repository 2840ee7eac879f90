// crypto: the keyring file (secrets.keyring_file), the KeySource of a self-managed deployment.
//
//   {"keys": [{"id": "kek-2026-11-29", "key": "<base64 of 32 bytes>", "state": "active"},
//             {"id": "kek-2025-11-02", "key": "...", "state": "decrypt-only"}]}
//
// Exactly one key is active: new records are encrypted with it. Decrypt-only keys still open
// older records until `keys reencrypt` has moved them. The file must be readable by its owner only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/keys.hpp"
#include "crypto/random.hpp"

namespace tcj::crypto {

class Keyring final : public KeySource {
 public:
  // Refuses malformed JSON, bad ids, keys that are not base64 of 32 bytes, duplicate ids, and
  // anything but exactly one active key. Messages never contain key material.
  static core::Result<Keyring> Parse(std::string_view json);
  // Parse, and refuse a missing file or one that group or others may read or write.
  static core::Result<Keyring> Load(const std::filesystem::path& file);
  // A new keyring with one active key.
  static Keyring Generate(RandomSource& random, std::string id);

  const MasterKey& Active() const override;
  const MasterKey* Find(std::string_view id) const override;
  std::vector<std::string> Ids() const override;
  const std::vector<MasterKey>& keys() const { return keys_; }

  // A new decrypt-only key, so that every machine can read it before any machine writes with it.
  core::Status Add(RandomSource& random, std::string id);
  // Makes id the active key (adding a new one when id is unknown); the old active key becomes
  // decrypt-only.
  core::Status Rotate(RandomSource& random, const std::string& id);
  // Drops a decrypt-only key. The caller checks first that no record still uses it.
  core::Status Remove(std::string_view id);

  std::string ToJson() const;
  // Writes atomically (temporary file, fsync, rename) with mode 0600; refuses to replace an
  // existing file unless overwrite is set.
  core::Status Save(const std::filesystem::path& file, bool overwrite) const;

 private:
  Keyring() = default;
  std::vector<MasterKey> keys_;
};

// "kek-YYYY-MM-DD" for today, with a suffix when that id is taken.
std::string NewKeyId(const core::Clock& clock, const KeySource* existing);

}  // namespace tcj::crypto
