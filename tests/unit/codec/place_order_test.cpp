#include "hft/codec/place_order.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

using hft::codec::codec_error;
using hft::codec::decode_place_order;
using hft::codec::encode;
using hft::domain::decimal;
using hft::domain::field_error;
using hft::domain::order_side;
using hft::domain::order_type;
using hft::domain::place_order_command;
using hft::domain::time_in_force;

using hft::test::dec;
using hft::test::read_fixture;

namespace {

// A strategy's limit order with every optional field set (the contents of place_order_v1.json).
place_order_command full_command() {
    place_order_command command;
    command.request_id = "strategy-grid-7:1677628920001";
    command.order_id = "0b5d3c2e-8a51-4a8e-9a37-3f0d6b1f2c44";
    command.user_id = "2cb989ec-5aea-422a-bb74-d735ae5d7230";
    command.exchange = "tokocrypto";
    command.symbol = "TKOIDR";
    command.type = order_type::limit;
    command.side = order_side::sell;
    command.price = dec("920");
    command.quantity = dec("30.5");
    command.time_in_force = time_in_force::gtc;
    command.source = "strategy";
    command.strategy_id = "d9b0ba9a-db44-4bb4-b862-a60d2e0299a6";
    command.requested_at = 1677628920005;
    command.expires_at = 1677628980005;
    command.kline_open_time = 1677628860000;
    command.received_ns = 1677628920003123456;
    return command;
}

place_order_command minimal_market_command() {
    place_order_command command;
    command.request_id = "r-1";
    command.order_id = "o-1";
    command.user_id = "u-1";
    command.exchange = "tokocrypto";
    command.symbol = "TKO_IDR";
    command.type = order_type::market;
    command.side = order_side::buy;
    command.quantity = dec("0.001");
    command.source = "http-hit";
    command.requested_at = 1718000000000;
    return command;
}

constexpr std::string_view minimal_json =
    R"({"v":1,"request_id":"r-1","order_id":"o-1","user_id":"u-1","exchange":"tokocrypto","symbol":"TKO_IDR",)"
    R"("type":"MARKET","side":"BUY","quantity":"0.001","source":"http-hit","requested_at":1718000000000})";

// minimal_json with `member` (`"key":value`) spliced in before the closing brace.
std::string minimal_with(std::string_view member) {
    std::string json{minimal_json};
    json.insert(json.size() - 1, "," + std::string(member));
    return json;
}

codec_error rejection(std::string_view json) {
    INFO("decoding " << json.substr(0, 300));
    const auto decoded = decode_place_order(json);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
}

place_order_command decoded(std::string_view json) {
    INFO("decoding " << json.substr(0, 300));
    auto result = decode_place_order(json);
    if (!result) FAIL(result.error());
    return *result;
}

}  // namespace

TEST_CASE("place order encodes the version first and omits absent optional fields", "[codec][order]") {
    CHECK(encode(minimal_market_command()) == minimal_json);
}

TEST_CASE("place order encodes every optional field when present", "[codec][order]") {
    CHECK(encode(full_command()) ==
          R"({"v":1,"request_id":"strategy-grid-7:1677628920001","order_id":"0b5d3c2e-8a51-4a8e-9a37-3f0d6b1f2c44",)"
          R"("user_id":"2cb989ec-5aea-422a-bb74-d735ae5d7230","exchange":"tokocrypto","symbol":"TKOIDR",)"
          R"("type":"LIMIT","side":"SELL","price":"920","quantity":"30.5","time_in_force":"GTC","source":"strategy",)"
          R"("strategy_id":"d9b0ba9a-db44-4bb4-b862-a60d2e0299a6","requested_at":1677628920005,)"
          R"("expires_at":1677628980005,"kline_open_time":1677628860000,"received_ns":1677628920003123456})");
}

TEST_CASE("place order round-trips with optional fields absent or present", "[codec][order]") {
    auto command = full_command();
    SECTION("every field") {}
    SECTION("a market order without the optional fields") { command = minimal_market_command(); }
    SECTION("each time in force") {
        command.time_in_force = GENERATE(time_in_force::gtc, time_in_force::ioc, time_in_force::fok);
    }
    SECTION("only some optional fields") {
        command.expires_at.reset();
        command.received_ns.reset();
        command.side = order_side::buy;
    }
    CHECK(decoded(encode(command)) == command);
}

TEST_CASE("place order decodes the v1 fixture to known values", "[codec][order]") {
    const auto command = decoded(read_fixture("place_order_v1.json"));
    CHECK(command == full_command());
    CHECK(command.price->to_string(2).value() == "920.00");
    CHECK(command.price->scale() == 2);
    CHECK(command.side == order_side::sell);
    CHECK(command.time_in_force == time_in_force::gtc);
    CHECK(command.kline_open_time == 1677628860000);
    CHECK(hft::domain::validate(command).has_value());
}

TEST_CASE("place order decodes the order API's HTTP body without a version", "[codec][order]") {
    auto command = decoded(read_fixture("place_order_http_v1.json"));
    CHECK(command.request_id == "e1580b74-1af6-47e4-9b90-354875f1f19z");
    CHECK(command.user_id == "2cb989ec-5aea-422a-bb74-d735ae5d7230");
    CHECK(command.order_id == "1d421596-2ff1-4798-b1b5-5336ed39122z");
    CHECK(command.exchange == "tokocrypto");
    CHECK(command.symbol == "TKO_IDR");
    CHECK(command.type == order_type::limit);
    CHECK(command.side == order_side::buy);
    CHECK(command.price == dec("920"));
    CHECK(command.quantity == dec("30"));
    CHECK(command.source == "http-hit");
    CHECK(command.strategy_id == "d9b0ba9a-db44-4bb4-b862-a60d2e0299a6");
    CHECK_FALSE(command.time_in_force.has_value());
    CHECK_FALSE(command.expires_at.has_value());
    // Not stamped yet: the gateway sets the receipt time, then validation passes.
    CHECK(command.requested_at == 0);
    CHECK(hft::domain::validate(command).error() == field_error{"requested_at", "must be set"});
    command.requested_at = 1718000000000;
    CHECK(hft::domain::validate(command).has_value());
}

