// jira: cutting prepared records into requests, and halving a request to isolate a bad record.
#pragma once

// Pure function templates on caller-owned vectors; thread-safe.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "jira/devinfo_model.hpp"

namespace tcj::jira {

// Consecutive batches of at most max_per_batch records (at least 1), in the given order; no batch
// is empty, and no records means no batches.
template <typename Record>
std::vector<std::vector<Record>> SplitIntoBatches(std::vector<Record> records,
                                                  std::size_t max_per_batch = kMaxRecordsPerRequest) {
  max_per_batch = std::max<std::size_t>(max_per_batch, 1);
  std::vector<std::vector<Record>> batches;
  batches.reserve((records.size() + max_per_batch - 1) / max_per_batch);
  for (std::size_t start = 0; start < records.size(); start += max_per_batch) {
    const std::size_t end = std::min(records.size(), start + max_per_batch);
    const auto first = records.begin() + static_cast<std::ptrdiff_t>(start);
    const auto last = records.begin() + static_cast<std::ptrdiff_t>(end);
    batches.emplace_back(std::make_move_iterator(first), std::make_move_iterator(last));
  }
  return batches;
}

// The two halves of a batch (the first gets the odd record), for retrying after a 400 that names no
// record, or a 413: halving until a single record still fails finds the bad one in log2(n) steps.
// With fewer than two records the second half is empty: the batch cannot be split further.
template <typename Record>
std::pair<std::vector<Record>, std::vector<Record>> SplitInHalf(std::vector<Record> batch) {
  const std::size_t first_size = (batch.size() + 1) / 2;
  const auto middle = batch.begin() + static_cast<std::ptrdiff_t>(first_size);
  std::vector<Record> second(std::make_move_iterator(middle), std::make_move_iterator(batch.end()));
  batch.erase(middle, batch.end());
  return {std::move(batch), std::move(second)};
}

}  // namespace tcj::jira
