// core: a thread that must not block says so, and code about to block checks. The HTTP server
// first runs a read-only request whose answer usually comes from memory on its I/O thread; the
// first step that would wait (taking a database connection, an outbound HTTP call) throws
// WouldBlock instead, and the server runs the request again on the worker pool from that step.
#pragma once

namespace tcj::core {

// Deliberately not a std::exception: the handlers' and the router's catch (const std::exception&)
// must let it through to the server.
struct WouldBlock {};

// While one is alive on this thread, MayBlock throws.
class NonBlockingScope {
 public:
  NonBlockingScope();
  ~NonBlockingScope();
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;

 private:
  bool outer_;
};

// Called before anything that waits for another process or the network.
void MayBlock();

}  // namespace tcj::core
