#include "hft/core/kline_gaps.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using hft::core::kline_gap_tracker;
using hft::core::kline_range;
using hft::test::sample_kline;

namespace {

constexpr std::int64_t minute = 60000;

hft::domain::kline closed_at(std::int64_t open_time, bool closed = true) {
    auto k = sample_kline();
    k.open_time = open_time;
    k.close_time = open_time + minute - 1;
    k.is_closed = closed;
    return k;
}

}  // namespace

TEST_CASE("consecutive closed klines leave no gap", "[core][gaps]") {
    kline_gap_tracker tracker;
    const auto t = sample_kline().open_time;
    CHECK_FALSE(tracker.on_kline(closed_at(t)));
    CHECK_FALSE(tracker.on_kline(closed_at(t + minute)));
    CHECK(tracker.last_closed_open_time("binanceus", "BTCUSDT", "1m") == t + minute);
}

TEST_CASE("a skipped closed kline is reported as the range to backfill", "[core][gaps]") {
    kline_gap_tracker tracker;
    const auto t = sample_kline().open_time;
    tracker.on_kline(closed_at(t));
    const auto gap = tracker.on_kline(closed_at(t + 4 * minute));
    REQUIRE(gap);
    CHECK(*gap == kline_range{"binanceus", "BTCUSDT", "1m", t + minute, t + 3 * minute});
}

TEST_CASE("open updates and repeats of older candles neither move nor open a gap", "[core][gaps]") {
    kline_gap_tracker tracker;
    const auto t = sample_kline().open_time;
    tracker.on_kline(closed_at(t + minute));
    CHECK_FALSE(tracker.on_kline(closed_at(t + 5 * minute, false)));
    CHECK_FALSE(tracker.on_kline(closed_at(t)));
    CHECK(tracker.last_closed_open_time("binanceus", "BTCUSDT", "1m") == t + minute);
}

TEST_CASE("after an outage the candles that closed meanwhile are missing", "[core][gaps]") {
    kline_gap_tracker tracker;
    const auto t = sample_kline().open_time;
    tracker.on_kline(closed_at(t));
    CHECK_FALSE(tracker.missing_until("binanceus", "BTCUSDT", "1m", t + 2 * minute - 1));
    // The candle opening at t+1m has its last millisecond at t+2m-1: from t+2m on, it is owed.
    auto at_two_minutes = tracker;
    CHECK(at_two_minutes.missing_until("binanceus", "BTCUSDT", "1m", t + 2 * minute) ==
          kline_range{"binanceus", "BTCUSDT", "1m", t + minute, t + minute});
    CHECK(tracker.missing_until("binanceus", "BTCUSDT", "1m", t + 3 * minute + 5) ==
          kline_range{"binanceus", "BTCUSDT", "1m", t + minute, t + 2 * minute});
    CHECK_FALSE(tracker.missing_until("binanceus", "ETHUSDT", "1m", t + 10 * minute));
}

TEST_CASE("candles reported missing after an outage are not reported again", "[core][gaps]") {
    kline_gap_tracker tracker;
    const auto t = sample_kline().open_time;
    tracker.seed("binanceus", "BTCUSDT", "1m", t);
    // Reconnected while the candle opening at t+4m forms: t+1m..t+3m closed unseen.
    CHECK(tracker.missing_until("binanceus", "BTCUSDT", "1m", t + 4 * minute) ==
          kline_range{"binanceus", "BTCUSDT", "1m", t + minute, t + 3 * minute});
    // That candle closes before the backfill has published a thing: nothing more is missing.
    CHECK_FALSE(tracker.on_closed("binanceus", "BTCUSDT", "1m", t + 4 * minute));
    // Backfilled candles arriving afterwards change nothing either.
    CHECK_FALSE(tracker.on_closed("binanceus", "BTCUSDT", "1m", t + 2 * minute));
    // Reconnected again at once, and later: only what closed since is missing.
    CHECK_FALSE(tracker.missing_until("binanceus", "BTCUSDT", "1m", t + 5 * minute));
    CHECK(tracker.missing_until("binanceus", "BTCUSDT", "1m", t + 7 * minute) ==
          kline_range{"binanceus", "BTCUSDT", "1m", t + 5 * minute, t + 6 * minute});
}

TEST_CASE("a stream seeded from storage reports the candles that closed while nothing listened", "[core][gaps]") {
    kline_gap_tracker tracker;
    const auto t = sample_kline().open_time;
    tracker.seed("binanceus", "BTCUSDT", "1m", t);
    tracker.seed("binanceus", "BTCUSDT", "1m", t - minute);  // never moves back
    CHECK(tracker.last_closed_open_time("binanceus", "BTCUSDT", "1m") == t);
    const auto gap = tracker.on_closed("binanceus", "BTCUSDT", "1m", t + 4 * minute);
    REQUIRE(gap);
    CHECK(*gap == kline_range{"binanceus", "BTCUSDT", "1m", t + minute, t + 3 * minute});
}
