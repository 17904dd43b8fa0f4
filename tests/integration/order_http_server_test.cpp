// The order HTTP API on a real loopback socket, in front of an in-memory order_service.

#include "hft/services/order_http_api.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/process.hpp"
#include "support/samples.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

using namespace hft;
using namespace hft::services;
using json = nlohmann::json;
namespace asio = boost::asio;
using hft::test::sample_place_request;

namespace {

using namespace std::chrono;

const system_clock::time_point noon = sys_days{2026y / November / 28} + 12h;
constexpr std::int64_t noon_ms = 1'795'867'200'000;
constexpr auto ops_key = "ops-key-0123456789abcdef";

// Keeps orders in a map and answers at once, or after `place_delay` for a synchronous place.
class memory_order_service final : public order_service {
public:
    asio::awaitable<order_result<domain::order_record>> place(domain::place_order_command command) override {
        if (fail_place) throw std::runtime_error("engine bug");
        if (place_delay.count() > 0) {
            asio::steady_timer delay(co_await asio::this_coro::executor, place_delay);
            co_await delay.async_wait(asio::use_awaitable);
        }
        co_return record(command);
    }

    asio::awaitable<order_result<void>> submit(domain::place_order_command command) override {
        submitted.push_back(command);
        co_return order_result<void>{};
    }

    asio::awaitable<order_result<domain::order_record>> get(std::string order_id) override {
        const auto it = orders.find(order_id);
        if (it == orders.end()) co_return unexpected(not_found(order_id));
        co_return it->second;
    }

    asio::awaitable<order_result<std::vector<domain::order_record>>> list(order_query query) override {
        std::vector<domain::order_record> out;
        for (const auto& [id, order] : orders) {
            if (query.user_id && order.user_id != *query.user_id) continue;
            if (query.status && order.status != *query.status) continue;
            out.push_back(order);
        }
        co_return out;
    }

    asio::awaitable<order_result<domain::order_record>> cancel(domain::cancel_order_command command) override {
        const auto it = orders.find(command.order_id);
        if (it == orders.end() || it->second.user_id != command.user_id)
            co_return unexpected(not_found(command.order_id));
        if (domain::is_terminal(it->second.status)) {
            co_return unexpected(order_error{order_error_kind::not_cancelable, "", "already final", it->second});
        }
        it->second.status = domain::order_status::canceled;
        co_return it->second;
    }

    asio::awaitable<order_result<std::vector<trading_state_entry>>> trading_states() override { co_return states; }

    asio::awaitable<order_result<trading_state_entry>> set_trading_state(trading_state_entry entry) override {
        states.push_back(entry);
        co_return entry;
    }

    bool ready() const override { return is_ready; }

    std::atomic<bool> is_ready{true};
    milliseconds place_delay{0};
    bool fail_place = false;
    std::map<std::string, domain::order_record> orders;
    std::vector<domain::place_order_command> submitted;
    std::vector<trading_state_entry> states;

private:
    static order_error not_found(const std::string& order_id) {
        return order_error{order_error_kind::not_found, "", "no order " + order_id, std::nullopt};
    }

