#include "crypto/backup_stream.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/envelope.hpp"

namespace tcj::crypto {
namespace {

constexpr std::string_view kMagic = "TCJBACKUP1\n";
constexpr std::size_t kChunkBytes = 1 << 20;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

core::Error Bad(std::string message) {
  return core::Error::Make(core::ErrorKind::bad_payload, "backup.invalid", std::move(message));
}

bool WriteAll(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly size bytes, or fewer at the end of the input; -1 on an error.
ssize_t ReadFull(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

void PutU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t GetU32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::array<unsigned char, 12> Nonce(std::uint64_t index) {
  std::array<unsigned char, 12> nonce{};
  for (std::size_t i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(index >> (56 - 8 * i));
  return nonce;
}

std::string ChunkAad(const std::string& header, std::uint64_t index, bool last) {
  std::string aad = header;
  for (std::size_t i = 0; i < 8; ++i) aad.push_back(static_cast<char>(index >> (56 - 8 * i)));
  aad.push_back(last ? 1 : 0);
  return aad;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

bool Seal(std::string_view key, std::uint64_t index, const std::string& aad, const unsigned char* in, std::size_t size,
          unsigned char* out, unsigned char* tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  const auto nonce = Nonce(index);
  int len = 0;
  return ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
         EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                            nonce.data()) == 1 &&
         EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                           static_cast<int>(aad.size())) == 1 &&
         (size == 0 || EVP_EncryptUpdate(ctx.get(), out, &len, in, static_cast<int>(size)) == 1) &&
         EVP_EncryptFinal_ex(ctx.get(), out + size, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
}

bool Open(std::string_view key, std::uint64_t index, const std::string& aad, const unsigned char* in, std::size_t size,
          unsigned char* tag, unsigned char* out) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  const auto nonce = Nonce(index);
  int len = 0;
  return ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
         EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                            nonce.data()) == 1 &&
         EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                           static_cast<int>(aad.size())) == 1 &&
         (size == 0 || EVP_DecryptUpdate(ctx.get(), out, &len, in, static_cast<int>(size)) == 1) &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
         EVP_DecryptFinal_ex(ctx.get(), out + size, &len) == 1;
}

EncryptionContext KeyContext(const std::string& id) {
  return {{"purpose", "backup"}, {"backup_id", id}};
}

std::string HeaderJson(const BackupHeader& h) {
  return nlohmann::json{{"format", "tcj-backup-1"},
                        {"id", h.id},
                        {"created_at", h.created_at},
                        {"key_id", h.key_id},
                        {"database", h.database}}
      .dump();
}

// The header and the sealed stream key; the position of fd is after them.
core::Result<std::pair<std::string, std::string>> ReadPreamble(int fd) {
  std::string magic(kMagic.size(), '\0');
  if (ReadFull(fd, magic.data(), magic.size()) != static_cast<ssize_t>(magic.size()) || magic != kMagic) {
    return Bad("not a teamcity-jira backup (no TCJBACKUP1 header)");
  }
  std::array<std::string, 2> parts;
  for (auto& part : parts) {
    unsigned char length[4];
    if (ReadFull(fd, length, 4) != 4) return Bad("the backup is truncated in its header");
    const std::uint32_t size = GetU32(length);
    if (size == 0 || size > kMaxHeaderBytes) return Bad("the backup's header is malformed");
    part.resize(size);
    if (ReadFull(fd, part.data(), size) != static_cast<ssize_t>(size))
      return Bad("the backup is truncated in its header");
  }
  return std::pair{parts[0], parts[1]};
}

core::Result<BackupHeader> ParseHeader(const std::string& text) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || doc.value("format", "") != "tcj-backup-1") return Bad("the backup's header is malformed");
  BackupHeader h;
  for (auto [field, out] :
       {std::pair{"id", &h.id}, {"created_at", &h.created_at}, {"key_id", &h.key_id}, {"database", &h.database}}) {
    const auto it = doc.find(field);
    if (it == doc.end() || !it->is_string()) return Bad("the backup's header is malformed");
    *out = it->get<std::string>();
  }
  return h;
}

}  // namespace

