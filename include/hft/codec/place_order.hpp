#pragma once

// The place-order command of the wire format (DESIGN §3), published on `order_engine.place_order` and accepted
// as the body of `POST /order-engine/v1/orders`.

#include "hft/codec/error.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"

#include <string>
#include <string_view>

namespace hft::codec {

/// "v" first, then the fields in DESIGN order; absent optional fields are omitted rather than written as null.
std::string encode(const domain::place_order_command& command);

/// Strict about types, enum spellings and decimals-as-strings, like decode_kline_event; unknown keys are ignored
/// (including the HTTP body's `api_key`, which the HTTP layer reads on its own). Absent or null optional fields
/// decode as absent.
///
/// HTTP compatibility: a body without "v" is the order API's HTTP request and is read as version 1, except that
/// `requested_at` may be missing (it then stays 0 and the gateway stamps the receipt time). With "v" present,
/// `requested_at` is required.
///
/// The result is not validated: call domain::validate after stamping, to get the field-level rule that failed.
expected<domain::place_order_command, codec_error> decode_place_order(std::string_view json) noexcept;

}  // namespace hft::codec
