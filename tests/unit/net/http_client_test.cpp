#include "hft/net/http_client.hpp"

#include <catch2/catch.hpp>

using hft::net::http_origin;

TEST_CASE("an http origin names scheme, host, port and base path", "[net]") {
    const auto plain = http_origin::parse("http://127.0.0.1:9000");
    REQUIRE(plain);
    CHECK_FALSE(plain->tls);
    CHECK(plain->host == "127.0.0.1");
    CHECK(plain->port == "9000");
    CHECK(plain->base_path.empty());

    const auto tls = http_origin::parse("https://www.tokocrypto.site/");
    REQUIRE(tls);
    CHECK(tls->tls);
    CHECK(tls->port == "443");
    CHECK(tls->base_path.empty());
    CHECK(http_origin::parse("https://example.com/api/")->base_path == "/api");
}

TEST_CASE("an http origin refuses other schemes, user info, bad ports and queries", "[net]") {
    CHECK_FALSE(http_origin::parse("ftp://example.com"));
    CHECK_FALSE(http_origin::parse("https://user:secret@example.com"));
    CHECK_FALSE(http_origin::parse("http://example.com:0"));
    CHECK_FALSE(http_origin::parse("http://example.com:70000"));
    CHECK_FALSE(http_origin::parse("http://example.com/x?y=1"));
    CHECK_FALSE(http_origin::parse("http://"));
}
