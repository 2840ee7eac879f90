// http: caps on open client connections, in total and per client address, taken at accept.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tcj::http {

// Counts open connections so that one client (or a flood of them) cannot take every file
// descriptor and the memory of their buffers before a single request is authenticated.
// Thread-safe.
class ConnectionLimits {
 public:
  enum class Refusal { none, total, per_client };

  // 0 turns a cap off.
  ConnectionLimits(std::size_t max_total, std::size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}

  // Holds one connection's place until destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : limits_(other.limits_), client_(std::move(other.client_)) { other.limits_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        Free();
        limits_ = other.limits_;
        client_ = std::move(other.client_);
        other.limits_ = nullptr;
      }
      return *this;
    }
    Slot(const Slot&) = delete;
    ~Slot() { Free(); }

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* limits, std::string client) : limits_(limits), client_(std::move(client)) {}
    void Free() {
      if (limits_ != nullptr) limits_->Release(client_);
      limits_ = nullptr;
    }
    ConnectionLimits* limits_ = nullptr;
    std::string client_;
  };

  // A place for a connection from client_key (see AddressKey), or which cap refused it (nothing
  // is taken then).
  Refusal TryAcquire(const std::string& client_key, Slot& slot);

  std::size_t open() const;
  std::size_t open_from(const std::string& client_key) const;

 private:
  void Release(const std::string& client_key);

  const std::size_t max_total_;
  const std::size_t max_per_client_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_client_;  // only clients with open connections
};

}  // namespace tcj::http
