#include "support/server_fixture.hpp"

namespace tcj::testing {

http::ServerOptions ServerFixture::TestOptions() {
  http::ServerOptions options;
  options.io_threads = 2;
  options.worker_threads = 2;
  options.write_timeout = std::chrono::seconds(2);
  return options;
}

void ServerFixture::StartServer(const http::ServerOptions& options) {
  server_ = std::make_unique<http::Server>(options, core::Logger(sink_, core::LogLevel::info), metrics_);
  server_->Listen("public", "127.0.0.1", 0, router_);
  server_->Start();
  port_ = server_->port("public");
}

void ServerFixture::TearDown() {
  if (server_) server_->Shutdown(std::chrono::seconds(1));
}

}  // namespace tcj::testing
