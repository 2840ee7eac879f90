#include "core/blocking.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace tcj::core {
namespace {

TEST(NonBlockingScope, MayBlockThrowsOnlyInsideAScopeOfThisThread) {
  EXPECT_NO_THROW(MayBlock());
  {
    NonBlockingScope scope;
    EXPECT_THROW(MayBlock(), WouldBlock);
    std::thread other([] { EXPECT_NO_THROW(MayBlock()); });
    other.join();
    {
      NonBlockingScope nested;
      EXPECT_THROW(MayBlock(), WouldBlock);
    }
    EXPECT_THROW(MayBlock(), WouldBlock) << "the outer scope still holds";
  }
  EXPECT_NO_THROW(MayBlock());
}

// A handler's catch of std::exception must not swallow it.
TEST(NonBlockingScope, WouldBlockPassesCatchesOfStdException) {
  NonBlockingScope scope;
  bool caught_as_std = false;
  try {
    try {
      MayBlock();
    } catch (const std::exception&) {
      caught_as_std = true;
    }
  } catch (const WouldBlock&) {
  }
  EXPECT_FALSE(caught_as_std);
}

}  // namespace
}  // namespace tcj::core