core::Status EncryptBackup(const KeySource& keys, RandomSource& random, BackupHeader header, int in_fd, int out_fd) {
  header.key_id = keys.Active().id;
  const std::string header_json = HeaderJson(header);
  std::string stream_key(32, '\0');
  random.Fill(std::span(reinterpret_cast<std::uint8_t*>(stream_key.data()), stream_key.size()));
  const core::Secret key(std::move(stream_key));
  auto sealed = Encrypt(keys, random, KeyContext(header.id), key.reveal());
  if (!sealed) return std::move(sealed).take_error();

  std::string preamble(kMagic);
  PutU32(preamble, static_cast<std::uint32_t>(header_json.size()));
  preamble += header_json;
  PutU32(preamble, static_cast<std::uint32_t>(sealed->size()));
  preamble += *sealed;
  auto write_failed = [] {
    return core::Error::Make(core::ErrorKind::internal, "backup.write", "cannot write the backup file (disk full?)");
  };
  if (!WriteAll(out_fd, preamble.data(), preamble.size())) return write_failed();

  // One chunk ahead, so that the last one is known to be last when it is sealed.
  std::vector<unsigned char> current(kChunkBytes), next(kChunkBytes), sealed_chunk(kChunkBytes);
  ssize_t current_size = ReadFull(in_fd, current.data(), kChunkBytes);
  for (std::uint64_t index = 0;; ++index) {
    if (current_size < 0) {
      return core::Error::Make(core::ErrorKind::internal, "backup.read", "reading the database dump failed");
    }
    ssize_t next_size = 0;
    if (static_cast<std::size_t>(current_size) == kChunkBytes) next_size = ReadFull(in_fd, next.data(), kChunkBytes);
    const bool last = next_size == 0;
    unsigned char tag[kTagBytes];
    if (!Seal(key.reveal(), index, ChunkAad(header_json, index, last), current.data(),
              static_cast<std::size_t>(current_size), sealed_chunk.data(), tag)) {
      return core::Error::Make(core::ErrorKind::internal, "backup.encrypt", "encryption failed");
    }
    std::string head;
    PutU32(head, static_cast<std::uint32_t>(current_size));
    head.push_back(last ? 1 : 0);
    if (!WriteAll(out_fd, head.data(), head.size()) ||
        !WriteAll(out_fd, sealed_chunk.data(), static_cast<std::size_t>(current_size)) ||
        !WriteAll(out_fd, tag, kTagBytes)) {
      return write_failed();
    }
    if (last) return core::Ok();
    std::swap(current, next);
    current_size = next_size;
  }
}

core::Result<BackupHeader> ReadBackupHeader(int fd) {
  auto preamble = ReadPreamble(fd);
  if (!preamble) return std::move(preamble).take_error();
  return ParseHeader(preamble->first);
}

core::Result<BackupHeader> DecryptBackup(const KeySource& keys, int in_fd, int out_fd) {
  auto preamble = ReadPreamble(in_fd);
  if (!preamble) return std::move(preamble).take_error();
  auto header = ParseHeader(preamble->first);
  if (!header) return std::move(header).take_error();
  const DecryptResult key = Decrypt(keys, KeyContext(header->id), preamble->second);
  if (!key.ok()) {
    return core::Error::Make(
        core::ErrorKind::forbidden, "backup.key",
        "the backup's key cannot be opened with this keyring (it was made with master key " + header->key_id + ")");
  }
  if (key.plaintext->reveal().size() != 32) return Bad("the backup's key is malformed");
  std::vector<unsigned char> sealed(kChunkBytes), plain(kChunkBytes);
  for (std::uint64_t index = 0;; ++index) {
    unsigned char head[5];
    if (ReadFull(in_fd, head, 5) != 5) return Bad("the backup is truncated: its last part is missing");
    const std::uint32_t size = GetU32(head);
    const bool last = head[4] == 1;
    unsigned char tag[kTagBytes];
    if (size > kChunkBytes || head[4] > 1 || ReadFull(in_fd, sealed.data(), size) != static_cast<ssize_t>(size) ||
        ReadFull(in_fd, tag, kTagBytes) != static_cast<ssize_t>(kTagBytes)) {
      return Bad("the backup is truncated or malformed");
    }
    if (!Open(key.plaintext->reveal(), index, ChunkAad(preamble->first, index, last), sealed.data(), size, tag,
              plain.data())) {
      return Bad("the backup was changed or damaged (part " + std::to_string(index) + " fails authentication)");
    }
    if (!WriteAll(out_fd, plain.data(), size)) {
      return core::Error::Make(core::ErrorKind::internal, "backup.write", "writing the restored stream failed");
    }
    if (last) {
      char extra;
      if (ReadFull(in_fd, &extra, 1) != 0) return Bad("the backup has data after its last part");
      return header;
    }
  }
}

}  // namespace tcj::crypto
