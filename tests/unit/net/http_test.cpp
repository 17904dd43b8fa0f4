#include "hft/net/http.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace hft::net;

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
    CHECK(url_decode("%zz%4") == "%zz%4");
    req.headers = {{"X-API-Key", "k"}};
    CHECK(req.header("x-api-key") == "k");
}
