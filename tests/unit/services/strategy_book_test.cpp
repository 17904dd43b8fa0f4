#include "hft/services/strategy_runner.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using namespace hft::services;
using hft::domain::order_status;
using hft::test::dec;

namespace {

hft::core::strategy_config sma_config() {
    hft::core::strategy_config config;
    config.id = "s1";
    config.exchange = "binanceus";
    config.symbol = "BTCUSDT";
    config.interval = "1m";
    config.user_id = "user-1";
    config.params = hft::core::sma_cross_params{hft::core::average_kind::simple, 2, 3, dec("1"),
                                                {.tick_size = dec("0.01"), .step_size = dec("0.001")}};
    return config;
}

hft::domain::kline closed_at(int minute, std::string_view close) {
    auto k = hft::test::sample_kline();
    k.open_time = std::int64_t{60000} * minute;
    k.close_time = k.open_time + 59999;
    k.open = k.high = k.low = k.close = dec(close);
    return k;
}

// A state holding an open buy "s1-60000-0" decided on the kline of minute 1.
saved_strategy with_open_buy(const hft::core::strategy_config& config) {
    saved_strategy saved{hft::core::initial_state(config), {}};
    saved.state.last_open_time = 60000;
    auto& sma = std::get<hft::core::sma_cross_state>(saved.state.kind_state);
    sma.open_order_id = "s1-60000-0";
    sma.open_order_action = hft::core::trade_action::buy;
    return saved;
}

hft::domain::order_update update(std::string order_id, order_status status, std::string_view filled) {
    hft::domain::order_update u;
    u.order.order_id = std::move(order_id);
    u.order.strategy_id = "s1";
    u.order.status = status;
    u.order.quantity = dec("1");
    u.order.filled_quantity = dec(filled);
    if (!u.order.filled_quantity.is_zero()) u.order.avg_fill_price = dec("100");
    return u;
}

const hft::domain::decimal& position(const saved_strategy& saved) {
    return std::get<hft::core::sma_cross_state>(saved.state.kind_state).position;
}

}  // namespace

TEST_CASE("a partial fill is applied once however often its update is delivered", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    const auto partial = update("s1-60000-0", order_status::partially_filled, "0.4");
    CHECK(apply_order_update(config, saved, partial).value() == update_effect::applied);
    CHECK(position(saved) == dec("0.4"));
    CHECK(saved.applied_fills.at("s1-60000-0") == dec("0.4"));
    CHECK(apply_order_update(config, saved, partial).value() == update_effect::nothing_new);
    CHECK(position(saved) == dec("0.4"));
}

TEST_CASE("fills apply only the increase of the cumulative filled quantity", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    REQUIRE(apply_order_update(config, saved, update("s1-60000-0", order_status::partially_filled, "0.4")).value() ==
            update_effect::applied);
    REQUIRE(apply_order_update(config, saved, update("s1-60000-0", order_status::partially_filled, "0.7")).value() ==
            update_effect::applied);
    CHECK(position(saved) == dec("0.7"));
}

TEST_CASE("an older update arriving after a newer one changes nothing", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    REQUIRE(apply_order_update(config, saved, update("s1-60000-0", order_status::partially_filled, "0.7")).value() ==
            update_effect::applied);
    CHECK(apply_order_update(config, saved, update("s1-60000-0", order_status::partially_filled, "0.4")).value() ==
          update_effect::nothing_new);
    CHECK(position(saved) == dec("0.7"));
}

TEST_CASE("a terminal update closes the order and later repeats of any update are ignored", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    REQUIRE(apply_order_update(config, saved, update("s1-60000-0", order_status::partially_filled, "0.4")).value() ==
            update_effect::applied);
    REQUIRE(apply_order_update(config, saved, update("s1-60000-0", order_status::filled, "1")).value() ==
            update_effect::applied);
    CHECK(position(saved) == dec("1"));
    CHECK_FALSE(std::get<hft::core::sma_cross_state>(saved.state.kind_state).open_order_id.has_value());
    CHECK(saved.applied_fills.empty());

    CHECK(apply_order_update(config, saved, update("s1-60000-0", order_status::filled, "1")).value() ==
          update_effect::not_ours);
    CHECK(apply_order_update(config, saved, update("s1-60000-0", order_status::partially_filled, "0.4")).value() ==
          update_effect::not_ours);
    CHECK(position(saved) == dec("1"));
}

TEST_CASE("an order canceled unfilled closes without moving the position", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    CHECK(apply_order_update(config, saved, update("s1-60000-0", order_status::canceled, "0")).value() ==
          update_effect::applied);
    CHECK(position(saved).is_zero());
    CHECK_FALSE(std::get<hft::core::sma_cross_state>(saved.state.kind_state).open_order_id.has_value());
}

