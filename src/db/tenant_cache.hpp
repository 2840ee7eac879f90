// db: a cache of values that each belong to one tenant (a site row, its servers, a token), kept
// true across `serve` processes by the ChangeFeed.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/read_cache.hpp"
#include "db/change_feed.hpp"

namespace tcj::db {

// Once it follows a feed, a change to one of its tables committed by any process drops the
// entries of that tenant (and the misses) within moments, and while the feed is down nothing is
// answered from memory; entries then live `followed_ttl`, a safety net only. Without a feed
// (commands, tests of one store) entries live `alone_ttl`, which is 0 (nothing cached) for a cache
// whose tables other objects of the process write too. Writes through the owner invalidate at once.
template <typename Value>
class TenantCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Ticket = typename core::ReadCache<Value>::Ticket;

  static constexpr std::chrono::seconds kFollowedTtl{60};

  TenantCache(std::size_t max_entries, std::chrono::seconds alone_ttl) : cache_(max_entries), ttl_(alone_ttl) {}

  void Follow(ChangeFeed& feed, std::initializer_list<std::string_view> tables) {
    feed_ = &feed;
    ttl_ = kFollowedTtl;
    feed.Subscribe(
        [this, watched = std::vector<std::string>(tables.begin(), tables.end())](const Change& change) {
          for (const auto& t : watched) {
            if (t != change.table) continue;
            if (change.tenant == kEveryTenant) return cache_.Clear();
            return cache_.InvalidateTag(change.tenant);
          }
        },
        [this] { cache_.Clear(); });
  }

  std::optional<Value> Get(const std::string& key, TimePoint now) const {
    if (feed_ != nullptr && !feed_->live()) return std::nullopt;
    return cache_.Get(key, now);
  }
  Ticket BeginRead() const { return cache_.BeginRead(); }
  // tenant: the tenant id the value belongs to; empty for a lookup that found nothing.
  bool Put(const std::string& key, Value value, const std::string& tenant, Ticket ticket, TimePoint now) {
    if (ttl_.count() == 0) return false;
    return cache_.Put(key, std::move(value), ticket, now + ttl_, tenant);
  }
  void Update(const std::string& key, const std::function<void(Value&)>& change) { cache_.Update(key, change); }
  void Invalidate(const std::string& key) { cache_.Invalidate(key); }
  void InvalidateTenant(const std::string& tenant) { cache_.InvalidateTag(tenant); }

 private:
  core::ReadCache<Value> cache_;
  std::chrono::seconds ttl_;
  const ChangeFeed* feed_ = nullptr;
};

}  // namespace tcj::db
