#pragma once

// Test and benchmark support for Binance's kline frame parser: a realistic frame corpus built from recorded
// klines, and a plain nlohmann DOM parser as the reference the fast parser is checked and measured against.

#include "hft/exchange/binance/kline_frame.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::binance::testing {

/// Combined-stream kline frames (`<stream_symbol>@kline_1m`) built from a kline CSV with the columns
/// `open_time_ms,open,high,low,close,volume` (data/klines/*.csv), formatted as Binance does: 8-decimal strings.
/// Quote and taker volumes, trade counts and ids are derived deterministically from each row. One frame in four
/// is the closing update; the others are in-progress updates with the candle's open and close so far.
/// Throws std::runtime_error when the file cannot be read (tests and benchmarks only).
std::vector<std::string> make_kline_corpus(const std::string& csv_path, std::string_view event_symbol,
                                           std::size_t count);

/// The same contract as kline_frame_parser::parse, written the obvious way with nlohmann::json's DOM.
/// Checks fewer malformed cases (no duplicate or stream checks); meant for comparison on well-formed frames.
frame_result reference_parse(std::string_view frame, const frame_context& ctx);

}  // namespace hft::exchange::binance::testing
