#include "hft/exchange/binance/symbol_map.hpp"

#include <catch2/catch.hpp>

#include <vector>

using hft::exchange::binance::symbol_map;
using hft::exchange::binance::symbol_mapping;

namespace {

// Tokocrypto's TKO_IDR row, plus a Binance market and a second Tokocrypto one.
const std::vector<symbol_mapping> mapping_rows{
    {"tokocrypto", "TKOIDR", "tkoidr", "TKO_IDR"},
    {"tokocrypto", "BTCIDR", "btcidr", "BTC_IDR"},
    {"binance", "BTCUSDT", "btcusdt", "BTCUSDT"},
};

symbol_map tokocrypto_map() {
    auto built = symbol_map::build("tokocrypto", mapping_rows);
    REQUIRE(built.has_value());
    return *std::move(built);
}

}  // namespace

TEST_CASE("symbol map resolves a row's stream, event and order forms to the canonical symbol",
          "[exchange][binance]") {
    const auto map = tokocrypto_map();
    CHECK(map.canonical("tkoidr") == "TKOIDR");
    CHECK(map.canonical("TKOIDR") == "TKOIDR");
    CHECK(map.canonical("TKO_IDR") == "TKOIDR");
    CHECK(map.canonical("TkoIdr") == "TKOIDR");
    const auto* row = map.find("tkoidr");
    REQUIRE(row != nullptr);
    CHECK(row->kline_symbol == "tkoidr");
    CHECK(row->order_symbol == "TKO_IDR");
    CHECK(map.canonical("btc_idr") == "BTCIDR");
}

TEST_CASE("symbol map keeps only its exchange's rows", "[exchange][binance]") {
    const auto map = tokocrypto_map();
    CHECK(map.exchange() == "tokocrypto");
    CHECK(map.size() == 2);
    CHECK(map.find("BTCUSDT") == nullptr);
}

TEST_CASE("symbol map finds nothing for unknown, empty or overlong names", "[exchange][binance]") {
    const auto map = tokocrypto_map();
    CHECK(map.find("ETHIDR") == nullptr);
    CHECK(map.find("") == nullptr);
    CHECK(map.find(std::string(100, 'T')) == nullptr);
    CHECK(map.canonical("TKOIDRX").empty());
    CHECK(symbol_map{}.find("TKOIDR") == nullptr);
}

TEST_CASE("symbol map refuses a form that would name two markets", "[exchange][binance]") {
    const std::vector<symbol_mapping> rows{{"tokocrypto", "TKOIDR", "tkoidr", "TKO_IDR"},
                                           {"tokocrypto", "TKOIDR2", "TKOIDR", "TKO_IDR2"}};
    const auto built = symbol_map::build("tokocrypto", rows);
    REQUIRE_FALSE(built.has_value());
    CHECK_THAT(built.error(), Catch::Contains("TKOIDR"));
}

TEST_CASE("symbol map refuses empty and overlong forms", "[exchange][binance]") {
    const std::vector<symbol_mapping> empty{{"tokocrypto", "TKOIDR", "", "TKO_IDR"}};
    CHECK_FALSE(symbol_map::build("tokocrypto", empty).has_value());
    const std::vector<symbol_mapping> overlong{{"tokocrypto", "TKOIDR", std::string(31, 'x'), "TKO_IDR"}};
    CHECK_FALSE(symbol_map::build("tokocrypto", overlong).has_value());
}
