#include "relay/hub.hpp"

#include <algorithm>

namespace tcj::relay {
namespace {

using Clock = std::chrono::steady_clock;

core::Error NotConnected(const std::string& detail) {
  return core::Error::Retryable(core::ErrorKind::unavailable, "relay.not_connected",
                                "the relay of this TeamCity server is not connected" + detail);
}

http::Response Empty(int status) {
  http::Response r;
  r.status = status;
  return r;
}

}  // namespace

// One request from its asking to its answer.
struct Hub::Waiter {
  std::uint64_t id = 0;
  std::string path;
  Clock::time_point deadline;
  std::optional<core::Result<Answer>> outcome;
  std::condition_variable done;
};

// A relay as this process sees it.
struct Hub::Session {
  RelayView view;
  std::string instance;
  Clock::time_point last_poll;
  std::deque<Channel> parked;
  std::deque<std::shared_ptr<Waiter>> waiting;                 // for a channel
  std::map<std::uint64_t, std::shared_ptr<Waiter>> in_flight;  // handed to a channel
};

Hub::Hub(HubOptions options, core::Logger log) : options_(options), log_(std::move(log)) {
  reaper_ = std::thread([this] { Reap(); });
}

Hub::~Hub() {
  Stop();
  if (reaper_.joinable()) reaper_.join();
}

bool Hub::Holds(const core::TenantId& tenant, const core::ServerId& server) const {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(server);
  return it != sessions_.end() && it->second->view.connected && it->second->view.tenant == tenant;
}

core::Result<Answer> Hub::Exchange(const core::TenantId& tenant, const core::ServerId& server, std::string path) {
  auto waiter = std::make_shared<Waiter>();
  std::unique_lock lock(mutex_);
  if (stopping_) return NotConnected(" (this process is stopping)");
  const auto it = sessions_.find(server);
  if (it == sessions_.end() || !it->second->view.connected || it->second->view.tenant != tenant) {
    return NotConnected("");
  }
  Session& session = *it->second;
  if (session.waiting.size() >= options_.max_waiting) {
    return core::Error::Retryable(core::ErrorKind::rate_limited, "relay.busy",
                                  "the relay of this TeamCity server has too many requests waiting");
  }
  waiter->id = next_id_++;
  waiter->path = std::move(path);
  waiter->deadline = Clock::now() + options_.answer_timeout;
  if (!session.parked.empty() && session.in_flight.size() < options_.max_channels) {
    Channel channel = std::move(session.parked.front());
    session.parked.pop_front();
    Hand(session, waiter, channel);
  } else {
    session.waiting.push_back(waiter);
  }
  waiter->done.wait_until(lock, waiter->deadline, [&] { return waiter->outcome.has_value(); });
  if (!waiter->outcome) {
    Session& s = *sessions_.at(server);  // sessions are never erased
    s.in_flight.erase(waiter->id);
    std::erase(s.waiting, waiter);
    return core::Error::Retryable(core::ErrorKind::timeout, "relay.timeout",
                                  "the relay of this TeamCity server did not answer within " +
                                      std::to_string(options_.answer_timeout.count() / 1000) + " s");
  }
  return std::move(*waiter->outcome);
}

void Hub::Hand(Session& session, const std::shared_ptr<Waiter>& waiter, const Channel& channel) {
  session.in_flight.emplace(waiter->id, waiter);
  session.view.last_request = std::chrono::system_clock::now();
  http::Response r = http::Response::Json(200, EncodeRequest({waiter->id, waiter->path}));
  r.headers.Set("Cache-Control", "no-store");
  channel.respond(std::move(r));  // posts the write: cheap under the lock
}

void Hub::FailAll(Session& session, const core::Error& error) {
  for (auto& [id, waiter] : session.in_flight) {
    waiter->outcome = error;
    waiter->done.notify_all();
  }
  session.in_flight.clear();
  for (auto& waiter : session.waiting) {
    waiter->outcome = error;
    waiter->done.notify_all();
  }
  session.waiting.clear();
}

void Hub::Poll(const core::TenantId& tenant, const core::ServerId& server, const std::string& token_id,
               const PollerInfo& poller, std::optional<std::pair<std::uint64_t, Answer>> answer, Respond respond) {
  std::lock_guard lock(mutex_);
  if (stopping_) return respond(http::Response::Error(503, "stopping", "This process is stopping; reconnect."));
  auto& slot = sessions_[server];
  if (!slot) slot = std::make_unique<Session>();
  Session& session = *slot;
  const auto now = Clock::now();
  if (session.instance != poller.instance) {
    // A restarted relay (or a first poll): what the old one was asked will never be answered, and
    // its parked channels are dead connections.
    if (!session.instance.empty()) {
      FailAll(session, core::Error::Retryable(core::ErrorKind::unavailable, "relay.restarted",
                                              "the relay of this TeamCity server restarted before answering"));
      for (auto& channel : session.parked) channel.respond(Empty(409));
      session.parked.clear();
      session.view.connected = false;  // connected again, just below
    }
    session.instance = poller.instance;
  }
  if (!session.view.connected) {
    session.view.connected = true;
    session.view.connected_since = std::chrono::system_clock::now();
    changed_.push_back(server);
    log_.Info("relay.connected", {{"server", server.str()}, {"tenant", tenant.str()}, {"version", poller.version}});
  }
  session.view.tenant = tenant;
  session.view.token_id = token_id;
  session.view.version = poller.version;
  session.last_poll = now;

  if (answer) {
    const auto it = session.in_flight.find(answer->first);
    if (it != session.in_flight.end()) {
      ++session.view.requests;
      if (!answer->second.refused.empty()) {
        ++session.view.refusals;
        session.view.last_refusal = answer->second.refused;
        log_.Warn("relay.refused", {{"server", server.str()}, {"reason", answer->second.refused}});
      }
      it->second->outcome = std::move(answer->second);
      it->second->done.notify_all();
      session.in_flight.erase(it);
    }  // else: answered after its asker gave up, or sent twice after a lost response
  }

  // A relay holds at most max_channels requests: one that takes them and never answers gets no more.
  if (!session.waiting.empty() && session.in_flight.size() < options_.max_channels) {
    auto waiter = std::move(session.waiting.front());
    session.waiting.pop_front();
    return Hand(session, waiter, Channel{std::move(respond), {}});
  }
  if (session.parked.size() >= options_.max_channels) {
    return respond(http::Response::Error(429, "too_many_channels",
                                         "This relay has " + std::to_string(options_.max_channels) +
                                             " channels open already; lower service.channels in its configuration."));
  }
  session.parked.push_back(Channel{std::move(respond), now + options_.poll_wait});
  reaper_wake_.notify_one();
}

void Hub::Disconnect(const core::ServerId& server, const std::string& why) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(server);
  if (it != sessions_.end()) DisconnectLocked(server, *it->second, why, 401);
}

