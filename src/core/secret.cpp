#include "core/secret.hpp"

#include <cstring>
#include <ostream>

namespace tcj::core {

void SecureWipe(void* data, std::size_t size) {
  if (data != nullptr && size > 0) {
    explicit_bzero(data, size);
  }
}

void SecureWipe(std::string& text) {
  // Wipe the whole capacity: earlier, longer contents may still sit past size().
  text.resize(text.capacity());
  SecureWipe(text.data(), text.size());
  text.clear();
}

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    Wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    Wipe();
    value_ = std::move(other.value_);
    other.Wipe();
  }
  return *this;
}

Secret::~Secret() { Wipe(); }

void Secret::Wipe() { SecureWipe(value_); }

bool Secret::Equals(std::string_view presented) const {
  // Length is not secret; the content comparison touches every byte regardless of mismatches.
  if (presented.size() != value_.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < value_.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(value_[i]) ^
                                              static_cast<unsigned char>(presented[i])));
  }
  return diff == 0;
}

std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "***"; }

}  // namespace tcj::core