    order_result<domain::order_record> record(const domain::place_order_command& command) {
        for (const auto& [id, order] : orders) {
            if (id == command.order_id || order.request_id == command.request_id) {
                return unexpected(order_error{order_error_kind::duplicate, "DUPLICATE_ORDER", "already placed", order});
            }
        }
        domain::order_record order;
        order.order_id = command.order_id;
        order.request_id = command.request_id;
        order.client_order_id = command.order_id;
        order.user_id = command.user_id;
        order.exchange = command.exchange;
        order.symbol = "TKOIDR";
        order.side = command.side;
        order.type = command.type;
        order.price = command.price;
        order.quantity = command.quantity;
        order.status = domain::order_status::new_;
        order.source = command.source;
        order.requested_at = command.requested_at;
        order.created_at = order.updated_at = command.requested_at;
        orders.emplace(order.order_id, order);
        return order;
    }
};

app::config test_config() {
    app::config cfg;
    cfg.port.order_engine_gateway_http = 0;
    cfg.order_engine_gateway.max_body_bytes = 2048;
    cfg.order_engine_gateway.request_timeout = milliseconds(300);
    cfg.api_keys = {
        {"ops", app::secret{ops_key}, true, std::nullopt},
        {"off", app::secret{"off-key-0123456789abcdef"}, false, std::nullopt},
        {"old", app::secret{"old-key-0123456789abcdef"}, true, sys_seconds{sys_days{2026y / January / 31}}},
    };
    return cfg;
}

// The API on its own io_context thread; requests come from the blocking client on the test's thread.
class running_api {
public:
    explicit running_api(app::config cfg = test_config()) : api_(ioc_, service, cfg, [] { return noon; }) {
        api_.start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~running_api() {
        asio::post(ioc_, [this] { api_.stop(); });
        thread_.join();
    }

    // A body goes as JSON unless the test names its own Content-Type.
    test::sync_http_result call(std::string_view method, std::string_view target, std::string body = {},
                                test::http_headers headers = {{"X-API-Key", ops_key}}) {
        const bool typed = std::any_of(headers.begin(), headers.end(),
                                       [](const auto& header) { return header.first == "Content-Type"; });
        if (!body.empty() && !typed) headers.emplace_back("Content-Type", "application/json");
        return test::http_request_sync("127.0.0.1", api_.port(), method, target, std::move(body), seconds(5), headers);
    }

    std::uint16_t port() const { return api_.port(); }

    memory_order_service service;

private:
    asio::io_context ioc_;
    order_http_api api_;
    std::thread thread_;
};

std::string error_code(const test::sync_http_result& result) {
    const auto body = json::parse(result.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

}  // namespace

TEST_CASE("a synchronous place of the order API's sample request gets 201 and the order", "[order-http]") {
    running_api api;
    const auto result = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump());
    REQUIRE(result.status == 201);
    const auto order = json::parse(result.body);
    CHECK(order["order_id"] == "1d421596-2ff1-4798-b1b5-5336ed39122z");
    CHECK(order["status"] == "NEW");
    CHECK(order["price"] == "920");
    CHECK(order["requested_at"] == noon_ms);
    CHECK(result.header("Location") == "/order-engine/v1/orders/1d421596-2ff1-4798-b1b5-5336ed39122z");
}

TEST_CASE("every answer carries the security headers and a request id", "[order-http]") {
    running_api api;
    const auto generated = api.call("GET", "/healthz", {}, {});
    CHECK(generated.status == 200);
    CHECK(generated.header("X-Content-Type-Options") == "nosniff");
    CHECK(generated.header("X-Frame-Options") == "DENY");
    CHECK(generated.header("Referrer-Policy") == "no-referrer");
    CHECK(generated.header("X-Request-Id").value_or("").size() == 32);

    const auto echoed = api.call("GET", "/nowhere", {}, {{"X-Request-Id", "trace-42"}});
    CHECK(echoed.status == 404);
    CHECK(echoed.header("X-Request-Id") == "trace-42");
    const auto replaced = api.call("GET", "/healthz", {}, {{"X-Request-Id", "bad id<script>"}});
    CHECK(replaced.header("X-Request-Id") != "bad id<script>");
}

TEST_CASE("a place request with the api key in the body is accepted", "[order-http]") {
    running_api api;
    auto body = sample_place_request();
    body["api_key"] = ops_key;
    CHECK(api.call("POST", "/order-engine/v1/orders", body.dump(), {}).status == 201);
}

TEST_CASE("the X-API-Key header wins over the body's api_key, and an empty header defers to the body", "[order-http]") {
    running_api api;
    auto body = sample_place_request();
    body["api_key"] = "guess";
    CHECK(api.call("POST", "/order-engine/v1/orders", body.dump()).status == 201);
    body["api_key"] = ops_key;
    body["order_id"] = body["request_id"] = "second";
    CHECK(api.call("POST", "/order-engine/v1/orders", body.dump(), {{"X-API-Key", ""}}).status == 201);
}

TEST_CASE("a place request without an api key gets 401 API_KEY_MISSING", "[order-http]") {
    running_api api;
    const auto result = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(), {});
    CHECK(result.status == 401);
    CHECK(error_code(result) == "API_KEY_MISSING");
    CHECK(api.service.orders.empty());
}

TEST_CASE("a place request with a wrong api key gets 401 API_KEY_INVALID, in the header or the body", "[order-http]") {
    running_api api;
    const auto header =
        api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(), {{"X-API-Key", "guess"}});
    CHECK(header.status == 401);
    CHECK(error_code(header) == "API_KEY_INVALID");
    auto body = sample_place_request();
    body["api_key"] = "guess";
    const auto in_body = api.call("POST", "/order-engine/v1/orders", body.dump(), {});
    CHECK(in_body.status == 401);
    CHECK(error_code(in_body) == "API_KEY_INVALID");
    CHECK_THAT(in_body.body, !Catch::Contains("guess"));
}

