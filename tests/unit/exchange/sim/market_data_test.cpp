#include "hft/exchange/sim/market_data.hpp"

#include "hft/domain/interval.hpp"
#include "hft/exchange/sim/clock.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace hft::exchange::sim;

namespace {

// 2023-03-01T00:00:00Z plus a few seconds: candles in progress at start, like a real start-up.
constexpr std::int64_t start_ms = 1'700'000'003'300;

generator_config random_config(std::uint64_t seed) {
    generator_config c;
    c.symbols = {symbol_source{"BTCUSDT", {}}, symbol_source{"BTCUSDC", {}}};
    c.intervals = {"1s", "1m"};
    c.seed = seed;
    c.start_time_ms = start_ms;
    return c;
}

std::vector<kline_update> run(generator_config c, std::int64_t until) {
    auto g = market_data_generator::create(std::move(c));
    REQUIRE(g.has_value());
    auto gen = std::move(g).value();
    std::vector<kline_update> out;
    // Advance in uneven chunks: the output must not depend on how often the sim ticks.
    for (std::int64_t t = start_ms; t < until; t += 777) gen.advance(t, out);
    gen.advance(until, out);
    return out;
}

std::vector<csv_candle> csv_rows() {
    auto rows = load_kline_csv(HFT_SOURCE_DIR "/data/klines/binanceus-BTCUSDT-1m-2023-03-01-to-21.csv");
    REQUIRE(rows.has_value());
    return *rows;
}

void check_invariants(const kline_update& u) {
    INFO(u.stream_name() << " open_time " << u.open_time << " event " << u.event_time);
    CHECK(u.low > 0);
    CHECK(u.low <= u.open);
    CHECK(u.low <= u.close);
    CHECK(u.open <= u.high);
    CHECK(u.close <= u.high);
    CHECK(u.volume >= 0);
    CHECK(u.quote_volume >= 0);
    CHECK(u.taker_base_volume >= 0);
    CHECK(u.taker_base_volume <= u.volume);
    CHECK(u.taker_quote_volume >= 0);
    CHECK(u.trade_count >= 0);
    CHECK(u.close_time > u.open_time);
    CHECK(u.event_time >= u.open_time);
    CHECK(u.event_time <= u.close_time + 1);
    if (u.trade_count > 0) CHECK(u.last_trade_id - u.first_trade_id + 1 == u.trade_count);
}

}  // namespace

