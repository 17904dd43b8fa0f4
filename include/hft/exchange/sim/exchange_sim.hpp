#pragma once

// `hft exchange-sim`: a local exchange speaking Binance's market-data websocket and Tokocrypto's REST shapes on
// one port. The market data comes from market_data_generator driven by a sim_clock; this class adds the
// sockets, subscriptions, REST routes and fault injection. Issue 4 adds trading routes through routes().

#include "hft/exchange/sim/market_data.hpp"
#include "hft/exchange/sim/trading.hpp"
#include "hft/net/http.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace hft::exchange::sim {

struct sim_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0 picks a free port
    std::vector<std::string> symbols{"BTCUSDT"};
    std::vector<std::string> intervals{"1m"};
    /// CSV files to replay; each applies to the symbol named in its file name (`-BTCUSDT-`), served as 1m only.
    std::vector<std::string> replay_files;
    std::uint64_t seed = 1;
    std::int64_t speed_milli = 1000;  ///< market time runs speed_milli/1000 times faster than the wall clock
    std::optional<std::int64_t> start_time_ms;  ///< market time at start; default: the wall clock
    std::chrono::milliseconds drop_every{0};   ///< close every websocket abruptly this often (wall time); 0 = never
    std::chrono::milliseconds stall_every{0};  ///< go silent this often (wall time); 0 = never
    std::chrono::milliseconds stall_for{0};    ///< for this long
    std::uint32_t malformed_per_million = 0;   ///< share of kline frames replaced by malformed ones
    std::chrono::milliseconds ping_interval{20'000};  ///< Binance: a ping every 20 s...
    std::chrono::milliseconds pong_timeout{60'000};   ///< ...and a disconnect after 1 min without a pong
    std::chrono::milliseconds tick{10};               ///< how often (wall time) the generator is advanced
    std::size_t max_connections = 256;
    /// An HTTP keep-alive connection idle this long (or a request taking this long to arrive) is closed.
    std::chrono::milliseconds http_idle_timeout{30'000};
    std::size_t queue_limit = 4096;  ///< frames queued per websocket before it counts as a slow consumer
    /// Trading accounts; none means default_paper_account().
    std::vector<account_spec> accounts;
    fee_schedule fees;
    liquidity_config liquidity;
    client_id_uniqueness client_ids = client_id_uniqueness::unchecked;
    /// Trading endpoints' faults, each a share in parts per million of the requests it applies to:
    std::uint32_t server_error_per_million = 0;  ///< 503 before anything happens
    std::uint32_t rate_limit_per_million = 0;    ///< 429 with Retry-After before anything happens
    std::chrono::seconds retry_after{1};
    std::uint32_t slow_per_million = 0;          ///< the answer comes after slow_for
    std::chrono::milliseconds slow_for{0};
    std::uint32_t lost_answer_per_million = 0;   ///< POSTs: done, then the connection closes without an answer
    std::function<void(std::string_view)> on_warning;  ///< unexpected I/O failures; null ignores them
};

/// Parses `--malformed-rate` ("0.01") into parts per million.
expected<std::uint32_t, std::string> parse_rate_per_million(std::string_view text);

/// The symbol named in a replay file name: the `-`-separated token that is one of `symbols`.
expected<std::string, std::string> replay_symbol_for(std::string_view path, const std::vector<std::string>& symbols);

/// Splits "BTCUSDT" into base and quote by a known quote asset (USDT, USDC, BIDR, IDR, BTC, ...).
std::optional<std::pair<std::string, std::string>> split_symbol(std::string_view symbol);

class exchange_sim {
public:
    /// Loads replay files and validates options; throws std::invalid_argument with a readable message.
    exchange_sim(boost::asio::io_context& ioc, sim_options options);
    ~exchange_sim();
    exchange_sim(const exchange_sim&) = delete;
    exchange_sim& operator=(const exchange_sim&) = delete;

    /// Binds and starts the clock, the market data and the fault timers.
    void start();
    /// Sends serverShutdown on every websocket, closes them with going_away and stops all timers; the
    /// io_context runs out of work once the peers have answered (or the close handshake timed out).
    void stop();

    std::uint16_t port() const noexcept;
    /// Open HTTP and websocket connections; after stop(), zero means the close handshakes are done.
    std::size_t connection_count() const noexcept;
    /// Current market time of the sim clock.
    std::int64_t market_time_ms() const;
    /// The latest simulated price of a symbol, in 10^-8 units (for the trading side of issue 4).
    std::optional<std::int64_t> last_price(std::string_view symbol);
    /// One line for the start-up log: where it listens, symbols, intervals, sources, speed, faults.
    std::string describe() const;
    /// Extra HTTP routes; add them before start().
    net::router& routes();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::exchange::sim
