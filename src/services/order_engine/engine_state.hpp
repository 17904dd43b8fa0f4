#pragma once

// What the order engine's parts (order entry, status sync, the command consumer) share: configuration, the
// exchange accounts, the databases, the symbol and trading-state caches, committing and publishing order changes,
// the counters and metrics. Everything runs on the engine's executor except the statements on the lanes.

#include "accounts.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/domain/order_record.hpp"
#include "hft/domain/symbol.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/services/order_engine.hpp"
#include "hft/store/database.hpp"
#include "hft/store/order_repository.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <pqxx/pqxx>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace hft::services::order_engine_detail {

using steady = std::chrono::steady_clock;
inline constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The engine's Prometheus series (process-lifetime objects in obs::default_registry()).
struct engine_metrics {
    // Looked up in the registry once per status, on first use (a status never reached adds no series).
    obs::counter& orders(domain::order_status status) {
        auto& slot = by_status[static_cast<std::size_t>(status)];
        if (slot == nullptr) {
            slot = &obs::default_registry().counter(
                "hft_orders_total", "Orders reaching a status (each order counts once per status it reaches)",
                {{"status", std::string(domain::to_string(status))}});
        }
        return *slot;
    }
    std::array<obs::counter*, static_cast<std::size_t>(domain::order_status::unknown) + 1> by_status{};
    obs::counter& risk_rejection(const std::string& code) {
        return obs::default_registry().counter("hft_order_risk_rejections_total",
                                               "Orders refused by a risk limit or the trading state, by code",
                                               {{"code", code}});
    }
    obs::counter& fills = obs::default_registry().counter("hft_order_fills_total", "Fills recorded (each trade once)");
    obs::histogram& command_to_send = obs::default_registry().histogram(
        "hft_order_command_to_send_seconds",
        "From an order command being taken up (JetStream or HTTP) to its request leaving for the exchange",
        obs::latency_buckets_seconds());
    obs::histogram& exchange_request(std::string_view endpoint) {
        return obs::default_registry().histogram("hft_exchange_request_seconds",
                                                  "Exchange REST round trip, by endpoint",
                                                  obs::latency_buckets_seconds(), {{"endpoint", std::string(endpoint)}});
    }
    obs::histogram& new_order = exchange_request("new_order");
    obs::histogram& query_order = exchange_request("query_order");
};

// A connection to each database and the lane that alone runs their statements (declared last, so it is joined
// before the connections close).
struct databases {
    explicit databases(const app::config& cfg)
        : orders(cfg.database.get("order_engine").dsn), market(cfg.database.get("market_data").dsn) {}
    store::database orders;
    store::database market;
    app::blocking_lane lane;
};

// The engine's impl derives from this, so a completion handler holding shared_from_this() keeps the whole engine
// alive until it has run.
struct engine_state : std::enable_shared_from_this<engine_state> {
    // Throws app::config_error (a database or an exchange base_url).
    engine_state(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg);

    // Runs `work(connection)` against order_engine on `on`'s lane; database_unavailable passes through.
    template <class F>
    asio::awaitable<std::invoke_result_t<F&, pqxx::connection&>> db(databases& on, F work) {
        auto result = co_await on.lane.run([&on, &work] { return on.orders.run(work); });
        database_ok = true;
        co_return result;
    }

    asio::awaitable<std::optional<domain::symbol_mapping>> mapping_for(databases& on, std::string exchange,
                                                                       std::string text);
    asio::awaitable<void> refresh_trading_states(databases& on, bool force);
    const std::vector<trading_state_entry>& trading_states() const { return states_; }

    void publish_update(const domain::order_record& order, std::optional<domain::fill> fill);
    asio::awaitable<std::optional<domain::order_record>> transition(databases& on, domain::order_record current,
                                                                    store::order_transition change);
    asio::awaitable<domain::order_record> latest(databases& on, domain::order_record order);

    // Waits `delay` on `timer` unless the engine is stopping; stop() cancels the timer to end it early.
    asio::awaitable<void> pause(asio::steady_timer& timer, std::chrono::milliseconds delay);

    asio::any_io_executor executor;
    bus::connection& bus;
    app::order_engine_gateway_config settings;
    exchange_accounts accounts;
    // Order entry (placing, refusing) has connections of its own, so a new order never queues behind the status
    // poller's statements; everything else uses sync_db. Both write orders version-checked, so neither can undo
    // the other's change.
    databases entry_db;
    databases sync_db;
    bus::publisher publisher;
    std::set<std::string> sending;  // orders a send is in progress for: status sync leaves them alone
    engine_metrics metrics;
    order_engine_stats counters;
    bool stopping = false;
    bool reconciled = false;
    bool database_ok = false;

private:
    std::vector<domain::symbol_mapping> mappings_;
    std::optional<steady::time_point> mappings_loaded_;
    std::vector<trading_state_entry> states_;
    std::optional<steady::time_point> states_loaded_;
};

}  // namespace hft::services::order_engine_detail
