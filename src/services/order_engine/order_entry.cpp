#include "order_entry.hpp"

#include "errors.hpp"

#include "hft/bus/subjects.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/store/market_data_repository.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace hft::services::order_engine_detail {
namespace {

using domain::order_record;
using domain::order_status;

// A request_id or order_id already known: the answer carries the order as it is. An order_id names one order for
// good, refused ones included: its record and published updates already say what became of it, and its client
// order id is spent. So a corrected order that reuses it is told to take a new one.
order_error duplicate_of(std::string_view request_id, order_record existing) {
    std::string message = "request_id or order_id is already known; the existing order is returned";
    if (existing.request_id != request_id) {
        message = fmt::format("order_id \"{}\" is already taken by request \"{}\" ({}{}); a new or corrected order "
                              "needs a new order_id (or none: it defaults to the request_id)",
                              existing.order_id, existing.request_id, domain::to_string(existing.status),
                              existing.reason ? ": " + *existing.reason : std::string());
    }
    return order_error{order_error_kind::duplicate, "DUPLICATE_ORDER", std::move(message), std::move(existing)};
}

// An exchange failure where the caller waits for an answer: refused for good names the exchange's reason,
// anything else is temporary.
order_error exchange_error(const tk::api_failure& failure, std::string_view doing) {
    if (failure.kind == tk::failure_kind::rejected) {
        return error_of(order_error_kind::invalid_request, "EXCHANGE_REJECTED",
                        fmt::format("the exchange refused {}: {}", doing, failure.describe()));
    }
    auto error = unavailable(fmt::format("the exchange did not answer {}: {}", doing, failure.describe()));
    if (failure.kind == tk::failure_kind::rate_limited) error.retry_after = failure.retry_after;
    return error;
}

// A command breaking a domain rule, named by its field.
order_error invalid_field(const domain::field_error& broken) {
    return error_of(order_error_kind::invalid_request, "INVALID_FIELD", domain::to_string(broken));
}

order_error expired(std::int64_t expires_at) {
    return error_of(order_error_kind::invalid_request, "ORDER_EXPIRED",
                    fmt::format("expires_at {} has passed; send a new order with a later expires_at", expires_at));
}

// Declined before anything is committed or sent: the exchange rate-limits the account for `wait` more.
order_error rate_limited(std::chrono::milliseconds wait) {
    auto error = error_of(order_error_kind::unavailable, "RATE_LIMITED",
                          fmt::format("the exchange rate-limited this account; nothing was sent, retry after {} s",
                                      std::chrono::ceil<std::chrono::seconds>(wait).count()));
    error.retry_after = wait;
    return error;
}

}  // namespace

// A scope an order's risk is checked in, with its limits; `strategy` narrows the book to that strategy's orders.
struct order_entry::risk_scope {
    std::string name;
    const core::risk_limits* limits;
    std::optional<std::string> strategy;
};

// What deciding on a new order came to: exactly one of the three is set.
struct order_entry::entry_decision {
    std::optional<order_record> duplicate;  // an order with this request_id or order_id exists: nothing more happens
    std::optional<order_error> refusal;     // a filter or a risk limit refuses it: record it as REJECTED
    std::optional<order_record> pending;    // committed as PENDING_NEW with sent_at: send it now
};

order_entry::order_entry(engine_state& state, status_sync& sync)
    : state_(state),
      sync_(sync),
      default_limits_(parse_risk_limits(state.settings.risk, "order_engine_gateway.risk")) {
    for (const auto& [user, limits] : state.settings.user_risk) {
        user_limits_.emplace(user, parse_risk_limits(limits, "order_engine_gateway.risk_users." + user));
    }
    for (const auto& [strategy, limits] : state.settings.strategy_risk) {
        strategy_limits_.emplace(strategy, parse_risk_limits(limits, "order_engine_gateway.risk_strategies." + strategy));
    }
}

core::order_rate_limiter* order_entry::limiter(const std::string& scope, const core::risk_limits& limits) {
    if (limits.orders_per_second <= 0) return nullptr;
    return &limiters_.try_emplace(scope, limits.orders_per_second, limits.order_burst).first->second;
}

