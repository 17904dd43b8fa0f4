#include "hft/codec/kline_event.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using hft::codec::codec_error;
using hft::codec::decode_kline_event;
using hft::codec::encode;
using hft::domain::decimal;
using hft::domain::kline;
using hft::domain::kline_source;

using hft::test::dec;
using hft::test::sample_kline;
using hft::test::read_fixture;

namespace {

// A kline event as ordered (key, raw JSON value) pairs, so tests can drop or replace one member.
using members = std::vector<std::pair<std::string, std::string>>;

// `text` as a JSON string literal (no escaping needed by the callers).
std::string quoted(std::size_t count, char fill) {
    std::string text(count + 2, fill);
    text.front() = text.back() = '"';
    return text;
}

members sample_members() {
    return {{"v", "1"},
            {"exchange", R"("binanceus")"},
            {"symbol", R"("BTCUSDT")"},
            {"interval", R"("1m")"},
            {"open_time", "1677628860000"},
            {"close_time", "1677628919999"},
            {"open", R"("23143.89")"},
            {"high", R"("23148.8")"},
            {"low", R"("23137.61")"},
            {"close", R"("23137.77")"},
            {"base_volume", R"("0.881378")"},
            {"quote_volume", R"("20397.45110931")"},
            {"taker_base_volume", R"("0.4")"},
            {"taker_quote_volume", R"("9258.4")"},
            {"trade_count", "42"},
            {"is_closed", "true"},
            {"event_time", "1677628920001"},
            {"received_ns", "1677628920003123456"},
            {"source", R"("ws")"}};
}

std::string render(const members& fields) {
    std::string json = "{";
    for (const auto& [key, value] : fields) {
        if (json.size() > 1) json += ',';
        json.append(1, '"').append(key).append("\":").append(value);
    }
    return json + '}';
}

members with(members fields, std::string_view key, std::string value) {
    for (auto& field : fields) {
        if (field.first == key) field.second = std::move(value);
    }
    return fields;
}

members without(members fields, std::string_view key) {
    std::erase_if(fields, [key](const auto& field) { return field.first == key; });
    return fields;
}

codec_error rejection(std::string_view json) {
    INFO("decoding " << json.substr(0, 300));
    const auto decoded = decode_kline_event(json);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
}

}  // namespace

TEST_CASE("kline event encodes flat JSON with the version first and decimals as strings", "[codec][kline]") {
    CHECK(encode(sample_kline()) ==
          R"({"v":1,"exchange":"binanceus","symbol":"BTCUSDT","interval":"1m","open_time":1677628860000,)"
          R"("close_time":1677628919999,"open":"23143.89","high":"23148.8","low":"23137.61","close":"23137.77",)"
          R"("base_volume":"0.881378","quote_volume":"20397.45110931","taker_base_volume":"0.4",)"
          R"("taker_quote_volume":"9258.4","trade_count":42,"is_closed":true,"event_time":1677628920001,)"
          R"("received_ns":1677628920003123456,"source":"ws"})");
}

TEST_CASE("kline event encodes exchange strings in canonical form", "[codec][kline]") {
    auto k = sample_kline();
    k.high = dec("23148.80000000");
    k.base_volume = dec("0.00001000");
    const auto json = encode(k);
    CHECK(json.find(R"("high":"23148.8")") != std::string::npos);
    CHECK(json.find(R"("base_volume":"0.00001")") != std::string::npos);
}

