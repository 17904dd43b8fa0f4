#include "hft/exchange/sim/exchange_sim.hpp"

#include <catch2/catch.hpp>

using namespace hft::exchange::sim;

TEST_CASE("malformed rate parses as exact parts per million", "[exchange][sim]") {
    CHECK(parse_rate_per_million("0.01").value() == 10'000);
    CHECK(parse_rate_per_million("1").value() == 1'000'000);
    CHECK(parse_rate_per_million("0").value() == 0);
    CHECK_FALSE(parse_rate_per_million("1.5").has_value());
    CHECK_FALSE(parse_rate_per_million("-0.1").has_value());
    CHECK_FALSE(parse_rate_per_million("0.0000001").has_value());
    CHECK_FALSE(parse_rate_per_million("nan").has_value());
}

TEST_CASE("a replay file applies to the symbol its name carries", "[exchange][sim]") {
    std::vector<std::string> symbols{"BTCUSDT", "BTCUSDC"};
    CHECK(replay_symbol_for("data/klines/binanceus-BTCUSDC-1m-2023-03-01-to-21.csv", symbols).value() == "BTCUSDC");
    CHECK(replay_symbol_for("binanceus-btcusdt-1m.csv", symbols).value() == "BTCUSDT");
    CHECK_FALSE(replay_symbol_for("data/klines/binanceus-ETHUSDT-1m.csv", symbols).has_value());
}

TEST_CASE("symbols split into base and quote by known quote assets", "[exchange][sim]") {
    CHECK(split_symbol("BTCUSDT") == std::pair<std::string, std::string>{"BTC", "USDT"});
    CHECK(split_symbol("TKOIDR") == std::pair<std::string, std::string>{"TKO", "IDR"});
    CHECK(split_symbol("USDTBIDR") == std::pair<std::string, std::string>{"USDT", "BIDR"});
    CHECK_FALSE(split_symbol("USDT").has_value());
    CHECK_FALSE(split_symbol("ABCXYZ").has_value());
}
