// The worker's pure decisions: decoding and what each message of a stored batch gets.

#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"
#include "hft/core/kline_plausibility.hpp"
#include "hft/services/market_data_worker.hpp"

#include <fmt/format.h>

namespace hft::services {

expected<domain::kline, std::string> decode_kline_message(std::string_view subject, std::string_view payload,
                                                          std::int64_t now_ms, const core::kline_time_window& window) {
    // The codec applies domain::validate too: an insane candle is refused here, not by a table constraint.
    auto decoded = codec::decode_kline_event(payload);
    if (!decoded) return unexpected<std::string>("undecodable kline event: " + decoded.error().to_string());
    const auto market = bus::parse_kline_subject(subject);
    if (!market) {
        return unexpected<std::string>(
            fmt::format("subject {} is not kline.data.<exchange>.<SYMBOL>.<interval>", subject));
    }
    if (auto plausible = core::check_plausible(*decoded, *market, now_ms, window); !plausible) {
        return unexpected<std::string>("implausible kline: " + plausible.error());
    }
    return std::move(*decoded);
}

settlement settle(const store_outcome& outcome, std::size_t index, std::uint64_t deliveries, int max_deliver,
                  std::chrono::milliseconds nak_delay) {
    if (outcome.database_unavailable) {
        if (deliveries >= static_cast<std::uint64_t>(max_deliver)) {
            return {settlement_kind::dead_letter, {},
                    fmt::format("database unavailable after {} deliveries: {}", deliveries, outcome.error)};
        }
        return {settlement_kind::nak, redelivery_delay(nak_delay, deliveries), {}};
    }
    if (const auto rejected = outcome.rejected.find(index); rejected != outcome.rejected.end()) {
        return {settlement_kind::dead_letter, {}, "rejected by the database: " + rejected->second};
    }
    return {};
}

}  // namespace hft::services
