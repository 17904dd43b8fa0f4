// The order engine's pure decisions: symbol forms, risk limits from config, the strictest kill switch, when an
// order the exchange does not know may be declared never placed, and what each command outcome gets.

#include "hft/services/order_engine.hpp"
#include "support/samples.hpp"

#include <catch2/catch.hpp>

using namespace hft;
using namespace hft::services;
using namespace std::chrono_literals;
using test::dec;

namespace {

const std::vector<domain::symbol_mapping> mappings{
    {"tokocrypto", "TKOIDR", "tkoidr", "TKO_IDR"},
    {"tokocrypto", "BTCUSDT", "btcusdt", "BTC_USDT"},
    {"binance", "TKOIDR", "tkoidr", "TKOIDR"},
};

order_error error_of(order_error_kind kind) { return {kind, "CODE", "message", std::nullopt}; }

}  // namespace

TEST_CASE("a symbol resolves from its canonical, stream or order form on its own exchange only", "[order-engine]") {
    for (const auto* form : {"TKOIDR", "tkoidr", "TKO_IDR", "TkoIdr"}) {
        const auto found = resolve_symbol(mappings, "tokocrypto", form);
        REQUIRE(found);
        CHECK(found->symbol == "TKOIDR");
        CHECK(found->order_symbol == "TKO_IDR");
    }
    CHECK(resolve_symbol(mappings, "binance", "TKOIDR")->order_symbol == "TKOIDR");
    CHECK_FALSE(resolve_symbol(mappings, "tokocrypto", "ETHUSDT"));
    CHECK_FALSE(resolve_symbol(mappings, "okx", "TKOIDR"));
}

TEST_CASE("risk limits from config parse exactly and a bad decimal names its key", "[order-engine]") {
    app::risk_limits_config written;
    written.max_order_notional = "1000.50";
    written.max_position = "2";
    written.max_open_orders = 3;
    written.orders_per_second = 5;
    written.order_burst = 2;
    const auto limits = parse_risk_limits(written, "order_engine_gateway.risk");
    CHECK(limits.max_order_notional == dec("1000.5"));
    CHECK(limits.max_position == dec("2"));
    CHECK(limits.max_open_orders == 3);
    CHECK_FALSE(limits.daily_loss_limit);
    CHECK(limits.order_burst == 2);

    written.daily_loss_limit = "1e3";
    CHECK_THROWS_WITH(parse_risk_limits(written, "order_engine_gateway.risk"),
                      Catch::Contains("order_engine_gateway.risk.daily_loss_limit"));
}

TEST_CASE("the strictest trading state among global, the user's and the strategy's scope wins", "[order-engine]") {
    using core::trading_state;
    std::vector<trading_state_entry> states{{"global", trading_state::active, "", "", 0},
                                            {"user:alice", trading_state::reducing, "", "", 0},
                                            {"strategy:grid-1", trading_state::halted, "", "", 0},
                                            {"user:bob", trading_state::halted, "", "", 0}};
    CHECK(effective_trading_state(states, "alice", std::nullopt) == trading_state::reducing);
    CHECK(effective_trading_state(states, "alice", std::string("grid-1")) == trading_state::halted);
    CHECK(effective_trading_state(states, "carol", std::string("sma-1")) == trading_state::active);
    states[0].state = trading_state::halted;
    CHECK(effective_trading_state(states, "carol", std::nullopt) == trading_state::halted);
    CHECK(effective_trading_state({}, "carol", std::nullopt) == trading_state::active);
}

TEST_CASE("an order the exchange does not know is declared never placed only after its send window and the grace",
          "[order-engine]") {
    const std::int64_t created = 1'700'000'000'000;
    CHECK_FALSE(never_reached_exchange(created, created + 1000, 5000ms));
    CHECK_FALSE(never_reached_exchange(created, created + 5000 + unresolved_grace.count(), 5000ms));
    CHECK(never_reached_exchange(created, created + 5001 + unresolved_grace.count(), 5000ms));
}

TEST_CASE("a command is acked when done or already done, NAKed while transient and dead-lettered when hopeless",
          "[order-engine]") {
    CHECK(settle_command(std::nullopt, 1, 5, 1000ms).kind == settlement_kind::ack);
    CHECK(settle_command(error_of(order_error_kind::duplicate), 1, 5, 1000ms).kind == settlement_kind::ack);
    CHECK(settle_command(error_of(order_error_kind::not_cancelable), 1, 5, 1000ms).kind == settlement_kind::ack);

    const auto retried = settle_command(error_of(order_error_kind::unavailable), 2, 5, 1000ms);
    CHECK(retried.kind == settlement_kind::nak);
    CHECK(retried.delay == 2000ms);
    const auto last = settle_command(error_of(order_error_kind::unavailable), 5, 5, 1000ms);
    CHECK(last.kind == settlement_kind::dead_letter);
    CHECK_THAT(last.reason, Catch::Contains("5 deliveries"));

    for (const auto kind : {order_error_kind::invalid_request, order_error_kind::risk_rejected,
                            order_error_kind::filter_failed, order_error_kind::unknown_symbol,
                            order_error_kind::no_account, order_error_kind::not_found}) {
        const auto verdict = settle_command(error_of(kind), 1, 5, 1000ms);
        CHECK(verdict.kind == settlement_kind::dead_letter);
        CHECK_THAT(verdict.reason, Catch::StartsWith("CODE: message"));
    }
}

TEST_CASE("a refusal recorded as a REJECTED order is acked: the order update told its sender", "[order-engine]") {
    for (const auto kind : {order_error_kind::risk_rejected, order_error_kind::filter_failed}) {
        auto refusal = error_of(kind);
        refusal.existing = hft::domain::order_record{};
        refusal.existing->status = hft::domain::order_status::rejected;
        CHECK(settle_command(refusal, 1, 5, 1000ms).kind == settlement_kind::ack);
    }
}
