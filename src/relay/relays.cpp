#include "relay/relays.hpp"

#include <charconv>

#include "core/time.hpp"
#include "db/transaction.hpp"

namespace tcj::relay {
namespace {

constexpr std::size_t kForwarders = 8;      // exchanges of other processes run at once, per process
constexpr int kForwardsPerRelay = 2;
constexpr std::chrono::seconds kAlive{45};  // a holder that renewed seen_at within this still holds

std::optional<std::uint64_t> Number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool Printable(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x21 && c < 0x7f; });
}

// RFC 3339, or "" for a time that never was (the epoch: not connected yet).
std::string Rfc3339(std::chrono::system_clock::time_point t) {
  return t.time_since_epoch().count() == 0 ? "" : core::FormatRfc3339(t);
}

// An answer as the asker's transport returns it: TeamCity's response, or an error that says
// what the relay said.
core::Result<http::ClientResponse> ToResponse(core::Result<Answer> answer) {
  if (!answer) return std::move(answer).take_error();
  if (!answer->refused.empty()) {
    return core::Error::Make(core::ErrorKind::forbidden, "relay.refused",
                             "the relay refused the request: " + HeaderSafe(answer->refused));
  }
  if (!answer->failed.empty() || answer->status < 100 || answer->status > 599) {
    return core::Error::Retryable(
        core::ErrorKind::unavailable, "relay.teamcity_unreachable",
        "the relay could not get TeamCity's answer: " +
            (answer->failed.empty() ? std::string("it sent no valid status") : HeaderSafe(answer->failed)));
  }
  http::ClientResponse response;
  response.status = answer->status;
  if (!answer->content_type.empty()) response.headers.Set("Content-Type", answer->content_type);
  response.body = std::move(answer->body);
  return response;
}

}  // namespace

class RelayTransport final : public teamcity::Transport {
 public:
  RelayTransport(Relays& relays, core::TenantId tenant, core::ServerId server)
      : relays_(relays), tenant_(std::move(tenant)), server_(std::move(server)) {}

  core::Result<http::ClientResponse> Get(const std::string& path_and_query) override {
    if (relays_.hub_.Holds(tenant_, server_))
      return ToResponse(relays_.hub_.Exchange(tenant_, server_, path_and_query));
    return ToResponse(relays_.ExchangeThroughDatabase(tenant_, server_, path_and_query));
  }

 private:
  Relays& relays_;
  core::TenantId tenant_;
  core::ServerId server_;
};

Relays::Relays(db::Pool& pool, RelayTokens& tokens, core::Logger log, RelaysOptions options)
    : pool_(pool), tokens_(tokens), log_(std::move(log)), options_(std::move(options)), hub_(options_.hub, log_) {}

Relays::~Relays() {
  Stop();
}

void Relays::FollowChanges(db::ChangeFeed& feed) {
  feed.Subscribe(
      [this](const db::Change& change) {
        std::lock_guard lock(mutex_);
        if (change.table == "relay_exchanges") {
          exchange_tenants_.insert(change.tenant);
          ++answer_notices_;
          answers_.notify_all();
        } else if (change.table == "relay_tokens" || change.table == "teamcity_servers" || change.table == "tenants") {
          token_tenants_.insert(change.tenant);
        } else {
          return;
        }
        wake_.notify_one();
      },
      [this] {
        // Notices may have been missed: look at everything once.
        std::lock_guard lock(mutex_);
        exchange_tenants_.insert(std::string(db::kEveryTenant));
        token_tenants_.insert(std::string(db::kEveryTenant));
        answers_.notify_all();
        wake_.notify_one();
      });
}

void Relays::Start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  background_ = std::thread([this] { Background(); });
  for (std::size_t i = 0; i < kForwarders; ++i) forwarders_.emplace_back([this] { Forward(); });
}