// The user's limits (their own, else the default), then the strategy's when it has its own.
std::vector<order_entry::risk_scope> order_entry::risk_scopes(const domain::place_order_command& command) const {
    std::vector<risk_scope> scopes;
    const auto own = user_limits_.find(command.user_id);
    scopes.push_back(
        {"user:" + command.user_id, own == user_limits_.end() ? &default_limits_ : &own->second, std::nullopt});
    if (command.strategy_id) {
        if (const auto s = strategy_limits_.find(*command.strategy_id); s != strategy_limits_.end()) {
            scopes.push_back({"strategy:" + *command.strategy_id, &s->second, command.strategy_id});
        }
    }
    return scopes;
}

// Runs on the order-entry lane, which alone touches limiters_ and entry_db: the duplicate check, the filters, every
// risk scope against its book and, when all pass, the PENDING_NEW row with sent_at, in one trip from the io_context.
// The caller holds the account's order-entry lock, so sent_at bounds the request's timestamp (see send()).
order_entry::entry_decision order_entry::decide_entry(const domain::place_order_command& command, order_record order,
                                                      const core::symbol_rules& rules,
                                                      const std::vector<risk_scope>& scopes,
                                                      core::trading_state state) {
    entry_decision decided;
    decided.duplicate = state_.entry_db.orders.run([&](pqxx::connection& c) {
        return store::find_duplicate(c, command.request_id, command.order_id);
    });
    if (decided.duplicate) return decided;
    std::optional<domain::decimal> reference;  // what a MARKET order is valued at: the last closed close
    if (command.type == domain::order_type::market) {
        reference = state_.entry_db.market.run([&](pqxx::connection& c) {
            pqxx::nontransaction tx{c};  // one statement, no BEGIN/ROLLBACK round trips
            return store::last_closed_price(tx, command.exchange, order.symbol);
        });
    }
    if (const auto fits = core::check_filters(rules, command.type, command.price, command.quantity, reference); !fits) {
        decided.refusal = error_of(order_error_kind::filter_failed, "FILTER_FAILED",
                                   fits.error().message + "; round the price to tickSize and the quantity to stepSize");
        return decided;
    }
    const auto price = command.price ? *command.price : reference.value_or(domain::decimal{});
    if (auto allowed = check_risk(command, price, order.symbol, scopes, state); !allowed) {
        decided.refusal = std::move(allowed.error());
        return decided;
    }
    order.sent_at = now_ms();
    auto stored =
        state_.entry_db.orders.run([&](pqxx::connection& c) { return store::insert_pending_order(c, order); });
    (stored.inserted ? decided.pending : decided.duplicate) = std::move(stored.order);
    return decided;
}

// Each scope's limits against its book, read now (on the order-entry lane, see decide_entry).
expected<void, order_error> order_entry::check_risk(const domain::place_order_command& command,
                                                    const domain::decimal& price, const std::string& symbol,
                                                    const std::vector<risk_scope>& scopes, core::trading_state state) {
    const core::risk_order order{command.side, command.quantity, price};
    for (const auto& checked : scopes) {
        if (command.type == domain::order_type::market && price.is_zero() && checked.limits->max_order_notional) {
            return unexpected(error_of(order_error_kind::risk_rejected, "NO_REFERENCE_PRICE",
                                       "a MARKET order cannot be valued against max_order_notional: no closed 1m "
                                       "kline of " + symbol + " is stored; send a LIMIT order or start market data"));
        }
        auto book = state_.entry_db.orders.run([&](pqxx::connection& c) {
            return store::load_exposure(c, command.user_id, command.exchange, symbol, checked.strategy);
        });
        book.state = state;
        const auto verdict = core::check_risk(*checked.limits, book, order, limiter(checked.name, *checked.limits), now_ms());
        if (!verdict) {
            return unexpected(error_of(order_error_kind::risk_rejected, verdict.error().code,
                                       verdict.error().message + " (" + checked.name + ")"));
        }
    }
    return {};
}

asio::awaitable<bus::publish_result> order_entry::publish_and_wait(std::string subject, std::string payload,
                                                                   std::string msg_id) {
    auto done = std::make_shared<std::optional<bus::publish_result>>();
    auto timer = std::make_shared<asio::steady_timer>(state_.executor, steady::time_point::max());
    state_.publisher.publish(subject, payload, msg_id, [done, timer](bus::publish_result result) {
        *done = std::move(result);
        timer->cancel();
    });
    if (!done->has_value()) co_await timer->async_wait(as_tuple_awaitable);
    co_return std::move(**done);
}

