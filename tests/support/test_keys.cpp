#include "support/test_keys.hpp"

#include <algorithm>
#include <cstdlib>

namespace tcj::testing {

void TestKeys::Add(const std::string& id, char fill, bool active) {
  if (active) {
    for (auto& k : keys_) k.state = crypto::KeyState::decrypt_only;
  }
  keys_.push_back(crypto::MasterKey{id, core::Secret(std::string(32, fill)),
                                    active ? crypto::KeyState::active : crypto::KeyState::decrypt_only});
}

void TestKeys::Activate(const std::string& id) {
  for (auto& k : keys_) k.state = k.id == id ? crypto::KeyState::active : crypto::KeyState::decrypt_only;
}

void TestKeys::Drop(const std::string& id) {
  std::erase_if(keys_, [&id](const crypto::MasterKey& k) { return k.id == id; });
}

const crypto::MasterKey& TestKeys::Active() const {
  for (const auto& k : keys_) {
    if (k.state == crypto::KeyState::active) return k;
  }
  std::abort();
}

const crypto::MasterKey* TestKeys::Find(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::vector<std::string> TestKeys::Ids() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back(k.id);
  return out;
}

}  // namespace tcj::testing
