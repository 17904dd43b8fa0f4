#pragma once

// The HTTP API of `hft order-engine-gateway` (DESIGN §5, §7): a net::server on
// order_engine_gateway.http_bind : port.order_engine_gateway_http in front of an order_service.
//
//   POST   /order-engine/v1/orders               place and wait for the exchange: 201 + the order
//   POST   /order-engine/v1/orders/async         queue on the bus: 202 {"request_id","order_id","status":"queued"}
//   GET    /order-engine/v1/orders/{order_id}    200 + the order
//   GET    /order-engine/v1/orders?user_id=&symbol=&status=&limit=   200 {"orders":[...]}, newest first
//   DELETE /order-engine/v1/orders/{order_id}    cancel: 200 + the order as it is afterwards
//   GET    /order-engine/v1/trading-state        200 {"trading_states":[{scope,state,reason,updated_by,updated_at}]}
//   PUT    /order-engine/v1/trading-state        body {scope,state,reason}: 200 + the entry now in force
//   GET    /healthz                              200 while the process serves (no key)
//   GET    /readyz                               200 when order_service::ready(), else 503 (no key)
//
// Choices, so clients can rely on them:
// - A place answers 201 whenever the engine recorded the order, whatever its status (NEW, FILLED, REJECTED,
//   UNKNOWN): the order's `status` tells the outcome. A place body without `order_id` uses its `request_id` as
//   the order id; without `requested_at` it is stamped with the time the request arrived. `type`, `side` and
//   `time_in_force` are read case-insensitively, as existing clients expect.
// - A synchronous place that takes longer than order_engine_gateway.request_timeout answers 504: the order
//   goes on in the engine and is looked up with GET /order-engine/v1/orders/{order_id}.
// - A cancel names the owner as `?user_id=` or as the body's `user_id` (both may be given if they agree); the
//   body may carry a `request_id`, else the X-Request-Id of the HTTP request is used.
// - `POST .../orders/async` is the queueing route; GET and DELETE of `.../orders/async` still mean the order
//   whose id is "async". An already expired order is refused there with 400 ORDER_EXPIRED, not queued.
// - Bodies are JSON: a request with a body and any Content-Type but `application/json` (parameters allowed) gets
//   415 UNSUPPORTED_MEDIA_TYPE.
// - Every id in a path, query or body follows domain::validate_id (1-64 of A-Z a-z 0-9 _ - . :), so an id can
//   never be truncated into another one on its way to the database; a trading-state scope's id too, and its
//   reason is plain text (domain::validate_text).
// - An order_id names one order for good: a corrected order that reuses a refused order's id gets 409
//   DUPLICATE_ORDER telling it to take a new order_id.
// - Client mistakes (4xx) are logged at debug, everything else at info, our own failures at warn and error.
//
// Authentication, on every /order-engine route: the key is the `X-API-Key` header, or when that is absent or
// empty the body's `api_key` (a body that is not JSON then answers 400 INVALID_JSON, since there is no key to
// read). It is compared in constant time with every configured key; 401 API_KEY_MISSING, API_KEY_INVALID,
// API_KEY_INACTIVE or API_KEY_EXPIRED. No key configured rejects everything. Keys never reach a log or an answer.
//
// Errors are {"error":{"code":"...","message":"...","field":"..."}} (field only when one field is at fault),
// plus "order" for 409 DUPLICATE_ORDER and ORDER_NOT_CANCELABLE: the order as it already is. Codes of the API
// itself: 400 INVALID_JSON, INVALID_FIELD; 401 as above; 404 ROUTE_NOT_FOUND; 405 METHOD_NOT_ALLOWED (with Allow);
// 413 PAYLOAD_TOO_LARGE (body over max_body_bytes); 415 UNSUPPORTED_MEDIA_TYPE; 500 INTERNAL_ERROR (details only
// in the log, under the request id); 503 NOT_READY (readyz), TOO_MANY_CONNECTIONS (with Retry-After: 1); 504
// PLACE_TIMEOUT. order_service failures keep their own code with the status of their kind (to_api_error), e.g.
// 422 TRADING_HALTED, 404 ORDER_NOT_FOUND, 503 UNAVAILABLE. Every answer carries X-Request-Id (the client's when it
// is a valid id, else a generated one), X-Content-Type-Options: nosniff, X-Frame-Options: DENY, Referrer-Policy:
// no-referrer, Cache-Control: no-store.
//
// Connections (net::server): order_engine_gateway.max_connections are served at once, at most
// max_connections_per_peer from one address. Up to 8 more, beyond either limit, get one answer each: /healthz and
// /readyz as usual, anything else 503 TOO_MANY_CONNECTIONS with Retry-After: 1, and the connection closes. Further
// connections wait to be accepted. A connection must send its first request's headers within
// first_request_timeout; a kept-alive one may then idle between requests for request_timeout.

