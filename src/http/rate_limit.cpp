#include "http/rate_limit.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>

#include "core/text.hpp"

namespace tcj::http {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Idle buckets dropped per call, from the least recently used end: enough to shrink a shard after
// a flood, little enough to keep each call cheap.
constexpr int kExpirePerCall = 2;

// Refills add up fractions of a token; a bucket that is full to within this counts as full.
constexpr double kEpsilon = 1e-9;

// "[2001:db8::1]:443" -> "2001:db8::1", "192.0.2.1:80" -> "192.0.2.1" (forms proxies write).
std::string_view StripPort(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    return close == std::string_view::npos ? s : s.substr(1, close - 1);
  }
  const auto colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) return s.substr(0, colon);
  return s;
}

}  // namespace

TokenBuckets::TokenBuckets(BucketSpec spec, std::size_t max_keys, const core::Clock& clock, std::size_t shards)
    : spec_(spec), clock_(clock) {
  if (spec_.burst < 1) spec_.burst = 1;
  max_keys = std::max<std::size_t>(1, max_keys);
  shards = std::clamp<std::size_t>(shards, 1, max_keys);
  per_shard_ = (max_keys + shards - 1) / shards;
  for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

TokenBuckets::~TokenBuckets() = default;

TokenBuckets::Shard& TokenBuckets::ShardFor(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void TokenBuckets::Refill(Entry& entry, SteadyTime now) const {
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - entry.updated).count());
  entry.tokens = std::min(spec_.burst, entry.tokens + elapsed * spec_.per_second);
  entry.updated = now;
}

bool TokenBuckets::Full(const Entry& entry, SteadyTime now) const {
  const double elapsed = std::chrono::duration<double>(now - entry.updated).count();
  return entry.tokens + elapsed * spec_.per_second + kEpsilon >= spec_.burst;
}

void TokenBuckets::Erase(Shard& shard, std::list<Entry>::iterator it) {
  shard.index.erase(std::string_view(it->key));
  shard.lru.erase(it);
  Resized(-1);
}

void TokenBuckets::Resized(int by) {
  if (by > 0) {
    size_.fetch_add(1, std::memory_order_relaxed);
  } else {
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (size_gauge_ != nullptr) size_gauge_->Add(by);
}

Admission TokenBuckets::Take(std::string_view key) {
  if (spec_.unlimited()) return {};
  const SteadyTime now = clock_.Monotonic();
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mutex);
  for (int i = 0; i < kExpirePerCall && !shard.lru.empty() && Full(shard.lru.back(), now); ++i) {
    Erase(shard, std::prev(shard.lru.end()));
  }
  Entry* entry = nullptr;
  if (auto found = shard.index.find(key); found != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    entry = &*found->second;
    Refill(*entry, now);
  } else {
    if (shard.index.size() >= per_shard_) Erase(shard, std::prev(shard.lru.end()));
    shard.lru.push_front(Entry{std::string(key), spec_.burst, now});
    shard.index.emplace(std::string_view(shard.lru.front().key), shard.lru.begin());
    Resized(+1);
    entry = &shard.lru.front();
  }
  if (entry->tokens + kEpsilon >= 1) {
    entry->tokens = std::max(0.0, entry->tokens - 1);
    return {};
  }
  const double wait = (1 - entry->tokens) / spec_.per_second;
  const auto seconds = static_cast<std::int64_t>(std::ceil(wait - kEpsilon));
  return {.admitted = false, .retry_after = std::chrono::seconds(std::max<std::int64_t>(1, seconds))};
}

void TokenBuckets::Give(std::string_view key) {
  if (spec_.unlimited()) return;
  const SteadyTime now = clock_.Monotonic();
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mutex);
  const auto found = shard.index.find(key);
  if (found == shard.index.end()) return;
  Entry& entry = *found->second;
  Refill(entry, now);
  entry.tokens = std::min(spec_.burst, entry.tokens + 1);
}

std::size_t TokenBuckets::size() const {
  return size_.load(std::memory_order_relaxed);
}

std::string AddressKey(std::string_view address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.size() < sizeof text) {
    std::memcpy(text, address.data(), address.size());
    unsigned char bytes[16] = {};
    if (inet_pton(AF_INET, text, bytes) == 1) return std::string(address);
    if (inet_pton(AF_INET6, text, bytes) == 1) {
      static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      char out[INET6_ADDRSTRLEN] = {};
      if (std::memcmp(bytes, kMapped, sizeof kMapped) == 0) {
        inet_ntop(AF_INET, bytes + 12, out, sizeof out);
        return out;
      }
      std::memset(bytes + 8, 0, 8);
      inet_ntop(AF_INET6, bytes, out, sizeof out);
      return std::string(out) + "/64";
    }
  }
  return std::string(address.substr(0, 64));
}

