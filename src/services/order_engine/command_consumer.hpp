#pragma once

// The consumer of ORDER_ENGINE: place and cancel commands are carried out by order entry and each message is
// settled after its effect is committed (ack), NAKed with a growing delay while the failure is transient, or
// dead-lettered. A command declined only because the exchange rate-limits its account is held here until the
// limit has passed.

#include "engine_state.hpp"
#include "order_entry.hpp"

#include "hft/services/consumer_loop.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace hft::services::order_engine_detail {

inline const std::string engine_stream = "ORDER_ENGINE";

using engine_command = std::variant<domain::place_order_command, domain::cancel_order_command>;

class command_consumer {
public:
    command_consumer(engine_state& state, order_entry& entry, consumer_loop& loop, const app::config& cfg);

    // Ensures the ORDER_ENGINE, ORDER_UPDATE and DLQ streams and the durable consumer, retrying while NATS does not
    // answer; false when stopped first.
    asio::awaitable<bool> set_up();
    asio::awaitable<void> consume();
    // Waits up to `timeout` for the engine's publishes still unacknowledged; on the lane, as the wait blocks.
    asio::awaitable<void> flush_publishes(std::chrono::milliseconds timeout);

    const settled_counts& settled() const noexcept { return settler_->counts(); }

    // See order_engine::~order_engine.
    void join() { fetcher_.join(); }

private:
    asio::awaitable<void> handle(bus::message message, std::span<bus::message> queued);
    asio::awaitable<std::optional<order_error>> execute(const engine_command& command);

    engine_state& state_;
    order_entry& entry_;
    consumer_loop& loop_;
    app::nats_jetstream_config nats_;
    // Its lane makes the engine's blocking NATS calls.
    durable_fetcher fetcher_;
    std::shared_ptr<message_settler> settler_;
    asio::steady_timer rate_limit_timer_;
};

}  // namespace hft::services::order_engine_detail