void Relays::Stop() {
  hub_.Stop();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
    forward_.notify_all();
    answers_.notify_all();
  }
  if (background_.joinable()) background_.join();
  for (auto& t : forwarders_) t.join();
  forwarders_.clear();
  try {
    Heartbeat();  // says the relays it held are gone from here
  } catch (const std::exception& e) {
    log_.Warn("relay.state_not_written", {{"error", e.what()}});
  }
}

std::unique_ptr<teamcity::Transport> Relays::TransportFor(const core::TenantId& tenant, const core::ServerId& server) {
  return std::make_unique<RelayTransport>(*this, tenant, server);
}

core::Error Relays::NotConnected(const core::TenantId& tenant, const core::ServerId& server) {
  const RelayStatus status = tokens_.Status(tenant, server);
  std::string detail;
  if (!status.token) {
    detail = ": create its relay token on the server's page and start the relay with it";
  } else if (!status.disconnected_at.empty()) {
    detail = " since " + status.disconnected_at;
  } else if (status.connected_since.empty()) {
    detail = ": it has never connected";
  }
  return core::Error::Retryable(core::ErrorKind::unavailable, "relay.not_connected",
                                "the relay of this TeamCity server is not connected" + detail);
}

core::Result<Answer> Relays::ExchangeThroughDatabase(const core::TenantId& tenant, const core::ServerId& server,
                                                     const std::string& path) {
  std::int64_t id = 0;
  {
    db::TenantTransaction tx(pool_, tenant);
    // Only when a live process holds the relay: otherwise nobody would ever answer.
    const db::Rows rows = tx.Exec(
        "INSERT INTO relay_exchanges (tenant_id, server_id, path) "
        "SELECT $1, $2, $3 FROM relay_state WHERE tenant_id = $1 AND server_id = $2 AND connected "
        "AND seen_at > now() - make_interval(secs => $4) RETURNING exchange_id",
        tenant, server, path, static_cast<int>(kAlive.count()));
    tx.Commit();
    if (rows.empty()) return NotConnected(tenant, server);
    id = rows[0].Int(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.hub.answer_timeout;
  auto take = [&]() -> std::optional<Answer> {
    db::TenantTransaction tx(pool_, tenant);
    const db::Rows rows = tx.Exec(
        "DELETE FROM relay_exchanges WHERE tenant_id = $1 AND exchange_id = $2 AND answered_at IS NOT NULL "
        "RETURNING coalesce(status, 0), coalesce(content_type, ''), body, coalesce(problem, '')",
        tenant, id);
    tx.Commit();
    if (rows.empty()) return std::nullopt;
    Answer answer;
    answer.status = static_cast<int>(rows[0].Int(0));
    answer.content_type = rows[0].String(1);
    answer.body = rows[0].IsNull(2) ? "" : rows[0].Bytes(2);
    const std::string problem = rows[0].String(3);
    if (problem.starts_with("refused: ")) answer.refused = problem.substr(9);
    if (problem.starts_with("failed: ")) answer.failed = problem.substr(8);
    return answer;
  };
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      seen = answer_notices_;
    }
    if (auto answer = take()) return std::move(*answer);
    std::unique_lock lock(mutex_);
    // A notice, or a look every second should notices be lost.
    answers_.wait_for(lock, std::chrono::seconds(1), [&] { return answer_notices_ != seen || stopping_; });
    if (stopping_ || std::chrono::steady_clock::now() >= deadline) break;
  }
  db::TenantTransaction tx(pool_, tenant);
  tx.Exec("DELETE FROM relay_exchanges WHERE tenant_id = $1 AND exchange_id = $2", tenant, id);
  tx.Commit();
  return core::Error::Retryable(core::ErrorKind::timeout, "relay.timeout",
                                "the relay of this TeamCity server did not answer in time");
}

