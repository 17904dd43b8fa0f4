#include "hft/exchange/tokocrypto/rest_client.hpp"

#include "hft/exchange/signing.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hft::exchange::tokocrypto {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

std::int64_t system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A request that got no answer: surely not received, or of unknown outcome (the order may exist).
api_failure transport_failure(const net::http_failure& failure) {
    const auto kind = failure.reached == net::delivery::not_received ? failure_kind::not_sent : failure_kind::ambiguous;
    return api_failure{kind, 0, 0, failure.message, {}};
}

net::http_client_options connection_options(const rest_options& options) {
    return net::http_client_options{.timeout = options.timeout, .max_idle = options.idle_limit};
}

// Parses an envelope's data with `parse`; a 2xx whose data we cannot read is an ambiguous outcome.
template <class T>
result<T> decode(const expected<std::string, api_failure>& data,
                 expected<T, std::string> (*parse)(std::string_view)) {
    if (!data) return unexpected(data.error());
    auto parsed = parse(*data);
    if (!parsed) return unexpected(api_failure{failure_kind::ambiguous, 200, 0, "unreadable answer: " + parsed.error(), {}});
    return std::move(*parsed);
}

}  // namespace

struct rest_client::impl {
    impl(asio::any_io_executor executor, net::http_origin origin, credentials account_, rest_options options_)
        : entry(executor, origin, connection_options(options_)),
          queries(std::move(executor), std::move(origin), connection_options(options_)),
          account(std::move(account_)),
          options(std::move(options_)) {
        if (!options.now_ms) options.now_ms = system_now_ms;
    }

    // One signed request: GET/DELETE carry everything in the query, POST in a form body, as Tokocrypto's open
    // API documents.
    asio::awaitable<expected<std::string, api_failure>> signed_call(net::http_client& via, std::string method,
                                                                     std::string path, std::string params) {
        if (steady::now() < blocked_until) {
            const auto left = std::chrono::ceil<std::chrono::seconds>(blocked_until - steady::now());
            co_return unexpected(api_failure{failure_kind::rate_limited, 0, 0,
                                             "still backing off after the exchange's rate limit", left});
        }
        if (!params.empty()) params += '&';
        params += fmt::format("timestamp={}&recvWindow={}", options.now_ms(), options.recv_window.count());
        const bool in_body = method == "POST";
        params += "&signature=" + sign_request(account.api_secret, in_body ? "" : params, in_body ? params : "");
        net::http_headers headers{{"X-MBX-APIKEY", account.api_key}};
        if (in_body) headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        // Named first: GCC 12 mishandles a conditional-expression temporary passed to a coroutine parameter.
        std::string target = in_body ? path : path + "?" + params;
        std::string body = in_body ? std::move(params) : std::string();
        auto reply = co_await via.request(std::move(method), std::move(target), std::move(body), std::move(headers));
        co_return settle(reply);
    }

    asio::awaitable<expected<std::string, api_failure>> public_call(std::string target) {
        auto reply = co_await queries.get(std::move(target));
        co_return settle(reply);
    }

    expected<std::string, api_failure> settle(const expected<net::http_reply, net::http_failure>& reply) {
        if (!reply) return unexpected(transport_failure(reply.error()));
        const auto retry_after = reply->header("Retry-After");
        auto data = read_envelope(reply->status, reply->body,
                                  retry_after ? std::optional<std::string_view>(*retry_after) : std::nullopt);
        if (!data && data.error().kind == failure_kind::rate_limited) {
            blocked_until = steady::now() + data.error().retry_after;
        }
        return data;
    }

    // Order entry has a connection of its own, so placing or canceling never waits behind a status query.
    net::http_client entry;
    net::http_client queries;
    credentials account;
    rest_options options;
    steady::time_point blocked_until{};
    std::map<std::string, core::symbol_rules> rules;
    steady::time_point rules_fetched{};
};

rest_client::rest_client(asio::any_io_executor executor, net::http_origin origin, credentials account,
                         rest_options options)
    : impl_(std::make_unique<impl>(std::move(executor), std::move(origin), std::move(account), std::move(options))) {}

rest_client::~rest_client() = default;

asio::awaitable<result<exchange_order>> rest_client::place_order(new_order order) {
    const auto data = co_await impl_->signed_call(
        impl_->entry, "POST", "/open/v1/orders",
        new_order_params(order.symbol, order.side, order.type, order.price, order.quantity, order.time_in_force,
                         order.client_id));
    co_return decode(data, parse_order);
}

asio::awaitable<result<exchange_order>> rest_client::query_order(std::string symbol, std::int64_t order_id) {
    const auto data = co_await impl_->signed_call(impl_->queries, "GET", "/open/v1/orders/detail",
                                                  fmt::format("symbol={}&orderId={}", symbol, order_id));
    co_return decode(data, parse_order);
}

