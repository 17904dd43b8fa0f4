#pragma once

// The order engine behind `hft order-engine-gateway` (DESIGN §5, §6): validate, risk-check, persist as
// PENDING_NEW, then send; track every order until it is terminal; publish each committed change.
//
// Never twice on the exchange, whatever crashes where: the order row is committed before the request is
// signed, the exchange client id is derived from the order id (tokocrypto::client_order_id), and an order
// whose send may or may not have happened (PENDING_NEW after a restart, UNKNOWN after a timeout, a 5xx or a
// lost answer) is only ever looked up by that client id, never sent again. When the exchange has no order with
// that id, the order is declared REJECTED only once no request for it can still be accepted: every signed
// request carries its timestamp and the exchange refuses it after recvWindow, and sent_at is committed with the
// PENDING_NEW row (one commit, under the account's order-entry lock) right before the request is signed, so after
// sent_at + recv_window + unresolved_grace the exchange can no longer take it. An order is only ever signed by the
// call that inserted it, so no other process can send it again.
//
// Order entry has its own exchange connection and database connections: a new order never queues behind the
// status poller. Both paths write an order version-checked, so neither undoes the other's change.
//
// Commands arrive on ORDER_ENGINE (durable cfg.order_engine_gateway.durable): place and cancel. A message is
// acked only after its effect is committed; an undecodable or invalid one (and one the engine refuses for
// good) goes to the DLQ and is terminated; a transient failure is NAKed with a growing delay, and on its last
// delivery it is dead-lettered instead. A command declined only because the exchange rate-limits its account is
// held in process, kept alive with in-progress acks, until the limit has passed (or the command expired). Open
// orders are polled every poll_interval (the order, then its trades), new fills are recorded once, and each
// change is published on ORDER_UPDATE with Nats-Msg-Id <order_id>.<version> after its commit.

#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"
#include "hft/core/risk.hpp"
#include "hft/domain/symbol.hpp"
#include "hft/services/consumer_loop.hpp"
#include "hft/services/order_service.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::services {

// ---- the engine's decisions, pure so they are unit-tested ----

/// The mapping whose canonical, stream or order form is `text` (stream form case-insensitively) on `exchange`.
std::optional<domain::symbol_mapping> resolve_symbol(const std::vector<domain::symbol_mapping>& mappings,
                                                     std::string_view exchange, std::string_view text);

/// Limits as config wrote them, parsed; throws app::config_error naming `key` (e.g. order_engine_gateway.risk)
/// when a decimal is not one.
core::risk_limits parse_risk_limits(const app::risk_limits_config& limits, std::string_view key);

/// The strictest state among the global scope, "user:<user_id>" and (when given) "strategy:<strategy_id>";
/// ACTIVE when none is set.
core::trading_state effective_trading_state(const std::vector<trading_state_entry>& states, std::string_view user_id,
                                            const std::optional<std::string>& strategy_id);

/// Extra wait after created_at + recv_window before an order the exchange does not know is declared never placed:
/// the exchange accepts timestamps up to 1 s ahead of its clock, and clocks drift.
inline constexpr std::chrono::milliseconds unresolved_grace{std::chrono::seconds(5)};

/// For an order the exchange has no trace of, signed no later than `sent_at_ms` (created_at when it was never
/// sent): true once no request for it can still be accepted (see the file comment), so it may be marked REJECTED;
/// false while it may still appear (look again later).
bool never_reached_exchange(std::int64_t sent_at_ms, std::int64_t now_ms, std::chrono::milliseconds recv_window);

/// What to do with a command message once handling it came to `error` (nullopt: done, committed): ack a done or
/// duplicate command (and a cancel of a terminal order) and a refusal recorded as a REJECTED order (`existing`),
/// NAK a transient failure with redelivery_delay (dead-letter it on its last delivery), dead-letter everything
/// else that can never succeed.
settlement settle_command(const std::optional<order_error>& error, std::uint64_t deliveries, int max_deliver,
                          std::chrono::milliseconds nak_delay);

// ---- the service ----

/// Counters since start.
struct order_engine_stats {
    std::uint64_t placed = 0;          ///< orders the exchange acknowledged
    std::uint64_t rejected = 0;        ///< by validation, risk or the exchange
    std::uint64_t unknown = 0;         ///< sends whose outcome was ambiguous
    std::uint64_t resolved = 0;        ///< PENDING_NEW/UNKNOWN orders settled by client id
    std::uint64_t fills = 0;           ///< fills recorded (each once)
    std::uint64_t commands = 0;        ///< command messages handled
    std::uint64_t dead_lettered = 0;
    std::uint64_t updates_published = 0;
};

class order_engine : public order_service {
public:
    /// `cfg` supplies order_engine_gateway (tuning and risk), exchanges (credentials, base_url, recv_window),
    /// database.order_engine and database.market_data (symbol_mappings, reference prices), nats_jetstream and
    /// graceful_shutdown_timeout. Config errors throw app::config_error here. `bus` must outlive the engine.
    order_engine(boost::asio::any_io_executor executor, bus::connection& bus, const app::config& cfg);
    ~order_engine() override;
    order_engine(const order_engine&) = delete;
    order_engine& operator=(const order_engine&) = delete;

    /// Ensures the ORDER_ENGINE, ORDER_UPDATE and DLQ streams and the durable consumer (retrying while NATS or
    /// PostgreSQL is unreachable; a conflicting existing config throws), reconciles every non-terminal order,
    /// then consumes commands and polls open orders until stop().
    boost::asio::awaitable<void> run();
    /// Stops intake; run() returns once the command in hand is settled. Call on the executor.
    void stop();

    boost::asio::awaitable<order_result<domain::order_record>> place(domain::place_order_command command) override;
    boost::asio::awaitable<order_result<void>> submit(domain::place_order_command command) override;
    boost::asio::awaitable<order_result<domain::order_record>> get(std::string order_id) override;
    boost::asio::awaitable<order_result<std::vector<domain::order_record>>> list(order_query query) override;
    boost::asio::awaitable<order_result<domain::order_record>> cancel(domain::cancel_order_command command) override;
    boost::asio::awaitable<order_result<std::vector<trading_state_entry>>> trading_states() override;
    boost::asio::awaitable<order_result<trading_state_entry>> set_trading_state(trading_state_entry entry) override;
    bool ready() const override;

    order_engine_stats stats() const;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace hft::services
