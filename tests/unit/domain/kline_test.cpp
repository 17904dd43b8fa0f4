#include "hft/domain/kline.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <string_view>

using hft::domain::decimal;
using hft::domain::field_error;
using hft::domain::kline;
using hft::domain::kline_source;

using hft::test::dec;
using hft::test::sample_kline;

namespace {

field_error violation(const kline& k) {
    const auto checked = hft::domain::validate(k);
    REQUIRE_FALSE(checked.has_value());
    return checked.error();
}

}  // namespace

TEST_CASE("kline source prints and parses its two wire names", "[domain][kline]") {
    CHECK(hft::domain::to_string(kline_source::ws) == "ws");
    CHECK(hft::domain::to_string(kline_source::backfill) == "backfill");
    CHECK(hft::domain::parse_kline_source("ws") == kline_source::ws);
    CHECK(hft::domain::parse_kline_source("backfill") == kline_source::backfill);
    CHECK_FALSE(hft::domain::parse_kline_source("WS").has_value());
    CHECK_FALSE(hft::domain::parse_kline_source("rest").has_value());
}

TEST_CASE("kline validation accepts a real candle", "[domain][kline]") {
    CHECK(hft::domain::validate(sample_kline()).has_value());
}

TEST_CASE("kline validation accepts a zero-volume candle with equal prices", "[domain][kline]") {
    auto k = sample_kline();
    k.open = k.high = k.low = k.close = dec("23152.65");
    k.base_volume = k.quote_volume = k.taker_base_volume = k.taker_quote_volume = decimal{};
    k.trade_count = 0;
    CHECK(hft::domain::validate(k).has_value());
}

TEST_CASE("kline validation names the first rule a candle breaks", "[domain][kline]") {
    auto k = sample_kline();
    SECTION("empty exchange") {
        k.exchange.clear();
        CHECK(violation(k) == field_error{"exchange", "must not be empty"});
    }
    SECTION("empty symbol") {
        k.symbol.clear();
        CHECK(violation(k) == field_error{"symbol", "must not be empty"});
    }
    SECTION("unknown interval") {
        k.interval = "2m";
        CHECK(violation(k) == field_error{"interval", "is not a kline interval"});
    }
    SECTION("negative open time") {
        k.open_time = -1;
        CHECK(violation(k).field == "open_time");
    }
    SECTION("close time not after open time") {
        k.close_time = k.open_time;
        CHECK(violation(k) == field_error{"close_time", "must be after open_time"});
    }
    SECTION("zero price") {
        k.low = decimal{};
        CHECK(violation(k) == field_error{"low", "must be greater than 0"});
    }
    SECTION("negative price") {
        k.open = dec("-1");
        CHECK(violation(k) == field_error{"open", "must be greater than 0"});
    }
    SECTION("high below low") {
        k.high = dec("23137.6");
        CHECK(violation(k) == field_error{"high", "must not be below low"});
    }
    SECTION("open above high") {
        k.open = dec("23148.81");
        CHECK(violation(k) == field_error{"open", "must be between low and high"});
    }
    SECTION("open below low") {
        k.open = dec("23137.60");
        CHECK(violation(k) == field_error{"open", "must be between low and high"});
    }
    SECTION("close above high") {
        k.close = dec("23148.800001");
        CHECK(violation(k) == field_error{"close", "must be between low and high"});
    }
    SECTION("negative volumes") {
        k.taker_quote_volume = dec("-0.00000001");
        CHECK(violation(k) == field_error{"taker_quote_volume", "must not be negative"});
        k.base_volume = dec("-1");
        CHECK(violation(k) == field_error{"base_volume", "must not be negative"});
    }
    SECTION("negative trade count") {
        k.trade_count = -1;
        CHECK(violation(k) == field_error{"trade_count", "must not be negative"});
    }
    SECTION("several problems report the first") {
        k.exchange.clear();
        k.trade_count = -1;
        CHECK(violation(k).field == "exchange");
    }
}

TEST_CASE("kline validation prints the broken rule as one line", "[domain][kline]") {
    auto k = sample_kline();
    k.high = dec("1");
    CHECK(hft::domain::to_string(violation(k)) == "high: must not be below low");
}

TEST_CASE("kline equality compares prices numerically", "[domain][kline]") {
    auto a = sample_kline();
    auto b = sample_kline();
    b.high = dec("23148.80000000");
    CHECK(a == b);
    b.is_closed = false;
    CHECK_FALSE(a == b);
}

TEST_CASE("kline validation accepts every candle of a real minute-kline file", "[domain][kline]") {
    std::ifstream csv{HFT_SOURCE_DIR "/data/klines/binanceus-BTCUSDC-1m-2023-03-01-to-21.csv"};
    REQUIRE(csv.is_open());
    std::string line;
    std::getline(csv, line);
    int rows = 0;
    while (std::getline(csv, line)) {
        std::string_view rest{line};
        auto next = [&rest] {
            const auto comma = rest.find(',');
            const auto field = rest.substr(0, comma);
            rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
            return field;
        };
        auto k = sample_kline();
        k.open_time = std::stoll(std::string(next()));
        k.close_time = k.open_time + 59'999;
        k.open = dec(next());
        k.high = dec(next());
        k.low = dec(next());
        k.close = dec(next());
        k.base_volume = dec(next());
        const auto checked = hft::domain::validate(k);
        if (!checked) FAIL(line << " -> " << checked.error());
        ++rows;
    }
    CHECK(rows == 30'240);
}

TEST_CASE("a closed candle is superseded by nothing, an open one by a close or a later update", "[domain][kline]") {
    auto open_early = sample_kline();
    open_early.is_closed = false;
    auto open_late = open_early;
    open_late.event_time += 1000;
    auto closed = open_early;
    closed.is_closed = true;

    CHECK(hft::domain::supersedes(open_late, open_early));
    CHECK_FALSE(hft::domain::supersedes(open_early, open_late));
    CHECK(hft::domain::supersedes(open_early, open_early));
    CHECK(hft::domain::supersedes(closed, open_late));
    CHECK_FALSE(hft::domain::supersedes(open_late, closed));
    CHECK_FALSE(hft::domain::supersedes(closed, closed));
}
