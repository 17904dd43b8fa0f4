#pragma once

// Values and fixtures several tests share: one definition each, so a test reads as its sentence.

#include "hft/codec/place_order.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/kline.hpp"
#include "hft/domain/order.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace hft::test {

/// A decimal from a literal the test knows is valid; a typo fails the test, not the process.
inline domain::decimal dec(std::string_view text) {
    INFO("parsing \"" << text << "\"");
    auto parsed = domain::decimal::parse(text);
    REQUIRE(parsed.has_value());
    return *parsed;
}

/// The bytes of tests/fixtures/<name>.
inline std::string read_fixture(std::string_view name) {
    std::ifstream in{std::string(HFT_SOURCE_DIR "/tests/fixtures/") + std::string(name), std::ios::binary};
    REQUIRE(in.is_open());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// BTCUSDT 1m at 2023-03-01 00:01 UTC, from data/klines; the volumes beyond `v` are illustrative.
inline domain::kline sample_kline() {
    domain::kline k;
    k.exchange = "binanceus";
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.open_time = 1677628860000;
    k.close_time = 1677628919999;
    k.open = dec("23143.89");
    k.high = dec("23148.8");
    k.low = dec("23137.61");
    k.close = dec("23137.77");
    k.base_volume = dec("0.881378");
    k.quote_volume = dec("20397.45110931");
    k.taker_base_volume = dec("0.4");
    k.taker_quote_volume = dec("9258.4");
    k.trade_count = 42;
    k.is_closed = true;
    k.event_time = 1677628920001;
    k.received_ns = 1677628920003123456;
    k.source = domain::kline_source::ws;
    return k;
}

/// The order API's sample place request (tests/fixtures/place_order_http_v1.json): a limit buy of 30 TKO_IDR at 920
/// on tokocrypto. The fixture's api_key is a placeholder: `api_key` replaces it, or it is left out when empty.
inline nlohmann::json sample_place_request(std::string_view api_key = {}) {
    auto body = nlohmann::json::parse(read_fixture("place_order_http_v1.json"));
    if (api_key.empty()) {
        body.erase("api_key");
    } else {
        body["api_key"] = api_key;
    }
    return body;
}

/// The sample place request as the command the order API makes of it, stamped with a request time.
inline domain::place_order_command sample_place_command() {
    const auto decoded = codec::decode_place_order(read_fixture("place_order_http_v1.json"));
    REQUIRE(decoded.has_value());
    auto command = *decoded;
    command.requested_at = 1718000000000;
    return command;
}

}  // namespace hft::test
