// sync: the backfill's read-ahead: the next page read from TeamCity, completed, mapped and prepared
// as rows on a thread of its own while the job's thread writes the current one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "sync/build_store.hpp"
#include "sync/context.hpp"
#include "sync/teamcity_reader.hpp"
#include "sync/workers.hpp"

namespace tcj::sync {

// Runs work on a thread of its own while this one renews the job's lease every second: for
// TeamCity requests that can outlast a lease (a count over a long history). LeaseLost when the
// lease was lost meanwhile; the work still runs to its end, and its result is dropped.
core::Status KeepingLease(JobContext& job, std::function<core::Status()> work);

// A page of the walk, ready to store.
struct ReadyPage {
  std::optional<std::string> next_href;
  std::size_t build_count = 0;       // builds on the page as TeamCity sent it, readable or not
  std::int64_t lowest_build_id = 0;  // 0 for an empty page
  BuildRows rows;
  UnreadableBuilds unreadable;  // left out of `rows` (unreadable_builds.hpp)
};

// One page runs ahead at a time. The read-ahead uses the reader's TeamCity client alone (the job's
// thread only writes meanwhile) and never renews the job's lease: Take does, while it waits. A
// page nobody wants any more is cancelled: its reading stops before its next TeamCity request.
class PageAhead {
 public:
  PageAhead(SyncContext& context, TeamCityReader& reader) : context_(context), reader_(reader) {}
  ~PageAhead() { Cancel(); }
  PageAhead(const PageAhead&) = delete;
  PageAhead& operator=(const PageAhead&) = delete;

  // The page at href (the scope's first page without one): the one read ahead, or read now.
  core::Result<ReadyPage> Take(JobContext& job, const std::string& scope_locator,
                               const std::optional<std::string>& href);

  // Starts reading the page at href.
  void Prefetch(const std::string& href) { Start("", href); }

 private:
  void Start(const std::string& scope_locator, const std::optional<std::string>& href);
  void Cancel();  // stops the read in flight and waits for it

  SyncContext& context_;
  TeamCityReader& reader_;
  std::optional<std::string> next_href_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::future<core::Result<ReadyPage>> next_;
};

}  // namespace tcj::sync
