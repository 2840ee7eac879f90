#include "http/connection_limits.hpp"

namespace tcj::http {

ConnectionLimits::Refusal ConnectionLimits::TryAcquire(const std::string& client_key, Slot& slot) {
  std::lock_guard lock(mutex_);
  if (max_total_ != 0 && open_ >= max_total_) return Refusal::total;
  std::size_t& from_client = per_client_[client_key];
  if (max_per_client_ != 0 && from_client >= max_per_client_) return Refusal::per_client;
  ++from_client;
  ++open_;
  slot = Slot(this, client_key);
  return Refusal::none;
}

void ConnectionLimits::Release(const std::string& client_key) {
  std::lock_guard lock(mutex_);
  --open_;
  const auto it = per_client_.find(client_key);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

std::size_t ConnectionLimits::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionLimits::open_from(const std::string& client_key) const {
  std::lock_guard lock(mutex_);
  const auto it = per_client_.find(client_key);
  return it == per_client_.end() ? 0 : it->second;
}

}  // namespace tcj::http