TEST_CASE("an update without a fill and without a close is nothing new", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    CHECK(apply_order_update(config, saved, update("s1-60000-0", order_status::new_, "0")).value() ==
          update_effect::nothing_new);
}

TEST_CASE("another strategy's update is not ours", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    auto other = update("s2-60000-0", order_status::filled, "1");
    other.order.strategy_id = "s2";
    CHECK(apply_order_update(config, saved, other).value() == update_effect::not_ours);
    CHECK(position(saved).is_zero());
}

TEST_CASE("an update of an order decided on a kline the state has not saved yet waits for that kline",
          "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    CHECK(apply_order_update(config, saved, update("s1-120000-0", order_status::filled, "1")).value() ==
          update_effect::not_yet_decided);
    CHECK(position(saved).is_zero());
}

TEST_CASE("the saved state round-trips with its applied fills", "[services][strategy]") {
    const auto config = sma_config();
    auto saved = with_open_buy(config);
    saved.applied_fills.emplace("s1-60000-0", dec("0.4"));
    const auto decoded = decode_saved_strategy(config, encode(saved));
    REQUIRE(decoded.has_value());
    CHECK(decoded->applied_fills == saved.applied_fills);
    CHECK(decoded->state.last_open_time == 60000);
    CHECK(std::get<hft::core::sma_cross_state>(decoded->state.kind_state).open_order_id == "s1-60000-0");
}

TEST_CASE("a saved state that is not one is refused with the reason", "[services][strategy]") {
    const auto config = sma_config();
    CHECK(decode_saved_strategy(config, "nope").error() == "not a JSON object");
    CHECK(decode_saved_strategy(config, R"({"v":2,"state":{}})").error() == "\"v\" must be 1");
    CHECK(decode_saved_strategy(config, R"({"v":1,"state":{}})").error().starts_with("state: "));
}

TEST_CASE("warm-up fills the averages and their relation but never orders", "[services][strategy]") {
    const auto config = sma_config();
    auto state = hft::core::initial_state(config);
    const std::vector klines{closed_at(1, "10"), closed_at(2, "11"), closed_at(3, "12"), closed_at(4, "13")};
    REQUIRE(warm_up(config, state, klines).has_value());
    const auto& sma = std::get<hft::core::sma_cross_state>(state.kind_state);
    CHECK(sma.fast.ready());
    CHECK(sma.slow.ready());
    CHECK(sma.fast_above == true);
    CHECK_FALSE(sma.open_order_id.has_value());
    CHECK(state.last_open_time == 4 * 60000);

    // The next live kline continues from there: a fall below is a death cross without a position, not a buy.
    std::vector<hft::core::decision> decisions;
    REQUIRE(hft::core::on_kline(config, state, closed_at(5, "1"), decisions).value() ==
            hft::core::kline_outcome::evaluated);
    REQUIRE(decisions.size() == 1);
    CHECK(decisions[0].action == hft::core::trade_action::hold);
}

TEST_CASE("warm-up skips klines not after the last one and klines still forming", "[services][strategy]") {
    const auto config = sma_config();
    auto state = hft::core::initial_state(config);
    state.last_open_time = 2 * 60000;
    auto forming = closed_at(4, "50");
    forming.is_closed = false;
    REQUIRE(warm_up(config, state, std::vector{closed_at(1, "10"), closed_at(2, "11"), closed_at(3, "12"), forming})
                .has_value());
    const auto& sma = std::get<hft::core::sma_cross_state>(state.kind_state);
    CHECK(sma.fast.value() == std::nullopt);  // only minute 3 was taken: the fast average needs 2
    CHECK(state.last_open_time == 3 * 60000);
}

TEST_CASE("a kline is stale once received longer ago than max_kline_age and never with no limit",
          "[services][strategy]") {
    using namespace std::chrono_literals;
    constexpr std::int64_t received = 1'000'000'000'000;
    CHECK_FALSE(is_stale(received, received + 120'000'000'000, 2min));
    CHECK(is_stale(received, received + 120'000'000'001, 2min));
    CHECK_FALSE(is_stale(received, received + 999'000'000'000'000, 0ms));
}

TEST_CASE("an order id names the open time of the kline that decided it", "[services][strategy]") {
    CHECK(order_kline_open_time("s1", "s1-1677628800000-2") == 1677628800000);
    CHECK(order_kline_open_time("s1", "s10-1677628800000-2") == std::nullopt);
    CHECK(order_kline_open_time("s1", "s1-abc-2") == std::nullopt);
    CHECK(order_kline_open_time("s1", "s1-123") == std::nullopt);
}
