#include "sync/backfill_pages.hpp"

#include <chrono>
#include <utility>

#include "sync/unreadable_builds.hpp"

namespace tcj::sync {
namespace {

// Leases are 5 s at the shortest.
constexpr auto kRenewEvery = std::chrono::seconds(1);

// The read-ahead's view of the job: it stops when cancelled and renews nothing.
class ReadAheadContext final : public JobContext {
 public:
  explicit ReadAheadContext(std::shared_ptr<std::atomic<bool>> cancelled) : cancelled_(std::move(cancelled)) {}
  bool stopping() const override { return *cancelled_; }

 private:
  bool Renew() override { return !*cancelled_; }
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

core::Result<ReadyPage> ReadPage(TeamCityReader& reader, const std::string& scope_locator,
                                 const std::optional<std::string>& href, JobContext& job) {
  auto page = href ? reader.client().NextPage(*href) : reader.client().Builds(scope_locator);
  if (!page) return std::move(page).take_error();
  ReadyPage ready;
  ready.next_href = std::move(page->next_href);
  ready.build_count = page->SentCount();
  ready.unreadable = std::move(page->unreadable);
  BuildsById builds;
  for (auto& build : page->builds) {
    const std::int64_t id = build.id;
    builds.insert_or_assign(id, std::move(build));
  }
  if (auto complete = reader.Complete(builds, ready.unreadable, job, TeamCityReader::Upstreams::later); !complete) {
    return std::move(complete).take_error();
  }
  SettleUnreadable(ready.unreadable, builds);
  if (!builds.empty()) ready.lowest_build_id = builds.begin()->first;
  ready.rows = PrepareBackfillRows(reader.Map(builds));
  return ready;
}

}  // namespace

core::Status KeepingLease(JobContext& job, std::function<core::Status()> work) {
  auto done = std::async(std::launch::async, std::move(work));
  while (done.wait_for(kRenewEvery) != std::future_status::ready) {
    if (!job.KeepAlive()) return LeaseLost();  // the future's destructor waits for the work
  }
  return done.get();
}

core::Result<ReadyPage> PageAhead::Take(JobContext& job, const std::string& scope_locator,
                                        const std::optional<std::string>& href) {
  if (!next_.valid() || href != next_href_) {
    Cancel();  // a page nobody wants any more
    Start(scope_locator, href);
  }
  // A page of a slow TeamCity can take minutes to complete.
  while (next_.wait_for(kRenewEvery) != std::future_status::ready) {
    if (!job.KeepAlive()) {
      Cancel();
      return LeaseLost();
    }
  }
  auto page = next_.get();
  if (page) context_.metrics.builds_read.Inc(page->build_count);
  return page;
}

void PageAhead::Start(const std::string& scope_locator, const std::optional<std::string>& href) {
  next_href_ = href;
  cancelled_ = std::make_shared<std::atomic<bool>>(false);
  next_ = std::async(std::launch::async, [&reader = reader_, scope_locator, href, cancelled = cancelled_] {
    ReadAheadContext job(cancelled);
    return ReadPage(reader, scope_locator, href, job);
  });
}

void PageAhead::Cancel() {
  if (!next_.valid()) return;
  *cancelled_ = true;
  next_.wait();
  next_ = {};
}

}  // namespace tcj::sync
