// The configuration of hft's own connections: how long a venue's REST connections may idle before they are
// replaced, how the order-entry connection is kept open, and the order HTTP API's connection limits.

#include "hft/app/config.hpp"
#include "support/config_error_of.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace std::chrono_literals;
using hft::app::parse_config;

namespace {

std::string error_of(const std::string& yaml) { return hft::test::config_error_of(yaml); }

}  // namespace

TEST_CASE("a venue's REST connections are replaced after 20s idle and order entry is kept warm every 15s by default",
          "[app][config]") {
    const auto defaults = parse_config("exchanges:\n  tokocrypto: {}\n").exchange("tokocrypto");
    CHECK(defaults.http_idle_limit == 20s);
    CHECK(defaults.order_entry_keep_warm == 15s);

    const auto tuned = parse_config("exchanges:\n  sim:\n    http_idle_limit: 4s\n    order_entry_keep_warm: 0s\n")
                           .exchange("sim");
    CHECK(tuned.http_idle_limit == 4s);
    CHECK(tuned.order_entry_keep_warm == 0s);
}

TEST_CASE("keeping order entry warm no sooner than its idle limit, or an idle limit under 100ms, is refused",
          "[app][config]") {
    CHECK(error_of("exchanges:\n  tokocrypto:\n    http_idle_limit: 10s\n    order_entry_keep_warm: 10s\n") ==
          "config.yml:4: exchanges.tokocrypto.order_entry_keep_warm (10s) must be less than http_idle_limit (10s), or "
          "0s to turn it off: a connection idle past http_idle_limit is replaced, not kept");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    http_idle_limit: 50ms\n    order_entry_keep_warm: 0s\n") ==
          "config.yml:3: exchanges.tokocrypto.http_idle_limit must be at least 100ms, got \"50ms\"");
}

TEST_CASE("the order HTTP API caps connections per client address at 64 and gives a first request 5s by default",
          "[app][config]") {
    const auto defaults = parse_config("env: development\n").order_engine_gateway;
    CHECK(defaults.max_connections == 256);
    CHECK(defaults.max_connections_per_peer == 64);
    CHECK(defaults.first_request_timeout == 5s);

    const auto tuned = parse_config("order_engine_gateway:\n  max_connections_per_peer: 0\n  first_request_timeout: 2s\n")
                           .order_engine_gateway;
    CHECK(tuned.max_connections_per_peer == 0);
    CHECK(tuned.first_request_timeout == 2s);
    CHECK(error_of("order_engine_gateway:\n  first_request_timeout: 10ms\n") ==
          "config.yml:2: order_engine_gateway.first_request_timeout must be at least 100ms, got \"10ms\"");
}