TEST_CASE("random walk is deterministic for a seed and differs across seeds", "[exchange][sim]") {
    auto a = run(random_config(7), start_ms + 180'000);
    auto b = run(random_config(7), start_ms + 180'000);
    auto c = run(random_config(8), start_ms + 180'000);
    REQUIRE(!a.empty());
    CHECK(a == b);
    CHECK(a != c);
}

TEST_CASE("every update keeps the OHLC invariants and trade ids grow", "[exchange][sim]") {
    auto updates = run(random_config(3), start_ms + 300'000);
    std::map<std::string, std::int64_t> last_id;
    std::map<std::string, std::int64_t> last_event;
    for (const auto& u : updates) {
        check_invariants(u);
        auto key = u.stream_name();
        CHECK(u.event_time >= last_event[key]);
        last_event[key] = u.event_time;
        CHECK(u.last_trade_id >= last_id[key]);
        last_id[key] = u.last_trade_id;
    }
}

TEST_CASE("each candle gets its updates then exactly one closed frame", "[exchange][sim]") {
    auto updates = run(random_config(5), start_ms + 240'000);
    std::map<std::pair<std::string, std::int64_t>, std::vector<kline_update>> by_candle;
    for (const auto& u : updates) by_candle[{u.stream_name(), u.open_time}].push_back(u);
    int complete = 0;
    for (const auto& [key, list] : by_candle) {
        int closed = 0;
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (list[i].closed) {
                ++closed;
                CHECK(i + 1 == list.size());  // nothing after the closed frame
                CHECK(list[i].event_time == list[i].close_time + 1);
            }
        }
        CHECK(closed <= 1);
        // Candles that began after the start and ended before the end saw all four updates.
        if (key.first == "btcusdt@kline_1m" && key.second > start_ms && key.second + 60'000 <= start_ms + 240'000) {
            CHECK(list.size() == 4);
            CHECK(closed == 1);
            ++complete;
        }
        // Volumes only grow within a candle.
        for (std::size_t i = 1; i < list.size(); ++i) CHECK(list[i].volume >= list[i - 1].volume);
    }
    CHECK(complete == 3);
}

TEST_CASE("a 1m candle aggregates the same price path as its 1s candles", "[exchange][sim]") {
    auto updates = run(random_config(11), start_ms + 200'000);
    std::map<std::int64_t, kline_update> minute;
    std::vector<kline_update> seconds;
    for (const auto& u : updates) {
        if (!u.closed || u.symbol != "BTCUSDT") continue;
        if (u.interval == "1m") minute[u.open_time] = u;
        if (u.interval == "1s") seconds.push_back(u);
    }
    REQUIRE(!minute.empty());
    for (const auto& [open, m] : minute) {
        if (open < start_ms) continue;  // the first minute started before the sim
        std::int64_t volume = 0;
        std::int64_t high = 0;
        for (const auto& s : seconds) {
            if (s.open_time >= open && s.open_time < open + 60'000) {
                volume += s.volume;
                high = std::max(high, s.high);
            }
        }
        CHECK(m.volume == volume);
        CHECK(m.high == high);
    }
}

TEST_CASE("replay closes each candle with the CSV row exactly at rebased times", "[exchange][sim]") {
    auto rows = csv_rows();
    REQUIRE(rows.size() == 30'240);
    generator_config c;
    c.symbols = {symbol_source{"BTCUSDT", rows}};
    c.intervals = {"1s", "1m"};  // a replayed symbol serves 1m only
    c.start_time_ms = start_ms;
    auto gen = market_data_generator::create(c).value();
    CHECK(gen.stream_names() == std::vector<std::string>{"btcusdt@kline_1m"});
    const auto base = gen.replay_base_time();
    CHECK(base == align_down(start_ms, 60'000));

    std::vector<kline_update> out;
    gen.advance(base + 10 * 60'000, out);
    std::vector<kline_update> closed;
    for (const auto& u : out) {
        check_invariants(u);
        if (u.closed) closed.push_back(u);
    }
    REQUIRE(closed.size() == 10);
    for (std::size_t k = 0; k < closed.size(); ++k) {
        const auto& u = closed[k];
        const auto& row = rows[k];
        CHECK(u.open_time == base + static_cast<std::int64_t>(k) * 60'000);
        CHECK(u.close_time == u.open_time + 59'999);
        CHECK(u.open == row.open);
        CHECK(u.high == row.high);
        CHECK(u.low == row.low);
        CHECK(u.close == row.close);
        CHECK(u.volume == row.volume);
    }
    // The REST history holds the same closed candles.
    auto rest = gen.closed_klines("BTCUSDT", "1m", std::nullopt, std::nullopt, 1000);
    CHECK(rest == closed);
    auto window = gen.closed_klines("BTCUSDT", "1m", base + 120'000, base + 240'000, 1000);
    REQUIRE(window.size() == 3);
    CHECK(window.front().open_time == base + 120'000);
    CHECK(gen.closed_klines("BTCUSDT", "1m", base, std::nullopt, 2).size() == 2);
    CHECK(gen.closed_klines("BTCUSDT", "1m", std::nullopt, std::nullopt, 2).back() == closed.back());
    CHECK(gen.last_price("BTCUSDT") == closed.back().close);
}

TEST_CASE("the first replayed row is a real BTCUSDT candle with 8-decimal units", "[exchange][sim]") {
    auto row = parse_kline_csv_line("1677628800000,23140.48,23150.77,23128.52,23142.31,2.131777");
    REQUIRE(row.has_value());
    CHECK(row->open == 2'314'048'000'000);
    CHECK(row->volume == 213'177'700);
    CHECK_FALSE(parse_kline_csv_line("1677628800000,23140.48,23150.77,23160,23142.31,2").has_value());
    CHECK_FALSE(parse_kline_csv_line("1677628800000,1e3,23150.77,23128.52,23142.31,2").has_value());
    CHECK_FALSE(parse_kline_csv_line("x,1,1,1,1,1").has_value());
    CHECK_FALSE(parse_kline_csv_line("1,1,1,1,1").has_value());
}

TEST_CASE("weekly candles open on Monday midnight UTC, as the exchange's do", "[exchange][sim]") {
    auto c = random_config(1);
    c.intervals = {"1w"};
    auto generator = market_data_generator::create(std::move(c));
    REQUIRE(generator.has_value());
    auto gen = std::move(generator).value();
    std::vector<kline_update> updates;
    gen.advance(start_ms + 2 * 86'400'000, updates);  // a week's updates come every 1.75 days
    REQUIRE_FALSE(updates.empty());
    for (const auto& u : updates) {
        INFO(u.stream_name() << " open_time " << u.open_time);
        CHECK(hft::domain::is_candle_open(hft::domain::kline_interval::w1, u.open_time));
        CHECK(u.close_time == u.open_time + 7 * 86'400'000 - 1);
    }
}

TEST_CASE("generator rejects unusable configurations", "[exchange][sim]") {
    auto c = random_config(1);
    c.intervals = {"1M"};
    CHECK_FALSE(market_data_generator::create(c).has_value());
    c = random_config(1);
    c.symbols.push_back(symbol_source{"btcusdt", {}});
    CHECK_FALSE(market_data_generator::create(c).has_value());
    c = random_config(1);
    c.updates_per_candle = 3;  // 1s does not split into 3 steps of 250 ms
    CHECK_FALSE(market_data_generator::create(c).has_value());
}

TEST_CASE("sim clock runs speed times faster than the wall clock", "[exchange][sim]") {
    using std::chrono::microseconds;
    sim_clock realtime(1'000'000, 1000);
    CHECK(realtime.market_ms(microseconds{1'500'000}) == 1'001'500);
    sim_clock fast(1'000'000, 60'000);  // speed 60: a minute per second
    CHECK(fast.market_ms(microseconds{1'000'000}) == 1'060'000);
    CHECK(fast.wall_elapsed_at(1'060'000) == microseconds{1'000'000});
    CHECK(fast.wall_elapsed_at(999'999) == microseconds{0});
    sim_clock slow(0, 500);
    CHECK(slow.market_ms(microseconds{4'000'000}) == 2'000);
    CHECK(parse_speed_milli("60").value() == 60'000);
    CHECK(parse_speed_milli("0.5").value() == 500);
    CHECK_FALSE(parse_speed_milli("0").has_value());
    CHECK_FALSE(parse_speed_milli("-1").has_value());
    CHECK_FALSE(parse_speed_milli("1e3").has_value());
    CHECK(align_down(61'500, 60'000) == 60'000);
    CHECK(align_down(-1, 1000) == -1000);
}
