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

TEST_CASE("an http origin with an IPv6 literal hands the resolver the address without brackets", "[net]") {
    const auto origin = http_origin::parse("http://[::1]:9000/api/");
    REQUIRE(origin);
    CHECK(origin->host == "::1");
    CHECK(origin->port == "9000");
    CHECK(origin->base_path == "/api");
}

TEST_CASE("an http origin with an IPv6 literal and no port takes the scheme's default port", "[net]") {
    const auto origin = http_origin::parse("https://[2001:db8::7]");
    REQUIRE(origin);
    CHECK(origin->tls);
    CHECK(origin->host == "2001:db8::7");
    CHECK(origin->port == "443");
}

TEST_CASE("an http origin it refuses is named with what is wrong", "[net]") {
    const auto problem = [](std::string_view url) { return http_origin::parse(url).error(); };
    CHECK(problem("ftp://example.com") == "URL must start with http:// or https://");
    CHECK(problem("127.0.0.1:9000") == "URL must start with http:// or https://");
    CHECK(problem("https://user:secret@example.com") == "URL needs a host (and no user info)");
    CHECK(problem("http:///api") == "URL needs a host (and no user info)");
    CHECK(problem("http://example.com:0") == "URL has an invalid port");
    CHECK(problem("http://[::1]:65536") == "URL has an invalid port");
    CHECK(problem("http://example.com:99999") == "URL has an invalid port");
    CHECK(problem("http://example.com/x#part") == "URL must not have a query or fragment");
    CHECK_THAT(problem("http://exa mple.com"), Catch::StartsWith("URL is malformed ("));
    CHECK_THAT(problem("http://[::1"), Catch::StartsWith("URL is malformed ("));
}
