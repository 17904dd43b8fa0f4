#include "hft/domain/kline.hpp"

#include "hft/domain/interval.hpp"

namespace hft::domain {

std::string_view to_string(kline_source source) noexcept {
    switch (source) {
        case kline_source::ws: return "ws";
        case kline_source::backfill: return "backfill";
    }
    return "unknown";
}

std::optional<kline_source> parse_kline_source(std::string_view text) noexcept {
    if (text == "ws") return kline_source::ws;
    if (text == "backfill") return kline_source::backfill;
    return std::nullopt;
}

expected<void, field_error> validate(const kline& k) noexcept {
    const auto fail = [](std::string_view field, std::string_view message) {
        return unexpected(field_error{field, message});
    };
    if (k.exchange.empty()) return fail("exchange", "must not be empty");
    if (k.symbol.empty()) return fail("symbol", "must not be empty");
    if (!parse_kline_interval(k.interval)) return fail("interval", "is not a kline interval");
    if (k.open_time < 0) return fail("open_time", "must not be negative");
    if (k.close_time <= k.open_time) return fail("close_time", "must be after open_time");
    if (!k.open.is_positive()) return fail("open", "must be greater than 0");
    if (!k.high.is_positive()) return fail("high", "must be greater than 0");
    if (!k.low.is_positive()) return fail("low", "must be greater than 0");
    if (!k.close.is_positive()) return fail("close", "must be greater than 0");
    if (k.high < k.low) return fail("high", "must not be below low");
    if (k.open < k.low || k.open > k.high) return fail("open", "must be between low and high");
    if (k.close < k.low || k.close > k.high) return fail("close", "must be between low and high");
    if (k.base_volume.is_negative()) return fail("base_volume", "must not be negative");
    if (k.quote_volume.is_negative()) return fail("quote_volume", "must not be negative");
    if (k.taker_base_volume.is_negative()) return fail("taker_base_volume", "must not be negative");
    if (k.taker_quote_volume.is_negative()) return fail("taker_quote_volume", "must not be negative");
    if (k.trade_count < 0) return fail("trade_count", "must not be negative");
    if (k.event_time < 0) return fail("event_time", "must not be negative");
    return {};
}

bool supersedes(const kline& incoming, const kline& stored) noexcept {
    if (stored.is_closed) return false;
    return incoming.is_closed || incoming.event_time >= stored.event_time;
}

}  // namespace hft::domain
