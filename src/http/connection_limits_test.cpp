#include "http/connection_limits.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tcj::http {
namespace {

using Refusal = ConnectionLimits::Refusal;

TEST(ConnectionLimits, CapsEachClientAndTheTotalAndFreesPlacesAsConnectionsClose) {
  ConnectionLimits limits(5, 2);
  std::vector<ConnectionLimits::Slot> held(6);
  EXPECT_EQ(limits.TryAcquire("192.0.2.1", held[0]), Refusal::none);
  EXPECT_EQ(limits.TryAcquire("192.0.2.1", held[1]), Refusal::none);
  EXPECT_EQ(limits.TryAcquire("192.0.2.1", held[2]), Refusal::per_client);
  EXPECT_EQ(limits.TryAcquire("192.0.2.2", held[2]), Refusal::none);
  EXPECT_EQ(limits.TryAcquire("192.0.2.3", held[3]), Refusal::none);
  EXPECT_EQ(limits.TryAcquire("192.0.2.3", held[4]), Refusal::none);
  EXPECT_EQ(limits.open(), 5u);
  ConnectionLimits::Slot refused;
  EXPECT_EQ(limits.TryAcquire("192.0.2.4", refused), Refusal::total);
  EXPECT_EQ(limits.open(), 5u) << "a refusal takes nothing";

  held[0] = ConnectionLimits::Slot();  // a connection of 192.0.2.1 closes
  EXPECT_EQ(limits.open(), 4u);
  EXPECT_EQ(limits.open_from("192.0.2.1"), 1u);
  EXPECT_EQ(limits.TryAcquire("192.0.2.1", held[5]), Refusal::none);
  held.clear();
  EXPECT_EQ(limits.open(), 0u);
  EXPECT_EQ(limits.open_from("192.0.2.1"), 0u);
}

TEST(ConnectionLimits, ZeroMeansNoCap) {
  ConnectionLimits limits(0, 0);
  std::vector<ConnectionLimits::Slot> held(1000);
  for (auto& slot : held) ASSERT_EQ(limits.TryAcquire("192.0.2.1", slot), Refusal::none);
  EXPECT_EQ(limits.open(), 1000u);
}

TEST(ConnectionLimits, AMovedSlotIsReleasedOnce) {
  ConnectionLimits limits(1, 1);
  ConnectionLimits::Slot a;
  ASSERT_EQ(limits.TryAcquire("x", a), Refusal::none);
  ConnectionLimits::Slot b(std::move(a));
  EXPECT_EQ(limits.open(), 1u);
  { ConnectionLimits::Slot c(std::move(b)); }
  EXPECT_EQ(limits.open(), 0u);
}

}  // namespace
}  // namespace tcj::http
