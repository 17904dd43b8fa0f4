#pragma once

// Tokocrypto's open API v1 vocabulary, defined once: the numeric enums of its documentation, the `type` of
// GET /open/v1/orders, and the error codes the exchange answers with, its own and the Binance ones it passes on
// (errors.md). The client reads them (wire.hpp); the exchange-sim speaks them.

#include <string_view>

namespace hft::exchange::tokocrypto {

/// The numeric enums as the exchange spells them.
namespace codes {
inline constexpr int buy = 0, sell = 1;
inline constexpr int limit = 1, market = 2;
inline constexpr int gtc = 1, ioc = 2, fok = 3;
inline constexpr int system_processing = -2, status_new = 0, partially_filled = 1, filled = 2, canceled = 3,
                     pending_cancel = 4, rejected = 5, expired = 6;
/// Which orders GET /open/v1/orders lists.
inline constexpr int list_open = 1, list_history = 2, list_all = -1;
}  // namespace codes

/// The `code` of an answer: zero (or 200) for success, else why the request was refused.
namespace errors {
inline constexpr int success = 0;
inline constexpr int success_http = 200;  ///< what some answers carry instead of 0 (ccxt accepts it too)
// Binance's, passed on as they are or wrapped in the envelope's `data`.
inline constexpr int internal_error = -1001;
inline constexpr int too_many_requests = -1003;
inline constexpr int unknown_execution = -1007;  ///< timeout waiting for the backend: the outcome is unknown
inline constexpr int filter_failure = -1013;
inline constexpr int too_many_orders = -1015;
inline constexpr int timestamp_outside_recv_window = -1021;
inline constexpr int invalid_signature = -1022;
inline constexpr int illegal_characters = -1100;
inline constexpr int mandatory_parameter = -1102;
inline constexpr int invalid_time_in_force = -1115;
inline constexpr int invalid_order_type = -1116;
inline constexpr int invalid_side = -1117;
inline constexpr int invalid_symbol = -1121;
inline constexpr int invalid_parameter = -1130;
inline constexpr int invalid_recv_window = -1131;
inline constexpr int new_order_rejected = -2010;
inline constexpr int cancel_rejected = -2011;
inline constexpr int no_such_order = -2013;
inline constexpr int malformed_api_key = -2014;
inline constexpr int rejected_api_key = -2015;
// Tokocrypto's own.
inline constexpr int insufficient_balance = 2202;
inline constexpr int quantity_out_of_range = 3203;
inline constexpr int price_below_minimum = 3207;
inline constexpr int volume_too_low = 3210;
inline constexpr int order_does_not_exist = 3218;
}  // namespace errors

/// The new_order_rejected reason that says an open order already has the client id.
inline constexpr std::string_view duplicate_order_message = "Duplicate order sent.";

}  // namespace hft::exchange::tokocrypto
