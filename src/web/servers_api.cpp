#include "web/servers_api.hpp"

#include <nlohmann/json.hpp>

#include "core/url.hpp"
#include "http/guarded_client.hpp"
#include "teamcity/server_probe.hpp"
#include "web/api_support.hpp"

namespace tcj::web {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;
using tenants::TeamCityAuthKind;

json ServerJson(const tenants::ServerRecord& s) {
  json auth = {{"type", std::string(tenants::ToString(s.auth_kind))}};
  if (s.auth_kind == TeamCityAuthKind::token) auth["token"] = "set";
  if (s.auth_kind == TeamCityAuthKind::basic) auth["password"] = "set";
  return {{"id", s.id.str()},          {"name", s.name}, {"url", s.url}, {"auth", auth}, {"created_at", s.created_at},
          {"updated_at", s.updated_at}};
}

// What a create or update body says, checked field by field.
struct ServerInput {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<tenants::TeamCityCredentials> credentials;
};

std::optional<Response> ReadString(const json& doc, const char* field, std::size_t max, std::optional<std::string>& out,
                                   const std::string& path = "") {
  const auto it = doc.find(field);
  if (it == doc.end()) return std::nullopt;
  const std::string name = path + field;
  if (!it->is_string()) return FieldError(name, "must be a string");
  const std::string& v = it->get_ref<const std::string&>();
  if (v.empty() || v.size() > max) return FieldError(name, "must be 1 to " + std::to_string(max) + " characters");
  out = v;
  return std::nullopt;
}

// saved: the authentication of the server being updated, which decides (unless the body changes it)
// whether its URL is one the service connects to.
std::optional<Response> ParseInput(const Request& request, bool require_all, const http::UrlPolicy& policy,
                                   ServerInput& in, std::optional<TeamCityAuthKind> saved = std::nullopt) {
  json doc = json::parse(request.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return FieldError("", "the body must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key != "name" && key != "url" && key != "auth") return FieldError(key, "unknown field");
  }
  if (auto e = ReadString(doc, "name", 100, in.name)) return e;
  if (auto e = ReadString(doc, "url", 2000, in.url)) return e;
  if (const auto auth = doc.find("auth"); auth != doc.end()) {
    if (!auth->is_object()) return FieldError("auth", "must be an object with a type");
    std::optional<std::string> type;
    if (auto e = ReadString(*auth, "type", 10, type, "auth.")) return e;
    tenants::TeamCityCredentials c;
    if (type == "token") {
      std::optional<std::string> token;
      if (auto e = ReadString(*auth, "token", 4096, token, "auth.")) return e;
      if (!token) return FieldError("auth.token", "is required for token authentication");
      c.kind = TeamCityAuthKind::token;
      c.token = core::Secret(std::move(*token));
    } else if (type == "basic") {
      std::optional<std::string> username;
      std::optional<std::string> password;
      if (auto e = ReadString(*auth, "username", 255, username, "auth.")) return e;
      if (auto e = ReadString(*auth, "password", 4096, password, "auth.")) return e;
      if (!username) return FieldError("auth.username", "is required for basic authentication");
      if (!password) return FieldError("auth.password", "is required for basic authentication");
      c.kind = TeamCityAuthKind::basic;
      c.username = std::move(*username);
      c.password = core::Secret(std::move(*password));
    } else if (type == "guest") {
      c.kind = TeamCityAuthKind::guest;
    } else if (type == "relay") {
      // A relay next to TeamCity signs in with credentials of its own; the URL is what people
      // open in their browsers, and the service never connects to it.
      c.kind = TeamCityAuthKind::relay;
    } else {
      return FieldError("auth.type", "must be token, basic, guest or relay");
    }
    in.credentials = std::move(c);
  }
  if (in.url) {
    auto parsed = core::ParseUrl(*in.url);
    if (!parsed) return FieldError("url", parsed.error().message);
    if (!parsed->query.empty()) return FieldError("url", "the server URL must not have a query string");
    const auto kind = in.credentials ? std::optional(in.credentials->kind) : saved;
    const bool relayed = kind == TeamCityAuthKind::relay;
    if (auto allowed = http::CheckTeamCityUrl(*in.url, policy); !allowed && !relayed) {
      return FieldError("url", allowed.error().message);
    }
    std::string path = parsed->path;
    while (!path.empty() && path.back() == '/') path.pop_back();
    in.url = parsed->Origin() + path;
  }
  if (require_all) {
    if (!in.name) return FieldError("name", "is required");
    if (!in.url) return FieldError("url", "is required");
    if (!in.credentials) return FieldError("auth", "is required");
  }
  return std::nullopt;
}

Response ProbeResponse(const core::Result<teamcity::ProbeReport>& report) {
  if (!report) {
    json body = {{"ok", false}, {"problem", {{"code", report.error().code}, {"message", report.error().message}}}};
    // The message quotes TeamCity; whatever it sent, the answer is valid JSON.
    return Response::Json(200, body.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  json body = {{"ok", true},
               {"version", report->version},
               {"user", report->user},
               {"projects", report->projects},
               {"build_types", report->build_types}};
  return Response::Json(200, body.dump());
}

}  // namespace

void AddServerRoutes(http::Router& router, tenants::ServerStore& servers, AdminAccess& access, const AuditTrail& audit,
                     std::shared_ptr<http::HttpClient> http_client, ServerHooks hooks, http::UrlPolicy url_policy) {
  http_client = http::WithUrlPolicy(std::move(http_client), url_policy);  // test connection: the SSRF guard
  router.Add({.method = "GET",
              .pattern = "/api/v1/servers",
              .auth = kAdminAuth,
              .execution = http::Execution::io_thread_first,
              .handler = AdminOnly(access, [&servers](Request& r) {
                json list = json::array();
                for (const auto& s : servers.List(*r.principal.tenant)) list.push_back(ServerJson(s));
                return Response::Json(200, json{{"servers", list}}.dump());
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers",
              .auth = kAdminAuth,
              .max_body_bytes = 64 * 1024,
              .handler = AdminOnly(access, [&servers, &audit, added = std::move(hooks.added), url_policy](Request& r) {
                ServerInput in;
                if (auto bad = ParseInput(r, true, url_policy, in)) return std::move(*bad);
                auto created = servers.Create(*r.principal.tenant, *in.name, *in.url, *in.credentials);
                if (!created) return ErrorResponse(created.error());
                audit.Record(r, "server.created", created->id.str(),
                             {{"name", created->name},
                              {"url", created->url},
                              {"auth", std::string(tenants::ToString(created->auth_kind))}});
                if (added) added(*r.principal.tenant, created->id);
                Response res = Response::Json(201, ServerJson(*created).dump());
                res.headers.Set("Location", "/api/v1/servers/" + created->id.str());
                return res;
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/test",
              .auth = kAdminAuth,
              .max_body_bytes = 64 * 1024,
              .handler = AdminOnly(access, [http_client, url_policy](Request& r) {
                ServerInput in;
                if (auto bad = ParseInput(r, false, url_policy, in)) return std::move(*bad);
                if (!in.url) return FieldError("url", "is required");
                if (!in.credentials) return FieldError("auth", "is required");
                if (in.credentials->kind == TeamCityAuthKind::relay) {
                  return FieldError("auth.type",
                                    "a server reached through a relay is tested once it is saved and "
                                    "its relay has connected");
                }
                auto transport = teamcity::MakeDirectTransport(http_client, {*in.url, std::move(*in.credentials)},
                                                               teamcity::ProbeOptions());
                return ProbeResponse(teamcity::ProbeServer(*transport));
              })});

  router.Add({.method = "GET",
              .pattern = "/api/v1/servers/{id}",
              .auth = kAdminAuth,
              .execution = http::Execution::io_thread_first,
              .handler = AdminOnly(access, [&servers](Request& r) {
                auto s = servers.Get(*r.principal.tenant, core::ServerId(std::string(*r.PathParam("id"))));
                return s ? Response::Json(200, ServerJson(*s).dump()) : ServerNotFound();
              })});

  router.Add({.method = "PUT",
              .pattern = "/api/v1/servers/{id}",
              .auth = kAdminAuth,
              .max_body_bytes = 64 * 1024,
              .handler = AdminOnly(access, [&servers, &audit, url_policy](Request& r) {
                const core::ServerId id(std::string(*r.PathParam("id")));
                const auto before = servers.Get(*r.principal.tenant, id);
                if (!before) return ServerNotFound();
                ServerInput in;
                if (auto bad = ParseInput(r, false, url_policy, in, before->auth_kind)) return std::move(*bad);
                // A relay server's saved URL was never one to connect to: leaving the relay, it must be.
                if (!in.url && in.credentials && in.credentials->kind != TeamCityAuthKind::relay &&
                    before->auth_kind == TeamCityAuthKind::relay) {
                  if (auto allowed = http::CheckTeamCityUrl(before->url, url_policy); !allowed) {
                    return FieldError("url", allowed.error().message);
                  }
                }
                // What actually changed (a client may send fields unchanged); credentials sent are
                // always new, since they are never shown.
                json changed = json::array();
                if (in.name && *in.name != before->name) changed.push_back("name");
                if (in.url && *in.url != before->url) changed.push_back("url");
                if (in.credentials) changed.push_back("credentials");
                auto updated = servers.Update(*r.principal.tenant, id,
                                              tenants::ServerChange{in.name, in.url, std::move(in.credentials)});
                if (!updated) return ErrorResponse(updated.error());
                audit.Record(r, "server.updated", updated->id.str(),
                             {{"changed", changed}, {"name", updated->name}, {"url", updated->url}});
                return Response::Json(200, ServerJson(*updated).dump());
              })});

  router.Add({.method = "DELETE",
              .pattern = "/api/v1/servers/{id}",
              .auth = kAdminAuth,
              .handler = AdminOnly(access, [&servers, &audit, remove = std::move(hooks.remove)](Request& r) {
                const core::ServerId id(std::string(*r.PathParam("id")));
                const auto server = servers.Get(*r.principal.tenant, id);
                if (!server) return ServerNotFound();
                if (remove) {
                  if (!remove(*r.principal.tenant, id)) return ServerNotFound();
                  audit.Record(r, "server.removed", id.str(), {{"name", server->name}, {"url", server->url}});
                  return Response::Json(202, json{{"id", id.str()}, {"status", "removing"}}.dump());
                }
                if (!servers.Delete(*r.principal.tenant, id)) return ServerNotFound();
                audit.Record(r, "server.removed", id.str(), {{"name", server->name}, {"url", server->url}});
                Response res;
                res.status = 204;
                return res;
              })});

  router.Add({.method = "POST",
              .pattern = "/api/v1/servers/{id}/test",
              .auth = kAdminAuth,
              .handler = AdminOnly(access, [&servers, http_client, relay = hooks.relay_transport](Request& r) {
                const core::ServerId id(std::string(*r.PathParam("id")));
                const auto server = servers.Get(*r.principal.tenant, id);
                if (!server) return ServerNotFound();
                auto credentials = servers.Credentials(*r.principal.tenant, id);
                if (!credentials) return ProbeResponse(std::move(credentials).take_error());
                std::unique_ptr<teamcity::Transport> transport;
                if (credentials->kind != TeamCityAuthKind::relay) {
                  transport = teamcity::MakeDirectTransport(http_client, {server->url, std::move(*credentials)},
                                                            teamcity::ProbeOptions());
                } else if (relay) {
                  transport = relay(*r.principal.tenant, id);
                } else {
                  return FieldError("auth.type", "this service does not serve relays");
                }
                return ProbeResponse(teamcity::ProbeServer(*transport));
              })});
}

}  // namespace tcj::web