asio::awaitable<order_result<order_record>> order_entry::place(domain::place_order_command command, executions then) {
    const auto taken_up = steady::now();
    if (const auto valid = domain::validate(command); !valid) {
        co_return unexpected(invalid_field(valid.error()));
    }
    auto acct = state_.accounts.of(command.exchange, command.user_id);
    if (!acct) co_return unexpected(acct.error());
    try {
        // A command that waited past its expiry (a redelivery after an outage) must not trade on stale intent,
        // unless it was carried out before it expired (its ack lost, or its consumer created again): then it
        // is the duplicate it is.
        if (command.expires_at && *command.expires_at <= now_ms()) {
            if (auto existing = co_await state_.db(state_.entry_db, [&](pqxx::connection& c) {
                    return store::find_duplicate(c, command.request_id, command.order_id);
                })) {
                co_return unexpected(duplicate_of(command.request_id, std::move(*existing)));
            }
            co_return unexpected(expired(*command.expires_at));
        }
        const auto market = co_await state_.mapping_for(state_.entry_db, command.exchange, command.symbol);
        if (!market) {
            co_return unexpected(error_of(order_error_kind::unknown_symbol, "UNKNOWN_SYMBOL",
                                          fmt::format("symbol \"{}\" is in no form (canonical, stream or order) of {}'s "
                                                      "symbol_mappings; use a mapped symbol or add its row",
                                                      command.symbol, command.exchange)));
        }
        const auto rules = co_await rules_of(**acct, market->order_symbol);
        if (!rules) {
            if (rules.error().kind != tk::failure_kind::rejected) co_return unexpected(exchange_error(rules.error(), "the symbol rules"));
            co_return unexpected(error_of(order_error_kind::unknown_symbol, "UNKNOWN_SYMBOL",
                                          fmt::format("{} does not list {}: {}", command.exchange, market->order_symbol,
                                                      rules.error().describe())));
        }
        order_record order;
        order.order_id = command.order_id;
        order.request_id = command.request_id;
        order.client_order_id = tk::client_order_id(command.order_id);
        order.user_id = command.user_id;
        order.strategy_id = command.strategy_id;
        order.exchange = command.exchange;
        order.symbol = market->symbol;
        order.side = command.side;
        order.type = command.type;
        order.time_in_force = command.time_in_force;
        order.price = command.price;
        order.quantity = command.quantity;
        order.source = command.source;
        order.requested_at = command.requested_at;
        order.expires_at = command.expires_at;

        if (const auto wait = (*acct)->client.backoff_remaining(); wait.count() > 0) {
            co_return unexpected(rate_limited(wait));
        }
        co_await state_.refresh_trading_states(state_.entry_db, false);
        const auto state = effective_trading_state(state_.trading_states(), command.user_id, command.strategy_id);
        const auto scopes = risk_scopes(command);
        auto held = co_await acquire((*acct)->entry);
        auto decided =
            co_await state_.entry_db.lane.run([&] { return decide_entry(command, order, *rules, scopes, state); });
        state_.database_ok = true;
        if (decided.duplicate) co_return unexpected(duplicate_of(command.request_id, std::move(*decided.duplicate)));
        if (decided.refusal) {
            { const auto released = std::move(held); }
            if (decided.refusal->kind == order_error_kind::risk_rejected) {
                ++state_.counters.rejected;
                state_.metrics.risk_rejection(decided.refusal->code).inc();
            }
            co_return co_await refuse(std::move(order), std::move(*decided.refusal));
        }
        co_return co_await send(std::move(*decided.pending), *acct, *market, taken_up, then, std::move(held));
    } catch (const store::database_unavailable& e) {
        state_.database_ok = false;
        co_return unexpected(unavailable(e.what()));
    } catch (const std::exception& e) {
        spdlog::error("placing order {} failed: {}", command.order_id, e.what());
        co_return unexpected(unavailable("placing the order failed: " + std::string(e.what())));
    }
}

