#include "hft/net/websocket_client.hpp"

#include <catch2/catch.hpp>

using hft::net::websocket_url;

TEST_CASE("a websocket URL keeps its path and query as the target", "[net]") {
    const auto url = websocket_url::parse("ws://127.0.0.1:18080/stream?streams=btcusdt@kline_1m/ethusdt@kline_1s");
    REQUIRE(url);
    CHECK_FALSE(url->tls);
    CHECK(url->host == "127.0.0.1");
    CHECK(url->port == "18080");
    CHECK(url->target == "/stream?streams=btcusdt@kline_1m/ethusdt@kline_1s");
    CHECK(websocket_url::parse("wss://stream.example.com?streams=a").value().target == "/?streams=a");
    CHECK(websocket_url::parse("wss://stream.example.com").value().target == "/");
}

TEST_CASE("a websocket URL with an IPv6 literal and no port takes the scheme's default port", "[net]") {
    const auto plain = websocket_url::parse("ws://[::1]/stream");
    REQUIRE(plain);
    CHECK(plain->host == "::1");
    CHECK(plain->port == "80");
    CHECK(plain->target == "/stream");

    const auto tls = websocket_url::parse("wss://[2001:db8::7]");
    REQUIRE(tls);
    CHECK(tls->tls);
    CHECK(tls->host == "2001:db8::7");
    CHECK(tls->port == "443");
    CHECK(tls->target == "/");
}

TEST_CASE("a websocket URL with an IPv6 literal and a port hands the resolver the address alone", "[net]") {
    const auto url = websocket_url::parse("wss://[::1]:9443/stream");
    REQUIRE(url);
    CHECK(url->host == "::1");
    CHECK(url->port == "9443");
}

TEST_CASE("a websocket URL it refuses is named with what is wrong", "[net]") {
    const auto problem = [](std::string_view url) { return websocket_url::parse(url).error(); };
    CHECK(problem("http://host/stream") == "websocket URL must start with ws:// or wss://");
    CHECK(problem("ws://user:secret@host/") == "websocket URL needs a host (and no user info)");
    CHECK(problem("ws:///stream") == "websocket URL needs a host (and no user info)");
    CHECK(problem("ws://host:0/") == "websocket URL has an invalid port");
    CHECK(problem("ws://host:99999/") == "websocket URL has an invalid port");
    CHECK(problem("ws://[::1]:/stream") == "websocket URL has an invalid port");
    CHECK(problem("ws://host/stream#top") == "websocket URL must not have a fragment");
    CHECK_THAT(problem("ws://[::1/stream"), Catch::StartsWith("websocket URL is malformed ("));
}
