#include "teamcity/transport.hpp"

namespace tcj::teamcity {
namespace {

class DirectTransport final : public Transport {
 public:
  DirectTransport(std::shared_ptr<http::HttpClient> http, ServerConnection server, ClientOptions options)
      : http_(std::move(http)), server_(std::move(server)), options_(std::move(options)) {}

  core::Result<http::ClientResponse> Get(const std::string& path_and_query) override {
    http::ClientRequest request = MakeRequest(server_, path_and_query);
    request.connect_timeout = options_.connect_timeout;
    request.total_timeout = options_.total_timeout;
    request.max_response_bytes = options_.max_response_bytes;
    request.allow_address = options_.allow_address;
    return http_->Send(request);
  }

 private:
  std::shared_ptr<http::HttpClient> http_;
  ServerConnection server_;
  ClientOptions options_;
};

}  // namespace

std::unique_ptr<Transport> MakeDirectTransport(std::shared_ptr<http::HttpClient> http, ServerConnection server,
                                               ClientOptions options) {
  return std::make_unique<DirectTransport>(std::move(http), std::move(server), std::move(options));
}

std::string_view WithoutAuthPrefix(std::string_view href) {
  for (const std::string_view prefix : {"/guestAuth/", "/httpAuth/"}) {
    if (href.starts_with(prefix)) return href.substr(prefix.size() - 1);
  }
  return href;
}

}  // namespace tcj::teamcity
