#include "relay/agent.hpp"

#include <thread>
#include <vector>

#include "core/backoff.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "relay/allowlist.hpp"

namespace tcj::relay {
namespace {

// The service parks a poll up to 20 s (HubOptions::poll_wait); this leaves room for its answer.
constexpr std::chrono::seconds kPollTimeout{50};
constexpr std::size_t kMaxRequestBytes = 64 * 1024;

std::string Excerpt(std::string_view path) {
  return core::SafeExcerpt(path, 120);
}

}  // namespace

Agent::Agent(AgentConfig config, core::Secret token, std::shared_ptr<http::HttpClient> service,
             std::unique_ptr<teamcity::Transport> teamcity, core::Logger log)
    : config_(std::move(config)),
      service_(std::move(service)),
      teamcity_(std::move(teamcity)),
      log_(std::move(log)),
      instance_(core::RandomHex(16)),
      token_(std::move(token)) {}

Agent::~Agent() {
  Stop();
}

void Agent::Stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  stop_signal_.notify_all();
}

bool Agent::Sleep(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mutex_);
  return !stop_signal_.wait_for(lock, how_long, [this] { return stopping_; });
}

core::Secret Agent::Token() {
  std::lock_guard lock(mutex_);
  return token_;
}

void Agent::Run(std::chrono::seconds status_every) {
  log_.Info("relay.started", {{"service_url", config_.service_url},
                              {"teamcity", config_.teamcity_url},
                              {"channels", config_.channels},
                              {"version", core::Version()}});
  std::vector<std::thread> channels;
  channels.reserve(static_cast<std::size_t>(config_.channels));
  for (int i = 0; i < config_.channels; ++i) channels.emplace_back([this, i] { Channel(i); });
  while (Sleep(status_every)) {
    log_.Info("relay.status", {{"connected", counters_.channels_connected.load() > 0},
                               {"channels_connected", counters_.channels_connected.load()},
                               {"requests_served", counters_.served.load()},
                               {"requests_refused", counters_.refused.load()},
                               {"teamcity_errors", counters_.teamcity_errors.load()}});
  }
  for (auto& t : channels) t.join();
  SayGoodbye();
  log_.Info("relay.stopped", {{"requests_served", counters_.served.load()}});
}

// Tells the service this relay is gone now: it fails what it still waits for at once, and the
// admin pages say so, instead of noticing a silence later.
void Agent::SayGoodbye() {
  http::ClientRequest bye{.method = "POST", .url = config_.service_url + std::string(kExchangePath)};
  bye.headers.Set("Authorization", "Bearer " + std::string(Token().reveal()));
  bye.headers.Set(std::string(kInstanceHeader), instance_);
  bye.headers.Set(std::string(kVersionHeader), core::Version());
  bye.headers.Set(std::string(kGoodbyeHeader), "1");
  bye.connect_timeout = std::chrono::seconds(2);
  bye.total_timeout = std::chrono::seconds(3);
  bye.max_response_bytes = kMaxRequestBytes;
  if (auto sent = service_->Send(bye); !sent) log_.Debug("relay.goodbye_failed", {{"error", sent.error().message}});
}

bool Agent::Pace() {
  // One clock for every channel: requests leave at most max_requests_per_second apart.
  const auto gap = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / config_.max_requests_per_second));
  std::chrono::steady_clock::time_point slot;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    slot = std::max(now, next_request_);
    next_request_ = slot + gap;
  }
  const auto wait = slot - std::chrono::steady_clock::now();
  return wait <= std::chrono::steady_clock::duration::zero() ||
         Sleep(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
}

Answer Agent::Ask(const std::string& path) {
  Answer answer;
  const Verdict verdict = CheckRequest(path);
  if (!verdict.allowed) {
    counters_.refused.fetch_add(1);
    log_.Warn("relay.refused", {{"path", Excerpt(path)}, {"reason", verdict.reason}});
    answer.refused = verdict.reason;
    return answer;
  }
  if (!Pace()) {
    answer.failed = "the relay is stopping";
    return answer;
  }
  auto response = teamcity_->Get(path);
  if (!response) {
    counters_.teamcity_errors.fetch_add(1);
    log_.Warn("relay.teamcity_failed", {{"path", Excerpt(path)}, {"error", response.error().message}});
    answer.failed = response.error().message;
    return answer;
  }
  if (response->status >= 500) counters_.teamcity_errors.fetch_add(1);
  log_.Debug("relay.request", {{"path", Excerpt(path)}, {"status", response->status}});
  answer.status = response->status;
  answer.content_type = std::string(response->headers.Get("Content-Type").value_or(""));
  answer.body = std::move(response->body);
  return answer;
}

