#include "hft/services/order_engine.hpp"

#include "engine_state.hpp"
#include "errors.hpp"
#include "order_entry.hpp"
#include "status_sync.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/redact.hpp"
#include "hft/bus/dead_letter.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/pull_consumer.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/order_update.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/core/backoff.hpp"
#include "hft/store/database.hpp"
#include "hft/store/market_data_repository.hpp"
#include "hft/store/order_repository.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <span>
#include <variant>

namespace hft::services {
namespace {

using namespace order_engine_detail;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using domain::order_record;
using domain::order_status;

const std::string engine_stream = "ORDER_ENGINE";
constexpr int fetch_batch = 16;
constexpr auto fetch_timeout = 1000ms;
constexpr auto command_nak_delay = 1000ms;

using engine_command = std::variant<domain::place_order_command, domain::cancel_order_command>;

// The command a message carries, or why it carries none.
expected<engine_command, std::string> decode_command(const bus::message& message) {
    const auto subject = message.subject();
    if (subject == bus::place_order_subject()) {
        auto command = codec::decode_place_order(message.data());
        if (!command) return unexpected("undecodable place-order command: " + command.error().to_string());
        return engine_command{std::move(*command)};
    }
    if (subject == bus::cancel_order_subject()) {
        auto command = codec::decode_cancel_order(message.data());
        if (!command) return unexpected("undecodable cancel-order command: " + command.error().to_string());
        return engine_command{std::move(*command)};
    }
    return unexpected("no command is published on " + std::string(subject));
}

}  // namespace

struct order_engine::impl : engine_state {
    impl(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg)
        : engine_state(executor_, bus_, cfg),
          nats(cfg.require_nats_jetstream()),
          shutdown_timeout(cfg.graceful_shutdown_timeout),
          sync(*this),
          entry(*this, sync),
          pause_timer(executor_),
          stats_timer(executor_),
          retry({200ms, 10s, 2.0}, std::random_device{}()) {
        bus::expose_dead_letter_metrics(engine_stream);
    }

    // ---- loops ----

    asio::awaitable<void> run();
    asio::awaitable<bool> set_up_consumer();
    asio::awaitable<void> stats_loop();
    asio::awaitable<void> consume();
    asio::awaitable<void> handle(bus::message message, std::span<bus::message> queued);
    asio::awaitable<std::optional<order_error>> execute(const engine_command& command);
    void dead_letter(bus::message message, std::string reason);
    void stop();