TEST_CASE("a place request with an inactive api key gets 401 API_KEY_INACTIVE", "[order-http]") {
    running_api api;
    const auto header = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(),
                                 {{"X-API-Key", "off-key-0123456789abcdef"}});
    CHECK(header.status == 401);
    CHECK(error_code(header) == "API_KEY_INACTIVE");
    auto body = sample_place_request();
    body["api_key"] = "off-key-0123456789abcdef";
    CHECK(error_code(api.call("POST", "/order-engine/v1/orders", body.dump(), {})) == "API_KEY_INACTIVE");
}

TEST_CASE("a place request with an expired api key gets 401 API_KEY_EXPIRED", "[order-http]") {
    running_api api;
    const auto header = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(),
                                 {{"X-API-Key", "old-key-0123456789abcdef"}});
    CHECK(header.status == 401);
    CHECK(error_code(header) == "API_KEY_EXPIRED");
    auto body = sample_place_request();
    body["api_key"] = "old-key-0123456789abcdef";
    CHECK(error_code(api.call("POST", "/order-engine/v1/orders", body.dump(), {})) == "API_KEY_EXPIRED");
}

TEST_CASE("a read of orders or trading state without an api key gets 401", "[order-http]") {
    running_api api;
    CHECK(api.call("GET", "/order-engine/v1/orders/o-1", {}, {}).status == 401);
    CHECK(api.call("GET", "/order-engine/v1/orders", {}, {}).status == 401);
    CHECK(api.call("GET", "/order-engine/v1/trading-state", {}, {}).status == 401);
}

TEST_CASE("a gateway without configured api keys rejects a place with 401", "[order-http]") {
    auto cfg = test_config();
    cfg.api_keys.clear();
    running_api api{cfg};
    CHECK(error_code(api.call("POST", "/order-engine/v1/orders", sample_place_request().dump())) ==
          "API_KEY_INVALID");
}

TEST_CASE("a place request with an invalid field gets 400 INVALID_FIELD naming it", "[order-http]") {
    running_api api;
    auto body = sample_place_request();
    body["quantity"] = "0";
    const auto result = api.call("POST", "/order-engine/v1/orders", body.dump());
    CHECK(result.status == 400);
    const auto error = json::parse(result.body)["error"];
    CHECK(error["code"] == "INVALID_FIELD");
    CHECK(error["field"] == "quantity");
    CHECK(error["message"] == "quantity: must be greater than 0");
}

TEST_CASE("a place request that is not JSON gets 400 INVALID_JSON", "[order-http]") {
    running_api api;
    const auto result = api.call("POST", "/order-engine/v1/orders", "{not json");
    CHECK(result.status == 400);
    CHECK(error_code(result) == "INVALID_JSON");
}

TEST_CASE("a second place with the same order id gets 409 DUPLICATE_ORDER with the existing order", "[order-http]") {
    running_api api;
    REQUIRE(api.call("POST", "/order-engine/v1/orders", sample_place_request().dump()).status == 201);
    auto again = sample_place_request();
    again["request_id"] = "another-request";
    const auto result = api.call("POST", "/order-engine/v1/orders", again.dump());
    CHECK(result.status == 409);
    const auto body = json::parse(result.body);
    CHECK(body["error"]["code"] == "DUPLICATE_ORDER");
    CHECK(body["order"]["order_id"] == "1d421596-2ff1-4798-b1b5-5336ed39122z");
    CHECK(body["order"]["request_id"] == "e1580b74-1af6-47e4-9b90-354875f1f19z");
}

