#pragma once

// The consumer of ORDER_ENGINE: place and cancel commands are carried out by order entry and each message is
// settled after its effect is committed (ack), NAKed with a growing delay while the failure is transient, or
// dead-lettered. A command declined only because the exchange rate-limits its account is held here until the
// limit has passed.

#include "engine_state.hpp"
#include "order_entry.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/bus/pull_consumer.hpp"
#include "hft/core/backoff.hpp"

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
    command_consumer(engine_state& state, order_entry& entry, const app::config& cfg);

    // Ensures the ORDER_ENGINE, ORDER_UPDATE and DLQ streams and the durable consumer, retrying while NATS does not
    // answer; false when stopped first.
    asio::awaitable<bool> set_up();
    asio::awaitable<void> consume();
    // Waits up to `timeout` for the engine's publishes still unacknowledged; on the lane, as the wait blocks.
    asio::awaitable<void> flush_publishes(std::chrono::milliseconds timeout);

    void stop();
    // See order_engine::~order_engine.
    void join() { lane_.join(); }

private:
    asio::awaitable<void> handle(bus::message message, std::span<bus::message> queued);
    asio::awaitable<std::optional<order_error>> execute(const engine_command& command);
    void dead_letter(bus::message message, std::string reason);

    engine_state& state_;
    order_entry& entry_;
    app::nats_jetstream_config nats_;
    // The lane makes the engine's blocking NATS calls. The consumer is only touched from it, and the lane is
    // declared after the consumer so it is destroyed (joining its thread) first.
    std::unique_ptr<bus::pull_consumer> consumer_;
    app::blocking_lane lane_;
    asio::steady_timer pause_timer_;
    core::backoff retry_;
    bool nats_outage_ = false;
};

}  // namespace hft::services::order_engine_detail
