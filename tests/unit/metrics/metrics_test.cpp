#include <gtest/gtest.h>

#include "gpram/metrics/metrics.hpp"

using namespace gpram::metrics;

TEST(Metrics, RendersCountersWithLabelsInPrometheusFormat) {
  Registry r;
  r.counter("gpram_handshakes_total", "TLS handshakes", {{"suite", "psk-aes128-cbc-sha256"}, {"result", "ok"}}).inc(3);
  r.counter("gpram_handshakes_total", "TLS handshakes", {{"suite", "tls13"}, {"result", "ok"}}).inc();
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE gpram_handshakes_total counter"), std::string::npos);
  EXPECT_NE(text.find("gpram_handshakes_total{suite=\"psk-aes128-cbc-sha256\",result=\"ok\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("gpram_handshakes_total{suite=\"tls13\",result=\"ok\"} 1"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("gpram_session_seconds", "session duration", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  const std::string text = r.render();
  EXPECT_NE(text.find("gpram_session_seconds_bucket{le=\"0.1\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("gpram_session_seconds_bucket{le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("gpram_session_seconds_bucket{le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("gpram_session_seconds_count 3"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(render_labels({{"a", "x\"y\\z"}}), "{a=\"x\\\"y\\\\z\"}");
}

TEST(Metrics, CallbackGauges) {
  Registry r;
  r.callback("gpram_jobs", "jobs by state", [] {
    return std::vector<std::pair<Labels, double>>{{{{"state", "done"}}, 7}};
  });
  EXPECT_NE(r.render().find("gpram_jobs{state=\"done\"} 7"), std::string::npos);
}
