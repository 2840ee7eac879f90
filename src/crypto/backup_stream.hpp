// crypto: the encrypted backup file format. A stream (a pg_dump) is cut into chunks of at most
// 1 MiB, each sealed with AES-256-GCM under a fresh stream key; the stream key is sealed by the
// keyring's active master key with the envelope format, so a backup opens only with the keyring,
// which is never stored in the database or beside the backups.
//
//   "TCJBACKUP1\n" | u32 header length | header (JSON) | u32 sealed key length | sealed stream key
//   | chunks: u32 length | u8 last | ciphertext (length) | tag (16)
//
// Chunk i's nonce is its index; its additional data is the header, the index and the last flag, so
// a changed header, reordered, dropped or truncated chunks all fail to open.
#pragma once

#include <string>

#include "core/result.hpp"
#include "crypto/keys.hpp"
#include "crypto/random.hpp"

namespace tcj::crypto {

struct BackupHeader {
  std::string id;          // random, hex
  std::string created_at;  // RFC 3339, UTC
  std::string key_id;      // the master key that sealed the stream key
  std::string database;    // where the dump came from, for people (never a password)
};

// Reads in_fd to its end and writes the encrypted file to out_fd. header.key_id is set here.
core::Status EncryptBackup(const KeySource& keys, RandomSource& random, BackupHeader header, int in_fd, int out_fd);

// The header of a backup file, read from the start of fd (without opening anything).
core::Result<BackupHeader> ReadBackupHeader(int fd);

// Decrypts the whole file from in_fd into out_fd; fails (having written only authenticated chunks)
// on any tampering, truncation or a key the keyring does not have.
core::Result<BackupHeader> DecryptBackup(const KeySource& keys, int in_fd, int out_fd);

}  // namespace tcj::crypto
