// crypto: master keys (KEKs) and where they come from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"

namespace tcj::crypto {

inline constexpr std::size_t kMasterKeyBytes = 32;

enum class KeyState { active, decrypt_only };

struct MasterKey {
  std::string id;   // 1-64 of [A-Za-z0-9._-], e.g. "kek-2026"
  core::Secret key; // 32 raw bytes
  KeyState state = KeyState::decrypt_only;
};

// Where master keys come from: a file today, a KMS or Vault transit engine later, without
// touching callers. Implementations are immutable after construction and thread-safe.
class KeySource {
 public:
  virtual ~KeySource() = default;
  // The one key new records are encrypted with.
  virtual const MasterKey& Active() const = 0;
  // A key by id, active or decrypt-only; nullptr when unknown.
  virtual const MasterKey* Find(std::string_view id) const = 0;
  virtual std::vector<std::string> Ids() const = 0;
};

bool IsValidKeyId(std::string_view id);

}  // namespace tcj::crypto
