// Reconciliation: the start-up pass over every open order (also how an engine taking over from another one learns
// what it left), and the orders whose send may or may not have reached the exchange. Such an order is never sent
// again: it is looked up by its client id, adopted when the exchange has it, and declared never placed only once
// no request for it can still be accepted (never_reached_exchange).

#include "status_sync.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace hft::services::order_engine_detail {
namespace {

using domain::order_record;
using domain::order_status;

constexpr std::int64_t find_lookback_ms = 60'000;  // clock skew allowance when listing orders since created_at

}  // namespace

// Every non-terminal order is brought in line with the exchange before the engine reports ready, waiting out a
// PostgreSQL outage. An order the exchange cannot be asked about now stays for the poll loop.
asio::awaitable<bool> status_sync::reconcile() {
    bool reported = false;
    retry_.reset();
    while (!state_.stopping) {
        if (co_await poll_once(true)) co_return true;
        if (!std::exchange(reported, true)) {
            spdlog::warn("cannot reconcile open orders: PostgreSQL at {} is unreachable; retrying",
                         state_.sync_db.orders.target());
        }
        co_await state_.pause(timer_, retry_.next());
    }
    co_return false;
}

asio::awaitable<order_record> status_sync::resolve(order_record order, account& acct, std::string order_symbol,
                                                   store::fill_market assets) {
    looked_up_[order.order_id] = steady::now();
    const auto found = co_await exclusive(
        acct.queries, acct.client.find_by_client_id(order_symbol, order.client_order_id,
                                                    order.created_at - find_lookback_ms));
    if (!found) co_return order;
    if (!*found) {
        // Without sent_at the send never started (and cannot start now without winning the version race).
        const auto signed_by = order.sent_at.value_or(order.created_at);
        const auto recv_window_ms = state_.accounts.configured().at(order.exchange).recv_window_ms;
        if (!never_reached_exchange(signed_by, now_ms(), std::chrono::milliseconds{recv_window_ms})) {
            co_return order;
        }
        looked_up_.erase(order.order_id);
        ++state_.counters.resolved;
        store::order_transition never_placed{order_status::rejected, std::nullopt,
                    fmt::format("never reached the exchange: {} has no order with client id {} and its send window "
                                "(recvWindow {} ms) has closed, so nothing was placed; send it again with a new "
                                "order_id",
                                order.exchange, order.client_order_id, recv_window_ms),
                    std::nullopt, std::nullopt, "never_placed"};
        const auto rejected = co_await state_.transition(state_.sync_db, order, std::move(never_placed));
        if (!rejected) co_return co_await state_.latest(state_.sync_db, std::move(order));
        co_return *rejected;
    }
    looked_up_.erase(order.order_id);
    ++state_.counters.resolved;
    const auto& answer = **found;
    store::order_transition adopted{acknowledged_status(answer), std::to_string(answer.order_id), std::nullopt,
                                    std::nullopt, now_ms(), "resolved"};
    auto resolved = co_await state_.transition(state_.sync_db, order, std::move(adopted));
    if (!resolved) co_return co_await state_.latest(state_.sync_db, std::move(order));
    co_return co_await apply(std::move(*resolved), acct, std::move(order_symbol), assets, answer);
}

}  // namespace hft::services::order_engine_detail
