#include "hft/core/kline_gaps.hpp"

#include "hft/domain/interval.hpp"

namespace hft::core {
namespace {

std::optional<std::int64_t> interval_ms(const std::string& interval) {
    const auto parsed = domain::parse_kline_interval(interval);
    return parsed ? domain::length_ms(*parsed) : std::nullopt;
}

}  // namespace

std::optional<kline_range> kline_gap_tracker::on_kline(const domain::kline& k) {
    if (!k.is_closed) return std::nullopt;
    return on_closed(k.exchange, k.symbol, k.interval, k.open_time);
}

std::optional<kline_range> kline_gap_tracker::on_closed(const std::string& exchange, const std::string& symbol,
                                                        const std::string& interval, std::int64_t open_time) {
    auto [it, first] = last_closed_.try_emplace(stream_key{exchange, symbol, interval}, open_time);
    if (first) return std::nullopt;
    const auto previous = it->second;
    if (open_time <= previous) return std::nullopt;
    it->second = open_time;
    const auto length = interval_ms(interval);
    if (!length || open_time - previous <= *length) return std::nullopt;
    return kline_range{exchange, symbol, interval, previous + *length, open_time - *length};
}

std::optional<kline_range> kline_gap_tracker::missing_until(const std::string& exchange, const std::string& symbol,
                                                            const std::string& interval, std::int64_t now_ms) {
    const auto it = last_closed_.find(stream_key{exchange, symbol, interval});
    const auto length = interval_ms(interval);
    if (it == last_closed_.end() || !length) return std::nullopt;
    const auto last = it->second;
    // The newest candle that has closed by now_ms opened at least one interval earlier.
    const auto newest_closed = last + ((now_ms - last) / *length - 1) * *length;
    if (newest_closed <= last) return std::nullopt;
    it->second = newest_closed;
    return kline_range{exchange, symbol, interval, last + *length, newest_closed};
}

void kline_gap_tracker::seed(const std::string& exchange, const std::string& symbol, const std::string& interval,
                             std::int64_t last_closed_open_time) {
    auto [it, first] = last_closed_.try_emplace(stream_key{exchange, symbol, interval}, last_closed_open_time);
    if (!first && it->second < last_closed_open_time) it->second = last_closed_open_time;
}

std::optional<std::int64_t> kline_gap_tracker::last_closed_open_time(const std::string& exchange,
                                                                     const std::string& symbol,
                                                                     const std::string& interval) const {
    const auto it = last_closed_.find(stream_key{exchange, symbol, interval});
    if (it == last_closed_.end()) return std::nullopt;
    return it->second;
}

}  // namespace hft::core
