#include "command_consumer.hpp"

#include "hft/bus/dead_letter.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/order_update.hpp"
#include "hft/codec/place_order.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace hft::services::order_engine_detail {
namespace {

using namespace std::chrono_literals;

constexpr int fetch_batch = 16;
constexpr auto fetch_timeout = 1000ms;
constexpr auto command_nak_delay = 1000ms;

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

command_consumer::command_consumer(engine_state& state, order_entry& entry, consumer_loop& loop,
                                   const app::config& cfg)
    : state_(state),
      entry_(entry),
      loop_(loop),
      nats_(cfg.require_nats_jetstream()),
      fetcher_(loop, engine_stream + "/" + state.settings.durable),
      settler_(std::make_shared<message_settler>(state.executor, state.publisher, state.settings.max_deliver,
                                                 command_nak_delay, cfg.graceful_shutdown_timeout)),
      rate_limit_timer_(state.executor) {
    bus::expose_dead_letter_metrics(engine_stream);
}

asio::awaitable<bool> command_consumer::set_up() {
    const bus::consumer_spec durable{
        .durable = state_.settings.durable,
        .filter_subject = "",
        .ack_wait = state_.settings.ack_wait,
        .max_deliver = state_.settings.max_deliver,
        .max_ack_pending = 1000,
    };
    co_return co_await fetcher_.set_up([&] {
        state_.bus.ensure_stream(bus::order_engine_stream_spec(nats_.replicas));
        state_.bus.ensure_stream(bus::order_update_stream_spec(nats_.replicas));
        state_.bus.ensure_stream(bus::dlq_stream_spec(nats_.replicas));
        state_.bus.ensure_consumer(engine_stream, durable);
        return std::make_unique<bus::pull_consumer>(state_.bus, engine_stream, durable);
    });
}

asio::awaitable<void> command_consumer::consume() {
    while (!state_.stopping) {
        auto messages = co_await fetcher_.fetch(fetch_batch, fetch_timeout);
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
asio::awaitable<void> command_consumer::handle(bus::message message, std::span<bus::message> queued) {
    ++state_.counters.commands;
    const auto command = decode_command(message);
    if (!command) {
        settler_->dead_letter(std::move(message), command.error());
        co_return;
    }
    auto error = co_await execute(*command);
    while (error && error->retry_after.count() > 0 && !state_.stopping) {
        message.in_progress();
        for (auto& waiting : queued) waiting.in_progress();
        co_await loop_.pause(rate_limit_timer_,
                             std::min<std::chrono::milliseconds>(error->retry_after, state_.settings.ack_wait / 2));
        error = co_await execute(*command);
    }
    const auto deliveries = message.metadata().deliveries;
    settler_->settle(std::move(message),
                     settle_command(error, deliveries, state_.settings.max_deliver, command_nak_delay));
}

// nullopt once the command's effect is committed.
asio::awaitable<std::optional<order_error>> command_consumer::execute(const engine_command& command) {
    if (const auto* place_command = std::get_if<domain::place_order_command>(&command)) {
        auto placed = co_await entry_.place(*place_command, executions::fetch_later);
        if (!placed) co_return std::move(placed.error());
    } else {
        auto canceled = co_await entry_.cancel(std::get<domain::cancel_order_command>(command));
        if (!canceled) co_return std::move(canceled.error());
    }
    co_return std::nullopt;
}

asio::awaitable<void> command_consumer::flush_publishes(std::chrono::milliseconds timeout) {
    co_await fetcher_.lane().run([this, &timeout] { return state_.publisher.flush(timeout); });
}

}  // namespace hft::services::order_engine_detail