// A well-formed order refused before the exchange (a filter, a risk limit, the kill switch) is recorded as REJECTED
// with the refusal as its reason and published like any change, so its sender learns the outcome (a strategy frees
// the level it was holding for it) and a retry of the same request gets the same answer.
asio::awaitable<order_result<order_record>> order_entry::refuse(order_record order, order_error refusal) {
    auto stored = co_await state_.db(state_.entry_db,
                                     [&](pqxx::connection& c) { return store::insert_pending_order(c, order); });
    if (!stored.inserted) {
        co_return unexpected(duplicate_of(order.request_id, std::move(stored.order)));
    }
    state_.metrics.orders(order_status::pending_new).inc();
    store::order_transition change;
    change.status = domain::order_status::rejected;
    change.reason = refusal.code + ": " + refusal.message;
    change.event_type = "refused";
    refusal.existing = co_await state_.transition(state_.entry_db, std::move(stored.order), std::move(change));
    co_return unexpected(std::move(refusal));
}

// Sends an order committed as PENDING_NEW (decide_entry) once, under the account's order-entry lock (`entry_held`),
// then records what the exchange said. sent_at was taken under that lock and committed with the row, right before
// the request is signed: it bounds the request's timestamp (the never-placed rule of status sync relies on it), and
// nothing is signed that is not durable. Status sync leaves the order alone meanwhile, so an answer still on its way
// is never mistaken for "the exchange does not know it".
asio::awaitable<order_result<order_record>> order_entry::send(order_record order, account* acct,
                                                              domain::symbol_mapping market,
                                                              steady::time_point taken_up, executions then,
                                                              connection_lock entry_held) {
    std::optional<connection_lock> held{std::move(entry_held)};
    state_.metrics.orders(order_status::pending_new).inc();
    state_.publish_update(order, std::nullopt);
    state_.sending.insert(order.order_id);
    struct done_sending {
        std::set<std::string>& sending;
        std::string id;
        ~done_sending() { sending.erase(id); }
    } guard{state_.sending, order.order_id};

    tk::new_order request{market.order_symbol, order.side, order.type, order.price, order.quantity, order.time_in_force,
                          order.client_order_id};
    const auto sent_at = steady::now();
    state_.metrics.command_to_send.observe(sent_at - taken_up);
    auto answer = co_await acct->client.place_order(std::move(request));
    state_.metrics.new_order.observe(steady::now() - sent_at);
    held.reset();  // the connection is free for the next order while this one's outcome is committed
    store::order_transition change;
    if (answer) {
        ++state_.counters.placed;
        change.status = acknowledged_status(*answer);
        change.exchange_order_id = std::to_string(answer->order_id);
        change.acknowledged_at = now_ms();
        change.event_type = "acknowledged";
    } else if (answer.error().kind == tk::failure_kind::ambiguous) {
        ++state_.counters.unknown;
        change.status = order_status::unknown;
        change.reason = "outcome unknown (" + answer.error().describe() + "); resolving by client order id";
        change.event_type = "unknown";
    } else {
        ++state_.counters.rejected;
        change.status = order_status::rejected;
        change.reason = answer.error().kind == tk::failure_kind::rate_limited
                            ? fmt::format("not placed: the exchange's rate limit refused it ({}); send it again with a "
                                          "new order_id after {} s",
                                          answer.error().describe(), answer.error().retry_after.count())
                          : answer.error().kind == tk::failure_kind::not_sent
                            ? "not placed: the request never reached the exchange (" + answer.error().describe() +
                                  "); send it again with a new order_id"
                            : "the exchange refused it: " + answer.error().describe();
        change.event_type = "rejected";
    }
    auto updated = co_await state_.transition(state_.entry_db, order, change);
    if (!updated) co_return co_await state_.latest(state_.entry_db, std::move(order));
    const bool fills_pending = answer && !domain::is_terminal(updated->status) &&
                               (answer->status != order_status::new_ || answer->executed_quantity.is_positive());
    if (!fills_pending) co_return std::move(*updated);
    if (then == executions::fetch_now) co_return co_await sync_.sync(std::move(*updated));
    sync_.fetch_executions_later(*updated);
    co_return std::move(*updated);
}

