#pragma once

// The simulator's market data, pure and deterministic: given a seed, the sources and a market time, the same
// kline updates come out every time. No sockets, no clocks: exchange_sim feeds it market time.
//
// Time advances in steps of step_ms. Every stream `<symbol>@kline_<interval>` emits `updates_per_candle`
// updates per candle at evenly spaced market times inside it; the last one, at the candle's end, is the one
// closed frame (x = true). Prices and volumes are integers in units of 10^-8 (Binance's 8 decimals).

#include "hft/domain/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::sim {

/// Fractional digits of every price and volume on the wire.
inline constexpr int price_scale = 8;
/// 10^price_scale.
inline constexpr std::int64_t units_per_one = 100'000'000;

/// One kline event, open or closed, with Binance's fields.
struct kline_update {
    std::string symbol;    ///< "BTCUSDT"
    std::string interval;  ///< "1m"
    std::int64_t event_time = 0;
    std::int64_t open_time = 0;
    std::int64_t close_time = 0;  ///< open_time + interval - 1
    std::int64_t first_trade_id = -1;  ///< -1 when the candle has no trade yet, as Binance sends
    std::int64_t last_trade_id = -1;
    std::int64_t trade_count = 0;
    std::int64_t open = 0;  ///< all prices and volumes in 10^-8 units
    std::int64_t high = 0;
    std::int64_t low = 0;
    std::int64_t close = 0;
    std::int64_t volume = 0;
    std::int64_t quote_volume = 0;
    std::int64_t taker_base_volume = 0;
    std::int64_t taker_quote_volume = 0;
    bool closed = false;

    /// Lowercase stream name, "btcusdt@kline_1m".
    std::string stream_name() const;
    friend bool operator==(const kline_update&, const kline_update&) = default;
};

/// One row of a data/klines CSV (`open_time_ms,open,high,low,close,volume`), in 10^-8 units.
struct csv_candle {
    std::int64_t open_time = 0;
    std::int64_t open = 0;
    std::int64_t high = 0;
    std::int64_t low = 0;
    std::int64_t close = 0;
    std::int64_t volume = 0;
};

/// Parses one data line (not the header); decimals exactly, via domain::decimal.
expected<csv_candle, std::string> parse_kline_csv_line(std::string_view line);
/// Reads a whole file: header line first, rows strictly increasing by 1m. Errors name the line.
expected<std::vector<csv_candle>, std::string> load_kline_csv(const std::string& path);

/// Lowercase stream name for a symbol and interval text.
std::string make_stream_name(std::string_view symbol, std::string_view interval);

struct symbol_source {
    std::string symbol;             ///< uppercase, "BTCUSDT"
    std::vector<csv_candle> replay;  ///< 1m rows to replay; empty means a seeded random walk
    std::int64_t start_price = 25'000 * units_per_one;  ///< random walk only
};

struct generator_config {
    std::vector<symbol_source> symbols;
    std::vector<std::string> intervals{"1m"};  ///< replayed symbols serve only "1m"
    std::uint64_t seed = 1;
    std::int64_t start_time_ms = 0;  ///< market time at which the simulation starts
    int updates_per_candle = 4;      ///< including the closing one; candle length must divide evenly
    std::int64_t tick = 1'000'000;   ///< price tick in units (0.01)
    std::size_t history_limit = 50'000;  ///< closed candles kept per stream for REST
};

class market_data_generator {
public:
    static constexpr std::int64_t step_ms = 250;

    /// Fails on an unknown interval (1M has no fixed length), a bad symbol, or a schedule that does not divide.
    static expected<market_data_generator, std::string> create(generator_config config);

    /// Appends every update scheduled at or before `market_now_ms`, ordered by event time, then symbol and
    /// interval in configuration order. Closed candles also enter the history.
    void advance(std::int64_t market_now_ms, std::vector<kline_update>& out);

    /// Market time up to which updates were produced.
    std::int64_t generated_until() const noexcept { return next_step_start_; }

    bool has_stream(std::string_view stream_name) const noexcept;
    std::vector<std::string> stream_names() const;

    /// Closed candles of a stream with open_time in [start, end], as Binance's /api/v3/klines selects them:
    /// the first `limit` from `start` when a start is given, else the last `limit` up to `end`.
    std::vector<kline_update> closed_klines(std::string_view symbol, std::string_view interval,
                                            std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                                            std::size_t limit) const;
    /// Whether symbol/interval is served (symbol uppercase, interval "1m").
    bool serves(std::string_view symbol, std::string_view interval) const noexcept;

    /// The latest simulated trade price of a symbol (10^-8 units); nullopt for unknown symbols or before data.
    std::optional<std::int64_t> last_price(std::string_view symbol) const noexcept;

    const generator_config& config() const noexcept { return config_; }

    /// Open time of replay row 0: the simulation start aligned down to the minute.
    std::int64_t replay_base_time() const noexcept;

private:
    struct symbol_state {
        symbol_source source;
        std::uint64_t rng = 0;
        std::int64_t price = 0;  ///< random walk: last step's close; replay: last emitted close
        std::int64_t next_trade_id = 0;
        bool has_price = false;
    };
    struct step {
        std::int64_t open = 0, high = 0, low = 0, close = 0, volume = 0, quote = 0, taker_base = 0,
                     taker_quote = 0, trades = 0, first_id = 0;
    };
    struct stream_state {
        std::size_t symbol = 0;
        std::string interval;
        std::string name;
        std::int64_t length_ms = 0;
        std::int64_t candle_open = 0;
        kline_update candle;  ///< random walk accumulator
        bool empty = true;
        std::deque<kline_update> history;
    };

    market_data_generator() = default;
    step next_step(symbol_state& s);
    void emit_random(stream_state& st, std::int64_t at, bool closed, std::vector<kline_update>& out);
    void emit_replay(stream_state& st, std::int64_t at, std::vector<kline_update>& out);
    void remember(stream_state& st, const kline_update& closed);

    generator_config config_;
    std::vector<symbol_state> symbols_;
    std::vector<stream_state> streams_;
    std::int64_t next_step_start_ = 0;
};

}  // namespace hft::exchange::sim
