// http: an HttpClient that applies the TeamCity URL policy (address_policy.hpp) to every request.
#pragma once

#include <memory>

#include "http/address_policy.hpp"
#include "http/client.hpp"

namespace tcj::http {

// Every request sent through the returned client is first checked with CheckTeamCityUrl (a refusal
// is the error, and nothing is sent) and then connects only where AddressGuard(policy) allows, as
// well as where the request's own allow_address allows. Thread-safe when inner is.
std::shared_ptr<HttpClient> WithUrlPolicy(std::shared_ptr<HttpClient> inner, UrlPolicy policy);

}  // namespace tcj::http
