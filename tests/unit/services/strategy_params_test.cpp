#include "hft/services/strategy_params.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using namespace hft::services;
using hft::test::dec;

namespace {

hft::app::strategy_instance_config entry(std::string kind, std::map<std::string, std::string> params) {
    hft::app::strategy_instance_config e;
    e.id = "s1";
    e.kind = std::move(kind);
    e.exchange = "tokocrypto";
    e.symbol = "btc_usdt";
    e.interval = "1m";
    e.user_id = "user-1";
    e.params = std::move(params);
    e.line = 12;
    return e;
}

const instance_site site{"/etc/hft/config.yml", 0, 12};
// A function, not a constant: dec() reports through Catch, which is not running during static initialization.
hft::core::symbol_rules rules() { return {.tick_size = dec("0.01"), .step_size = dec("0.0001")}; }

std::string error_of(const hft::app::strategy_instance_config& e) {
    const auto mapped = to_strategy_config(e, site, "BTCUSDT", rules());
    REQUIRE_FALSE(mapped.has_value());
    return mapped.error();
}

}  // namespace

TEST_CASE("sma_cross params map to the core's averages and periods and quantity on the canonical symbol",
          "[services][strategy]") {
    const auto mapped =
        to_strategy_config(entry("sma_cross", {{"average", "ema"}, {"fast", "3"}, {"slow", "5"}, {"quantity", "0.01"}}),
                           site, "BTCUSDT", rules());
    REQUIRE(mapped.has_value());
    CHECK(mapped->symbol == "BTCUSDT");
    CHECK(mapped->kind() == hft::core::strategy_kind::sma_cross);
    const auto& p = std::get<hft::core::sma_cross_params>(mapped->params);
    CHECK(p.average == hft::core::average_kind::exponential);
    CHECK(p.fast_period == 3);
    CHECK(p.slow_period == 5);
    CHECK(p.quantity == dec("0.01"));
    CHECK(p.rules.tick_size == dec("0.01"));
}

TEST_CASE("sma_cross averages are simple unless ema is asked for", "[services][strategy]") {
    const auto mapped =
        to_strategy_config(entry("sma_cross", {{"fast", "3"}, {"slow", "5"}, {"quantity", "1"}}), site, "BTCUSDT", rules());
    REQUIRE(mapped.has_value());
    CHECK(std::get<hft::core::sma_cross_params>(mapped->params).average == hft::core::average_kind::simple);
}

TEST_CASE("grid params map bounds, levels, spacing and quantity", "[services][strategy]") {
    const auto mapped = to_strategy_config(entry("grid", {{"lower", "100"}, {"upper", "200"}, {"levels", "11"},
                                                          {"spacing", "geometric"}, {"quantity", "0.5"}}),
                                           site, "BTCUSDT", rules());
    REQUIRE(mapped.has_value());
    const auto& p = std::get<hft::core::grid_params>(mapped->params);
    CHECK(p.lower == dec("100"));
    CHECK(p.upper == dec("200"));
    CHECK(p.levels == 11);
    CHECK(p.spacing == hft::core::grid_spacing::geometric);
    CHECK(p.quantity == dec("0.5"));
}

TEST_CASE("lazy_grid's step is written in percent and its fees and level cap default to none",
          "[services][strategy]") {
    const auto mapped = to_strategy_config(
        entry("lazy_grid", {{"step_percent", "0.5"}, {"base_quantity", "0.001"}, {"budget", "100"}}), site, "BTCUSDT",
        rules());
    REQUIRE(mapped.has_value());
    const auto& p = std::get<hft::core::lazy_grid_params>(mapped->params);
    CHECK(p.step == dec("0.005"));
    CHECK(p.base_quantity == dec("0.001"));
    CHECK(p.budget == dec("100"));
    CHECK(p.buy_fee_rate.is_zero());
    CHECK(p.sell_fee_rate.is_zero());
    CHECK(p.max_long_levels == 0);
}

TEST_CASE("lazy_grid takes the fees and level cap when written", "[services][strategy]") {
    const auto mapped = to_strategy_config(
        entry("lazy_grid", {{"step_percent", "0.5"}, {"base_quantity", "50"}, {"budget", "1000000"},
                            {"buy_fee_rate", "0.002222"}, {"sell_fee_rate", "0.003322"}, {"max_long_levels", "4"}}),
        site, "TKOIDR", hft::core::symbol_rules{.tick_size = dec("1"), .step_size = dec("1")});
    REQUIRE(mapped.has_value());
    const auto& p = std::get<hft::core::lazy_grid_params>(mapped->params);
    CHECK(p.buy_fee_rate == dec("0.002222"));
    CHECK(p.sell_fee_rate == dec("0.003322"));
    CHECK(p.max_long_levels == 4);
}

