#pragma once

// Tick-to-order latency as the exchange sees it: when the closed frame of a candle leaves the sim and when an
// order a strategy derived from that candle comes back (POST /open/v1/orders). Strategy order ids are
// `<strategy_id>-<open_time>-<n>` and pass through the order engine unchanged as the client id when they fit
// in 36 characters; other client ids (hashed, manual orders) are counted as unmatched. One interval per symbol
// is assumed: a candle is keyed by (symbol, open_time).

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hft::exchange::sim {

/// The candle open time inside a strategy client order id `<strategy_id>-<open_time>-<n>`; nullopt otherwise.
std::optional<std::int64_t> client_id_open_time(std::string_view client_id) noexcept;

class latency_probe {
public:
    using clock = std::chrono::steady_clock;

    explicit latency_probe(std::size_t remembered_candles = 65'536, std::size_t max_samples = 1'000'000);

    /// The closed frame of `symbol`'s candle opening at `open_time` was handed to the sockets at `sent`.
    void on_close_sent(std::string_view symbol, std::int64_t open_time, clock::time_point sent);
    /// An order for `order_symbol` (BTC_USDT or BTCUSDT) with `client_id` arrived at `arrived`.
    void on_order(std::string_view order_symbol, std::string_view client_id, clock::time_point arrived);

    /// `{"count":..,"unmatched":..,"p50_us":..,"p99_us":..,"p999_us":..,"max_us":..}` (percentiles null when empty).
    nlohmann::ordered_json summary_json() const;
    /// Nearest-rank percentile (0 < q <= 1) of the samples in microseconds; nullopt when there are none.
    std::optional<std::int64_t> percentile_us(double q) const;
    std::size_t count() const noexcept { return samples_us_.size(); }
    std::size_t unmatched() const noexcept { return unmatched_; }

private:
    static std::string key(std::string_view symbol, std::int64_t open_time);

    std::size_t remembered_candles_;
    std::size_t max_samples_;
    std::unordered_map<std::string, clock::time_point> close_sent_;
    std::deque<std::string> close_order_;  ///< oldest first, to forget candles beyond remembered_candles_
    std::vector<std::int64_t> samples_us_;
    std::size_t unmatched_ = 0;
};

}  // namespace hft::exchange::sim
