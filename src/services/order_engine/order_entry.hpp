#pragma once

// Order entry: a new order is validated, checked against the filters and every risk scope, committed as
// PENDING_NEW and only then sent, once, over the account's order-entry connection; what the exchange answered
// decides its next status. Cancels go out over the same connection. Queuing a command for the consumer
// (submit) validates it the same way first.

#include "engine_state.hpp"
#include "status_sync.hpp"

#include "hft/core/risk.hpp"
#include "hft/core/symbol_rules.hpp"
#include "hft/domain/order.hpp"

#include <map>
#include <string>
#include <vector>

namespace hft::services::order_engine_detail {

// Whether placing an order the exchange reports executions for fetches them before returning (the HTTP API answers
// with them) or leaves them to status_sync::executions_loop (the command consumer: the next command does not wait
// for them).
enum class executions { fetch_now, fetch_later };

class order_entry {
public:
    // Throws app::config_error naming a risk limit that is not one.
    order_entry(engine_state& state, status_sync& sync);

    asio::awaitable<order_result<domain::order_record>> place(domain::place_order_command command, executions then);
    asio::awaitable<order_result<void>> submit(domain::place_order_command command);
    asio::awaitable<order_result<domain::order_record>> cancel(domain::cancel_order_command command);

    // Opens order entry's PostgreSQL connections ahead of the first order.
    asio::awaitable<void> open_connections();

private:
    struct risk_scope;
    struct entry_decision;

    asio::awaitable<order_result<domain::order_record>> refuse(domain::order_record order, order_error refusal);
    asio::awaitable<order_result<domain::order_record>> send(domain::order_record order, account* acct,
                                                             domain::symbol_mapping market,
                                                             steady::time_point taken_up, executions then,
                                                             connection_lock entry_held);
    std::vector<risk_scope> risk_scopes(const domain::place_order_command& command) const;
    entry_decision decide_entry(const domain::place_order_command& command, domain::order_record order,
                                const core::symbol_rules& rules, const std::vector<risk_scope>& scopes,
                                core::trading_state state);
    expected<void, order_error> check_risk(const domain::place_order_command& command, const domain::decimal& price,
                                           const std::string& symbol, const std::vector<risk_scope>& scopes,
                                           core::trading_state state);
    core::order_rate_limiter* limiter(const std::string& scope, const core::risk_limits& limits);
    asio::awaitable<bus::publish_result> publish_and_wait(std::string subject, std::string payload, std::string msg_id);

    engine_state& state_;
    status_sync& sync_;
    core::risk_limits default_limits_;
    std::map<std::string, core::risk_limits> user_limits_;
    std::map<std::string, core::risk_limits> strategy_limits_;
    std::map<std::string, core::order_rate_limiter> limiters_;  // only decide_entry touches them, on entry_db.lane
};

}  // namespace hft::services::order_engine_detail