void Relays::Background() {
  auto next_beat = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Relays connecting or going are looked for twice a second: their state and their server's
    // jobs should not wait for the next heartbeat.
    wake_.wait_until(lock, std::min(next_beat, std::chrono::steady_clock::now() + std::chrono::milliseconds(500)),
                     [this] { return stopping_ || !exchange_tenants_.empty() || !token_tenants_.empty(); });
    if (stopping_) break;
    auto exchanges = std::exchange(exchange_tenants_, {});
    auto tokens = std::exchange(token_tenants_, {});
    const bool beat = std::chrono::steady_clock::now() >= next_beat;
    lock.unlock();
    try {
      if (!tokens.empty()) CheckTokens(tokens);
      if (!exchanges.empty()) ClaimExchanges(exchanges);
      const auto changed = hub_.TakeChanged();
      if (beat) CheckTokens({std::string(db::kEveryTenant)});  // also what a notice raced past
      if (beat || !changed.empty()) {
        Heartbeat();
        // Exchanges whose notice came while the feed was down, or before this process held the relay.
        ClaimExchanges({std::string(db::kEveryTenant)});
      }
      if (!changed.empty() && on_connected_) {
        const auto views = hub_.Views();
        for (const auto& server : changed) {
          const auto it = views.find(server);
          if (it != views.end() && it->second.connected) on_connected_(it->second.tenant, server);
        }
      }
    } catch (const std::exception& e) {
      log_.Warn("relay.background_failed", {{"error", e.what()}});
    }
    lock.lock();
    if (beat) next_beat = std::chrono::steady_clock::now() + options_.heartbeat;
  }
}

// relay_state of every relay this process holds or held: the admin pages and other processes read it.
// Exchanges of its tenants that nobody came back for (their asker was killed) go too.
void Relays::Heartbeat() {
  for (const auto& [server, view] : hub_.Views()) {
    // A relay that went is written once, not at every beat for as long as this process lives.
    if (view.tenant.str().empty() || (!view.connected && gone_written_.contains(server))) continue;
    try {
      WriteState(server, view);
      if (view.connected) {
        gone_written_.erase(server);
      } else {
        gone_written_.insert(server);
      }
    } catch (const std::exception& e) {
      // One relay's state not written must not keep the others' from being renewed.
      log_.Warn("relay.state_not_written", {{"server", server.str()}, {"error", e.what()}});
    }
  }
}

void Relays::WriteState(const core::ServerId& server, const RelayView& view) {
  db::TenantTransaction tx(pool_, view.tenant, db::Durability::relaxed);
    tx.Exec(
        "DELETE FROM relay_exchanges WHERE tenant_id = $1 AND server_id = $2 "
        "AND created_at < now() - interval '10 minutes'",
        view.tenant, server);
    if (view.connected) {
      tx.Exec(
          "INSERT INTO relay_state AS s (tenant_id, server_id, connected, holder, seen_at, connected_since, version, "
          "last_request_at, requests, refusals, last_refusal) "
          "VALUES ($1, $2, true, $3, now(), $4::timestamptz, $5, nullif($6, '')::timestamptz, $7, $8, nullif($9, '')) "
          "ON CONFLICT (tenant_id, server_id) DO UPDATE SET connected = true, holder = $3, seen_at = now(), "
          "connected_since = $4::timestamptz, version = $5, last_request_at = nullif($6, '')::timestamptz, "
          "requests = $7, refusals = $8, last_refusal = nullif($9, '')",
          view.tenant, server, options_.holder, Rfc3339(view.connected_since), view.version, Rfc3339(view.last_request),
          static_cast<long long>(view.requests), static_cast<long long>(view.refusals), view.last_refusal);
    } else {
      // Only the holder says it is gone: the relay may have moved to another process meanwhile.
      tx.Exec(
          "UPDATE relay_state SET connected = false, disconnected_at = now() "
          "WHERE tenant_id = $1 AND server_id = $2 AND holder = $3 AND connected",
          view.tenant, server, options_.holder);
    }
    tx.Commit();
}

