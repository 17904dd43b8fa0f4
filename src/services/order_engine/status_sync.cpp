#include "status_sync.hpp"

#include "hft/core/order_lifecycle.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

namespace hft::services::order_engine_detail {
namespace {

using namespace std::chrono_literals;
using domain::order_record;
using domain::order_status;

domain::fill fill_of(const tk::exchange_trade& trade) {
    return {trade.trade_id, trade.price, trade.quantity, trade.fee, trade.fee_asset, trade.is_maker, trade.time};
}

}  // namespace

order_status acknowledged_status(const tk::exchange_order& answer) {
    if (answer.executed_quantity.is_zero() && answer.status != order_status::filled) return answer.status;
    return order_status::new_;
}

status_sync::status_sync(engine_state& state)
    : state_(state),
      executions_signal_(state.executor),
      timer_(state.executor),
      retry_({200ms, 10s, 2.0}, std::random_device{}()) {}

asio::awaitable<order_record> status_sync::sync(order_record order) {
    auto acct = state_.accounts.of(order.exchange, order.user_id);
    if (!acct) {
        spdlog::warn("cannot sync order {}: {}", order.order_id, acct.error().message);
        co_return order;
    }
    const auto market = co_await state_.mapping_for(state_.sync_db, order.exchange, order.symbol);
    if (!market) {
        spdlog::warn("cannot sync order {}: symbol {} is not in symbol_mappings", order.order_id, order.symbol);
        co_return order;
    }
    const auto rules = co_await rules_of(**acct, market->order_symbol);
    if (!rules) co_return order;
    const store::fill_market assets{rules->base_asset, rules->quote_asset};

    if (!order.exchange_order_id) co_return co_await resolve(std::move(order), **acct, market->order_symbol, assets);
    const auto asked = steady::now();
    auto answer = co_await exclusive((*acct)->queries, (*acct)->client.query_order(market->order_symbol,
                                                                        std::stoll(*order.exchange_order_id)));
    state_.metrics.query_order.observe(steady::now() - asked);
    if (!answer) co_return order;
    co_return co_await apply(std::move(order), **acct, market->order_symbol, assets, std::move(*answer));
}

// Records the fills the exchange reports beyond what is recorded, then the status; FILLED waits for its trades.
asio::awaitable<order_record> status_sync::apply(order_record order, account& acct, std::string order_symbol,
                                                 store::fill_market market, tk::exchange_order answer) {
    if (answer.executed_quantity > order.filled_quantity) {
        auto trades = co_await exclusive(acct.queries, acct.client.trades(order_symbol, answer.order_id));
        if (trades) {
            std::vector<tk::exchange_trade> in_order = *std::move(trades);
            std::sort(in_order.begin(), in_order.end(),
                      [](const tk::exchange_trade& a, const tk::exchange_trade& b) { return a.time < b.time; });
            for (const auto& trade : in_order) {
                const auto fill = fill_of(trade);
                auto outcome = co_await state_.db(state_.sync_db, [&](pqxx::connection& c) {
                    return store::record_fill(c, order.order_id, fill, market);
                });
                const auto before = order.status;
                order = std::move(outcome.order);
                if (!outcome.recorded) continue;
                ++state_.counters.fills;
                state_.metrics.fills.inc();
                if (order.status != before) state_.metrics.orders(order.status).inc();
                if (outcome.note) spdlog::warn("order {} fill {}: {}", order.order_id, fill.trade_id, *outcome.note);
                state_.publish_update(order, fill);
            }
        }
    }
    const auto next = core::advance({order.status, order.filled_quantity}, order.quantity,
                                    {answer.status, order.filled_quantity});
    if (!next) {
        spdlog::debug("order {}: {}; waiting for the next report", order.order_id, next.error());
        co_return order;
    }
    if (!next->has_value()) co_return order;
    store::order_transition reported{(*next)->status, std::nullopt, std::nullopt, std::nullopt, std::nullopt, "status"};
    auto moved = co_await state_.transition(state_.sync_db, order, std::move(reported));
    if (!moved) co_return co_await state_.latest(state_.sync_db, std::move(order));
    co_return std::move(*moved);
}

asio::awaitable<bool> status_sync::poll_once(bool everything) {
    try {
        co_await state_.refresh_trading_states(state_.sync_db, false);
        const auto open =
            co_await state_.db(state_.sync_db, [](pqxx::connection& c) { return store::list_open_orders(c); });
        for (auto& order : open) {
            if (state_.stopping) break;
            if (state_.sending.contains(order.order_id)) continue;
            if (!everything && !order.exchange_order_id) {
                const auto last = looked_up_.find(order.order_id);
                if (last != looked_up_.end() && steady::now() - last->second < state_.settings.unknown_retry) continue;
            }
            co_await sync(order);
        }
        co_return true;
    } catch (const store::database_unavailable& e) {
        if (std::exchange(state_.database_ok, false)) spdlog::warn("status sync paused: {}", e.what());
    } catch (const std::exception& e) {
        spdlog::error("status sync failed: {}", e.what());
    }
    co_return false;
}

asio::awaitable<void> status_sync::poll_loop() {
    while (!state_.stopping) {
        co_await state_.pause(timer_, state_.settings.poll_interval);
        if (state_.stopping) break;
        co_await poll_once(false);
        co_await state_.accounts.refresh_due_rules();
        co_await state_.accounts.keep_entries_warm();
    }
}

void status_sync::fetch_executions_later(order_record order) {
    executions_due_.push_back(std::move(order));
    executions_signal_.cancel();
}

// An order left when this stops is the poll loop's (and the next start's reconciliation's).
asio::awaitable<void> status_sync::executions_loop() {
    while (!state_.stopping) {
        if (executions_due_.empty()) {
            executions_signal_.expires_at(steady::time_point::max());
            co_await executions_signal_.async_wait(as_tuple_awaitable);
            continue;
        }
        auto order = std::move(executions_due_.front());
        executions_due_.pop_front();
        const auto order_id = order.order_id;
        try {
            co_await sync(std::move(order));
        } catch (const store::database_unavailable& e) {
            if (std::exchange(state_.database_ok, false)) {
                spdlog::warn("executions of order {} wait for the poll: {}", order_id, e.what());
            }
        } catch (const std::exception& e) {
            spdlog::error("fetching the executions of order {} failed: {}", order_id, e.what());
        }
    }
}

void status_sync::stop() {
    timer_.cancel();
    executions_signal_.cancel();
}

}  // namespace hft::services::order_engine_detail
