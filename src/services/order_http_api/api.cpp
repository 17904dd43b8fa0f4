// The order HTTP API on a net::server: its routes, authentication, the calls into order_service, the synchronous
// place's deadline, and the headers every answer carries.

#include "hft/codec/order_update.hpp"
#include "hft/core/risk.hpp"
#include "hft/net/server.hpp"
#include "hft/services/order_http_api.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <random>
#include <unordered_set>

namespace hft::services {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;

net::http_response json_response(unsigned status, std::string body) {
    return net::http_response::json(status, std::move(body));
}

net::http_response error_response(const api_error& error) {
    auto response = json_response(error.status, encode(error));
    if (error.retry_after.count() > 0) {
        response.headers.emplace_back("Retry-After", std::to_string(error.retry_after.count()));
    }
    return response;
}

std::string encode(const trading_state_entry& entry) {
    return json{{"scope", entry.scope},
                {"state", std::string(core::to_string(entry.state))},
                {"reason", entry.reason},
                {"updated_by", entry.updated_by},
                {"updated_at", entry.updated_at}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

// A client's X-Request-Id is adopted only when it is a valid id (it may become a cancel's request_id), so a header
// cannot smuggle anything into our answers, logs or database.
bool is_plain_token(std::string_view text) { return domain::validate_id("X-Request-Id", text).has_value(); }

// Bodies are JSON: `application/json`, parameters (charset) allowed. Anything else, including a form that a bare
// `curl -d` sends, is refused rather than read as JSON by guess.
bool is_json_media_type(std::optional<std::string> content_type) {
    if (!content_type) return false;
    auto media_type = std::string_view(*content_type).substr(0, content_type->find(';'));
    while (!media_type.empty() && media_type.back() == ' ') media_type.remove_suffix(1);
    return boost::algorithm::iequals(media_type, "application/json");
}

constexpr std::string_view orders_path = "/order-engine/v1/orders";
constexpr std::string_view trading_state_path = "/order-engine/v1/trading-state";

api_error route_not_found(std::string_view path) {
    return make_api_error(404, "ROUTE_NOT_FOUND",
                          "no route " + std::string(path) + "; the API serves " + std::string(orders_path) + ", " +
                              std::string(orders_path) + "/{order_id}, " + std::string(orders_path) + "/async, " +
                              std::string(trading_state_path) + ", /healthz and /readyz");
}

api_error method_not_allowed(std::string_view method, std::string_view path, std::string_view allow) {
    return make_api_error(405, "METHOD_NOT_ALLOWED",
                          std::string(method) + " is not allowed on " + std::string(path) + "; use " +
                              std::string(allow));
}

// The body's api_key, read only when no X-API-Key header came; a body that is not JSON has no key to read.
expected<std::string, api_error> body_api_key(std::string_view body) {
    if (body.empty()) return std::string{};
    auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return unexpected(make_api_error(400, "INVALID_JSON",
                                         "the body is not a valid JSON object; send one JSON object, with the API key "
                                         "in the X-API-Key header or as its api_key"));
    }
    const auto it = parsed.find("api_key");
    if (it == parsed.end() || it->is_null()) return std::string{};
    if (!it->is_string()) {
        auto error = make_api_error(400, "INVALID_FIELD", "api_key: must be a string");
        error.field = "api_key";
        return unexpected(std::move(error));
    }
    return it->get<std::string>();
}

// The answers net::server gives on its own (a request over the limits, too many connections, a throwing
// handler), as this API's errors.
api_error server_error(unsigned status, std::string_view message) {
    switch (status) {
        case 413: return make_api_error(413, "PAYLOAD_TOO_LARGE", std::string(message) + "; send less");
        case 503: return make_api_error(503, "TOO_MANY_CONNECTIONS", std::string(message));
        default:
            return make_api_error(status, "INTERNAL_ERROR",
                                  "the gateway failed on this request; retry, and report it if it persists");
    }
}

// What a synchronous place leaves behind for the request that waits on it with a deadline.
struct pending_place {
    explicit pending_place(asio::any_io_executor executor) : done(std::move(executor)) {}

    std::optional<order_result<domain::order_record>> result;
    std::exception_ptr failure;
    asio::steady_timer done;  ///< cancelled when the place finishes
};

// Runs apart from the HTTP request, so the order goes on when the request gives up waiting.
asio::awaitable<void> run_place(order_service* service, domain::place_order_command command,
                                std::shared_ptr<pending_place> pending) {
    pending->result.emplace(co_await service->place(std::move(command)));
    pending->done.cancel();
}

}  // namespace

struct order_http_api::impl {
    impl(asio::io_context& ioc, order_service& service_, const app::config& cfg, clock now_)
        : service(service_),
          keys(cfg.api_keys),
          request_timeout(cfg.order_engine_gateway.request_timeout),
          now(now_ ? std::move(now_) : clock{[] { return std::chrono::system_clock::now(); }}),
          random(std::random_device{}()),
          server(ioc, server_options(cfg), net::router{}, nullptr) {
        if (keys.empty()) spdlog::warn("order HTTP API: api_keys is empty, so every /order-engine request gets 401");
        add_routes();
    }

