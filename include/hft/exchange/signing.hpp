#pragma once

// Request signing shared by the Binance-family venues: Tokocrypto's open API and Binance spot both sign
// `totalParams` (query string + body, no separator) with hex HMAC-SHA256 keyed by the API secret. Also the rule
// their client order ids follow.

#include <string>
#include <string_view>

namespace hft::exchange {

/// Binance's rule for newClientOrderId, as its -1100 error quotes it. Tokocrypto documents no rule of its own for
/// clientId, so the same one applies there.
inline constexpr std::string_view client_order_id_pattern = R"(^[\.A-Z\:/a-z0-9_-]{1,36}$)";
/// Whether `client_id` follows client_order_id_pattern: 1 to 36 characters of [.A-Za-z:/0-9_-], ASCII only.
bool is_valid_client_order_id(std::string_view client_id) noexcept;

/// Lower-case hex HMAC-SHA256 of `payload` keyed with `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);

/// The `signature` parameter for a signed request: HMAC over the query string followed by the body.
inline std::string sign_request(std::string_view secret, std::string_view query, std::string_view body) {
    std::string total_params;
    total_params.reserve(query.size() + body.size());
    total_params.append(query).append(body);
    return hmac_sha256_hex(secret, total_params);
}

}  // namespace hft::exchange