    app::nats_jetstream_config nats;
    std::chrono::milliseconds shutdown_timeout;
    status_sync sync;
    order_entry entry;
    // The consumer is only touched from fetch_lane, declared after it so the lane (joining its thread) is
    // destroyed first.
    std::unique_ptr<bus::pull_consumer> consumer;
    app::blocking_lane fetch_lane;
    asio::steady_timer pause_timer;
    asio::steady_timer stats_timer;
    core::backoff retry;
    bool nats_outage = false;
};

// ---- loops ----

asio::awaitable<void> order_engine::impl::run() {
    const auto self = shared_from_this();
    spdlog::info("order engine: durable '{}' on {}, updates on ORDER_UPDATE, dead letters to {}, NATS {}, database {}; "
                 "poll every {} ms, unknown orders every {} ms",
                 settings.durable, engine_stream, bus::dlq_subject(engine_stream), app::redact_text(bus.options().url),
                 sync_db.orders.target(), settings.poll_interval.count(), settings.unknown_retry.count());
    if (!co_await set_up_consumer()) co_return;
    if (co_await sync.reconcile()) {
        co_await entry.open_connections();
        reconciled = true;
        spdlog::info("reconciliation done; order engine ready");
    }
    co_await (accounts.warm_up() && consume() && sync.poll_loop() && stats_loop() && sync.executions_loop());
    co_await fetch_lane.run([this] { return publisher.flush(shutdown_timeout); });
    spdlog::info("order engine totals: placed {}, rejected {}, unknown {}, resolved {}, fills {}, commands {}, "
                 "dead-lettered {}, updates {}",
                 counters.placed, counters.rejected, counters.unknown, counters.resolved, counters.fills,
                 counters.commands, counters.dead_lettered, counters.updates_published);
}

asio::awaitable<bool> order_engine::impl::set_up_consumer() {
    const bus::consumer_spec durable{
        .durable = settings.durable,
        .filter_subject = "",
        .ack_wait = settings.ack_wait,
        .max_deliver = settings.max_deliver,
        .max_ack_pending = 1000,
    };
    bool reported = false;
    retry.reset();
    while (!stopping) {
        std::string problem;
        try {
            co_await fetch_lane.run([&] {
                bus.ensure_stream(bus::order_engine_stream_spec(nats.replicas));
                bus.ensure_stream(bus::order_update_stream_spec(nats.replicas));
                bus.ensure_stream(bus::dlq_stream_spec(nats.replicas));
                bus.ensure_consumer(engine_stream, durable);
                consumer = std::make_unique<bus::pull_consumer>(bus, engine_stream, durable);
            });
            if (reported) spdlog::info("NATS answers; order engine consuming");
            co_return true;
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        if (!std::exchange(reported, true)) {
            spdlog::warn("cannot set up consumer {}/{}: {}; retrying with backoff until NATS answers", engine_stream,
                         settings.durable, problem);
        }
        co_await pause(pause_timer, retry.next());
    }
    co_return false;
}

asio::awaitable<void> order_engine::impl::stats_loop() {
    if (settings.stats_interval <= 0ms) co_return;
    while (!stopping) {
        co_await pause(stats_timer, settings.stats_interval);
        if (stopping) break;
        spdlog::info("orders: placed {}, rejected {}, unknown {}, resolved {}, fills {}, commands {}, dead-lettered {}, "
                     "updates {}; {} being sent",
                     counters.placed, counters.rejected, counters.unknown, counters.resolved, counters.fills,
                     counters.commands, counters.dead_lettered, counters.updates_published, sending.size());
    }
}

asio::awaitable<void> order_engine::impl::consume() {
    while (!stopping) {
        std::vector<bus::message> messages;
        std::string problem;
        try {
            messages = co_await fetch_lane.run([this] { return consumer->fetch(fetch_batch, fetch_timeout); });
            if (std::exchange(nats_outage, false)) spdlog::info("fetching commands again");
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        if (!problem.empty()) {
            if (!std::exchange(nats_outage, true)) {
                retry.reset();
                spdlog::warn("cannot fetch commands from {}/{}: {}; retrying with backoff", engine_stream,
                             settings.durable, problem);
            }
            co_await pause(pause_timer, retry.next());
            continue;
        }
        // Every fetched message is settled, even after stop(): the one in hand finishes.
        for (std::size_t i = 0; i < messages.size(); ++i) {
            co_await handle(std::move(messages[i]), std::span(messages).subspan(i + 1));
        }
    }
}

// Carries out one command and settles its message. A command refused only because the exchange rate-limits its
// account waits that out here, its message and the rest of its fetch (`queued`) kept from redelivery with
// in-progress acks: NAKing it would spend its deliveries, and the last one dead-letters a decided order. place()
// ends the wait once the command's expires_at has passed; stop() ends it, and the message is settled as usual.
asio::awaitable<void> order_engine::impl::handle(bus::message message, std::span<bus::message> queued) {
    ++counters.commands;
    const auto command = decode_command(message);
    if (!command) {
        dead_letter(std::move(message), command.error());
        co_return;
    }
    auto error = co_await execute(*command);
    while (error && error->retry_after.count() > 0 && !stopping) {
        message.in_progress();
        for (auto& waiting : queued) waiting.in_progress();
        co_await pause(pause_timer, std::min<std::chrono::milliseconds>(error->retry_after, settings.ack_wait / 2));
        error = co_await execute(*command);
    }
    auto verdict = settle_command(error, message.metadata().deliveries, settings.max_deliver, command_nak_delay);
    switch (verdict.kind) {
        case settlement_kind::ack: message.ack(); break;
        case settlement_kind::nak: message.nak(verdict.delay); break;
        case settlement_kind::dead_letter: dead_letter(std::move(message), std::move(verdict.reason)); break;
    }
}

// nullopt once the command's effect is committed.
asio::awaitable<std::optional<order_error>> order_engine::impl::execute(const engine_command& command) {
    if (const auto* place_command = std::get_if<domain::place_order_command>(&command)) {
        auto placed = co_await entry.place(*place_command, executions::fetch_later);
        if (!placed) co_return std::move(placed.error());
    } else {
        auto canceled = co_await entry.cancel(std::get<domain::cancel_order_command>(command));
        if (!canceled) co_return std::move(canceled.error());
    }
    co_return std::nullopt;
}

void order_engine::impl::dead_letter(bus::message message, std::string reason) {
    const bus::dead_letter_retry if_unacked{redelivery_delay(command_nak_delay, message.metadata().deliveries),
                                            settings.max_deliver};
    bus::dead_letter(publisher, std::move(message), std::move(reason), if_unacked,
                     [self = shared_from_this()](bool dead_lettered) {
                         if (dead_lettered) ++self->counters.dead_lettered;
                     });
}

void order_engine::impl::stop() {
    stopping = true;
    pause_timer.cancel();
    sync.stop();
    stats_timer.cancel();
}

// ---- the public face ----

order_engine::order_engine(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg)
    : impl_(std::make_shared<impl>(std::move(executor), bus, cfg)) {}

// A statement or fetch still running on a lane must not outlive main(): its coroutine keeps the impl alive from the
// lane's queue, so the lanes are joined here.
order_engine::~order_engine() {
    impl_->fetch_lane.join();
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

order_engine_stats order_engine::stats() const { return impl_->counters; }

}  // namespace hft::services
