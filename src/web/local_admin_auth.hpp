// web: the local_admin authentication kind: `Authorization: Bearer tcj_...` admin tokens.
#pragma once

#include "core/log.hpp"
#include "http/router.hpp"
#include "tenants/admin_tokens.hpp"

namespace tcj::web {

class LocalAdminAuthenticator final : public http::Authenticator {
 public:
  LocalAdminAuthenticator(tenants::AdminTokenStore& tokens, core::Logger log, core::Family<core::Counter>& rejections)
      : tokens_(tokens), log_(std::move(log)), rejections_(rejections) {}

  bool Recognizes(const http::Request& request) const override;
  std::optional<http::Response> Authenticate(http::Request& request) const override;

 private:
  tenants::AdminTokenStore& tokens_;
  core::Logger log_;
  core::Family<core::Counter>& rejections_;
};

}  // namespace tcj::web
