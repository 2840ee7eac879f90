#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace tcj::core {
namespace {

TEST(Metrics, RendersPrometheusTextFormat) {
  MetricsRegistry registry;
  auto& requests = registry.AddCounterFamily("http_requests_total", "Requests.", {"route", "status"});
  requests.Labels({"/healthz", "200"}).Inc(3);
  requests.Labels({"/x\"y", "404"}).Inc();
  registry.AddGauge("up", "Up.").Set(1);
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("http_requests_total{route=\"/healthz\",status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("http_requests_total{route=\"/x\\\"y\",status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE up gauge\nup 1\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  auto& h = registry.AddHistogramFamily("latency_seconds", "Latency.", {"route"}, {0.1, 1});
  auto& child = h.Labels({"/a"});
  child.Observe(0.05);
  child.Observe(0.5);
  child.Observe(5);
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_count{route=\"/a\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_sum{route=\"/a\"} 5.55\n"), std::string::npos) << text;
}

TEST(Metrics, RefusesTheSameNameTwice) {
  MetricsRegistry registry;
  registry.AddCounter("a_total", "A.");
  EXPECT_THROW(registry.AddGauge("a_total", "A again."), std::logic_error);
}

TEST(Metrics, CallbackGaugesAreReadWhenScraped) {
  MetricsRegistry registry;
  double value = 1;
  registry.AddCallbackGauge("things", "Things.", [&value] { return value; });
  value = 42;
  EXPECT_NE(registry.RenderPrometheus().find("things 42\n"), std::string::npos);
}

}  // namespace
}  // namespace tcj::core
