// http: request rate limits: token buckets per client address and per tenant, and a much stricter
// one for failed sign-ins, answering 429 with Retry-After.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "http/message.hpp"

namespace tcj::http {

// A token bucket: `burst` requests at once after a quiet spell, then `per_second` on average.
struct BucketSpec {
  double per_second = 0;  // 0 (or less): no limit
  double burst = 0;       // at least 1 when limited

  bool unlimited() const { return per_second <= 0; }
};

// The answer to "may this key go on?".
struct Admission {
  bool admitted = true;
  std::chrono::seconds retry_after{0};  // when refused: whole seconds until a token is back, at least 1
};

// One token bucket per key (an address, a tenant), in shards that each have their own mutex and
// their own least-recently-used order. Memory is bounded: a shard holds at most
// ceil(max_keys / shards) buckets and drops its least recently used one to make room; buckets idle
// long enough to have filled up again (which is what a new bucket is) are dropped as they are met.
// Thread-safe. The clock must outlive the table.
class TokenBuckets {
 public:
  TokenBuckets(BucketSpec spec, std::size_t max_keys, const core::Clock& clock, std::size_t shards = 32);
  ~TokenBuckets();
  TokenBuckets(const TokenBuckets&) = delete;
  TokenBuckets& operator=(const TokenBuckets&) = delete;

  // Takes a token from key's bucket (a new key starts full); refused, it takes nothing.
  Admission Take(std::string_view key);
  // Gives a token back to key's bucket (never above the burst); nothing if the key is not tracked.
  void Give(std::string_view key);

  std::size_t size() const;  // keys tracked now
  bool unlimited() const { return spec_.unlimited(); }

  // Keeps a gauge equal to size(), from now on (call it before the first Take). The gauge must
  // outlive the table.
  void ReportSizeTo(core::Gauge* gauge) { size_gauge_ = gauge; }

 private:
  struct Entry {
    std::string key;
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
  };
  struct Shard {
    std::mutex mutex;
    std::list<Entry> lru;                                                    // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views of Entry::key
  };

  Shard& ShardFor(std::string_view key);
  void Refill(Entry& entry, std::chrono::steady_clock::time_point now) const;
  bool Full(const Entry& entry, std::chrono::steady_clock::time_point now) const;
  void Erase(Shard& shard, std::list<Entry>::iterator it);
  void Resized(int by);

  BucketSpec spec_;
  const core::Clock& clock_;
  std::size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::size_t> size_{0};
  core::Gauge* size_gauge_ = nullptr;
};

// The key a client address is limited by: an IPv4 address as is (also when mapped into IPv6), an
// IPv6 address by its /64 network (one subscriber usually holds a whole /64), anything else as it
// is (at most 64 bytes).
std::string AddressKey(std::string_view address);

struct RateLimitOptions {
  BucketSpec per_address{20, 40};
  BucketSpec per_tenant{50, 100};
  // Page views (RateLimit::page_view): the issue panel, for every user who opens an issue.
  BucketSpec page_views_per_address{200, 400};
  BucketSpec page_views_per_tenant{1000, 2000};
  // Failed sign-ins (answered 401) per client address: 5 a minute.
  BucketSpec sign_in_failures{5.0 / 60.0, 5};
  std::size_t max_tracked = 100'000;  // keys per table (addresses, tenants, sign-in addresses)
  // Proxies in front of the service that each append the address they saw to X-Forwarded-For.
  // 0: the header is ignored and the client is the connection's peer (anyone can forge it).
  int trusted_proxy_hops = 0;
};

// The limiter's metrics, declared once.
struct RateLimitMetrics {
  explicit RateLimitMetrics(core::MetricsRegistry& registry);
  core::Family<core::Counter>& rejections;  // {scope}: ip, tenant, sign_in
  core::Family<core::Gauge>& tracked;       // {scope}: keys tracked now
};

// What Router::Dispatch consults: the per-address check before authentication (so floods of
// unauthenticated requests cost a hash lookup), the per-tenant one after it. Thread-safe; the
// clock and the metrics registry must outlive it.
class RateLimiter {
 public:
  RateLimiter(RateLimitOptions options, const core::Clock& clock, core::MetricsRegistry& registry);

  // The request's client: the connection's peer, or behind trusted_proxy_hops proxies the address
  // the outermost of them saw (at most 64 characters).
  std::string ClientAddress(const Request& request) const;
  // The key the client is limited by: AddressKey(ClientAddress(request)).
  std::string ClientKey(const Request& request) const;

  // Each returns the 429 response that refuses the request, or nothing to let it go on.
  std::optional<Response> AdmitClient(std::string_view client_key);
  std::optional<Response> AdmitTenant(const core::TenantId& tenant);
  std::optional<Response> AdmitPageViewClient(std::string_view client_key);
  std::optional<Response> AdmitPageViewTenant(const core::TenantId& tenant);
  // A sign-in attempt reserves one failure in advance (so concurrent guesses cannot overshoot);
  // EndSignIn gives it back unless the attempt failed.
  std::optional<Response> BeginSignIn(std::string_view client_key);
  void EndSignIn(std::string_view client_key, bool failed);

  const RateLimitOptions& options() const { return options_; }

 private:
  std::optional<Response> Check(TokenBuckets& table, std::string_view key, core::Counter& rejected);

  RateLimitOptions options_;
  RateLimitMetrics metrics_;
  TokenBuckets per_address_;
  TokenBuckets per_tenant_;
  TokenBuckets page_views_per_address_;
  TokenBuckets page_views_per_tenant_;
  TokenBuckets sign_in_failures_;
  core::Counter& address_rejections_;
  core::Counter& tenant_rejections_;
  core::Counter& page_view_address_rejections_;
  core::Counter& page_view_tenant_rejections_;
  core::Counter& sign_in_rejections_;
};

// The 429 answer: {"error":{"code":"rate_limited","message":...}} with Retry-After in whole seconds.
Response TooManyRequests(std::chrono::seconds retry_after);

}  // namespace tcj::http
