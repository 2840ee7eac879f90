#include "core/read_cache.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ReadCache, KeepsAValueUntilItExpires) {
  ReadCache<int> cache(10);
  const auto now = Clock::time_point{} + 1h;
  EXPECT_FALSE(cache.Get("a", now).has_value());
  EXPECT_TRUE(cache.Put("a", 1, cache.BeginRead(), now + 5s));
  EXPECT_EQ(cache.Get("a", now + 4s), 1);
  EXPECT_FALSE(cache.Get("a", now + 5s).has_value());
}

// The race of a lookup with a reinstall: the lookup read the old row, the reinstall wrote the new
// one and invalidated; the lookup's late Put must not bring the old row back.
TEST(ReadCache, AReadInFlightDuringAnInvalidationCachesNothing) {
  ReadCache<std::string> cache(10);
  const auto now = Clock::time_point{} + 1h;
  const auto ticket = cache.BeginRead();  // the lookup starts, reads "old secret"
  cache.Invalidate("site");               // a write of this process lands
  EXPECT_FALSE(cache.Put("site", "old secret", ticket, now + 5s));
  EXPECT_FALSE(cache.Get("site", now).has_value());
  EXPECT_TRUE(cache.Put("site", "new secret", cache.BeginRead(), now + 5s));  // a read after the write
  EXPECT_EQ(cache.Get("site", now), "new secret");
}

TEST(ReadCache, UpdatesInPlaceAndStaysBounded) {
  ReadCache<int> cache(3);
  const auto later = Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) cache.Put("k" + std::to_string(i), i, cache.BeginRead(), later);
  cache.Update("k1", [](int& v) { v = 10; });
  cache.Update("missing", [](int& v) { v = 99; });
  EXPECT_EQ(cache.Get("k1", {}), 10);
  EXPECT_FALSE(cache.Get("missing", {}).has_value());
  cache.Put("k3", 3, cache.BeginRead(), later);  // over the bound: starts again
  EXPECT_FALSE(cache.Get("k0", {}).has_value());
  EXPECT_EQ(cache.Get("k3", {}), 3);
}

// A change to one tenant drops its entries and the misses (a lookup that found nothing may be
// what the change created), and nothing of another tenant; a read in flight caches nothing.
TEST(ReadCache, InvalidatingATagDropsItsEntriesAndTheUntaggedOnes) {
  ReadCache<int> cache(10);
  const auto now = Clock::time_point{} + 1h;
  ASSERT_TRUE(cache.Put("a1", 1, cache.BeginRead(), now + 5s, "tenant-a"));
  ASSERT_TRUE(cache.Put("b1", 2, cache.BeginRead(), now + 5s, "tenant-b"));
  ASSERT_TRUE(cache.Put("unknown", 0, cache.BeginRead(), now + 5s));
  const auto ticket = cache.BeginRead();
  cache.InvalidateTag("tenant-a");
  EXPECT_FALSE(cache.Get("a1", now).has_value());
  EXPECT_FALSE(cache.Get("unknown", now).has_value());
  EXPECT_EQ(cache.Get("b1", now), 2);
  EXPECT_FALSE(cache.Put("a1", 1, ticket, now + 5s, "tenant-a"));
  cache.Clear();
  EXPECT_FALSE(cache.Get("b1", now).has_value());
}

}  // namespace
}  // namespace tcj::core