asio::awaitable<result<std::optional<exchange_order>>> rest_client::find_by_client_id(std::string symbol,
                                                                                      std::string client_id,
                                                                                      std::int64_t since_ms) {
    const auto with_client_id = [&](const std::vector<exchange_order>& orders) {
        const auto found = std::find_if(orders.begin(), orders.end(),
                                        [&](const exchange_order& o) { return o.client_id == client_id; });
        return found == orders.end() ? std::optional<exchange_order>{} : std::optional<exchange_order>{*found};
    };
    auto recent = co_await all_orders(symbol, since_ms);
    if (!recent) co_return unexpected(recent.error());
    if (auto found = with_client_id(*recent)) co_return found;
    // An open order placed before since_ms still counts: an exchange that refused the client id as a duplicate has
    // it among its open orders, however long ago it was placed.
    auto open = co_await open_orders(std::move(symbol));
    if (!open) co_return unexpected(open.error());
    co_return with_client_id(*open);
}

asio::awaitable<result<exchange_order>> rest_client::cancel_order(std::string symbol, std::int64_t order_id) {
    const auto data = co_await impl_->signed_call(impl_->entry, "POST", "/open/v1/orders/cancel",
                                                  fmt::format("symbol={}&orderId={}", symbol, order_id));
    co_return decode(data, parse_order);
}

asio::awaitable<result<std::vector<exchange_order>>> rest_client::open_orders(std::string symbol) {
    const auto data =
        co_await impl_->signed_call(impl_->queries, "GET", "/open/v1/orders", fmt::format("symbol={}&type={}&limit=1000", symbol, codes::list_open));
    co_return decode(data, parse_order_list);
}

asio::awaitable<result<std::vector<exchange_order>>> rest_client::all_orders(std::string symbol, std::int64_t since_ms) {
    const auto data = co_await impl_->signed_call(
        impl_->queries, "GET", "/open/v1/orders", fmt::format("symbol={}&type={}&startTime={}&limit=1000", symbol, codes::list_all, since_ms));
    co_return decode(data, parse_order_list);
}

asio::awaitable<result<std::vector<exchange_trade>>> rest_client::trades(std::string symbol, std::int64_t order_id) {
    const auto data = co_await impl_->signed_call(impl_->queries, "GET", "/open/v1/orders/trades",
                                                  fmt::format("symbol={}&orderId={}&limit=1000", symbol, order_id));
    co_return decode(data, parse_trades);
}

asio::awaitable<result<std::vector<asset_balance>>> rest_client::balances() {
    const auto data = co_await impl_->signed_call(impl_->queries, "GET", "/open/v1/account/spot", "");
    co_return decode(data, parse_balances);
}

std::chrono::milliseconds rest_client::backoff_remaining() const {
    const auto left = impl_->blocked_until - steady::now();
    if (left <= steady::duration::zero()) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(left);
}

std::optional<core::symbol_rules> rest_client::cached_rules(const std::string& symbol) const {
    if (steady::now() - impl_->rules_fetched > impl_->options.rules_refresh) return std::nullopt;
    const auto found = impl_->rules.find(symbol);
    if (found == impl_->rules.end()) return std::nullopt;
    return found->second;
}

asio::awaitable<result<core::symbol_rules>> rest_client::rules(std::string symbol) {
    if (auto fresh = cached_rules(symbol)) co_return std::move(*fresh);
    if (auto refreshed = co_await refresh_rules(); !refreshed) co_return unexpected(refreshed.error());
    const auto found = impl_->rules.find(symbol);
    if (found == impl_->rules.end()) {
        co_return unexpected(api_failure{failure_kind::rejected, 0, errors::invalid_symbol, "Invalid symbol: " + symbol, {}});
    }
    co_return found->second;
}

asio::awaitable<result<void>> rest_client::refresh_rules() {
    auto& self = *impl_;
    const auto data = co_await self.public_call("/open/v1/common/symbols");
    auto fetched = decode(data, parse_symbols);
    if (!fetched) co_return unexpected(fetched.error());
    self.rules.clear();
    for (auto& r : *fetched) self.rules.emplace(r.symbol, std::move(r));
    self.rules_fetched = steady::now();
    co_return result<void>{};
}

bool rest_client::rules_due() const {
    return impl_->rules.empty() || steady::now() - impl_->rules_fetched > impl_->options.rules_refresh / 2;
}

asio::awaitable<result<void>> rest_client::open_entry() {
    const auto reply = co_await impl_->entry.get("/open/v1/common/time");
    if (!reply) co_return unexpected(transport_failure(reply.error()));
    co_return result<void>{};
}

bool rest_client::entry_warm_due() const {
    const auto idle = impl_->entry.idle_for();
    return impl_->options.entry_keep_warm.count() > 0 && idle && *idle >= impl_->options.entry_keep_warm;
}

}  // namespace hft::exchange::tokocrypto