void Hub::Goodbye(const core::ServerId& server, const std::string& instance) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(server);
  // Only the relay process that is connected can say it is leaving, not an older one.
  if (it != sessions_.end() && it->second->instance == instance) {
    DisconnectLocked(server, *it->second, "the relay stopped", 204);
  }
}

void Hub::DisconnectLocked(const core::ServerId& server, Session& session, const std::string& why, int status) {
  FailAll(session, NotConnected(" (" + why + ")"));
  for (auto& channel : session.parked) {
    channel.respond(status == 401
                        ? http::Response::Error(401, "unauthenticated", "This relay token is no longer valid.")
                        : Empty(status));
  }
  session.parked.clear();
  session.instance.clear();
  if (session.view.connected) {
    session.view.connected = false;
    session.view.disconnected_at = std::chrono::system_clock::now();
    changed_.push_back(server);
    log_.Info("relay.disconnected", {{"server", server.str()}, {"reason", why}});
  }
}

std::map<core::ServerId, RelayView> Hub::Views() const {
  std::lock_guard lock(mutex_);
  std::map<core::ServerId, RelayView> out;
  for (const auto& [server, session] : sessions_) out.emplace(server, session->view);
  return out;
}

std::vector<core::ServerId> Hub::TakeChanged() {
  std::lock_guard lock(mutex_);
  return std::exchange(changed_, {});
}

void Hub::Stop() {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  stopping_ = true;
  for (auto& [server, session] : sessions_) {
    FailAll(*session, NotConnected(" (this process is stopping)"));
    for (auto& channel : session->parked) {
      channel.respond(http::Response::Error(503, "stopping", "This process is stopping; reconnect."));
    }
    session->parked.clear();
    if (session->view.connected) {
      session->view.connected = false;
      session->view.disconnected_at = std::chrono::system_clock::now();
    }
  }
  reaper_wake_.notify_all();
}

// Answers channels whose wait is over, and notices relays that stopped polling.
void Hub::Reap() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    reaper_wake_.wait_for(lock, std::chrono::milliseconds(500));
    const auto now = Clock::now();
    for (auto& [server, session] : sessions_) {
      auto& parked = session->parked;
      while (!parked.empty() && parked.front().deadline <= now) {
        parked.front().respond(Empty(204));
        parked.pop_front();
      }
      // Silent, with nothing parked and nothing being worked on (a slow TeamCity answer keeps a
      // relay's channels busy without a poll for as long as the relay's timeout).
      if (session->view.connected && parked.empty() && session->in_flight.empty() &&
          now - session->last_poll > options_.gone_after) {
        session->view.connected = false;
        session->view.disconnected_at = std::chrono::system_clock::now();
        FailAll(*session, NotConnected(" (it stopped polling)"));
        changed_.push_back(server);
        log_.Warn("relay.gone", {{"server", server.str()}});
      }
    }
  }
}

}  // namespace tcj::relay