TEST_CASE("a synchronous place slower than request_timeout gets 504 saying how to look the order up", "[order-http]") {
    running_api api;
    api.service.place_delay = milliseconds(800);
    const auto result = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump());
    CHECK(result.status == 504);
    const auto error = json::parse(result.body)["error"];
    CHECK(error["code"] == "PLACE_TIMEOUT");
    CHECK_THAT(error["message"].get<std::string>(),
               Catch::Contains("GET /order-engine/v1/orders/1d421596-2ff1-4798-b1b5-5336ed39122z"));

    // The order went on: once the engine is done it is there to be found.
    CHECK(test::eventually(
        [&] { return api.call("GET", "/order-engine/v1/orders/1d421596-2ff1-4798-b1b5-5336ed39122z").status == 200; },
        seconds(10)));
}

TEST_CASE("an async place gets 202 queued and reaches order_service::submit", "[order-http]") {
    running_api api;
    auto body = sample_place_request();
    body.erase("order_id");
    const auto result = api.call("POST", "/order-engine/v1/orders/async", body.dump());
    REQUIRE(result.status == 202);
    CHECK(json::parse(result.body) == json{{"request_id", "e1580b74-1af6-47e4-9b90-354875f1f19z"},
                                           {"order_id", "e1580b74-1af6-47e4-9b90-354875f1f19z"},
                                           {"status", "queued"}});
    REQUIRE(api.service.submitted.size() == 1);
    CHECK(api.service.submitted[0].order_id == "e1580b74-1af6-47e4-9b90-354875f1f19z");
}

TEST_CASE("an unknown order gets 404 ORDER_NOT_FOUND", "[order-http]") {
    running_api api;
    const auto result = api.call("GET", "/order-engine/v1/orders/nope");
    CHECK(result.status == 404);
    CHECK(error_code(result) == "ORDER_NOT_FOUND");
}

TEST_CASE("placed orders are listed and fetched by id", "[order-http]") {
    running_api api;
    REQUIRE(api.call("POST", "/order-engine/v1/orders", sample_place_request().dump()).status == 201);
    const auto listed =
        api.call("GET", "/order-engine/v1/orders?user_id=2cb989ec-5aea-422a-bb74-d735ae5d7230&status=NEW");
    REQUIRE(listed.status == 200);
    CHECK(json::parse(listed.body)["orders"].size() == 1);
    CHECK(json::parse(api.call("GET", "/order-engine/v1/orders?user_id=someone-else").body)["orders"].empty());
    CHECK(api.call("GET", "/order-engine/v1/orders?limit=0").status == 400);
}

TEST_CASE("a cancel gets the canceled order, and a second cancel 409 with it", "[order-http]") {
    running_api api;
    REQUIRE(api.call("POST", "/order-engine/v1/orders", sample_place_request().dump()).status == 201);
    const auto target = "/order-engine/v1/orders/1d421596-2ff1-4798-b1b5-5336ed39122z";
    const auto canceled = api.call("DELETE", std::string(target) + "?user_id=2cb989ec-5aea-422a-bb74-d735ae5d7230");
    REQUIRE(canceled.status == 200);
    CHECK(json::parse(canceled.body)["status"] == "CANCELED");
    const auto again = api.call("DELETE", target, R"({"user_id":"2cb989ec-5aea-422a-bb74-d735ae5d7230"})");
    CHECK(again.status == 409);
    CHECK(json::parse(again.body)["order"]["status"] == "CANCELED");
    CHECK(api.call("DELETE", target).status == 400);
}

TEST_CASE("the kill switch is set and read at run time, attributed to the key's name", "[order-http]") {
    running_api api;
    const auto set = api.call("PUT", "/order-engine/v1/trading-state",
                              R"({"scope":"global","state":"HALTED","reason":"exchange incident"})");
    REQUIRE(set.status == 200);
    CHECK(json::parse(set.body) == json{{"scope", "global"},
                                        {"state", "HALTED"},
                                        {"reason", "exchange incident"},
                                        {"updated_by", "ops"},
                                        {"updated_at", noon_ms}});
    const auto read = api.call("GET", "/order-engine/v1/trading-state");
    REQUIRE(read.status == 200);
    CHECK(json::parse(read.body)["trading_states"][0]["state"] == "HALTED");
}

