#include "hft/store/kline_repository.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

using hft::test::dec;
using hft::test::sample_kline;

TEST_CASE("a batch keeps one state per candle, the one that supersedes the others", "[store][kline]") {
    auto first = sample_kline();
    first.is_closed = false;
    auto later = first;
    later.event_time += 500;
    later.close = dec("23140");
    auto next_minute = first;
    next_minute.open_time += 60000;
    next_minute.close_time += 60000;
    auto stale = first;
    stale.event_time -= 500;

    const std::vector<hft::domain::kline> batch{first, next_minute, later, stale};
    const auto kept = hft::store::latest_per_candle(batch);
    REQUIRE(kept.size() == 2);
    CHECK(kept[0] == later);
    CHECK(kept[1] == next_minute);
}
