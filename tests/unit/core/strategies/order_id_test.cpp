#include "hft/core/strategy_types.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace hft::core;

TEST_CASE("order ids name the strategy, the kline open time and the decision index", "[strategy][order_id]") {
    CHECK(order_id_for("grid-btc", 1'677'628'800'000, 2) == "grid-btc-1677628800000-2");
    CHECK(order_id_for("sma-eth", 1'677'628'860'000, 0) == "sma-eth-1677628860000-0");
    CHECK(order_id_for("grid-btc", 1'677'628'800'000, 2) != order_id_for("grid-btc", 1'677'628'800'000, 3));
}

TEST_CASE("the longest valid strategy id still gives order ids within the order engine's 64 characters",
          "[strategy][order_id]") {
    const std::string longest(max_strategy_id_length, 'a');
    REQUIRE(validate_strategy_id(longest));
    const auto id = order_id_for(longest, std::numeric_limits<std::int64_t>::max(), max_decisions_per_kline - 1);
    CHECK(id.size() == hft::domain::max_id_length);
}

TEST_CASE("strategy ids that could not prefix an order id are refused naming the id field", "[strategy][order_id]") {
    CHECK(validate_strategy_id("").error().field == "id");
    CHECK(validate_strategy_id(std::string(max_strategy_id_length + 1, 'a')).error().message ==
          "must be at most 40 characters");
    CHECK(validate_strategy_id("grid btc").error().message == "may only contain A-Z a-z 0-9 _ - . :");
    CHECK(validate_strategy_id("d9b0ba9a-db44-4bb4-b862-a60d2e0299a6"));
}