TEST_CASE("a wrong method gets 405 METHOD_NOT_ALLOWED with Allow", "[order-http]") {
    running_api api;
    const auto result = api.call("PATCH", "/order-engine/v1/orders");
    CHECK(result.status == 405);
    CHECK(error_code(result) == "METHOD_NOT_ALLOWED");
    CHECK(json::parse(result.body)["error"]["message"] ==
          "PATCH is not allowed on /order-engine/v1/orders; use GET, POST");
    CHECK(result.header("Allow") == "GET, POST");
    CHECK(api.call("POST", "/order-engine/v1/orders/o-1").header("Allow") == "DELETE, GET");
    CHECK(api.call("PUT", "/order-engine/v1/orders/async").header("Allow") == "DELETE, GET, POST");
    CHECK(api.call("DELETE", "/order-engine/v1/trading-state").header("Allow") == "GET, PUT");
    const auto health = api.call("POST", "/healthz", {}, {});
    CHECK(health.status == 405);
    CHECK(health.header("Allow") == "GET");
}

TEST_CASE("an unknown path is 404 ROUTE_NOT_FOUND naming the routes that exist, key or not", "[order-http]") {
    running_api api;
    for (const auto* path :
         {"/", "/order-engine/v1/order", "/order-engine/v1/orders/", "/order-engine/v1/orders/a/b"}) {
        const auto result = api.call("GET", path, {}, {});
        CHECK(result.status == 404);
        CHECK(error_code(result) == "ROUTE_NOT_FOUND");
        CHECK_THAT(json::parse(result.body)["error"]["message"].get<std::string>(),
                   Catch::Contains("/order-engine/v1/orders/{order_id}"));
    }
}

TEST_CASE("the order routes reach their order_service calls, the order id percent-decoded", "[order-http]") {
    running_api api;
    REQUIRE(api.call("POST", "/order-engine/v1/orders", sample_place_request().dump()).status == 201);
    CHECK(api.call("GET", "/order-engine/v1/orders/1d421596%2D2ff1-4798-b1b5-5336ed39122z").status == 200);
    // GET and DELETE of .../orders/async name the order "async"; only POST queues.
    const auto async_order = api.call("GET", "/order-engine/v1/orders/async");
    CHECK(async_order.status == 404);
    CHECK(error_code(async_order) == "ORDER_NOT_FOUND");
    const auto cancel = api.call("DELETE", "/order-engine/v1/orders/o%3A1?user_id=alice");
    CHECK(cancel.status == 404);
    CHECK(json::parse(cancel.body)["error"]["message"] == "no order o:1");
}

TEST_CASE("only the health probes answer without an api key", "[order-http]") {
    running_api api;
    CHECK(api.call("GET", "/healthz", {}, {}).status == 200);
    CHECK(api.call("GET", "/readyz", {}, {}).status == 200);
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/order-engine/v1/orders"},
             {"POST", "/order-engine/v1/orders/async"},
             {"GET", "/order-engine/v1/orders"},
             {"GET", "/order-engine/v1/orders/o-1"},
             {"DELETE", "/order-engine/v1/orders/o-1"},
             {"GET", "/order-engine/v1/trading-state"},
             {"PUT", "/order-engine/v1/trading-state"}}) {
        const auto result = api.call(method, target, {}, {});
        CHECK(result.status == 401);
        CHECK(error_code(result) == "API_KEY_MISSING");
    }
}

TEST_CASE("an order id in the path that hides a NUL byte or invalid UTF-8 is 400 naming order_id, before the key",
          "[order-http]") {
    running_api api;
    for (const auto* method : {"GET", "DELETE"}) {
        for (const auto* target : {"/order-engine/v1/orders/probe-1%00junk", "/order-engine/v1/orders/%ff",
                                   "/order-engine/v1/orders/a%20b"}) {
            const auto result = api.call(method, target, {}, {});
            CHECK(result.status == 400);
            CHECK(error_code(result) == "INVALID_FIELD");
            CHECK(json::parse(result.body)["error"]["field"] == "order_id");
        }
    }
}

TEST_CASE("a body over max_body_bytes gets 413 PAYLOAD_TOO_LARGE", "[order-http]") {
    running_api api;
    auto body = sample_place_request();
    body["source"] = std::string(4096, 'x');
    const auto result = api.call("POST", "/order-engine/v1/orders", body.dump());
    CHECK(result.status == 413);
    CHECK(error_code(result) == "PAYLOAD_TOO_LARGE");
    CHECK(result.header("X-Content-Type-Options") == "nosniff");
}

