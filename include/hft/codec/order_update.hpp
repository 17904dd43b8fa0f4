#pragma once

// Order updates (ORDER_UPDATE stream), cancel commands (order_engine.cancel_order) and the order as the HTTP
// API returns it. Same conventions as the other codecs: "v" first, decimals as strings, absent optionals
// omitted, strict decoders that never throw.

#include "hft/codec/error.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order_record.hpp"

#include <string>
#include <string_view>

namespace hft::codec {

/// The order's fields (DESIGN §3's order-update keys plus request_id, source, time_in_force and the
/// requested/sent/acknowledged/filled/created times), as one JSON object: the HTTP API's order body.
std::string encode(const domain::order_record& order);
expected<domain::order_record, codec_error> decode_order_record(std::string_view json) noexcept;

/// The order's fields, plus "fill":{trade_id, price, quantity, fee, fee_asset, is_maker, time} when present.
std::string encode(const domain::order_update& update);
expected<domain::order_update, codec_error> decode_order_update(std::string_view json) noexcept;

std::string encode(const domain::cancel_order_command& command);
expected<domain::cancel_order_command, codec_error> decode_cancel_order(std::string_view json) noexcept;

}  // namespace hft::codec
