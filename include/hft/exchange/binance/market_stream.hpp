#pragma once

// The Binance-family market-data stream protocol around the frames themselves: stream names, the
// SUBSCRIBE / UNSUBSCRIBE requests, the streams a stored subscription payload names, and the REST kline
// history used to backfill gaps (`GET /api/v3/klines`). Tokocrypto speaks the same protocol.

#include "hft/domain/expected.hpp"
#include "hft/domain/kline.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::binance {

/// `<stream symbol>@kline_<interval>`, e.g. `tkoidr@kline_1m` (the symbol lower-cased).
std::string kline_stream_name(std::string_view stream_symbol, std::string_view interval);

/// `{"method":"<method>","params":["a","b"],"id":<id>}`; method is SUBSCRIBE or UNSUBSCRIBE.
std::string stream_request(std::string_view method, std::span<const std::string> streams, std::uint64_t id);

/// The stream names a stored `kline_subscriptions.payload` subscribes to: its `params` when it is a
/// `{"method":"SUBSCRIBE","params":[...]}` request. An error names what is wrong with the payload.
expected<std::vector<std::string>, std::string> subscribed_streams(std::string_view payload);

/// `/api/v3/klines?symbol=<REST symbol>&interval=..&startTime=..&endTime=..&limit=..` (times in ms, inclusive).
std::string klines_history_target(std::string_view rest_symbol, std::string_view interval, std::int64_t start_time,
                                  std::int64_t end_time, int limit);

/// Rows of a `/api/v3/klines` answer (`[openTime,"o","h","l","c","v",closeTime,"q",n,"V","Q","B"]`) as closed
/// klines of `exchange`/`canonical_symbol`/`interval` with source backfill and event_time = close_time. Any row
/// that is malformed or fails domain::validate makes the whole answer an error (naming the row).
expected<std::vector<domain::kline>, std::string> parse_klines_history(std::string_view body, std::string_view exchange,
                                                                       std::string_view canonical_symbol,
                                                                       std::string_view interval);

}  // namespace hft::exchange::binance