TEST_CASE("place order with a version requires the request time", "[codec][order]") {
    auto body = read_fixture("place_order_http_v1.json");
    body.insert(body.find('{') + 1, R"("v":1,)");
    CHECK(rejection(body) == codec_error{"requested_at", "is required"});
}

TEST_CASE("place order decoding ignores unknown keys", "[codec][order]") {
    CHECK(decoded(minimal_with(R"("client_hint":{"retry":3})")) == minimal_market_command());
    CHECK(decoded(minimal_with(R"("api_key":"secret")")) == minimal_market_command());
}

TEST_CASE("place order decoding reads null optional fields as absent", "[codec][order]") {
    const auto command =
        decoded(minimal_with(R"("price":null,"strategy_id":null,"time_in_force":null,"expires_at":null)"));
    CHECK(command == minimal_market_command());
}

TEST_CASE("place order decoding rejects a price sent as a JSON number", "[codec][order]") {
    CHECK(rejection(minimal_with(R"("price":1.5)")).to_string() ==
          "price: must be a string: decimals travel as strings, never as JSON numbers");
    CHECK(rejection(minimal_with(R"("price":920)")).field == "price");
}

TEST_CASE("place order decoding rejects a quantity that is not a decimal", "[codec][order]") {
    auto json = std::string(minimal_json);
    json.replace(json.find(R"("0.001")"), 7, R"("abc")");
    CHECK(rejection(json).to_string() ==
          R"(quantity: "abc" is not a decimal: invalid character (allowed: digits, one '.', a leading '-'))");
}

TEST_CASE("place order decoding rejects enum values out of range", "[codec][order]") {
    auto json = std::string(minimal_json);
    SECTION("type") {
        json.replace(json.find("MARKET"), 6, "market");
        CHECK(rejection(json).to_string() == R"(type: "market" is not one of LIMIT, MARKET)");
    }
    SECTION("side") {
        json.replace(json.find("BUY"), 3, "HOLD");
        CHECK(rejection(json).to_string() == R"(side: "HOLD" is not one of BUY, SELL)");
    }
    SECTION("time in force") {
        CHECK(rejection(minimal_with(R"("time_in_force":"GTD")")).to_string() ==
              R"(time_in_force: "GTD" is not one of GTC, IOC, FOK)");
    }
    SECTION("type as a number") {
        json.replace(json.find(R"("MARKET")"), 8, "1");
        CHECK(rejection(json) == codec_error{"type", "must be a string, not number"});
    }
}

TEST_CASE("place order decoding rejects every missing required field", "[codec][order]") {
    const std::pair<std::string_view, std::string_view> members[] = {
        {"request_id", R"("r-1")"},
        {"order_id", R"("o-1")"},
        {"user_id", R"("u-1")"},
        {"exchange", R"("tokocrypto")"},
        {"symbol", R"("TKO_IDR")"},
        {"type", R"("MARKET")"},
        {"side", R"("BUY")"},
        {"quantity", R"("0.001")"},
        {"source", R"("http-hit")"},
        {"requested_at", "1718000000000"},
    };
    for (const auto& dropped : members) {
        const auto missing = dropped.first;
        INFO(missing);
        std::string json = R"({"v":1)";
        for (const auto& [key, value] : members) {
            if (key == missing) continue;
            json.append(",\"").append(key).append("\":").append(value);
        }
        json += '}';
        CHECK(rejection(json) == codec_error{std::string(missing), "is required"});
    }
}

TEST_CASE("place order decoding rejects wrong types, versions, duplicates and oversized input", "[codec][order]") {
    CHECK(rejection(minimal_with(R"("strategy_id":42)")) == codec_error{"strategy_id", "must be a string, not number"});
    CHECK(rejection(minimal_with(R"("expires_at":"soon")")) ==
          codec_error{"expires_at", "must be an integer, not string"});
    CHECK(rejection(minimal_with(R"("kline_open_time":1.5)")).field == "kline_open_time");
    CHECK(rejection(minimal_with(R"("order_id":"again")")) == codec_error{"", R"(duplicate key "order_id")"});
    auto versioned = std::string(minimal_json);
    versioned.replace(versioned.find("\"v\":1"), 5, "\"v\":2");
    CHECK(rejection(versioned).field == "v");
    CHECK(rejection("[]") == codec_error{"", "message must be a JSON object"});
    CHECK(rejection("{").message == "invalid JSON at byte 2");
    std::string padding = R"("pad":")";
    padding.append(hft::codec::max_message_size, ' ').append(1, '"');
    CHECK(rejection(minimal_with(padding)) ==
          codec_error{"", "message is larger than 65536 bytes"});
}

TEST_CASE("place order decoding never echoes the api key on invalid JSON", "[codec][order]") {
    const auto error = rejection(R"({"api_key":"REPLACE_WITH_SECURE_API_KEY_A","price":)");
    CHECK(error.to_string().find("SECURE") == std::string::npos);
}
