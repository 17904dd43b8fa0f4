#include "hft/net/http.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <stdexcept>

using namespace hft::net;
namespace asio = boost::asio;

namespace {

http_request request_for(std::string method, std::string path) {
    http_request request;
    request.method = std::move(method);
    request.path = std::move(path);
    return request;
}

// router::answer run to completion on an io_context of its own.
http_response answer(const router& routes, http_request request) {
    asio::io_context io;
    auto answered = asio::co_spawn(io, routes.answer(std::move(request)), asio::use_future);
    io.run();
    return answered.get();
}

std::optional<std::string> allow_of(const http_response& response) {
    for (const auto& [name, value] : response.headers) {
        if (name == "Allow") return value;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("router answers 404 for unknown paths and 405 with Allow for wrong methods", "[net]") {
    router r;
    r.add("GET", "/ping", [](const http_request&) { return http_response::json(200, "{}"); });
    http_request req;
    req.method = "GET";
    req.path = "/ping";
    CHECK(r.dispatch(req).status == 200);
    req.path = "/nope";
    auto missing = r.dispatch(req);
    CHECK(missing.status == 404);
    CHECK(missing.body == R"({"code":404,"msg":"Not found: /nope"})");
    req.path = "/ping";
    req.method = "POST";
    auto wrong = r.dispatch(req);
    CHECK(wrong.status == 405);
    REQUIRE(wrong.headers.size() == 1);
    CHECK(wrong.headers[0].second == "GET");
}

TEST_CASE("a throwing handler becomes a 500 with a JSON body", "[net]") {
    router r;
    r.add("GET", "/boom", [](const http_request&) -> http_response { throw std::runtime_error("bad \"state\""); });
    http_request req;
    req.method = "GET";
    req.path = "/boom";
    auto res = r.dispatch(req);
    CHECK(res.status == 500);
    CHECK(res.body == R"({"code":500,"msg":"Internal error: bad \"state\""})");
}

TEST_CASE("query parameters are split and percent-decoded", "[net]") {
    http_request req;
    std::tie(req.path, req.query) = split_target("/stream?streams=btcusdt%40kline_1m/btcusdc@kline_1s&x=a+b&flag");
    CHECK(req.path == "/stream");
    CHECK(req.query_param("streams") == "btcusdt@kline_1m/btcusdc@kline_1s");
    CHECK(req.query_param("x") == "a b");
    CHECK(req.query_param("flag") == "");
    CHECK_FALSE(req.query_param("missing").has_value());
    req.headers = {{"X-API-Key", "k"}};
    CHECK(req.header("x-api-key") == "k");
}

TEST_CASE("a query with an invalid escape or a character a URL must escape has no parameters", "[net]") {
    http_request req;
    for (const auto* query : {"symbol=BTCUSDT&x=%zz", "symbol=BTCUSDT&x=%4", R"(symbol=BTCUSDT&x="y")"}) {
        req.query = query;
        CHECK_FALSE(req.query_param("symbol").has_value());
    }
}

TEST_CASE("a route pattern hands its {name} segments to the handler percent-decoded", "[net]") {
    router r;
    r.add("GET", "/orders/{order_id}/fills/{fill}", [](const http_request& request) {
        return http_response::json(200, request.path_param("order_id").value_or("?") + "|" +
                                            request.path_param("fill").value_or("?"));
    });
    CHECK(r.dispatch(request_for("GET", "/orders/o%3A1/fills/7")).body == "o:1|7");
    CHECK(r.dispatch(request_for("GET", "/orders/a+b%zz/fills/7")).body == "a+b%zz|7");  // an invalid escape stays
    for (const auto* path : {"/orders//fills/7", "/orders/o-1/fills", "/orders/o-1/fills/7/", "/orders/o-1/trades/7"}) {
        CHECK(r.dispatch(request_for("GET", path)).status == 404);
    }
}

TEST_CASE("a path that several patterns match allows the methods of all of them, the first added answering", "[net]") {
    router r;
    r.add("POST", "/orders/async", [](const http_request&) { return http_response::json(202, "queued"); });
    r.add("GET", "/orders/{order_id}", [](const http_request& request) {
        return http_response::json(200, "order " + request.path_param("order_id").value_or("?"));
    });
    r.add("DELETE", "/orders/{order_id}", [](const http_request&) { return http_response::json(200, "canceled"); });
    CHECK(r.dispatch(request_for("POST", "/orders/async")).body == "queued");
    CHECK(r.dispatch(request_for("GET", "/orders/async")).body == "order async");
    const auto wrong = r.dispatch(request_for("PUT", "/orders/async"));
    CHECK(wrong.status == 405);
    CHECK(allow_of(wrong) == "DELETE, GET, POST");
    CHECK(allow_of(r.dispatch(request_for("POST", "/orders/o-1"))) == "DELETE, GET");
}

TEST_CASE("adding a method and pattern again replaces the handler", "[net]") {
    router r;
    r.add("GET", "/ping", [](const http_request&) { return http_response::json(200, "first"); });
    r.add("GET", "/ping", [](const http_request&) { return http_response::json(200, "second"); });
    CHECK(r.dispatch(request_for("GET", "/ping")).body == "second");
}

TEST_CASE("one router answers with synchronous and asynchronous handlers alike", "[net]") {
    router r;
    r.add("GET", "/sync", [](const http_request&) { return http_response::json(200, "sync"); });
    r.add("GET", "/async/{name}", [](http_request request) -> asio::awaitable<http_response> {
        // Suspends once, as a handler waiting for I/O would.
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        co_return http_response::json(200, "async " + request.path_param("name").value_or("?"));
    });
    CHECK(answer(r, request_for("GET", "/sync")).body == "sync");
    CHECK(answer(r, request_for("GET", "/async/a%20b")).body == "async a b");
    CHECK(answer(r, request_for("GET", "/nope")).status == 404);
    CHECK(allow_of(answer(r, request_for("POST", "/async/x"))) == "GET");
    CHECK_THROWS_AS(r.dispatch(request_for("GET", "/async/x")), std::logic_error);
}

TEST_CASE("an asynchronous handler's exception reaches whoever awaits the answer", "[net]") {
    router r;
    r.add("GET", "/boom", [](http_request) -> asio::awaitable<http_response> {
        throw std::runtime_error("engine bug");
        co_return http_response{};
    });
    CHECK_THROWS_WITH(answer(r, request_for("GET", "/boom")), "engine bug");
}

TEST_CASE("an application can give 404 and 405 its own shape, and the 405 keeps its Allow header", "[net]") {
    router r;
    r.add("GET", "/ping", [](const http_request&) { return http_response::json(200, "{}"); });
    r.on_not_found([](const http_request& request) { return http_response::json(404, "no " + request.path); });
    r.on_method_not_allowed([](const http_request& request, std::string_view allow) {
        return http_response::json(405, request.method + " not on " + request.path + ", only " + std::string(allow));
    });
    CHECK(r.dispatch(request_for("GET", "/nope")).body == "no /nope");
    const auto wrong = r.dispatch(request_for("PUT", "/ping"));
    CHECK(wrong.body == "PUT not on /ping, only GET");
    CHECK(allow_of(wrong) == "GET");
}