RateLimitMetrics::RateLimitMetrics(core::MetricsRegistry& registry)
    : rejections(registry.AddCounterFamily(
          "http_rate_limited_total",
          "Requests refused with 429, by the limit they ran into: ip (per client address), tenant, sign_in "
          "(failed sign-ins per client address), ip_page_view and tenant_page_view (issue panel views).",
          {"scope"})),
      tracked(registry.AddGaugeFamily("http_rate_limit_tracked_keys",
                                      "Client addresses or tenants the rate limiter tracks now, by scope.",
                                      {"scope"})) {}

RateLimiter::RateLimiter(RateLimitOptions options, const core::Clock& clock, core::MetricsRegistry& registry)
    : options_(options),
      metrics_(registry),
      per_address_(options.per_address, options.max_tracked, clock),
      per_tenant_(options.per_tenant, options.max_tracked, clock),
      page_views_per_address_(options.page_views_per_address, options.max_tracked, clock),
      page_views_per_tenant_(options.page_views_per_tenant, options.max_tracked, clock),
      sign_in_failures_(options.sign_in_failures, options.max_tracked, clock),
      address_rejections_(metrics_.rejections.Labels({"ip"})),
      tenant_rejections_(metrics_.rejections.Labels({"tenant"})),
      page_view_address_rejections_(metrics_.rejections.Labels({"ip_page_view"})),
      page_view_tenant_rejections_(metrics_.rejections.Labels({"tenant_page_view"})),
      sign_in_rejections_(metrics_.rejections.Labels({"sign_in"})) {
  per_address_.ReportSizeTo(&metrics_.tracked.Labels({"ip"}));
  per_tenant_.ReportSizeTo(&metrics_.tracked.Labels({"tenant"}));
  page_views_per_address_.ReportSizeTo(&metrics_.tracked.Labels({"ip_page_view"}));
  page_views_per_tenant_.ReportSizeTo(&metrics_.tracked.Labels({"tenant_page_view"}));
  sign_in_failures_.ReportSizeTo(&metrics_.tracked.Labels({"sign_in"}));
}

std::string RateLimiter::ClientKey(const Request& request) const { return AddressKey(ClientAddress(request)); }

std::string RateLimiter::ClientAddress(const Request& request) const {
  if (options_.trusted_proxy_hops > 0) {
    // Each trusted proxy appends the address it saw; the entry that many places from the end was
    // written by the outermost of them. Earlier entries come from the client and prove nothing.
    std::vector<std::string_view> entries;
    for (const auto& [name, value] : request.headers.fields()) {
      if (!core::EqualsIgnoringAsciiCase(name, "x-forwarded-for")) {
        continue;
      }
      std::string_view rest(value);
      while (true) {
        const auto comma = rest.find(',');
        entries.push_back(core::TrimAsciiSpace(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    const auto hops = static_cast<std::size_t>(options_.trusted_proxy_hops);
    if (entries.size() >= hops) {
      const std::string_view seen = StripPort(entries[entries.size() - hops]);
      if (!seen.empty()) return std::string(seen.substr(0, 64));
    }
  }
  return request.remote_address;
}

Response TooManyRequests(std::chrono::seconds retry_after) {
  const auto seconds = std::max<std::int64_t>(1, retry_after.count());
  Response r = Response::Error(
      429, "rate_limited",
      "Too many requests; try again in " + std::to_string(seconds) + (seconds == 1 ? " second." : " seconds."));
  r.headers.Set("Retry-After", std::to_string(seconds));
  return r;
}

std::optional<Response> RateLimiter::Check(TokenBuckets& table, std::string_view key, core::Counter& rejected) {
  const Admission a = table.Take(key);
  if (a.admitted) return std::nullopt;
  rejected.Inc();
  return TooManyRequests(a.retry_after);
}

std::optional<Response> RateLimiter::AdmitClient(std::string_view client_key) {
  return Check(per_address_, client_key, address_rejections_);
}

std::optional<Response> RateLimiter::AdmitTenant(const core::TenantId& tenant) {
  return Check(per_tenant_, tenant.str(), tenant_rejections_);
}

std::optional<Response> RateLimiter::AdmitPageViewClient(std::string_view client_key) {
  return Check(page_views_per_address_, client_key, page_view_address_rejections_);
}

std::optional<Response> RateLimiter::AdmitPageViewTenant(const core::TenantId& tenant) {
  return Check(page_views_per_tenant_, tenant.str(), page_view_tenant_rejections_);
}

std::optional<Response> RateLimiter::BeginSignIn(std::string_view client_key) {
  return Check(sign_in_failures_, client_key, sign_in_rejections_);
}

void RateLimiter::EndSignIn(std::string_view client_key, bool failed) {
  if (!failed) sign_in_failures_.Give(client_key);
}

}  // namespace tcj::http