TEST_CASE("kline event round-trips through encode and decode", "[codec][kline]") {
    auto k = sample_kline();
    SECTION("a closed websocket candle") {}
    SECTION("a forming candle") { k.is_closed = false; }
    SECTION("a backfilled zero-volume candle") {
        k.source = kline_source::backfill;
        k.open = k.high = k.low = k.close = dec("23152.65");
        k.base_volume = k.quote_volume = k.taker_base_volume = k.taker_quote_volume = decimal{};
        k.trade_count = 0;
        k.received_ns = 0;
    }
    SECTION("strings that need escaping") {
        k.exchange = "odd\"venue\\\n\x01";
        k.symbol = "BTC\xc3\xa9USDT";
    }
    SECTION("extreme values") {
        k.high = dec("99999999999999999999.999999999999999999");
        k.quote_volume = dec("99999999999999999999999999999999999999");
        k.open_time = 0;
        k.close_time = std::numeric_limits<std::int64_t>::max();
        k.received_ns = std::numeric_limits<std::int64_t>::max();
    }
    const auto decoded = decode_kline_event(encode(k));
    if (!decoded) FAIL(decoded.error());
    CHECK(*decoded == k);
}

TEST_CASE("kline event decodes the v1 fixture to known values", "[codec][kline]") {
    const auto decoded = decode_kline_event(read_fixture("kline_event_v1.json"));
    if (!decoded) FAIL(decoded.error());
    const auto& k = *decoded;
    CHECK(k == sample_kline());
    CHECK(k.exchange == "binanceus");
    CHECK(k.symbol == "BTCUSDT");
    CHECK(k.interval == "1m");
    CHECK(k.open_time == 1677628860000);
    CHECK(k.close_time == 1677628919999);
    CHECK(k.high.to_string(8).value() == "23148.80000000");
    CHECK(k.high.scale() == 8);
    CHECK(k.base_volume == dec("0.881378"));
    CHECK(k.trade_count == 42);
    CHECK(k.is_closed);
    CHECK(k.event_time == 1677628920001);
    CHECK(k.received_ns == 1677628920003123456);
    CHECK(k.source == kline_source::ws);
}

TEST_CASE("kline event decoding ignores unknown keys", "[codec][kline]") {
    auto fields = sample_members();
    fields.emplace_back("first_trade_id", "100");
    fields.emplace_back("ignore", R"({"nested":[1,2,{"v":2}]})");
    fields.insert(fields.begin(), {"producer", R"("gateway-2")"});
    const auto decoded = decode_kline_event(render(fields));
    if (!decoded) FAIL(decoded.error());
    CHECK(*decoded == sample_kline());
}

TEST_CASE("kline event decoding rejects invalid JSON", "[codec][kline]") {
    using namespace std::string_view_literals;
    for (const auto json : {""sv, " "sv, "{"sv, "not json"sv, R"({"v":1,})"sv, R"({"v":1} x)"sv, "{'v':1}"sv,
                            "{\"v\":1,\"exchange\":\"\xff\"}"sv, R"({"v":01})"sv, "{\"v\":1}\0"sv}) {
        const auto error = rejection(json);
        CHECK(error.field.empty());
        CHECK(error.message.rfind("invalid JSON at byte ", 0) == 0);
    }
}

TEST_CASE("kline event decoding rejects a message that is not an object", "[codec][kline]") {
    for (const std::string_view json : {"[]", "1", R"("kline")", "null", "true", "[{\"v\":1}]"}) {
        CHECK(rejection(json) == codec_error{"", "message must be a JSON object"});
    }
}

TEST_CASE("kline event decoding rejects duplicate keys", "[codec][kline]") {
    auto fields = sample_members();
    fields.emplace_back("high", R"("99999")");
    CHECK(rejection(render(fields)) == codec_error{"", R"(duplicate key "high")"});
}

TEST_CASE("kline event decoding rejects every missing field", "[codec][kline]") {
    for (const auto& [key, value] : sample_members()) {
        INFO(key);
        CHECK(rejection(render(without(sample_members(), key))) == codec_error{key, "is required"});
    }
}

TEST_CASE("kline event decoding rejects null for a required field", "[codec][kline]") {
    CHECK(rejection(render(with(sample_members(), "close", "null"))) == codec_error{"close", "must not be null"});
}

