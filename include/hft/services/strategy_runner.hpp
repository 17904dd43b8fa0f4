#pragma once

// `hft strategy`: every enabled strategy instance of config.yml on one io_context (DESIGN §2, §6).
//
// Per instance: the configured symbol is resolved to its canonical form through market_data's
// symbol_mappings; the tick and step come from params or from the exchange's public symbol rules. Its state is
// read from the JetStream KV bucket (key = strategy id); without one it starts fresh and warms its indicators up
// on the last warmup_klines closed candles of market_klines (never trading on them). Two durable pull consumers
// feed it, one message at a time, so klines and fills never interleave inside one step:
//   - `<durable_prefix><id>` on KLINE, filtered to exactly kline.data.<exchange>.<SYMBOL>.<interval>. A kline that
//     cannot be right (core::check_plausible: another market, a wrong span or grid, an open time outside
//     plausibility's window of now) is terminated with an error line, like an undecodable one. Only closed
//     klines drive it; one received longer than max_kline_age ago only feeds indicators (counted stale). For each
//     closed fresh kline: core::on_kline -> each order published as a place-order command on
//     order_engine.place_order, waiting for every JetStream ack -> state saved to KV (compare-and-set) -> kline
//     acked.
//   - `<durable_prefix><id>-updates` on ORDER_UPDATE, filtered to order_engine.order_update.<exchange>.<SYMBOL>.
//     Updates of this instance's orders move its positions through core::on_fill, by the increase of the
//     cumulative filled quantity over what the saved state already applied (apply_order_update), so a
//     redelivered or out-of-order update never counts twice. State saved, then the update acked.
//
// Crash safety: a crash anywhere before the ack re-evaluates the kline from the saved state, which yields the
// SAME order ids ("<id>-<open_time>-<n>"). The command's Nats-Msg-Id and request_id are that order id, so
// JetStream's duplicate window drops a republish and the order engine refuses a second order with that id.
// A failed publish or save is retried in place until it succeeds or the service stops (then the message is
// NAKed for the next process), so klines are evaluated strictly in order. A compare-and-set conflict (another
// process wrote the state) reloads the state and evaluates the message again against it.
//
// Blocking calls (KV get/put, fetches, PostgreSQL) run on app::blocking_lane threads, never on the io_context.

#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"
#include "hft/core/strategy.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/kline.hpp"
#include "hft/domain/order_record.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hft::services {

// ---- pure pieces, unit-tested ----

/// What the KV bucket holds for one instance: the strategy's state, and per open order the cumulative filled
/// quantity already applied to it (what makes fill application idempotent).
struct saved_strategy {
    core::strategy_state state;
    std::map<std::string, domain::decimal> applied_fills;
};

/// {"v":1,"state":{...codec::encode(state)...},"applied_fills":{"<order_id>":"<quantity>"}}
std::string encode(const saved_strategy& saved);
/// Refuses JSON that is not such an object, or a state that does not fit `config`, saying why.
expected<saved_strategy, std::string> decode_saved_strategy(const core::strategy_config& config, std::string_view json);

/// Feeds closed klines newer than the state's last one into its indicators only (sma_cross's averages and
/// their relation; grids have none) and advances last_open_time: never an order, never a position change.
/// Used for the warm-up and for stale klines.
expected<void, domain::decimal_error> warm_up(const core::strategy_config& config, core::strategy_state& state,
                                              std::span<const domain::kline> klines);

/// Whether a kline received at `received_ns` (wall clock) is too old at `now_ns` to trade on; a zero
/// `max_age` means no limit.
bool is_stale(std::int64_t received_ns, std::int64_t now_ns, std::chrono::milliseconds max_age) noexcept;

/// The open time an order id of `strategy_id` carries ("<id>-<open_time>-<n>"); nullopt for other ids.
std::optional<std::int64_t> order_kline_open_time(std::string_view strategy_id, std::string_view order_id) noexcept;

enum class update_effect {
    applied,          ///< a fill increase or the order's close reached the strategy: save the state
    nothing_new,      ///< already applied (a redelivery or an older update): ack
    not_ours,         ///< another strategy's order, or one this state no longer has open: ack
    not_yet_decided,  ///< an order of a kline this state has not evaluated yet (it will be): redeliver later
};

/// Applies an order update to `saved`: the increase of the order's cumulative filled quantity over what was
/// applied before, priced by the update's fill when it covers exactly that increase (else the average fill
/// price), and the order's close when it reached a terminal status. On an arithmetic error `saved` is unchanged.
expected<update_effect, domain::decimal_error> apply_order_update(const core::strategy_config& config,
                                                                  saved_strategy& saved,
                                                                  const domain::order_update& update);

// ---- the service ----

/// Counters since start, all instances together.
struct strategy_stats {
    std::uint64_t klines_evaluated = 0;
    std::uint64_t klines_not_closed = 0;
    std::uint64_t klines_stale = 0;    ///< older than max_kline_age, or not after the last evaluated one
    std::uint64_t orders_published = 0;  ///< acked by JetStream (duplicates of a re-evaluation included)
    std::uint64_t duplicate_orders = 0;  ///< of those, dropped by the duplicate window
    std::uint64_t fills_applied = 0;
    std::uint64_t updates_ignored = 0;
};

class strategy_runner {
public:
    /// `cfg` supplies strategies, strategy (service tuning), nats_jetstream, database.market_data, exchanges and
    /// graceful_shutdown_timeout. `bus` must outlive the runner.
    strategy_runner(boost::asio::any_io_executor executor, bus::connection& bus, const app::config& cfg);
    ~strategy_runner();
    strategy_runner(const strategy_runner&) = delete;
    strategy_runner& operator=(const strategy_runner&) = delete;

    /// Sets up every enabled instance (a config problem throws app::config_error; NATS or PostgreSQL being
    /// unreachable is retried), then runs them until stop(). After stop() each instance finishes the message
    /// in hand (published, saved, acked) and run() returns.
    boost::asio::awaitable<void> run();

    /// Stops intake. Call on the executor.
    void stop();

    strategy_stats stats() const;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace hft::services