TEST_CASE("a missing param is named with its file, line and an example", "[services][strategy]") {
    const auto error = error_of(entry("sma_cross", {{"slow", "5"}, {"quantity", "1"}}));
    CHECK(error.starts_with("config.yml:12: strategies[0].params.fast is missing; sma_cross needs it"));
    CHECK(error.find("e.g. \"9\"") != std::string::npos);
}

TEST_CASE("an unknown param is refused with the kind's list of params", "[services][strategy]") {
    const auto error = error_of(entry("sma_cross", {{"fats", "3"}, {"slow", "5"}, {"quantity", "1"}}));
    CHECK(error.starts_with("config.yml:12: strategies[0].params.fats is not a sma_cross parameter; use average, "
                            "fast, slow, quantity, tick_size, step_size"));
}

TEST_CASE("a param of another kind is refused", "[services][strategy]") {
    const auto error = error_of(entry("grid", {{"lower", "1"}, {"upper", "2"}, {"levels", "3"}, {"quantity", "1"},
                                               {"budget", "100"}}));
    CHECK(error.starts_with("config.yml:12: strategies[0].params.budget is not a grid parameter"));
}

TEST_CASE("a malformed decimal or count says how to write it", "[services][strategy]") {
    CHECK(error_of(entry("sma_cross", {{"fast", "3"}, {"slow", "5"}, {"quantity", "1e-3"}})) ==
          "config.yml:12: strategies[0].params.quantity \"1e-3\" is not a decimal; write a plain decimal string such "
          "as \"0.001\"");
    CHECK(error_of(entry("sma_cross", {{"fast", "three"}, {"slow", "5"}, {"quantity", "1"}})) ==
          "config.yml:12: strategies[0].params.fast \"three\" is not a whole number; write digits only, e.g. \"20\"");
}

TEST_CASE("a choice outside its values lists them", "[services][strategy]") {
    CHECK(error_of(entry("grid", {{"lower", "1"}, {"upper", "2"}, {"levels", "3"}, {"spacing", "log"},
                                  {"quantity", "1"}})) ==
          "config.yml:12: strategies[0].params.spacing must be arithmetic or geometric; got \"log\"");
}

TEST_CASE("the core's rules are reported under the param names the user wrote", "[services][strategy]") {
    CHECK(error_of(entry("sma_cross", {{"fast", "5"}, {"slow", "5"}, {"quantity", "1"}})) ==
          "config.yml:12: strategies[0].params.slow must be greater than fast");
    CHECK(error_of(entry("sma_cross", {{"fast", "3"}, {"slow", "5"}, {"quantity", "0.00001"}})) ==
          "config.yml:12: strategies[0].params.quantity must be a multiple of step_size");
}

TEST_CASE("a step percent must be a percent between 0 and 100", "[services][strategy]") {
    const auto error =
        error_of(entry("lazy_grid", {{"step_percent", "100"}, {"base_quantity", "1"}, {"budget", "100"}}));
    CHECK(error.starts_with("config.yml:12: strategies[0].params.step_percent must be between 0 and 100"));
}

TEST_CASE("tick and step come from params when both are written", "[services][strategy]") {
    const auto both = configured_rules(
        entry("sma_cross", {{"tick_size", "0.5"}, {"step_size", "0.001"}}), site);
    REQUIRE(both.has_value());
    REQUIRE(both->has_value());
    CHECK((*both)->tick_size == dec("0.5"));
    CHECK((*both)->step_size == dec("0.001"));

    const auto neither = configured_rules(entry("sma_cross", {}), site);
    REQUIRE(neither.has_value());
    CHECK_FALSE(neither->has_value());
}

TEST_CASE("tick without step is an error that names the missing one", "[services][strategy]") {
    const auto half = configured_rules(entry("sma_cross", {{"tick_size", "0.5"}}), site);
    REQUIRE_FALSE(half.has_value());
    CHECK(half.error().starts_with("config.yml:12: strategies[0].params.step_size is missing while tick_size is set"));

    const auto zero = configured_rules(entry("sma_cross", {{"tick_size", "0"}, {"step_size", "1"}}), site);
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error() == "config.yml:12: strategies[0].params.tick_size must be greater than 0");
}
