#include "hft/exchange/sim/latency_probe.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace hft::exchange::sim {
namespace {

std::optional<std::int64_t> all_digits(std::string_view text) noexcept {
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::int64_t> client_id_open_time(std::string_view client_id) noexcept {
    const auto last = client_id.rfind('-');
    if (last == std::string_view::npos || last == 0 || !all_digits(client_id.substr(last + 1))) return std::nullopt;
    const auto before = client_id.rfind('-', last - 1);
    if (before == std::string_view::npos || before == 0) return std::nullopt;
    return all_digits(client_id.substr(before + 1, last - before - 1));
}

latency_probe::latency_probe(std::size_t remembered_candles, std::size_t max_samples)
    : remembered_candles_(remembered_candles), max_samples_(max_samples) {}

std::string latency_probe::key(std::string_view symbol, std::int64_t open_time) {
    std::string k;
    k.reserve(symbol.size() + 21);
    for (char c : symbol) {
        if (c != '_') k += c;  // BTC_USDT (Tokocrypto's order symbol) and BTCUSDT name the same market
    }
    k += ':';
    k += std::to_string(open_time);
    return k;
}

void latency_probe::on_close_sent(std::string_view symbol, std::int64_t open_time, clock::time_point sent) {
    auto [it, inserted] = close_sent_.try_emplace(key(symbol, open_time), sent);
    if (!inserted) return;  // the first closed frame counts; a resend does not restart the clock
    close_order_.push_back(it->first);
    if (close_order_.size() > remembered_candles_) {
        close_sent_.erase(close_order_.front());
        close_order_.pop_front();
    }
}

void latency_probe::on_order(std::string_view order_symbol, std::string_view client_id, clock::time_point arrived) {
    const auto open_time = client_id_open_time(client_id);
    const auto sent = open_time ? close_sent_.find(key(order_symbol, *open_time)) : close_sent_.end();
    if (sent == close_sent_.end() || samples_us_.size() >= max_samples_) {
        ++unmatched_;
        return;
    }
    samples_us_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(arrived - sent->second).count());
}

std::optional<std::int64_t> latency_probe::percentile_us(double q) const {
    if (samples_us_.empty()) return std::nullopt;
    auto sorted = samples_us_;
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    const auto index = std::clamp<std::size_t>(rank, 1, sorted.size()) - 1;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(index), sorted.end());
    return sorted[index];
}

nlohmann::ordered_json latency_probe::summary_json() const {
    using json = nlohmann::ordered_json;
    auto field = [](std::optional<std::int64_t> v) { return v ? json(*v) : json(nullptr); };
    return json{{"count", samples_us_.size()},         {"unmatched", unmatched_},
                {"p50_us", field(percentile_us(0.5))},   {"p99_us", field(percentile_us(0.99))},
                {"p999_us", field(percentile_us(0.999))}, {"max_us", field(percentile_us(1.0))}};
}

}  // namespace hft::exchange::sim