// Takes the exchanges other processes wrote for relays held here.
void Relays::ClaimExchanges(const std::set<std::string>& tenants) {
  std::map<core::TenantId, std::vector<std::string>> held;
  for (const auto& [server, view] : hub_.Views()) {
    if (!view.connected) continue;
    if (tenants.contains(std::string(db::kEveryTenant)) || tenants.contains(view.tenant.str())) {
      held[view.tenant].push_back(server.str());
    }
  }
  for (const auto& [tenant, servers] : held) {
    db::TenantTransaction tx(pool_, tenant);
    const db::Rows rows = tx.Exec(
        "UPDATE relay_exchanges SET claimed_by = $3 WHERE tenant_id = $1 AND server_id = ANY($2::uuid[]) "
        "AND claimed_by IS NULL RETURNING exchange_id, server_id, path",
        tenant, servers, options_.holder);
    tx.Commit();
    if (rows.empty()) continue;
    std::lock_guard lock(mutex_);
    for (db::Row r : rows) claimed_.push_back(Claimed{tenant, core::ServerId(r.String(1)), r.Int(0), r.String(2)});
    forward_.notify_all();
  }
}

// Relays whose token stopped being valid (revoked, rotated, server removed, site uninstalled) are
// disconnected at once, not at their next poll.
void Relays::CheckTokens(const std::set<std::string>& tenants) {
  std::map<core::TenantId, std::vector<core::ServerId>> held;
  for (const auto& [server, view] : hub_.Views()) {
    if (tenants.contains(std::string(db::kEveryTenant)) || tenants.contains(view.tenant.str())) {
      held[view.tenant].push_back(server);
    }
  }
  for (const auto& [tenant, servers] : held) {
    std::set<std::pair<std::string, std::string>> live;  // server, token
    {
      db::TenantTransaction tx(pool_, tenant, db::Durability::relaxed);
      for (db::Row r : tx.Exec("SELECT r.server_id, r.token_id FROM relay_tokens r JOIN teamcity_servers s USING "
                               "(tenant_id, server_id) "
                               "JOIN tenants t USING (tenant_id) WHERE r.tenant_id = $1 AND r.revoked_at IS NULL "
                               "AND s.auth_kind = 'relay' AND NOT s.deleting AND t.state <> 'uninstalled'",
                               tenant)) {
        live.emplace(r.String(0), r.String(1));
      }
      tx.Commit();
    }
    const auto views = hub_.Views();
    for (const auto& server : servers) {
      const auto it = views.find(server);
      if (it == views.end() || !live.contains({server.str(), it->second.token_id})) {
        hub_.Disconnect(server, "its relay token is no longer valid");
      }
    }
  }
}

// Runs claimed exchanges, at most kForwardsPerRelay of one relay at a time: a relay that takes
// requests and never answers holds two forwarders, not all of them.
void Relays::Forward() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = claimed_.end();
    forward_.wait(lock, [&] {
      next = std::find_if(claimed_.begin(), claimed_.end(),
                          [&](const Claimed& c) { return forwarding_[c.server] < kForwardsPerRelay; });
      return stopping_ || next != claimed_.end();
    });
    if (stopping_) break;
    Claimed work = std::move(*next);
    claimed_.erase(next);
    ++forwarding_[work.server];
    lock.unlock();
    try {
      auto answer = hub_.Exchange(work.tenant, work.server, work.path);
      int status = 0;
      std::string content_type;
      std::string body;
      std::string problem;
      if (!answer) {
        problem = "failed: " + answer.error().message;
      } else if (!answer->refused.empty()) {
        problem = "refused: " + answer->refused;
      } else if (!answer->failed.empty()) {
        problem = "failed: " + answer->failed;
      } else {
        status = answer->status;
        content_type = std::move(answer->content_type);
        body = std::move(answer->body);
      }
      db::TenantTransaction tx(pool_, work.tenant);
      tx.Exec(
          "UPDATE relay_exchanges SET answered_at = now(), status = $3, content_type = $4, body = $5, problem = $6 "
          "WHERE tenant_id = $1 AND exchange_id = $2",
          work.tenant, static_cast<long long>(work.id), status, content_type, db::Param::Bytes(body), problem);
      tx.Commit();
    } catch (const std::exception& e) {
      log_.Warn("relay.forward_failed", {{"server", work.server.str()}, {"error", e.what()}});
    }
    lock.lock();
    if (--forwarding_[work.server] == 0) forwarding_.erase(work.server);
    forward_.notify_all();
  }
}

