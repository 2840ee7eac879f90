// core: a small cache of values read from a store, which a write of this process can never be
// undone by a read that was already in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace tcj::core {

// Values per key, each until its expiry. Reads go: Get; on a miss, BeginRead, read the store,
// Put with the ticket. A write goes: write the store, then Invalidate. Invalidate drops the key
// and also makes every Put whose ticket was taken before it a no-op, so a read that saw the old
// data (and finishes after the write) cannot put it back. An entry may carry a tag (the tenant it
// belongs to), so that everything of one tenant can go at once. Thread-safe. Bounded: past
// max_entries it starts again empty.
template <typename Value>
class ReadCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Ticket {
    std::uint64_t generation = 0;
  };

  explicit ReadCache(std::size_t max_entries) : max_entries_(max_entries) {}

  std::optional<Value> Get(const std::string& key, TimePoint now) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
    return it->second.value;
  }

  Ticket BeginRead() const {
    std::lock_guard lock(mutex_);
    return {generation_};
  }

  // False (and nothing cached) when an invalidation happened since the ticket was taken.
  bool Put(const std::string& key, Value value, Ticket ticket, TimePoint expires, std::string tag = {}) {
    std::lock_guard lock(mutex_);
    if (ticket.generation != generation_) return false;
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[key] = Entry{std::move(value), expires, std::move(tag)};
    return true;
  }

  // Changes the cached value of key in place, if there is one.
  void Update(const std::string& key, const std::function<void(Value&)>& change) {
    std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) change(it->second.value);
  }

  void Invalidate(const std::string& key) {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.erase(key);
  }

  // Drops the entries tagged `tag` and those with no tag (what a lookup did not find may be what
  // the change created).
  void InvalidateTag(const std::string& tag) {
    std::lock_guard lock(mutex_);
    ++generation_;
    std::erase_if(entries_, [&](const auto& entry) { return entry.second.tag.empty() || entry.second.tag == tag; });
  }

  void Clear() {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.clear();
  }

 private:
  struct Entry {
    Value value;
    TimePoint expires;
    std::string tag;
  };
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tcj::core
