#pragma once

// Prometheus metrics without a client library: counters, gauges and histograms a service updates on its hot
// path (one relaxed atomic add each), and a registry that renders them in the text exposition format 0.0.4
// when /metrics is scraped. Values computed only at scrape time (connection state, consumer lag, a service's
// stats snapshot) are registered as callbacks instead of being pushed.
//
//     auto& fills = obs::default_registry().counter("hft_order_fills_total", "Fills recorded (each trade once)");
//     fills.inc();
//
// Registering the same name and labels again returns the same series, so two instances of a service in one
// process (tests) share their counters; the same name with another type or help text is a programming error
// and throws std::logic_error. Metric values are doubles or integers describing the process, never money.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hft::obs {

/// Label pairs, rendered in the given order: {{"exchange", "sim"}, {"status", "FILLED"}}.
using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

/// Fixed upper bounds chosen at registration; observe() is a short search and two relaxed adds.
class histogram {
public:
    explicit histogram(std::vector<double> upper_bounds);

    void observe(double value) noexcept;
    void observe(std::chrono::nanoseconds elapsed) noexcept { observe(std::chrono::duration<double>(elapsed).count()); }

    struct snapshot {
        std::vector<double> upper_bounds;
        std::vector<std::uint64_t> cumulative;  ///< per bound, then +Inf last
        double sum = 0;
        std::uint64_t count = 0;
        /// The bound at or below which `q` (0..1) of the observations fall, +Inf when past the last bound, 0
        /// when empty: an upper estimate as precise as the buckets.
        double quantile(double q) const;
    };
    snapshot read() const;

private:
    std::vector<double> upper_bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< per bound, then +Inf
    std::atomic<double> sum_{0};
    std::atomic<std::uint64_t> count_{0};
};

/// Stage latencies, 25 µs to 30 s.
std::span<const double> latency_buckets_seconds();
/// Batch and message sizes, 1 to 10,000.
std::span<const double> size_buckets();

class registry {
public:
    registry();
    ~registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    class counter& counter(std::string_view name, std::string_view help, labels series = {});
    class gauge& gauge(std::string_view name, std::string_view help, labels series = {});
    class histogram& histogram(std::string_view name, std::string_view help, std::span<const double> upper_bounds,
                               labels series = {});

    /// Every family in the text exposition format (version 0.0.4), sorted by name.
    std::string render() const;

    struct family;

private:
    friend class scrape_callbacks;
    using read_fn = std::function<double()>;
    family& family_for(std::string_view name, std::string_view help, int kind);
    void add_callback(const void* owner, std::string_view name, std::string_view help, int kind, labels series,
                      read_fn read);
    void remove_callbacks(const void* owner);

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<family>, std::less<>> families_;
};

/// Values read when /metrics is scraped (connection state, consumer lag, a stats snapshot), removed again when
/// this object is destroyed, so a service owns one and a scrape never reads a destroyed service. A series
/// registered again (a restarted instance) takes the newest callback. Callbacks run on the thread that renders
/// (the service's io_context thread, where /metrics is served), so they may read that thread's state.
class scrape_callbacks {
public:
    explicit scrape_callbacks(registry& target);
    ~scrape_callbacks();
    scrape_callbacks(const scrape_callbacks&) = delete;
    scrape_callbacks& operator=(const scrape_callbacks&) = delete;

    void gauge(std::string_view name, std::string_view help, labels series, std::function<double()> read);
    void counter(std::string_view name, std::string_view help, labels series, std::function<double()> read);

private:
    registry& target_;
};

/// The process's registry: what /metrics serves.
registry& default_registry();

}  // namespace hft::obs