TEST_CASE("healthz answers without a key and readyz follows order_service::ready", "[order-http]") {
    running_api api;
    CHECK(api.call("GET", "/healthz", {}, {}).status == 200);
    CHECK(api.call("GET", "/readyz", {}, {}).status == 200);
    api.service.is_ready = false;
    const auto not_ready = api.call("GET", "/readyz", {}, {});
    CHECK(not_ready.status == 503);
    CHECK(error_code(not_ready) == "NOT_READY");
    api.service.is_ready = true;
    CHECK(api.call("GET", "/readyz", {}, {}).status == 200);
}

TEST_CASE("a body far over max_body_bytes still gets its 413 answer", "[order-http]") {
    running_api api;
    const auto result = api.call("POST", "/order-engine/v1/orders", std::string(256 * 1024, ' '));
    CHECK(result.status == 413);
    CHECK(error_code(result) == "PAYLOAD_TOO_LARGE");
}

TEST_CASE("a failing order engine gets 500 INTERNAL_ERROR naming the request id, not the failure", "[order-http]") {
    running_api api;
    api.service.fail_place = true;
    const auto result = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(),
                                 {{"X-API-Key", ops_key}, {"X-Request-Id", "req-7"}});
    CHECK(result.status == 500);
    CHECK(error_code(result) == "INTERNAL_ERROR");
    CHECK_THAT(result.body, Catch::Contains("req-7"));
    CHECK_THAT(result.body, !Catch::Contains("engine bug"));
}

TEST_CASE("beyond max_connections /healthz still answers and an order gets 503 TOO_MANY_CONNECTIONS with Retry-After",
          "[order-http]") {
    auto cfg = test_config();
    cfg.order_engine_gateway.max_connections = 1;
    running_api api{cfg};
    asio::io_context client;
    asio::ip::tcp::socket held(client);
    held.connect({asio::ip::make_address("127.0.0.1"), api.port()});  // accepted first: the server is full
    CHECK(api.call("GET", "/healthz", {}, {}).status == 200);
    const auto refused = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump());
    CHECK(refused.status == 503);
    CHECK(error_code(refused) == "TOO_MANY_CONNECTIONS");
    CHECK(refused.header("Retry-After") == "1");
    CHECK(refused.header("X-Request-Id"));
    CHECK(api.service.orders.empty());
}

TEST_CASE("a body that is not sent as application/json gets 415 UNSUPPORTED_MEDIA_TYPE", "[order-http]") {
    running_api api;
    for (const auto* content_type : {"application/x-www-form-urlencoded", "text/plain", "application/jsonx"}) {
        const auto result = api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(),
                                     {{"X-API-Key", ops_key}, {"Content-Type", content_type}});
        CHECK(result.status == 415);
        CHECK(error_code(result) == "UNSUPPORTED_MEDIA_TYPE");
    }
    CHECK(api.service.orders.empty());
    CHECK(api.call("POST", "/order-engine/v1/orders", sample_place_request().dump(),
                   {{"X-API-Key", ops_key}, {"Content-Type", "Application/JSON; charset=utf-8"}})
              .status == 201);
}

TEST_CASE("client mistakes are logged at debug, so a caller cannot flood the log", "[order-http]") {
    std::ostringstream log;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    auto previous = spdlog::default_logger();
    auto capture = std::make_shared<spdlog::logger>("capture", sink);
    capture->set_level(spdlog::level::info);
    spdlog::set_default_logger(capture);
    {
        running_api api;
        CHECK(api.call("GET", "/order-engine/v1/orders/probe-1%00junk").status == 400);
        CHECK(api.call("GET", "/order-engine/v1/orders?user_id=%ff").status == 400);
        CHECK(api.call("POST", "/order-engine/v1/orders", R"({"n":1e400})").status == 400);
        CHECK(api.call("PUT", "/order-engine/v1/trading-state",
                       json{{"scope", "user:" + std::string(200, 'a')}, {"state", "HALTED"}, {"reason", "r"}}.dump())
                  .status == 400);
    }
    spdlog::set_default_logger(previous);
    CHECK(log.str().empty());
}
