#pragma once

// The kline event of the wire format (DESIGN §3), published on `kline.data.<exchange>.<SYMBOL>.<interval>`:
// a JSON object with snake_case keys, "v": 1, decimals as strings, times as integer milliseconds.

#include "hft/codec/error.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/kline.hpp"

#include <string>
#include <string_view>

namespace hft::codec {

/// Every field, "v" first; decimals in canonical form (trailing zeros trimmed).
std::string encode(const domain::kline& kline);

/// Strict and total: invalid JSON, a non-object, duplicate keys, a missing, null or wrongly typed field
/// (a decimal sent as a JSON number included), a "v" other than 1, an unknown source and oversized input are
/// errors, and so is a kline that fails domain::validate: the bus never carries an insane candle. Unknown keys
/// are ignored so that a newer producer can add fields without breaking older consumers.
expected<domain::kline, codec_error> decode_kline_event(std::string_view json) noexcept;

}  // namespace hft::codec