    // `.../orders/async` takes only POST as the queueing route; GET and DELETE there reach {order_id}.
    void add_routes() {
        routes.on_not_found(
            [](const net::http_request& request) { return error_response(route_not_found(request.path)); });
        routes.on_method_not_allowed([](const net::http_request& request, std::string_view allow) {
            return error_response(method_not_allowed(request.method, request.path, allow));
        });
        routes.add("GET", "/healthz",
                   [](const net::http_request&) { return json_response(200, R"({"status":"ok"})"); });
        routes.add("GET", "/readyz", [this](const net::http_request&) {
            if (service.ready()) return json_response(200, R"({"status":"ready"})");
            return error_response(make_api_error(
                503, "NOT_READY", "the order engine is not ready (database, bus or start-up reconciliation); retry"));
        });
        const std::string orders(orders_path);
        const std::string order = orders + "/{order_id}";
        const std::string trading_state(trading_state_path);
        add_keyed("POST", orders, with_body, &impl::place_order);
        add_keyed("POST", orders + "/async", with_body, &impl::submit_order);
        add_keyed("GET", orders, without_body, &impl::list_orders);
        add_keyed("GET", order, without_body, &impl::get_order);
        add_keyed("DELETE", order, with_body, &impl::cancel_order);
        add_keyed("GET", trading_state, without_body, &impl::get_trading_state);
        add_keyed("PUT", trading_state, with_body, &impl::set_trading_state);
    }

    // A handler of an /order-engine route: the request, and the name of the API key it came with.
    using keyed_handler = asio::awaitable<net::http_response> (impl::*)(net::http_request request, std::string caller);
    static constexpr bool with_body = true;  ///< the route reads a JSON body (where an api_key may stand too)
    static constexpr bool without_body = false;

    void add_keyed(std::string method, std::string pattern, bool reads_body, keyed_handler handler) {
        routes.add(std::move(method), std::move(pattern), [this, reads_body, handler](net::http_request request) {
            return keyed(std::move(request), reads_body, handler);
        });
    }

    net::server_options server_options(const app::config& cfg) {
        const auto& gateway = cfg.order_engine_gateway;
        net::server_options options;
        options.address = gateway.http_bind;
        options.port = cfg.port.order_engine_gateway_http;
        options.max_connections = static_cast<std::size_t>(std::max(gateway.max_connections, 1));
        options.max_connections_per_peer = static_cast<std::size_t>(std::max(gateway.max_connections_per_peer, 0));
        options.first_request_timeout = gateway.first_request_timeout;
        options.max_body_bytes = gateway.max_body_bytes;
        // A request must arrive within the time a synchronous place may take to answer.
        options.read_timeout = gateway.request_timeout;
        options.on_error = [](std::string_view what) { spdlog::warn("order HTTP API: {}", what); };
        options.async_handler = [this](net::http_request request) { return handle(std::move(request)); };
        options.error_response = [this](unsigned status, std::string_view message) {
            auto response = error_response(server_error(status, message));
            decorate(response, generate_request_id());
            return response;
        };
        return options;
    }

    std::int64_t now_ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
    }

    std::string generate_request_id() {
        static constexpr char hex[] = "0123456789abcdef";
        std::string id;
        for (int word = 0; word < 2; ++word) {
            auto bits = random();
            for (int i = 0; i < 16; ++i, bits >>= 4) id.push_back(hex[bits & 0xf]);
        }
        return id;
    }

    static void decorate(net::http_response& response, const std::string& request_id) {
        response.headers.emplace_back("X-Request-Id", request_id);
        response.headers.emplace_back("X-Content-Type-Options", "nosniff");
        response.headers.emplace_back("X-Frame-Options", "DENY");
        response.headers.emplace_back("Referrer-Policy", "no-referrer");
        response.headers.emplace_back("Cache-Control", "no-store");
    }

