#pragma once

// Keeps every non-terminal order in line with the exchange: the poll loop asks for each open order's status and
// trades, records new fills once, moves the status and publishes each change. status_sync.cpp holds the polling
// and the fills; reconcile.cpp the start-up pass and the orders whose send may or may not have reached the
// exchange (PENDING_NEW, UNKNOWN), which are only ever looked up by client id.

#include "engine_state.hpp"

#include "hft/core/backoff.hpp"

#include <deque>
#include <map>

namespace hft::services::order_engine_detail {

// The status an exchange acknowledgement moves an unacknowledged order to before its fills are recorded: fills
// move it further (record_fill), and FILLED needs them first.
domain::order_status acknowledged_status(const tk::exchange_order& answer);

class status_sync {
public:
    explicit status_sync(engine_state& state);

    // Brings one non-terminal order in line with the exchange: an unacknowledged one is looked up by client id, an
    // acknowledged one is queried; new fills and the status are then recorded. Exchange trouble leaves the order as
    // it is for the next poll. Throws database_unavailable.
    asio::awaitable<domain::order_record> sync(domain::order_record order);
    // One pass over the open orders; false when the database was unreachable. Unacknowledged orders are looked up
    // at most every unknown_retry unless `everything`.
    asio::awaitable<bool> poll_once(bool everything);
    // Start-up: a pass over every open order, retried until the database answers; false when stopped first.
    asio::awaitable<bool> reconcile();
    asio::awaitable<void> poll_loop();

    // An answered order whose executions the exchange reported: executions_loop fetches them, one order at a time.
    void fetch_executions_later(domain::order_record order);
    asio::awaitable<void> executions_loop();

    void stop();

private:
    asio::awaitable<domain::order_record> resolve(domain::order_record order, account& acct, std::string order_symbol,
                                                  store::fill_market assets);
    asio::awaitable<domain::order_record> apply(domain::order_record order, account& acct, std::string order_symbol,
                                                store::fill_market market, tk::exchange_order answer);

    engine_state& state_;
    std::map<std::string, steady::time_point> looked_up_;  // unacknowledged orders: when last looked up by client id
    std::deque<domain::order_record> executions_due_;
    asio::steady_timer executions_signal_;
    asio::steady_timer timer_;  // the start-up pass's retries, then the poll interval
    core::backoff retry_;
};

}  // namespace hft::services::order_engine_detail
