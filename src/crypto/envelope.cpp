#include "crypto/envelope.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "crypto/hmac.hpp"

namespace tcj::crypto {
namespace {

constexpr std::uint8_t kVersion = 0x01;
constexpr std::uint8_t kSuite = 0x01;
constexpr std::size_t kMessageIdBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kDekBytes = 32;
constexpr std::size_t kCommitmentBytes = 32;

// Key material on the stack, wiped however the scope is left.
template <std::size_t N>
struct Wiped {
  std::array<std::uint8_t, N> bytes{};
  ~Wiped() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  std::uint8_t* data() { return bytes.data(); }
  const std::uint8_t* data() const { return bytes.data(); }
  static constexpr std::size_t size() { return N; }
};

// OpenSSL 3 looks algorithms up by name and allocates contexts on every implicit use, which cost
// more than the cryptography itself for records this small. Each thread keeps one initialised
// context per operation and only re-keys it.
struct CipherContexts {
  CipherContexts() {
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    EVP_EncryptInit_ex2(seal, cipher, nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(seal, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
    EVP_DecryptInit_ex2(open, cipher, nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(open, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
    EVP_CIPHER_free(cipher);
  }
  ~CipherContexts() {
    EVP_CIPHER_CTX_free(seal);
    EVP_CIPHER_CTX_free(open);
  }
  EVP_CIPHER_CTX* seal = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* open = EVP_CIPHER_CTX_new();
};

CipherContexts& Contexts() {
  thread_local CipherContexts contexts;
  return contexts;
}

const std::uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

// AES-256-GCM with a 12-byte nonce and 16-byte tag; output = ciphertext || tag.
bool GcmSeal(const std::uint8_t* key, const std::uint8_t* nonce, std::string_view aad, const std::uint8_t* in,
             std::size_t in_len, std::string& out) {
  EVP_CIPHER_CTX* ctx = Contexts().seal;
  int len = 0;
  if (EVP_EncryptInit_ex2(ctx, nullptr, key, nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  const std::size_t start = out.size();
  out.resize(start + in_len + kTagBytes);
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data()) + start;
  return EVP_EncryptUpdate(ctx, dst, &len, in, static_cast<int>(in_len)) == 1 &&
         EVP_EncryptFinal_ex(ctx, dst + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + in_len) == 1;
}

// Opens ciphertext || tag into out (out.size() must be sealed.size() - tag); false if not authentic.
bool GcmOpen(const std::uint8_t* key, const std::uint8_t* nonce, std::string_view aad, std::string_view sealed,
             std::uint8_t* out) {
  if (sealed.size() < kTagBytes) return false;
  const std::size_t n = sealed.size() - kTagBytes;
  EVP_CIPHER_CTX* ctx = Contexts().open;
  int len = 0;
  std::array<std::uint8_t, kTagBytes> tag{};
  std::copy_n(Bytes(sealed) + n, kTagBytes, tag.begin());
  return EVP_DecryptInit_ex2(ctx, nullptr, key, nonce, nullptr) == 1 &&
         EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
         EVP_DecryptUpdate(ctx, out, &len, Bytes(sealed), static_cast<int>(n)) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
         EVP_DecryptFinal_ex(ctx, out + len, &len) == 1;
}

void HmacSha512(const std::uint8_t* key, std::size_t key_len, std::string_view data, std::uint8_t out[64]) {
  if (!Hmac(HmacDigest::sha512, {key, key_len}, data, {out, 64})) {
    throw std::runtime_error("HMAC-SHA512 failed in OpenSSL");
  }
}

// HKDF-SHA512: extract with salt = message id, then expand to 32 bytes for the two labels.
struct DerivedKeys {
  Wiped<32> enc_key;
  Wiped<32> commitment;
};

void Derive(const std::uint8_t* dek, std::string_view message_id, DerivedKeys& out) {
  Wiped<64> prk;
  HmacSha512(Bytes(message_id), message_id.size(), std::string_view(reinterpret_cast<const char*>(dek), kDekBytes),
             prk.data());
  Wiped<64> block;
  // One expand block each: T(1) = HMAC(PRK, info || 0x01), of which the first 32 bytes are used.
  static const std::string kDeriveInfo = std::string("\x00\x01", 2) + "DERIVEKEY" + '\x01';
  static const std::string kCommitInfo = std::string("COMMITKEY") + '\x01';
  HmacSha512(prk.data(), prk.size(), kDeriveInfo, block.data());
  std::copy_n(block.data(), 32, out.enc_key.data());
  HmacSha512(prk.data(), prk.size(), kCommitInfo, block.data());
  std::copy_n(block.data(), 32, out.commitment.data());
}

void PutU16(std::string& out, std::size_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

// Offsets of a parsed v1 header.
struct Layout {
  std::size_t key_id_len = 0;
  std::size_t message_id = 0;
  std::size_t wrap_nonce = 0;
  std::size_t wrapped_dek = 0;
  std::size_t commitment = 0;
  std::size_t data_nonce = 0;
  std::size_t payload = 0;  // end of header, start of ciphertext || tag
};

Layout LayoutFor(std::size_t key_id_len) {
  Layout l;
  l.key_id_len = key_id_len;
  l.message_id = 3 + key_id_len;
  l.wrap_nonce = l.message_id + kMessageIdBytes;
  l.wrapped_dek = l.wrap_nonce + kNonceBytes;
  l.commitment = l.wrapped_dek + kDekBytes + kTagBytes;
  l.data_nonce = l.commitment + kCommitmentBytes;
  l.payload = l.data_nonce + kNonceBytes;
  return l;
}

}  // namespace

std::string_view ToString(DecryptFailure failure) {
  switch (failure) {
    case DecryptFailure::malformed: return "malformed";
    case DecryptFailure::unsupported_version: return "unsupported_version";
    case DecryptFailure::unknown_key_id: return "unknown_key_id";
    case DecryptFailure::unwrap_failed: return "unwrap_failed";
    case DecryptFailure::commitment_mismatch: return "commitment_mismatch";
    case DecryptFailure::authentication_failed: return "authentication_failed";
  }
  return "malformed";
}

std::string CanonicalContext(const EncryptionContext& context) {
  std::string out;
  PutU16(out, context.size());
  for (const auto& [key, value] : context) {  // std::map: sorted by key bytes
    PutU16(out, key.size());
    out += key;
    PutU16(out, value.size());
    out += value;
  }
  return out;
}

core::Result<std::string> Encrypt(const KeySource& keys, RandomSource& random, const EncryptionContext& context,
                                  std::string_view plaintext) {
  for (const auto& [k, v] : context) {
    if (k.size() > 0xffff || v.size() > 0xffff || context.size() > 0xffff) {
      return core::Error::Make(core::ErrorKind::invalid_input, "crypto.context", "encryption context too large");
    }
  }
  const MasterKey& kek = keys.Active();
  const Layout l = LayoutFor(kek.id.size());
  const std::string aad_context = CanonicalContext(context);

  // One draw for everything random, in this order: data key, message id, wrap nonce, data nonce.
  Wiped<kDekBytes + kMessageIdBytes + 2 * kNonceBytes> fresh;
  random.Fill(fresh.bytes);
  const std::uint8_t* dek = fresh.data();
  const std::uint8_t* message_id = dek + kDekBytes;
  const std::uint8_t* wrap_nonce = message_id + kMessageIdBytes;
  const std::uint8_t* data_nonce = wrap_nonce + kNonceBytes;

  std::string out;
  out.reserve(l.payload + plaintext.size() + kTagBytes);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(kSuite));
  out.push_back(static_cast<char>(kek.id.size()));
  out += kek.id;
  out.append(reinterpret_cast<const char*>(message_id), kMessageIdBytes);
  out.append(reinterpret_cast<const char*>(wrap_nonce), kNonceBytes);

  const std::string wrap_aad = "WRAP" + out.substr(0, l.wrap_nonce) + aad_context;
  if (!GcmSeal(Bytes(kek.key.reveal()), wrap_nonce, wrap_aad, dek, kDekBytes, out)) {
    return core::Error::Make(core::ErrorKind::internal, "crypto.encrypt", "AES-GCM failed in OpenSSL");
  }
  DerivedKeys derived;
  Derive(dek, out.substr(l.message_id, kMessageIdBytes), derived);
  out.append(reinterpret_cast<const char*>(derived.commitment.data()), kCommitmentBytes);
  out.append(reinterpret_cast<const char*>(data_nonce), kNonceBytes);

  const std::string data_aad = out + aad_context;
  if (!GcmSeal(derived.enc_key.data(), data_nonce, data_aad, Bytes(plaintext), plaintext.size(), out)) {
    return core::Error::Make(core::ErrorKind::internal, "crypto.encrypt", "AES-GCM failed in OpenSSL");
  }
  return out;
}

std::optional<std::string> KeyIdOf(std::string_view ciphertext) {
  if (ciphertext.size() < 3 || static_cast<std::uint8_t>(ciphertext[0]) != kVersion ||
      static_cast<std::uint8_t>(ciphertext[1]) != kSuite) {
    return std::nullopt;
  }
  const std::size_t len = static_cast<std::uint8_t>(ciphertext[2]);
  if (len < 1 || len > 64 || ciphertext.size() < LayoutFor(len).payload + kTagBytes) return std::nullopt;
  return std::string(ciphertext.substr(3, len));
}

DecryptResult Decrypt(const KeySource& keys, const EncryptionContext& context, std::string_view ciphertext) {
  auto fail = [](DecryptFailure f) { return DecryptResult{std::nullopt, f}; };
  if (ciphertext.size() < 3) return fail(DecryptFailure::malformed);
  if (static_cast<std::uint8_t>(ciphertext[0]) != kVersion) return fail(DecryptFailure::unsupported_version);
  if (static_cast<std::uint8_t>(ciphertext[1]) != kSuite) return fail(DecryptFailure::unsupported_version);
  const std::size_t key_id_len = static_cast<std::uint8_t>(ciphertext[2]);
  if (key_id_len < 1 || key_id_len > 64) return fail(DecryptFailure::malformed);
  const Layout l = LayoutFor(key_id_len);
  if (ciphertext.size() < l.payload + kTagBytes) return fail(DecryptFailure::malformed);
  const std::string_view key_id = ciphertext.substr(3, key_id_len);
  if (!IsValidKeyId(key_id)) return fail(DecryptFailure::malformed);

  const MasterKey* kek = keys.Find(key_id);
  if (kek == nullptr) return fail(DecryptFailure::unknown_key_id);

  const std::string aad_context = CanonicalContext(context);
  const std::string wrap_aad = "WRAP" + std::string(ciphertext.substr(0, l.wrap_nonce)) + aad_context;
  Wiped<kDekBytes> dek;
  if (!GcmOpen(Bytes(kek->key.reveal()), Bytes(ciphertext) + l.wrap_nonce, wrap_aad,
               ciphertext.substr(l.wrapped_dek, kDekBytes + kTagBytes), dek.data())) {
    return fail(DecryptFailure::unwrap_failed);
  }
  DerivedKeys derived;
  Derive(dek.data(), ciphertext.substr(l.message_id, kMessageIdBytes), derived);
  if (CRYPTO_memcmp(derived.commitment.data(), Bytes(ciphertext) + l.commitment, kCommitmentBytes) != 0) {
    return fail(DecryptFailure::commitment_mismatch);
  }
  const std::string data_aad = std::string(ciphertext.substr(0, l.payload)) + aad_context;
  const std::string_view sealed = ciphertext.substr(l.payload);
  std::string plaintext(sealed.size() - kTagBytes, '\0');
  if (!GcmOpen(derived.enc_key.data(), Bytes(ciphertext) + l.data_nonce, data_aad, sealed,
               reinterpret_cast<std::uint8_t*>(plaintext.data()))) {
    core::SecureWipe(plaintext);  // never release unauthenticated plaintext
    return fail(DecryptFailure::authentication_failed);
  }
  DecryptResult ok{core::Secret(std::move(plaintext)), std::nullopt};
  return ok;
}

}  // namespace tcj::crypto