    asio::awaitable<net::http_response> handle(net::http_request request) {
        const auto started = std::chrono::steady_clock::now();
        const auto client_id = request.header("X-Request-Id");
        std::string request_id = client_id && is_plain_token(*client_id) ? *client_id : generate_request_id();
        // The routes read the request id from the request, as the answer will carry it.
        std::erase_if(request.headers,
                      [](const auto& header) { return boost::algorithm::iequals(header.first, "X-Request-Id"); });
        request.headers.emplace_back("X-Request-Id", request_id);
        const std::string method = request.method;
        const std::string path = request.path;
        net::http_response response;
        try {
            response = co_await routes.answer(std::move(request));
        } catch (const std::exception& e) {
            spdlog::error("order HTTP API: {} {} request_id={} failed: {}", method, path, request_id, e.what());
            response = error_response(make_api_error(500, "INTERNAL_ERROR",
                                                     "the gateway failed on this request (request id " + request_id +
                                                         "); look the order up before retrying, and report it if it "
                                                         "persists"));
        }
        decorate(response, request_id);
        const auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        // A client's mistakes are its own to read in the answer, and health probes come every few seconds: logged
        // above debug they would let any caller flood the log.
        const bool probe = path == "/healthz" || path == "/readyz";
        const auto level = probe || (response.status >= 400 && response.status < 500) ? spdlog::level::debug
                           : response.status >= 500                                     ? spdlog::level::warn
                                                                                        : spdlog::level::info;
        spdlog::log(level, "order HTTP API: {} {} -> {} in {} ms request_id={}", method, path, response.status,
                    took.count(), request_id);
        co_return response;
    }

    // What every /order-engine route checks before its own work, in this order: an order id in the path follows
    // the id rule, a body is JSON, and the caller holds a valid API key.
    asio::awaitable<net::http_response> keyed(net::http_request request, bool reads_body, keyed_handler handler) {
        if (auto order_id = request.path_param("order_id")) {
            if (auto valid = decode_order_id(*std::move(order_id)); !valid) co_return error_response(valid.error());
        }
        if (reads_body && !request.body.empty() && !is_json_media_type(request.header("Content-Type"))) {
            co_return error_response(make_api_error(
                415, "UNSUPPORTED_MEDIA_TYPE",
                "the body must be JSON sent with Content-Type: application/json (curl: -H 'Content-Type: "
                "application/json' or --json)"));
        }
        auto caller = authorize(request, reads_body);  // the key's name, never the key
        if (!caller) co_return error_response(caller.error());
        co_return co_await (this->*handler)(std::move(request), *std::move(caller));
    }

    asio::awaitable<net::http_response> place_order(net::http_request request, std::string) {
        auto command = decode_place_request(request.body, now_ms());
        if (!command) co_return error_response(command.error());
        co_return co_await place(*std::move(command));
    }

    asio::awaitable<net::http_response> submit_order(net::http_request request, std::string) {
        auto command = decode_place_request(request.body, now_ms());
        if (!command) co_return error_response(command.error());
        const json queued = {
            {"request_id", command->request_id}, {"order_id", command->order_id}, {"status", "queued"}};
        auto submitted = co_await service.submit(*std::move(command));
        if (!submitted) co_return error_response(to_api_error(submitted.error()));
        co_return json_response(202, queued.dump());
    }

    asio::awaitable<net::http_response> get_order(net::http_request request, std::string) {
        auto order_id = request.path_param("order_id").value_or("");
        auto order = co_await service.get(std::move(order_id));
        co_return order_answer(200, std::move(order));
    }

    asio::awaitable<net::http_response> list_orders(net::http_request request, std::string) {
        auto query = decode_order_query(request);
        if (!query) co_return error_response(query.error());
        auto orders = co_await service.list(*std::move(query));
        if (!orders) co_return error_response(to_api_error(orders.error()));
        std::string body = R"({"orders":[)";
        for (const auto& order : *orders) {
            if (&order != &orders->front()) body.push_back(',');
            body += codec::encode(order);
        }
        body += "]}";
        co_return json_response(200, std::move(body));
    }

