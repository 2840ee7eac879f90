// crypto: envelope encryption of small secrets, ciphertext format v1 (security-bar.md section 3.2).
//
//   version 0x01 | suite 0x01 | L | key_id (L bytes) | message_id (32) | wrap_nonce (12)
//   | wrapped_dek (32 + 16 tag) | commitment (32) | data_nonce (12) | ciphertext (n) + tag (16)
//
// A fresh 32-byte data key per record is wrapped by the master key with AES-256-GCM; the data is
// encrypted with a key derived by HKDF-SHA512 from the data key, salted by the message id; a key
// commitment makes sure exactly one data key opens the record. The encryption context (tenant,
// purpose, record id) is authenticated in both steps but not stored: the caller rebuilds it from
// the row, so a ciphertext copied into another tenant's row, column or record cannot be opened.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "crypto/keys.hpp"
#include "crypto/random.hpp"

namespace tcj::crypto {

// Key/value pairs bound to a ciphertext. Sorted by key bytes when serialised.
using EncryptionContext = std::map<std::string, std::string>;

// The context as authenticated: u16 count, then per pair u16 length + key, u16 length + value
// (big-endian), pairs sorted by key.
std::string CanonicalContext(const EncryptionContext& context);

// Why a decryption failed, for metrics and logs; callers show one generic message.
enum class DecryptFailure { malformed, unsupported_version, unknown_key_id, unwrap_failed, commitment_mismatch, authentication_failed };

std::string_view ToString(DecryptFailure failure);

struct DecryptResult {
  std::optional<core::Secret> plaintext;
  std::optional<DecryptFailure> failure;
  bool ok() const { return plaintext.has_value(); }
};

// Encrypts with the active key. Fails only on an invalid context (over 65535 bytes).
core::Result<std::string> Encrypt(const KeySource& keys, RandomSource& random, const EncryptionContext& context,
                                  std::string_view plaintext);

DecryptResult Decrypt(const KeySource& keys, const EncryptionContext& context, std::string_view ciphertext);

// The key id a ciphertext was made with, read from its header; nullopt when malformed.
std::optional<std::string> KeyIdOf(std::string_view ciphertext);

}  // namespace tcj::crypto
