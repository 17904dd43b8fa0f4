// The order engine composed: its shared state, order entry, status sync and the command consumer, run side by side
// on one executor; and the public face the HTTP API calls.

#include "hft/services/order_engine.hpp"

#include "command_consumer.hpp"
#include "engine_state.hpp"
#include "errors.hpp"
#include "order_entry.hpp"
#include "status_sync.hpp"

#include "hft/app/redact.hpp"
#include "hft/bus/subjects.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace hft::services {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using domain::order_record;
using order_engine_detail::error_of;
using order_engine_detail::executions;
using order_engine_detail::unavailable;

}  // namespace

// The parts share engine_state, which this derives from (see there), and reach each other only through the
// references they were made with.
struct order_engine::impl : order_engine_detail::engine_state {
    impl(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg)
        : engine_state(executor_, bus_, cfg),
          shutdown_timeout(cfg.graceful_shutdown_timeout),
          loop(executor_),
          sync(*this),
          entry(*this, sync),
          commands(*this, entry, loop, cfg) {}

    asio::awaitable<void> run();
    void report_stats() const;
    order_engine_stats snapshot() const;
    void stop();

    std::chrono::milliseconds shutdown_timeout;
    consumer_loop loop;
    order_engine_detail::status_sync sync;
    order_engine_detail::order_entry entry;
    order_engine_detail::command_consumer commands;
};

asio::awaitable<void> order_engine::impl::run() {
    const auto self = shared_from_this();
    const auto& stream = order_engine_detail::engine_stream;
    spdlog::info("order engine: durable '{}' on {}, updates on ORDER_UPDATE, dead letters to {}, NATS {}, database {}; "
                 "poll every {} ms, unknown orders every {} ms",
                 settings.durable, stream, bus::dlq_subject(stream), app::redact_text(bus.options().url),
                 sync_db.orders.target(), settings.poll_interval.count(), settings.unknown_retry.count());
    if (!co_await commands.set_up()) co_return;
    if (co_await sync.reconcile()) {
        co_await entry.open_connections();
        reconciled = true;
        spdlog::info("reconciliation done; order engine ready");
    }
    co_await (accounts.warm_up() && commands.consume() && sync.poll_loop() &&
              loop.stats_loop(settings.stats_interval, [this] { report_stats(); }) && sync.executions_loop());
    co_await commands.flush_publishes(shutdown_timeout);
    const auto totals = snapshot();
    spdlog::info("order engine totals: placed {}, rejected {}, unknown {}, resolved {}, fills {}, commands {}, "
                 "dead-lettered {}, updates {}",
                 totals.placed, totals.rejected, totals.unknown, totals.resolved, totals.fills, totals.commands,
                 totals.dead_lettered, totals.updates_published);
}

void order_engine::impl::report_stats() const {
    const auto now = snapshot();
    spdlog::info("orders: placed {}, rejected {}, unknown {}, resolved {}, fills {}, commands {}, dead-lettered {}, "
                 "updates {}; {} being sent",
                 now.placed, now.rejected, now.unknown, now.resolved, now.fills, now.commands, now.dead_lettered,
                 now.updates_published, sending.size());
}

order_engine_stats order_engine::impl::snapshot() const {
    auto stats = counters;
    stats.dead_lettered = commands.settled().dead_lettered;
    return stats;
}

void order_engine::impl::stop() {
    stopping = true;
    loop.stop();
    sync.stop();
}

// ---- the public face ----

order_engine::order_engine(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg)
    : impl_(std::make_shared<impl>(std::move(executor), bus, cfg)) {}

// A statement or fetch still running on a lane must not outlive main(): its coroutine keeps the impl alive from the
// lane's queue, so the lanes are joined here.
order_engine::~order_engine() {
    impl_->commands.join();
    impl_->entry_db.lane.join();
    impl_->sync_db.lane.join();
}

asio::awaitable<void> order_engine::run() { return impl_->run(); }

void order_engine::stop() { impl_->stop(); }

asio::awaitable<order_result<order_record>> order_engine::place(domain::place_order_command command) {
    const auto self = impl_;
    co_return co_await self->entry.place(std::move(command), executions::fetch_now);
}

asio::awaitable<order_result<void>> order_engine::submit(domain::place_order_command command) {
    const auto self = impl_;
    co_return co_await self->entry.submit(std::move(command));
}

asio::awaitable<order_result<order_record>> order_engine::get(std::string order_id) {
    const auto self = impl_;
    try {
        auto order = co_await self->db(self->sync_db, [&](pqxx::connection& c) { return store::find_order(c, order_id); });
        if (!order) {
            co_return unexpected(error_of(order_error_kind::not_found, "ORDER_NOT_FOUND",
                                          "no order \"" + order_id + "\"; check the order_id"));
        }
        co_return std::move(*order);
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

asio::awaitable<order_result<std::vector<order_record>>> order_engine::list(order_query query) {
    const auto self = impl_;
    if (query.limit < 1 || query.limit > 1000) {
        co_return unexpected(error_of(order_error_kind::invalid_request, "INVALID_FIELD", "limit: must be 1..1000"));
    }
    try {
        store::order_filter filter{query.user_id, std::nullopt, std::nullopt, query.status, query.limit};
        if (query.symbol) {
            // Any form of any exchange's market; an unmapped symbol is compared as written.
            filter.symbol = *query.symbol;
            for (const auto& [name, ignored] : self->accounts.configured()) {
                if (auto market = co_await self->mapping_for(self->sync_db, name, *query.symbol)) {
                    filter.symbol = market->symbol;
                    break;
                }
            }
        }
        co_return co_await self->db(self->sync_db, [&](pqxx::connection& c) { return store::list_orders(c, filter); });
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

asio::awaitable<order_result<order_record>> order_engine::cancel(domain::cancel_order_command command) {
    const auto self = impl_;
    co_return co_await self->entry.cancel(std::move(command));
}

asio::awaitable<order_result<std::vector<trading_state_entry>>> order_engine::trading_states() {
    const auto self = impl_;
    try {
        co_await self->refresh_trading_states(self->sync_db, true);
        co_return self->trading_states();
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

asio::awaitable<order_result<trading_state_entry>> order_engine::set_trading_state(trading_state_entry entry) {
    const auto self = impl_;
    const bool valid_scope = entry.scope == "global" ||
                             (entry.scope.size() > 5 && entry.scope.starts_with("user:")) ||
                             (entry.scope.size() > 9 && entry.scope.starts_with("strategy:"));
    if (!valid_scope) {
        co_return unexpected(error_of(order_error_kind::invalid_request, "INVALID_FIELD",
                                      "scope: must be global, user:<user_id> or strategy:<strategy_id>"));
    }
    try {
        const store::trading_state_row row{entry.scope, entry.state, entry.reason, entry.updated_by, 0};
        const auto saved = co_await self->db(self->sync_db, [&](pqxx::connection& c) { return store::save_trading_state(c, row); });
        co_await self->refresh_trading_states(self->sync_db, true);
        co_return trading_state_entry{saved.scope, saved.state, saved.reason, saved.updated_by, saved.updated_at};
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

bool order_engine::ready() const { return impl_->reconciled && impl_->database_ok && impl_->bus.connected(); }

order_engine_stats order_engine::stats() const { return impl_->snapshot(); }

}  // namespace hft::services