    asio::awaitable<net::http_response> cancel_order(net::http_request request, std::string) {
        auto order_id = request.path_param("order_id").value_or("");
        auto request_id = request.header("X-Request-Id").value_or("");
        auto command = decode_cancel_request(request, std::move(order_id), std::move(request_id), now_ms());
        if (!command) co_return error_response(command.error());
        auto order = co_await service.cancel(*std::move(command));
        co_return order_answer(200, std::move(order));
    }

    asio::awaitable<net::http_response> get_trading_state(net::http_request, std::string) {
        auto states = co_await service.trading_states();
        if (!states) co_return error_response(to_api_error(states.error()));
        std::string body = R"({"trading_states":[)";
        for (const auto& entry : *states) {
            if (&entry != &states->front()) body.push_back(',');
            body += encode(entry);
        }
        body += "]}";
        co_return json_response(200, std::move(body));
    }

    asio::awaitable<net::http_response> set_trading_state(net::http_request request, std::string caller) {
        auto entry = decode_trading_state_request(request.body, caller, now_ms());
        if (!entry) co_return error_response(entry.error());
        spdlog::warn("order HTTP API: trading state of {} set to {} by API key \"{}\": {}", entry->scope,
                     core::to_string(entry->state), caller, entry->reason);
        auto stored = co_await service.set_trading_state(*std::move(entry));
        if (!stored) co_return error_response(to_api_error(stored.error()));
        co_return json_response(200, encode(*stored));
    }

    // The caller's key name: from X-API-Key, else from the body of the routes that have one.
    expected<std::string, api_error> authorize(const net::http_request& request, bool reads_body) const {
        auto presented = request.header("X-API-Key").value_or(std::string{});
        if (presented.empty() && reads_body) {
            auto from_body = body_api_key(request.body);
            if (!from_body) return unexpected(from_body.error());
            presented = *std::move(from_body);
        }
        return authenticate(presented, keys, now());
    }

    static net::http_response order_answer(unsigned status, order_result<domain::order_record> result) {
        if (!result) return error_response(to_api_error(result.error()));
        return json_response(status, codec::encode(*result));
    }

    // Waits at most request_timeout for the engine; past it the order carries on and the client is told where
    // to find it.
    asio::awaitable<net::http_response> place(domain::place_order_command command) {
        auto executor = co_await asio::this_coro::executor;
        const std::string order_id = command.order_id;
        auto pending = std::make_shared<pending_place>(executor);
        pending->done.expires_after(request_timeout);
        asio::co_spawn(executor, run_place(&service, std::move(command), pending), [pending](std::exception_ptr e) {
            if (!e) return;
            pending->failure = e;
            pending->done.cancel();
        });
        if (!pending->result && !pending->failure) {
            waiting.insert(pending.get());
            co_await pending->done.async_wait(asio::as_tuple(asio::use_awaitable));
            waiting.erase(pending.get());
        }
        if (pending->failure) std::rethrow_exception(pending->failure);
        if (!pending->result) {
            co_return error_response(
                make_api_error(504, "PLACE_TIMEOUT",
                               "the order engine did not answer within " + std::to_string(request_timeout.count()) +
                                   " ms; the order continues: look it up with GET /order-engine/v1/orders/" + order_id +
                                   " instead of placing it again"));
        }
        auto response = order_answer(201, *std::move(pending->result));
        if (response.status == 201) response.headers.emplace_back("Location", "/order-engine/v1/orders/" + order_id);
        co_return response;
    }

    order_service& service;
    std::vector<app::api_key_config> keys;
    std::chrono::milliseconds request_timeout;
    clock now;
    std::mt19937_64 random;
    // Synchronous places waiting for the engine; stop() ends their wait so shutdown need not sit out the timeout.
    std::unordered_set<pending_place*> waiting;
    net::router routes;
    net::server server;
};

order_http_api::order_http_api(asio::io_context& ioc, order_service& service, const app::config& cfg, clock now)
    : impl_(std::make_unique<impl>(ioc, service, cfg, std::move(now))) {}

order_http_api::~order_http_api() = default;

void order_http_api::start() { impl_->server.start(); }
void order_http_api::stop() {
    impl_->server.stop();
    for (auto* pending : impl_->waiting) pending->done.cancel();
}
std::uint16_t order_http_api::port() const noexcept { return impl_->server.port(); }

asio::awaitable<net::http_response> order_http_api::handle(net::http_request request) {
    return impl_->handle(std::move(request));
}

}  // namespace hft::services
