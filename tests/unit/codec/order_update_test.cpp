#include "hft/codec/order_update.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <string>

using hft::codec::decode_cancel_order;
using hft::codec::decode_order_record;
using hft::codec::decode_order_update;
using hft::codec::encode;
using hft::domain::cancel_order_command;
using hft::domain::fill;
using hft::domain::order_record;
using hft::domain::order_side;
using hft::domain::order_status;
using hft::domain::order_type;
using hft::domain::order_update;
using hft::domain::time_in_force;
using hft::test::dec;

namespace {

order_record partially_filled_limit_order() {
    order_record order;
    order.order_id = "grid-btc-1677628800000-2";
    order.request_id = "grid-btc-1677628800000-2";
    order.client_order_id = "grid_btc_1677628800000_2";
    order.exchange_order_id = "7281923";
    order.user_id = "paper";
    order.strategy_id = "grid-btc";
    order.exchange = "tokocrypto";
    order.symbol = "BTCUSDT";
    order.side = order_side::buy;
    order.type = order_type::limit;
    order.time_in_force = time_in_force::gtc;
    order.price = dec("23456.78");
    order.quantity = dec("0.0150");
    order.filled_quantity = dec("0.0050");
    order.avg_fill_price = dec("23456.78");
    order.fee = dec("0.000005");
    order.fee_asset = "BTC";
    order.status = order_status::partially_filled;
    order.source = "strategy";
    order.requested_at = 1677628860001;
    order.sent_at = 1677628860003;
    order.acknowledged_at = 1677628860010;
    order.created_at = 1677628860002;
    order.updated_at = 1677628861000;
    order.version = 3;
    return order;
}

fill maker_fill() {
    return fill{.trade_id = "991",
                .price = dec("23456.78"),
                .quantity = dec("0.0050"),
                .fee = dec("0.000005"),
                .fee_asset = "BTC",
                .is_maker = true,
                .time = 1677628861000};
}

}  // namespace

TEST_CASE("an order update with a fill survives encode and decode unchanged") {
    const order_update update{partially_filled_limit_order(), maker_fill()};
    const auto decoded = decode_order_update(encode(update));
    REQUIRE(decoded);
    CHECK(*decoded == update);
}

TEST_CASE("an order update without a fill omits the fill and every absent optional") {
    order_record order = partially_filled_limit_order();
    order.type = order_type::market;
    order.price.reset();
    order.time_in_force.reset();
    order.exchange_order_id.reset();
    order.strategy_id.reset();
    order.filled_quantity = dec("0");
    order.avg_fill_price.reset();
    order.fee_asset.reset();
    order.status = order_status::unknown;
    order.reason = "no answer within 10s; looking the order up by client id";
    const std::string json = encode(order_update{order, std::nullopt});
    CHECK(json.find("\"fill\"") == std::string::npos);
    CHECK(json.find("\"price\"") == std::string::npos);
    CHECK(json.find("null") == std::string::npos);
    const auto decoded = decode_order_update(json);
    REQUIRE(decoded);
    CHECK(decoded->order == order);
    CHECK_FALSE(decoded->fill);
}

TEST_CASE("an order update keeps decimals as strings on the wire") {
    const std::string json = encode(order_update{partially_filled_limit_order(), maker_fill()});
    CHECK(json.rfind("{\"v\":1,", 0) == 0);
    CHECK(json.find("\"price\":\"23456.78\"") != std::string::npos);
    CHECK(json.find("\"filled_quantity\":\"0.005\"") != std::string::npos);
    CHECK(json.find("\"fill\":{\"trade_id\":\"991\"") != std::string::npos);
}

TEST_CASE("a fill with a bad field is refused naming fill.field") {
    std::string json = encode(order_update{partially_filled_limit_order(), maker_fill()});
    const auto at = json.find("\"is_maker\":true");
    REQUIRE(at != std::string::npos);
    json.replace(at, 15, "\"is_maker\":\"yes\"");
    const auto decoded = decode_order_update(json);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().field == "fill.is_maker");
}

TEST_CASE("an order update with an unknown status is refused naming the allowed ones") {
    std::string json = encode(partially_filled_limit_order());
    const auto at = json.find("PARTIALLY_FILLED");
    json.replace(at, 16, "HALF_DONE");
    const auto decoded = decode_order_update(json);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().field == "status");
    CHECK(decoded.error().message.find("PARTIALLY_FILLED") != std::string::npos);
}

TEST_CASE("the order body decodes back to the same order record") {
    const auto order = partially_filled_limit_order();
    const auto decoded = decode_order_record(encode(order));
    REQUIRE(decoded);
    CHECK(*decoded == order);
}

TEST_CASE("a cancel command survives encode and decode, and one without order_id is refused") {
    const cancel_order_command command{.request_id = "cancel-1", .order_id = "grid-btc-1677628800000-2",
                                       .user_id = "paper", .requested_at = 1677628900000};
    const auto decoded = decode_cancel_order(encode(command));
    REQUIRE(decoded);
    CHECK(*decoded == command);

    const auto missing = decode_cancel_order(R"({"v":1,"request_id":"c","user_id":"u","requested_at":1})");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field == "order_id");
}

TEST_CASE("an order update that is not an object or lacks v is refused") {
    CHECK_FALSE(decode_order_update("[]"));
    CHECK_FALSE(decode_order_update(R"({"order_id":"x"})"));
    CHECK_FALSE(decode_order_update(std::string(70 * 1024, ' ')));
}
