#pragma once

// Tokocrypto's signed REST API for one account: place, query, cancel and list orders, read trades and
// balances, and the symbol rules (fetched once, cached, refreshed). Every signed call carries timestamp and
// recvWindow and the HMAC-SHA256 signature of query + body, as its documentation specifies; the API key travels in
// X-MBX-APIKEY and neither key nor secret ever reaches a log or an error.
//
// Outcomes are values (wire.hpp): `rejected` is final, `ambiguous` means the order may exist (reconcile by
// client id, never resend blindly), `not_sent` means the request never reached the exchange (nothing
// happened), `rate_limited` makes the client refuse every call until Retry-After has passed, so a 429 is never
// answered with more requests. Two connections are kept alive: order entry (place_order, cancel_order) and
// queries (everything else), so a placement never waits behind a status query. Neither is reused once idle
// past rest_options::idle_limit or closed by the exchange, and a request that surely never arrived on a reused
// one is sent once more on a new one (net::http_client). Calls on one connection must run one at a time: the
// caller serializes each group.

#include "hft/exchange/tokocrypto/wire.hpp"
#include "hft/net/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::tokocrypto {

/// The REST base of the real exchange, for a configuration that names none.
inline constexpr std::string_view default_base_url = "https://www.tokocrypto.com";

struct credentials {
    std::string api_key;
    std::string api_secret;
};

struct rest_options {
    std::chrono::milliseconds recv_window{5000};
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
    std::chrono::minutes rules_refresh{std::chrono::minutes(10)};  ///< symbol rules older than this are re-fetched
    /// A connection unused this long is replaced before the next request: below the exchange's keep-alive timeout.
    std::chrono::milliseconds idle_limit{std::chrono::seconds(20)};
    /// entry_warm_due() turns true once the order-entry connection has been unused this long; zero: never.
    std::chrono::milliseconds entry_keep_warm{0};
    std::function<std::int64_t()> now_ms;  ///< the request timestamp; the system clock when empty
};

struct new_order {
    std::string symbol;  ///< order form, BTC_USDT
    domain::order_side side = domain::order_side::buy;
    domain::order_type type = domain::order_type::limit;
    std::optional<domain::decimal> price;
    domain::decimal quantity;
    std::optional<domain::time_in_force> time_in_force;
    std::string client_id;  ///< client_order_id(order_id)
};

template <class T>
using result = expected<T, api_failure>;

class rest_client {
public:
    rest_client(boost::asio::any_io_executor executor, net::http_origin origin, credentials account,
                rest_options options = {});
    ~rest_client();
    rest_client(const rest_client&) = delete;
    rest_client& operator=(const rest_client&) = delete;

    boost::asio::awaitable<result<exchange_order>> place_order(new_order order);
    boost::asio::awaitable<result<exchange_order>> query_order(std::string symbol, std::int64_t order_id);
    /// The order with `client_id` among the symbol's orders since `since_ms` (open and history), else among its open
    /// orders however old: how an ambiguous placement is resolved. nullopt when the exchange has no such order.
    boost::asio::awaitable<result<std::optional<exchange_order>>> find_by_client_id(std::string symbol,
                                                                                    std::string client_id,
                                                                                    std::int64_t since_ms);
    boost::asio::awaitable<result<exchange_order>> cancel_order(std::string symbol, std::int64_t order_id);
    boost::asio::awaitable<result<std::vector<exchange_order>>> open_orders(std::string symbol);
    /// The symbol's orders since `since_ms`, open and history (at most 1000).
    boost::asio::awaitable<result<std::vector<exchange_order>>> all_orders(std::string symbol, std::int64_t since_ms);
    boost::asio::awaitable<result<std::vector<exchange_trade>>> trades(std::string symbol, std::int64_t order_id);
    boost::asio::awaitable<result<std::vector<asset_balance>>> balances();

    /// The rules of `symbol` (order form), from the cache when fresh enough (a query when not).
    boost::asio::awaitable<result<core::symbol_rules>> rules(std::string symbol);
    /// Fetches every symbol's rules now (over the query connection) and replaces the cache.
    boost::asio::awaitable<result<void>> refresh_rules();
    /// True once the cached rules have lived half their rules_refresh, or were never fetched: refreshed then, off
    /// the order path, they never go stale under order entry.
    bool rules_due() const;
    /// Opens the order-entry connection before the first order needs it (a GET of the server time over it), so
    /// that order does not also wait for TCP and TLS set-up. On an open connection the same GET keeps it in use.
    boost::asio::awaitable<result<void>> open_entry();
    /// True when the order-entry connection is open and has been unused for rest_options::entry_keep_warm: an
    /// open_entry() now keeps the exchange from closing it for idleness, so the next order finds it open.
    bool entry_warm_due() const;
    /// The cached rules of `symbol` while fresh, without a call: what order entry uses so it never waits for
    /// the query connection.
    std::optional<core::symbol_rules> cached_rules(const std::string& symbol) const;

    /// How long signed calls are still refused after the exchange's rate limit (zero when they are not), so a
    /// caller can decline work before committing to it instead of failing halfway.
    std::chrono::milliseconds backoff_remaining() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::exchange::tokocrypto
