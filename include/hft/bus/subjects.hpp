#pragma once

// The ONE place NATS subjects and JetStream message ids are built (DESIGN §2). Every token is validated:
// a token that is empty or contains '.', '*', '>' or whitespace would change a subject's shape or match
// other subjects' wildcards, so the builders throw std::invalid_argument naming the bad token instead.

#include "hft/domain/kline.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hft::bus {

/// Throws std::invalid_argument when `token` is empty or contains '.', '*', '>' or whitespace.
void validate_token(std::string_view what, std::string_view token);

/// kline.data.<exchange>.<SYMBOL>.<interval>; the symbol is upper-cased.
std::string kline_subject(std::string_view exchange, std::string_view symbol, std::string_view interval);

/// The exchange, symbol and interval tokens of a kline subject, viewing `subject`; nullopt when it is not
/// kline.data.<exchange>.<SYMBOL>.<interval> with three non-empty tokens.
std::optional<domain::kline_market> parse_kline_subject(std::string_view subject) noexcept;

/// order_engine.place_order
std::string place_order_subject();
/// order_engine.cancel_order
std::string cancel_order_subject();
/// order_engine.order_update.<exchange>.<SYMBOL>; the symbol is upper-cased.
std::string order_update_subject(std::string_view exchange, std::string_view symbol);
/// dlq.<stream lower-cased>, e.g. dlq.kline for stream KLINE.
std::string dlq_subject(std::string_view stream);

/// Nats-Msg-Id of a kline: <exchange>.<SYMBOL>.<interval>.<open_time>.closed for a closed candle (the same
/// for every gateway publishing it, so JetStream's duplicate window dedupes them), else
/// <exchange>.<SYMBOL>.<interval>.<open_time>.<event_time> (each in-progress update is distinct).
std::string kline_msg_id(std::string_view exchange, std::string_view symbol, std::string_view interval,
                         std::int64_t open_time, bool is_closed, std::int64_t event_time);

}  // namespace hft::bus
