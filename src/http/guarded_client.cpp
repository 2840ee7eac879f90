#include "http/guarded_client.hpp"

namespace tcj::http {
namespace {

class GuardedClient final : public HttpClient {
 public:
  GuardedClient(std::shared_ptr<HttpClient> inner, UrlPolicy policy)
      : inner_(std::move(inner)), policy_(policy), guard_(AddressGuard(policy)) {}

  core::Result<ClientResponse> Send(const ClientRequest& request) override {
    if (auto checked = CheckTeamCityUrl(request.url, policy_); !checked) return std::move(checked).take_error();
    if (!guard_) return inner_->Send(request);
    ClientRequest guarded = request;
    if (request.allow_address) {
      guarded.allow_address = [guard = guard_, own = request.allow_address](const std::string& ip) {
        return guard(ip) && own(ip);
      };
    } else {
      guarded.allow_address = guard_;
    }
    return inner_->Send(guarded);
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  UrlPolicy policy_;
  std::function<bool(const std::string& ip)> guard_;
};

}  // namespace

std::shared_ptr<HttpClient> WithUrlPolicy(std::shared_ptr<HttpClient> inner, UrlPolicy policy) {
  return std::make_shared<GuardedClient>(std::move(inner), policy);
}

}  // namespace tcj::http
