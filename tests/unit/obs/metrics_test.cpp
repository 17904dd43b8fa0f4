#include "hft/obs/metrics.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <stdexcept>

using namespace hft;

TEST_CASE("a counter, a gauge and a callback render in the Prometheus text format with HELP and TYPE",
          "[unit][obs]") {
    obs::registry metrics;
    metrics.counter("hft_test_frames_total", "Frames received", {{"exchange", "sim"}}).inc(3);
    metrics.gauge("hft_test_in_flight", "Publishes awaiting their ack").set(7);
    obs::scrape_callbacks callbacks(metrics);
    callbacks.gauge("hft_test_lag", "Messages waiting", {{"durable", "w"}}, [] { return 42.0; });

    CHECK(metrics.render() ==
          "# HELP hft_test_frames_total Frames received\n"
          "# TYPE hft_test_frames_total counter\n"
          "hft_test_frames_total{exchange=\"sim\"} 3\n"
          "# HELP hft_test_in_flight Publishes awaiting their ack\n"
          "# TYPE hft_test_in_flight gauge\n"
          "hft_test_in_flight 7\n"
          "# HELP hft_test_lag Messages waiting\n"
          "# TYPE hft_test_lag gauge\n"
          "hft_test_lag{durable=\"w\"} 42\n");
}

TEST_CASE("registering a series twice returns the same one, and a name reused as another type is refused",
          "[unit][obs]") {
    obs::registry metrics;
    auto& first = metrics.counter("hft_test_total", "Things", {{"k", "v"}});
    auto& again = metrics.counter("hft_test_total", "Things", {{"k", "v"}});
    auto& other = metrics.counter("hft_test_total", "Things", {{"k", "w"}});
    CHECK(&first == &again);
    CHECK(&first != &other);
    CHECK_THROWS_AS(metrics.gauge("hft_test_total", "Things"), std::logic_error);
}

TEST_CASE("a histogram renders cumulative buckets, +Inf, sum and count, and estimates quantiles from its buckets",
          "[unit][obs]") {
    obs::registry metrics;
    const double bounds[] = {0.001, 0.01, 0.1};
    auto& latency = metrics.histogram("hft_test_seconds", "Latency", bounds, {{"stage", "a"}});
    latency.observe(0.0005);
    latency.observe(std::chrono::milliseconds(5));
    latency.observe(0.005);
    latency.observe(2.0);

    CHECK(metrics.render() ==
          "# HELP hft_test_seconds Latency\n"
          "# TYPE hft_test_seconds histogram\n"
          "hft_test_seconds_bucket{stage=\"a\",le=\"0.001\"} 1\n"
          "hft_test_seconds_bucket{stage=\"a\",le=\"0.01\"} 3\n"
          "hft_test_seconds_bucket{stage=\"a\",le=\"0.1\"} 3\n"
          "hft_test_seconds_bucket{stage=\"a\",le=\"+Inf\"} 4\n"
          "hft_test_seconds_sum{stage=\"a\"} 2.0105\n"
          "hft_test_seconds_count{stage=\"a\"} 4\n");
    const auto snapshot = latency.read();
    CHECK(snapshot.quantile(0.5) == 0.01);
    CHECK(snapshot.quantile(0.25) == 0.001);
    CHECK(std::isinf(snapshot.quantile(1.0)));
}

TEST_CASE("label values are escaped and a destroyed owner's callbacks are no longer scraped", "[unit][obs]") {
    obs::registry metrics;
    {
        obs::scrape_callbacks callbacks(metrics);
        callbacks.counter("hft_test_errors_total", "Errors", {{"reason", "bad \"quote\" \\ and\nline"}},
                          [] { return 1.0; });
        CHECK(metrics.render().find(R"(reason="bad \"quote\" \\ and\nline")") != std::string::npos);
    }
    CHECK(metrics.render().empty());
}
