// crypto: the source of key material and nonces, injectable so tests can reproduce vectors.
#pragma once

#include <cstdint>
#include <span>

namespace tcj::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(std::span<std::uint8_t> out) = 0;
};

// OpenSSL's RAND_bytes (a CSPRNG seeded by the kernel). Thread-safe.
class OsRandom final : public RandomSource {
 public:
  void Fill(std::span<std::uint8_t> out) override;
};

}  // namespace tcj::crypto
