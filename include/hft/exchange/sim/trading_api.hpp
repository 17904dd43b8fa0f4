#pragma once

// Tokocrypto's signed open API v1 for orders and balances, served from a trading_engine: API key and
// HMAC-SHA256 signature checks, timestamp/recvWindow, form and query parameters (the body wins, as on
// Tokocrypto), numeric enums and the {code,msg,data,timestamp} envelope. The signature covers the query string
// and the body concatenated with nothing between them, as on Tokocrypto and Binance, so where the query ends and
// the body begins is not signed: `a=1&b=2` as the query, or `a=1&` as the query and `b=2` as the body, carry the
// same signature. That is the venues' protocol, not a weakness of the sim. No sockets: the routes are plain
// handlers, so unit tests dispatch requests straight into them.

#include "hft/exchange/sim/trading.hpp"
#include "hft/net/http.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::sim {

struct trading_api_hooks {
    std::function<std::int64_t()> now_ms;  ///< the clock timestamps are checked against
    std::function<void()> refresh;         ///< brings prices (and so fills) up to date before a request; may be null
    /// Wraps every trading handler (fault injection); null serves requests as they are.
    std::function<net::http_response(const net::http_request&, const net::http_handler&)> around;
};

/// POST /open/v1/orders, GET /open/v1/orders/detail, POST /open/v1/orders/cancel, GET /open/v1/orders,
/// GET /open/v1/orders/trades, GET /open/v1/account/spot.
void add_trading_routes(net::router& routes, trading_engine& engine, trading_api_hooks hooks);

/// `a=1&b=2` split and percent-decoded, in order.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text);

/// `params` without its `signature` pair(s), as the client signed it; the signature goes to `signature`.
std::string without_signature(std::string_view params, std::string& signature);

/// `{"code":0,"msg":"success","data":<data>,"timestamp":<now>}`
net::http_response envelope(const nlohmann::ordered_json& data, std::int64_t now_ms);
/// `{"code":<code>,"msg":"<msg>"[,"data":{"code":..,"msg":..}],"timestamp":<now>}` with the error's status.
net::http_response error_envelope(const trading_error& error, std::int64_t now_ms);

/// The order as detail, list, new-order and cancel answers carry it.
nlohmann::ordered_json order_json(const sim_order& order, const symbol_rules& rules);

}  // namespace hft::exchange::sim
