// Test support: an in-memory key source and a SecretBox around it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "crypto/keys.hpp"
#include "crypto/random.hpp"

namespace tcj::testing {

// Keys by id, exactly one active; change them between calls to simulate rotation.
class TestKeys final : public crypto::KeySource {
 public:
  // A key whose 32 bytes are `fill` repeated.
  void Add(const std::string& id, char fill, bool active);
  void Activate(const std::string& id);
  void Drop(const std::string& id);

  const crypto::MasterKey& Active() const override;
  const crypto::MasterKey* Find(std::string_view id) const override;
  std::vector<std::string> Ids() const override;

 private:
  std::vector<crypto::MasterKey> keys_;
};

}  // namespace tcj::testing
