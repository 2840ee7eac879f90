// core: Prometheus metrics. Components declare their metrics once, in one struct, at startup.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tcj::core {

class Counter {
 public:
  void Inc(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // one per bound, then +Inf
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // not cumulative; last is +Inf
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, from 100 microseconds to 30 seconds.
std::vector<double> LatencyBuckets();

// A metric with labels. Children are created on first use and live as long as the registry;
// keep label values bounded (route patterns, status codes, reasons), never ids or tenants.
template <typename Metric>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<Metric>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  Metric& Labels(std::initializer_list<std::string_view> values) {
    std::string key;
    for (std::string_view v : values) {
      key.append(v);
      key.push_back('\x1f');
    }
    {
      std::shared_lock lock(mutex_);
      if (auto it = children_.find(key); it != children_.end()) {
        return *it->second.metric;
      }
    }
    std::unique_lock lock(mutex_);
    auto [it, inserted] = children_.try_emplace(key);
    if (inserted) {
      it->second.values.assign(values.begin(), values.end());
      it->second.metric = make_();
    }
    return *it->second.metric;
  }

  const std::vector<std::string>& label_names() const { return label_names_; }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::shared_lock lock(mutex_);
    for (const auto& [key, child] : children_) {
      fn(child.values, *child.metric);
    }
  }

 private:
  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<Metric> metric;
  };
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<Metric>()> make_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Child> children_;
};

// Owns every metric of the process and renders them in the Prometheus text format (0.0.4).
// Registration happens at startup; names must be unique. Thread-safe.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& AddCounter(std::string name, std::string help);
  Gauge& AddGauge(std::string name, std::string help);
  Family<Counter>& AddCounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  Family<Gauge>& AddGaugeFamily(std::string name, std::string help, std::vector<std::string> labels);
  Family<Histogram>& AddHistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                                        std::vector<double> buckets);
  // A gauge whose value is read when scraped (resident memory, pool sizes, rows per key id).
  void AddCallbackGauge(std::string name, std::string help, std::function<double()> read);
  // The same with labels: read() returns (label values, value) pairs at scrape time.
  using LabeledValues = std::vector<std::pair<std::vector<std::string>, double>>;
  void AddCallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> labels,
                              std::function<LabeledValues()> read);

  std::string RenderPrometheus() const;

 private:
  struct Entry;
  Entry& Register(std::string name, std::string help, std::string_view type);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace tcj::core