TEST_CASE("kline event decoding rejects a decimal sent as a JSON number", "[codec][kline]") {
    for (const char* number : {"23143.89", "23143", "2.314389e4"}) {
        const auto error = rejection(render(with(sample_members(), "open", number)));
        CHECK(error.field == "open");
        CHECK(error.message == "must be a string: decimals travel as strings, never as JSON numbers");
    }
    CHECK(rejection(render(with(sample_members(), "open", "[]"))) ==
          codec_error{"open", "must be a decimal string, not array"});
}

TEST_CASE("kline event decoding rejects a malformed decimal string", "[codec][kline]") {
    CHECK(rejection(render(with(sample_members(), "high", R"("1e5")"))).to_string() ==
          R"(high: "1e5" is not a decimal: exponent notation is not allowed)");
    CHECK(rejection(render(with(sample_members(), "low", R"("NaN")"))).field == "low");
    CHECK(rejection(render(with(sample_members(), "quote_volume", R"("")"))).field == "quote_volume");
    CHECK(rejection(render(with(sample_members(), "close", R"(" 23137.77")"))).field == "close");
}

TEST_CASE("kline event decoding rejects wrong types for times, counts and flags", "[codec][kline]") {
    CHECK(rejection(render(with(sample_members(), "open_time", R"("1677628860000")"))) ==
          codec_error{"open_time", "must be an integer, not string"});
    CHECK(rejection(render(with(sample_members(), "open_time", "1677628860000.5"))).field == "open_time");
    CHECK(rejection(render(with(sample_members(), "trade_count", "1e3"))).field == "trade_count");
    CHECK(rejection(render(with(sample_members(), "received_ns", "9223372036854775808"))) ==
          codec_error{"received_ns", "is out of the 64-bit integer range"});
    CHECK(rejection(render(with(sample_members(), "received_ns", "99999999999999999999999"))).field ==
          "received_ns");
    CHECK(rejection(render(with(sample_members(), "is_closed", R"("true")"))) ==
          codec_error{"is_closed", "must be true or false, not string"});
    CHECK(rejection(render(with(sample_members(), "is_closed", "1"))).field == "is_closed");
    CHECK(rejection(render(with(sample_members(), "symbol", "42"))) ==
          codec_error{"symbol", "must be a string, not number"});
}

TEST_CASE("kline event decoding rejects any version but 1", "[codec][kline]") {
    CHECK(rejection(render(with(sample_members(), "v", "2"))) ==
          codec_error{"v", "unsupported version 2 (this build reads 1)"});
    CHECK(rejection(render(with(sample_members(), "v", "0"))).field == "v");
    CHECK(rejection(render(with(sample_members(), "v", "-1"))).field == "v");
    CHECK(rejection(render(with(sample_members(), "v", R"("1")"))) ==
          codec_error{"v", "must be an integer, not string"});
    CHECK(rejection(render(with(sample_members(), "v", "1.0"))).field == "v");
    // The version is checked before anything else, so a future format is named as such.
    CHECK(rejection(R"({"v":2,"something":"new"})").field == "v");
}

TEST_CASE("kline event decoding rejects an unknown source", "[codec][kline]") {
    CHECK(rejection(render(with(sample_members(), "source", R"("rest")"))).to_string() ==
          R"(source: "rest" is not one of ws, backfill)");
}

TEST_CASE("kline event decoding rejects an insane candle", "[codec][kline]") {
    CHECK(rejection(render(with(sample_members(), "low", R"("23150")"))) ==
          codec_error{"high", "must not be below low"});
    CHECK(rejection(render(with(sample_members(), "interval", R"("2m")"))) ==
          codec_error{"interval", "is not a kline interval"});
    CHECK(rejection(render(with(sample_members(), "trade_count", "-1"))) ==
          codec_error{"trade_count", "must not be negative"});
}