asio::awaitable<order_result<void>> order_entry::submit(domain::place_order_command command) {
    if (const auto valid = domain::validate(command); !valid) {
        co_return unexpected(invalid_field(valid.error()));
    }
    if (command.expires_at && *command.expires_at <= now_ms()) co_return unexpected(expired(*command.expires_at));
    if (auto acct = state_.accounts.of(command.exchange, command.user_id); !acct) co_return unexpected(acct.error());
    try {
        if (!co_await state_.mapping_for(state_.sync_db, command.exchange, command.symbol)) {
            co_return unexpected(error_of(order_error_kind::unknown_symbol, "UNKNOWN_SYMBOL",
                                          fmt::format("symbol \"{}\" is in no form of {}'s symbol_mappings; use a mapped "
                                                      "symbol or add its row",
                                                      command.symbol, command.exchange)));
        }
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
    const auto published = co_await publish_and_wait(bus::place_order_subject(), codec::encode(command), command.order_id);
    if (!published.ok()) co_return unexpected(unavailable("the command was not queued: " + published.error));
    co_return order_result<void>{};
}

asio::awaitable<order_result<order_record>> order_entry::cancel(domain::cancel_order_command command) {
    if (const auto valid = domain::validate(command); !valid) {
        co_return unexpected(invalid_field(valid.error()));
    }
    try {
        auto order = co_await state_.db(state_.sync_db,
                                        [&](pqxx::connection& c) { return store::find_order(c, command.order_id); });
        if (!order || order->user_id != command.user_id) {
            co_return unexpected(error_of(order_error_kind::not_found, "ORDER_NOT_FOUND",
                                          fmt::format("no order \"{}\" of user \"{}\"; check the order_id", command.order_id,
                                                      command.user_id)));
        }
        // An order not yet acknowledged is first resolved by client id: it may exist on the exchange.
        if (!order->exchange_order_id && !domain::is_terminal(order->status)) {
            order = co_await sync_.sync(std::move(*order));
        }
        if (domain::is_terminal(order->status)) {
            co_return unexpected(order_error{order_error_kind::not_cancelable, "NOT_CANCELABLE",
                                             fmt::format("order {} is already {}", order->order_id,
                                                         domain::to_string(order->status)),
                                             std::move(order)});
        }
        if (!order->exchange_order_id) {
            co_return unexpected(unavailable("order " + order->order_id + " is not yet known to the exchange"));
        }
        auto acct = state_.accounts.of(order->exchange, order->user_id);
        if (!acct) co_return unexpected(acct.error());
        const auto market = co_await state_.mapping_for(state_.sync_db, order->exchange, order->symbol);
        if (!market) co_return unexpected(unavailable("symbol " + order->symbol + " left symbol_mappings"));
        const auto canceled = co_await exclusive(
            (*acct)->entry, (*acct)->client.cancel_order(market->order_symbol, std::stoll(*order->exchange_order_id)));
        // Refused (e.g. it filled meanwhile) or not: the exchange's view of the order decides what we record.
        if (!canceled && canceled.error().kind != tk::failure_kind::rejected) {
            co_return unexpected(exchange_error(canceled.error(), "the cancel"));
        }
        auto after = co_await sync_.sync(std::move(*order));
        if (!canceled && !domain::is_terminal(after.status)) co_return unexpected(exchange_error(canceled.error(), "the cancel"));
        co_return after;
    } catch (const store::database_unavailable& e) {
        state_.database_ok = false;
        co_return unexpected(unavailable(e.what()));
    } catch (const std::exception& e) {
        spdlog::error("canceling order {} failed: {}", command.order_id, e.what());
        co_return unexpected(unavailable("canceling the order failed: " + std::string(e.what())));
    }
}

// Order entry's PostgreSQL connections open before the engine reports ready, not on the first order: setting one
// up takes ~11 ms here, and the first orders of a run paid 40-120 ms for them and the first reads
// (docs/PERFORMANCE.md). Should PostgreSQL fail in between, the first order reconnects and reports it as usual.
asio::awaitable<void> order_entry::open_connections() {
    try {
        co_await state_.entry_db.lane.run([this] {
            state_.entry_db.orders.connection();
            state_.entry_db.market.connection();
        });
    } catch (const store::database_unavailable& e) {
        spdlog::warn("order entry's PostgreSQL connections are not open yet: {}; the first order retries", e.what());
    }
}

}  // namespace hft::services::order_engine_detail
