#include "http/router.hpp"

#include <gtest/gtest.h>

#include "support/capture_sink.hpp"

namespace tcj::http {
namespace {

Handler Ok(std::string body) {
  return [body](Request&) { return Response::Text(200, body); };
}

TEST(Router, RefusesARouteWithoutAuthentication) {
  Router r;
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/x", .auth = {}, .handler = Ok("x")}), RouteError);
}

TEST(Router, RefusesMalformedAndDuplicateRoutes) {
  Router r;
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "x", .auth = {AuthKind::none}, .handler = Ok("x")}), RouteError);
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a/{}", .auth = {AuthKind::none}, .handler = Ok("x")}), RouteError);
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a/b{c}", .auth = {AuthKind::none}, .handler = Ok("x")}), RouteError);
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = nullptr}), RouteError);
  r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("x")});
  EXPECT_THROW(r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("y")}), RouteError);
}

TEST(Router, MatchesLiteralsBeforeParametersAndDecodesParameters) {
  Router r;
  r.Add({.method = "GET", .pattern = "/api/v1/servers/{id}", .auth = {AuthKind::none}, .handler = Ok("one")});
  r.Add({.method = "GET", .pattern = "/api/v1/servers/new", .auth = {AuthKind::none}, .handler = Ok("new")});
  auto m = r.Match("GET", "/api/v1/servers/a%20b");
  ASSERT_EQ(m.outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(m.route->pattern, "/api/v1/servers/{id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "a b");
  EXPECT_EQ(r.Match("GET", "/api/v1/servers/new").route->pattern, "/api/v1/servers/new");
}

TEST(Router, DistinguishesNotFoundFromWrongMethod) {
  Router r;
  r.Add({.method = "GET", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("x")});
  r.Add({.method = "PUT", .pattern = "/a", .auth = {AuthKind::none}, .handler = Ok("x")});
  EXPECT_EQ(r.Match("GET", "/b").outcome, RouteMatch::Outcome::not_found);
  EXPECT_EQ(r.Match("GET", "/a/").outcome, RouteMatch::Outcome::not_found);
  auto m = r.Match("DELETE", "/a");
  EXPECT_EQ(m.outcome, RouteMatch::Outcome::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, PUT");
  EXPECT_EQ(r.Match("GET", "/a%zz").outcome, RouteMatch::Outcome::bad_path);
  EXPECT_EQ(r.Match("GET", "*").outcome, RouteMatch::Outcome::bad_path);
}

TEST(Router, TurnsHandlerExceptionsIntoGeneric500) {
  Router r;
  r.Add({.method = "GET", .pattern = "/boom", .auth = {AuthKind::none}, .handler = [](Request&) -> Response {
           throw std::runtime_error("secret detail");
         }});
  auto sink = std::make_shared<testing::CaptureSink>();
  core::Logger log(sink, core::LogLevel::info);
  Request req;
  req.request_id = "rid";
  const Response res = r.Dispatch(*r.Match("GET", "/boom").route, req, log);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("secret detail"), std::string::npos);
  EXPECT_NE(sink->all().find("secret detail"), std::string::npos);  // the detail is logged
}

}  // namespace
}  // namespace tcj::http
