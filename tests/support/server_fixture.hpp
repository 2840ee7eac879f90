// Test support: the scaffolding of the HTTP server tests: a router, log capture and metrics, and a
// Server on 127.0.0.1 with an ephemeral port, shut down at the end of the test.
#pragma once

#include <cstdint>
#include <memory>

#include <gtest/gtest.h>

#include "core/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/capture_sink.hpp"

namespace tcj::testing {

class ServerFixture : public ::testing::Test {
 protected:
  // What the server tests start from: 2 I/O and 2 worker threads, a 2 s write timeout.
  static http::ServerOptions TestOptions();

  // Listens on 127.0.0.1 ("public", port_) with router_, and starts.
  void StartServer(const http::ServerOptions& options);
  void TearDown() override;

  std::shared_ptr<CaptureSink> sink_ = std::make_shared<CaptureSink>();
  core::MetricsRegistry registry_;
  http::HttpMetrics metrics_{registry_};
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
};

}  // namespace tcj::testing