http::Response Relays::Poll(http::Request& request) {
  const auto* link = std::any_cast<RelayLink>(&request.principal.verified);
  if (link == nullptr) return http::Response::Error(401, "unauthenticated", "Authentication is required.");
  const auto instance = request.headers.Get(kInstanceHeader).value_or("");
  const auto version = request.headers.Get(kVersionHeader).value_or("");
  if (!Printable(instance, 64) || (!version.empty() && !Printable(version, 64))) {
    return http::Response::Error(400, "bad_request",
                                 "X-Relay-Instance (1 to 64 printable characters) is required, and X-Relay-Version "
                                 "must be printable.");
  }
  if (request.headers.Get(kGoodbyeHeader)) {
    hub_.Goodbye(link->server, std::string(instance));
    http::Response bye;
    bye.status = 204;
    return bye;
  }
  std::optional<std::pair<std::uint64_t, Answer>> answer;
  if (const auto id_text = request.headers.Get(kAnswerHeader)) {
    const auto id = Number(*id_text);
    if (!id) return http::Response::Error(400, "bad_request", "X-Relay-Answer must be a request id.");
    Answer a;
    // The relay's words reach logs, the database and admin pages: printable ASCII only.
    a.refused = HeaderSafe(request.headers.Get(kRefusedHeader).value_or(""));
    a.failed = HeaderSafe(request.headers.Get(kFailedHeader).value_or(""));
    if (a.refused.empty() && a.failed.empty()) {
      const auto status = Number(request.headers.Get(kStatusHeader).value_or(""));
      if (!status || *status < 100 || *status > 599) {
        return http::Response::Error(400, "bad_request",
                                     "An answer needs X-Relay-Status (TeamCity's status), X-Relay-Refused or "
                                     "X-Relay-Failed.");
      }
      a.status = static_cast<int>(*status);
      a.content_type = HeaderSafe(request.headers.Get(kContentTypeHeader).value_or(""));
      a.body = std::move(request.body);
    }
    answer.emplace(*id, std::move(a));
  }
  http::Response later;
  later.later = [this, link = *link, poller = PollerInfo{std::string(instance), std::string(version)},
                 answer = std::move(answer)](http::Response::Answer respond) mutable {
    hub_.Poll(link.tenant, link.server, link.token_id, poller, std::move(answer), std::move(respond));
  };
  return later;
}

bool RelayAuthenticator::Recognizes(const http::Request& request) const {
  const auto token = http::BearerToken(request);
  return token && token->starts_with(kTokenPrefix);
}

std::optional<http::Response> RelayAuthenticator::Authenticate(http::Request& request) const {
  const auto token = http::BearerToken(request);
  const auto link = token ? tokens_.Authenticate(*token) : std::nullopt;
  if (!link) {
    log_.Info("auth.rejected", {{"kind", "relay_token"}, {"request_id", request.request_id}});
    return http::Response::Error(401, "unauthenticated", "This relay token is not valid.");
  }
  request.principal.tenant = link->tenant;
  request.principal.subject = link->server.str();
  request.principal.verified = *link;
  return std::nullopt;
}

void AddRelayRoutes(http::Router& router, Relays& relays) {
  router.Add({.method = "POST",
              .pattern = std::string(kExchangePath),
              .auth = {http::AuthKind::relay_token},
              .max_body_bytes = kMaxAnswerBytes + 64 * 1024,
              .execution = http::Execution::io_thread_first,
              // Each poll is one TeamCity request the service asked for: its pace is the sync's.
              .rate_limit = http::RateLimit::none,
              .handler = [&relays](http::Request& r) { return relays.Poll(r); }});
}

}  // namespace tcj::relay