void Agent::Channel(int index) {
  const core::Backoff backoff(core::BackoffPolicy{.base = std::chrono::seconds(1), .cap = std::chrono::seconds(60)});
  std::optional<Pending> pending;  // the answer the next poll carries
  int failures = 0;
  bool connected = false;
  auto disconnected = [&](std::string_view event, std::initializer_list<core::LogField> fields) {
    if (connected) counters_.channels_connected.fetch_sub(1);
    // The first failure of a run is a warning; the repeats are there for debugging only.
    log_.Log(connected || failures == 0 ? core::LogLevel::warn : core::LogLevel::debug, event, fields);
    connected = false;
  };
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    http::ClientRequest poll{.method = "POST", .url = config_.service_url + std::string(kExchangePath)};
    poll.headers.Set("Authorization", "Bearer " + std::string(Token().reveal()));
    poll.headers.Set(std::string(kInstanceHeader), instance_);
    poll.headers.Set(std::string(kVersionHeader), core::Version());
    poll.headers.Set("Content-Type", "application/octet-stream");
    if (pending) {
      poll.headers.Set(std::string(kAnswerHeader), std::to_string(pending->id));
      const Answer& a = pending->answer;
      if (!a.refused.empty()) {
        poll.headers.Set(std::string(kRefusedHeader), HeaderSafe(a.refused));
      } else if (!a.failed.empty()) {
        poll.headers.Set(std::string(kFailedHeader), HeaderSafe(a.failed));
      } else {
        poll.headers.Set(std::string(kStatusHeader), std::to_string(a.status));
        if (!a.content_type.empty()) poll.headers.Set(std::string(kContentTypeHeader), HeaderSafe(a.content_type));
        poll.body = a.body;
      }
    }
    poll.connect_timeout = std::chrono::seconds(10);
    poll.total_timeout = kPollTimeout;
    poll.max_response_bytes = kMaxRequestBytes;
    poll.cancelled = [this] {
      std::lock_guard lock(mutex_);
      return stopping_;
    };
    auto response = service_->Send(poll);
    if (!response) {
      if (response.error().code == "http.cancelled") break;
      // The answer is kept and sent again: the service takes it once.
      disconnected("relay.service_unreachable", {{"channel", index}, {"error", response.error().message}});
      if (!Sleep(backoff.Delay(failures++))) break;
      continue;
    }
    const int status = response->status;
    if (status == 401) {
      pending.reset();  // asked through a token that is no longer valid: nobody waits for it
      disconnected("relay.token_refused",
                   {{"channel", index},
                    {"message",
                     "the service refused the relay token: it was revoked or rotated; put the new one in "
                     "service.token_file"}});
      if (config_.token_file != "-") {
        if (auto token = ReadSecretFile(config_.token_file)) {
          std::lock_guard lock(mutex_);
          token_ = std::move(*token);
        }
      }
      if (!Sleep(backoff.Delay(failures++) + std::chrono::seconds(5))) break;
      continue;
    }
    if (status == 413 && pending) {
      pending->answer = Answer{};
      pending->answer.failed = "TeamCity's answer is larger than the service accepts";
      continue;
    }
    if (status != 200 && status != 204) {
      disconnected("relay.service_error",
                   {{"channel", index}, {"status", status}, {"error", core::SafeExcerpt(response->body, 200)}});
      if (!Sleep(backoff.Delay(failures++))) break;
      continue;
    }
    // Delivered, if there was an answer.
    if (pending) counters_.served.fetch_add(1);
    pending.reset();
    failures = 0;
    if (!connected) {
      connected = true;
      counters_.channels_connected.fetch_add(1);
      log_.Info("relay.channel_connected", {{"channel", index}});
    }
    if (status == 204) continue;
    const auto request = DecodeRequest(response->body);
    if (!request) {
      log_.Warn("relay.bad_request", {{"channel", index}, {"body", core::SafeExcerpt(response->body, 120)}});
      continue;
    }
    pending = Pending{request->id, Ask(request->path)};
  }
  if (connected) counters_.channels_connected.fetch_sub(1);
}

std::unique_ptr<teamcity::Transport> MakeAgentTeamCityTransport(const AgentConfig& config,
                                                                tenants::TeamCityCredentials credentials,
                                                                std::shared_ptr<http::HttpClient> http) {
  teamcity::ClientOptions options;
  options.total_timeout = config.timeout;
  options.max_response_bytes = config.max_response_bytes;
  // Every address is allowed: the relay's TeamCity is inside the network by design, and the
  // allowlist admits paths of this one server only.
  return teamcity::MakeDirectTransport(std::move(http), {config.teamcity_url, std::move(credentials)}, options);
}

}  // namespace tcj::relay