TEST_CASE("kline event decoding rejects input above 64 KiB", "[codec][kline]") {
    const auto base = render(sample_members());
    auto fields = sample_members();
    // `,"pad":""` adds 9 bytes plus the padding.
    fields.emplace_back("pad", quoted(hft::codec::max_message_size - base.size() - 9, 'x'));
    const auto at_limit = render(fields);
    REQUIRE(at_limit.size() == hft::codec::max_message_size);
    CHECK(decode_kline_event(at_limit).has_value());
    CHECK(rejection(at_limit + ' ') == codec_error{"", "message is larger than 65536 bytes"});
}

TEST_CASE("kline event decoding survives hostile input", "[codec][kline]") {
    SECTION("deep nesting inside an unknown key") {
        auto fields = sample_members();
        fields.emplace_back("deep", std::string(20'000, '[') + std::string(20'000, ']'));
        CHECK(decode_kline_event(render(fields)).has_value());
    }
    SECTION("error messages quote at most 40 characters and stay ASCII") {
        const auto error = rejection(render(with(sample_members(), "open", quoted(100, '\x7f'))));
        CHECK(error.message.size() < 4 * 40 + 100);
        for (const char c : error.to_string()) CHECK((c >= 0x20 && c < 0x7f));
    }
    SECTION("random mutations of a valid event") {
        const auto valid = render(sample_members());
        std::mt19937 random{7};
        for (int i = 0; i < 5'000; ++i) {
            auto mutated = valid;
            for (int edits = 1 + static_cast<int>(random() % 4); edits > 0; --edits) {
                const auto at = random() % mutated.size();
                switch (random() % 3) {
                    case 0: mutated[at] = static_cast<char>(random() % 256); break;
                    case 1: mutated.erase(at, 1); break;
                    default: mutated.insert(at, 1, static_cast<char>(random() % 256)); break;
                }
            }
            const auto decoded = decode_kline_event(mutated);
            if (!decoded) CHECK_FALSE(decoded.error().message.empty());
        }
    }
}

// decode_kline_event reads the encoder's exact spelling on a fast path and anything else with the strict
// decoder; a leading space forces the strict one, so each input is decoded both ways and must agree.
TEST_CASE("kline event decoding agrees between the encoder's exact spelling and the strict decoder",
          "[codec][kline]") {
    const auto agree = [](const std::string& json) {
        INFO("decoding " << json.substr(0, 300));
        const auto fast = decode_kline_event(json);
        const auto strict = decode_kline_event(" " + json);
        REQUIRE(fast.has_value() == strict.has_value());
        if (fast) {
            CHECK(*fast == *strict);
        } else {
            CHECK(fast.error().field == strict.error().field);
        }
    };
    auto k = sample_kline();
    SECTION("encoded klines") {
        agree(encode(k));
        k.is_closed = false;
        k.source = kline_source::backfill;
        k.received_ns = -5;
        agree(encode(k));
        k.symbol = "BTC\xc3\xa9USDT";  // escapes and non-ASCII take the strict path
        agree(encode(k));
    }
    SECTION("numbers JSON spells differently") {
        for (const auto* number : {"01", "-0", "1.0", "1e3", "-", "9223372036854775808", "-9223372036854775808"}) {
            agree(render(with(sample_members(), "open_time", number)));
            agree(render(with(sample_members(), "trade_count", number)));
        }
        agree(render(with(sample_members(), "v", "01")));
    }
    SECTION("random mutations of an encoded kline") {
        const auto valid = encode(k);
        std::mt19937 random{11};
        for (int i = 0; i < 5'000; ++i) {
            auto mutated = valid;
            for (int edits = 1 + static_cast<int>(random() % 3); edits > 0; --edits) {
                const auto at = random() % mutated.size();
                switch (random() % 3) {
                    case 0: mutated[at] = "0123456789.,:\"{}- eEtf\\"[random() % 23]; break;
                    case 1: mutated.erase(at, 1); break;
                    default: mutated.insert(at, 1, "0123456789.,:\"{}- eEtf\\"[random() % 23]); break;
                }
            }
            agree(mutated);
        }
    }
}
