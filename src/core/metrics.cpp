#include "core/metrics.hpp"

#include <cmath>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

namespace tcj::core {

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  std::size_t i = 0;
  while (i < upper_bounds_.size() && value > upper_bounds_[i]) {
    ++i;
  }
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative_counts.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
}

struct CallbackFamily {
  std::vector<std::string> labels;
  std::function<MetricsRegistry::LabeledValues()> read;
};

struct MetricsRegistry::Entry {
  std::string name;
  std::string help;
  std::string type;
  std::variant<std::monostate, std::unique_ptr<Counter>, std::unique_ptr<Gauge>,
               std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
               std::unique_ptr<Family<Histogram>>, std::function<double()>, CallbackFamily>
      metric;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Entry& MetricsRegistry::Register(std::string name, std::string help, std::string_view type) {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e->name == name) {
      throw std::logic_error("metric registered twice: " + name);
    }
  }
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->type = type;
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Counter& MetricsRegistry::AddCounter(std::string name, std::string help) {
  auto& e = Register(std::move(name), std::move(help), "counter");
  auto& m = e.metric.emplace<std::unique_ptr<Counter>>(std::make_unique<Counter>());
  return *m;
}

Gauge& MetricsRegistry::AddGauge(std::string name, std::string help) {
  auto& e = Register(std::move(name), std::move(help), "gauge");
  auto& m = e.metric.emplace<std::unique_ptr<Gauge>>(std::make_unique<Gauge>());
  return *m;
}

Family<Counter>& MetricsRegistry::AddCounterFamily(std::string name, std::string help,
                                                   std::vector<std::string> labels) {
  auto& e = Register(std::move(name), std::move(help), "counter");
  auto& m = e.metric.emplace<std::unique_ptr<Family<Counter>>>(
      std::make_unique<Family<Counter>>(std::move(labels), [] { return std::make_unique<Counter>(); }));
  return *m;
}

Family<Gauge>& MetricsRegistry::AddGaugeFamily(std::string name, std::string help,
                                               std::vector<std::string> labels) {
  auto& e = Register(std::move(name), std::move(help), "gauge");
  auto& m = e.metric.emplace<std::unique_ptr<Family<Gauge>>>(
      std::make_unique<Family<Gauge>>(std::move(labels), [] { return std::make_unique<Gauge>(); }));
  return *m;
}

Family<Histogram>& MetricsRegistry::AddHistogramFamily(std::string name, std::string help,
                                                       std::vector<std::string> labels,
                                                       std::vector<double> buckets) {
  auto& e = Register(std::move(name), std::move(help), "histogram");
  auto& m = e.metric.emplace<std::unique_ptr<Family<Histogram>>>(std::make_unique<Family<Histogram>>(
      std::move(labels), [buckets = std::move(buckets)] { return std::make_unique<Histogram>(buckets); }));
  return *m;
}

void MetricsRegistry::AddCallbackGauge(std::string name, std::string help, std::function<double()> read) {
  auto& e = Register(std::move(name), std::move(help), "gauge");
  e.metric.emplace<std::function<double()>>(std::move(read));
}

void MetricsRegistry::AddCallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> labels,
                                             std::function<LabeledValues()> read) {
  auto& e = Register(std::move(name), std::move(help), "gauge");
  e.metric.emplace<CallbackFamily>(CallbackFamily{std::move(labels), std::move(read)});
}

namespace {

void AppendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    fmt::format_to(std::back_inserter(out), "{}", static_cast<long long>(v));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void AppendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out.append("\\\\"); break;
      case '"': out.append("\\\""); break;
      case '\n': out.append("\\n"); break;
      default: out.push_back(c);
    }
  }
}

// {a="x",b="y"} with an optional extra label (the histogram's le).
void AppendLabels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) {
    return;
  }
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out.append(names[i]);
    out.append("=\"");
    AppendLabelValue(out, values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out.append(extra_name);
    out.append("=\"");
    out.append(extra_value);
    out.push_back('"');
  }
  out.push_back('}');
}

void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, double v) {
  out.append(name);
  AppendLabels(out, names, values);
  out.push_back(' ');
  AppendNumber(out, v);
  out.push_back('\n');
}

}  // namespace

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(4096);
  static const std::vector<std::string> kNone;
  for (const auto& e : entries_) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", e->name, e->help, e->name, e->type);
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, std::unique_ptr<Counter>> || std::is_same_v<T, std::unique_ptr<Gauge>>) {
            AppendSample(out, e->name, kNone, kNone, static_cast<double>(m->value()));
          } else if constexpr (std::is_same_v<T, std::function<double()>>) {
            AppendSample(out, e->name, kNone, kNone, m());
          } else if constexpr (std::is_same_v<T, CallbackFamily>) {
            for (const auto& [values, value] : m.read()) AppendSample(out, e->name, m.labels, values, value);
          } else if constexpr (std::is_same_v<T, std::unique_ptr<Family<Counter>>> ||
                               std::is_same_v<T, std::unique_ptr<Family<Gauge>>>) {
            m->ForEach([&](const std::vector<std::string>& values, const auto& child) {
              AppendSample(out, e->name, m->label_names(), values, static_cast<double>(child.value()));
            });
          } else if constexpr (std::is_same_v<T, std::unique_ptr<Family<Histogram>>>) {
            m->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
              const Histogram::Snapshot s = h.Read();
              const std::string bucket = e->name + "_bucket";
              for (std::size_t i = 0; i <= s.upper_bounds.size(); ++i) {
                std::string le;
                if (i < s.upper_bounds.size()) {
                  AppendNumber(le, s.upper_bounds[i]);
                } else {
                  le = "+Inf";
                }
                out.append(bucket);
                AppendLabels(out, m->label_names(), values, "le", le);
                fmt::format_to(std::back_inserter(out), " {}\n", s.cumulative_counts[i]);
              }
              AppendSample(out, e->name + "_sum", m->label_names(), values, s.sum);
              AppendSample(out, e->name + "_count", m->label_names(), values,
                           static_cast<double>(s.cumulative_counts.back()));
            });
          }
        },
        e->metric);
  }
  return out;
}

}  // namespace tcj::core
