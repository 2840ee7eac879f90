#include "core/blocking.hpp"

namespace tcj::core {
namespace {

thread_local bool non_blocking = false;

}  // namespace

NonBlockingScope::NonBlockingScope() : outer_(non_blocking) {
  non_blocking = true;
}

NonBlockingScope::~NonBlockingScope() {
  non_blocking = outer_;
}

void MayBlock() {
  if (non_blocking) throw WouldBlock{};
}

}  // namespace tcj::core