#include "hft/app/config.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"
#include "hft/domain/order_record.hpp"
#include "hft/net/http.hpp"
#include "hft/services/order_service.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace hft::services {

/// An answer in place of the resource. `order` is the existing order for 409s.
struct api_error {
    unsigned status = 400;
    std::string code;     ///< stable: INVALID_JSON, INVALID_FIELD, API_KEY_EXPIRED, DUPLICATE_ORDER...
    std::string message;  ///< names the problem and the fix
    std::optional<std::string> field;
    std::optional<domain::order_record> order;
    std::chrono::seconds retry_after{0};  ///< for 503 under the exchange's rate limit: sent as Retry-After

    friend bool operator==(const api_error&, const api_error&) = default;
};

/// An error that names no field and carries no order.
api_error make_api_error(unsigned status, std::string code, std::string message);

/// The JSON body of an error answer.
std::string encode(const api_error& error);

/// An order id from a path; 400 INVALID_FIELD naming order_id unless it follows domain::validate_id.
expected<std::string, api_error> decode_order_id(std::string order_id);

/// Checks `presented` against every key in `keys` (each compared in full, whatever matched before) and
/// returns the matching key's name. Keys that are empty in config never match.
expected<std::string, api_error> authenticate(std::string_view presented, std::span<const app::api_key_config> keys,
                                              std::chrono::system_clock::time_point now);

/// The status and code for an order_service failure (kinds as documented in order_service.hpp).
api_error to_api_error(order_error error);

/// A place body (the HTTP API's fields) into a command: defaults order_id, stamps requested_at with `now_ms` when
/// absent, then domain::validate. 400 INVALID_JSON or INVALID_FIELD naming the field.
expected<domain::place_order_command, api_error> decode_place_request(std::string_view body, std::int64_t now_ms);

/// `?user_id=&symbol=&status=&limit=` (limit 1..1000, default 100).
expected<order_query, api_error> decode_order_query(const net::http_request& request);

/// A DELETE of `order_id`: the owner from `?user_id=` or the body; `fallback_request_id` when the body has none.
expected<domain::cancel_order_command, api_error> decode_cancel_request(const net::http_request& request,
                                                                        std::string order_id,
                                                                        std::string fallback_request_id,
                                                                        std::int64_t now_ms);

/// A PUT trading-state body {scope, state, reason}; scope is "global", "user:<id>" or "strategy:<id>".
expected<trading_state_entry, api_error> decode_trading_state_request(std::string_view body, std::string updated_by,
                                                                      std::int64_t now_ms);

class order_http_api {
public:
    using clock = std::function<std::chrono::system_clock::time_point()>;

    /// Copies what it needs from `cfg` (api_keys, order_engine_gateway limits, port; port 0 picks a free one).
    /// `service` must outlive the API; `now` replaces the system clock (tests).
    order_http_api(boost::asio::io_context& ioc, order_service& service, const app::config& cfg, clock now = {});
    ~order_http_api();
    order_http_api(const order_http_api&) = delete;
    order_http_api& operator=(const order_http_api&) = delete;

    /// Binds and listens; throws boost::system::system_error when the address is unusable.
    void start();
    /// Stops accepting and closes the connections; a synchronous place stops waiting (its order goes on in the
    /// engine). Requests in flight finish on the io_context, so destroy the API only once it stopped running.
    void stop();
    std::uint16_t port() const noexcept;

    /// One request, as the server hands it over; usable without a socket.
    boost::asio::awaitable<net::http_response> handle(net::http_request request);

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::services
