#include "engine_state.hpp"

#include "hft/bus/subjects.hpp"
#include "hft/codec/order_update.hpp"
#include "hft/store/market_data_repository.hpp"

#include <spdlog/spdlog.h>

namespace hft::services::order_engine_detail {
namespace {

using namespace std::chrono_literals;
constexpr auto mappings_reload_min = 5s;  // an unknown symbol re-reads symbol_mappings at most this often

}  // namespace

engine_state::engine_state(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg)
    : executor(executor_),
      bus(bus_),
      settings(cfg.order_engine_gateway),
      accounts(executor_, cfg.exchanges),
      entry_db(cfg),
      sync_db(cfg),
      publisher(bus_) {}

asio::awaitable<std::optional<domain::symbol_mapping>> engine_state::mapping_for(databases& on, std::string exchange,
                                                                                 std::string text) {
    auto found = resolve_symbol(mappings_, exchange, text);
    if (found || (mappings_loaded_ && steady::now() - *mappings_loaded_ < mappings_reload_min)) co_return found;
    mappings_ = co_await on.lane.run([&on] {
        return on.market.run([](pqxx::connection& connection) {
            pqxx::read_transaction tx{connection};
            return store::load_symbol_mappings(tx);
        });
    });
    mappings_loaded_ = steady::now();
    co_return resolve_symbol(mappings_, exchange, text);
}

asio::awaitable<void> engine_state::refresh_trading_states(databases& on, bool force) {
    if (!force && states_loaded_ && steady::now() - *states_loaded_ < settings.trading_state_refresh) co_return;
    const auto rows = co_await db(on, [](pqxx::connection& c) { return store::load_trading_states(c); });
    states_.clear();
    for (const auto& row : rows) states_.push_back({row.scope, row.state, row.reason, row.updated_by, row.updated_at});
    states_loaded_ = steady::now();
}

void engine_state::publish_update(const domain::order_record& order, std::optional<domain::fill> fill) {
    const domain::order_update update{order, std::move(fill)};
    const auto msg_id = order.order_id + "." + std::to_string(order.version);
    publisher.publish(bus::order_update_subject(order.exchange, order.symbol), codec::encode(update), msg_id,
                      [self = shared_from_this(), msg_id](bus::publish_result result) {
                          if (result.ok()) {
                              ++self->counters.updates_published;
                          } else {
                              // The row is committed; consumers that missed this update read the order's next one.
                              spdlog::warn("order update {} not published: {}", msg_id, result.error);
                          }
                      });
}

// Commits `change` and publishes the result; nullopt when another writer moved the order first (nothing changed:
// the caller decides again on the order as it is now, see latest()).
asio::awaitable<std::optional<domain::order_record>> engine_state::transition(databases& on,
                                                                              domain::order_record current,
                                                                              store::order_transition change) {
    auto updated = co_await db(on, [&](pqxx::connection& c) {
        return store::transition_order(c, current.order_id, current.version, change);
    });
    if (updated && updated->status != current.status) metrics.orders(updated->status).inc();
    if (updated) publish_update(*updated, std::nullopt);
    co_return updated;
}

// The order as stored now (`order` itself if it vanished, which only a manual DELETE could do).
asio::awaitable<domain::order_record> engine_state::latest(databases& on, domain::order_record order) {
    auto stored = co_await db(on, [&](pqxx::connection& c) { return store::find_order(c, order.order_id); });
    if (!stored) co_return order;
    co_return std::move(*stored);
}

asio::awaitable<void> engine_state::pause(asio::steady_timer& timer, std::chrono::milliseconds delay) {
    if (stopping) co_return;
    timer.expires_after(delay);
    co_await timer.async_wait(as_tuple_awaitable);
}

}  // namespace hft::services::order_engine_detail
