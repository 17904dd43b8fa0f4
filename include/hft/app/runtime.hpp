#pragma once

// A service process's event loop: one io_context on the main thread (nothing on it blocks),
// SIGINT/SIGTERM handling, and the exit code. The first signal asks the service to stop (it drains and
// returns); a second one ends the process at once. The signals are caught from construction on, so one that
// arrives while the service is still being set up stops it as soon as it runs. Every subcommand that runs a
// service uses it:
//
//     app::service_runtime runtime;
//     bus::connection bus(runtime.executor(), ...);
//     services::market_data_gateway gateway(runtime.executor(), bus, cfg);
//     return runtime.run(gateway.run(), [&] { gateway.stop(); });

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <functional>
#include <string>

namespace hft::app {

class service_runtime {
public:
    service_runtime();
    service_runtime(const service_runtime&) = delete;
    service_runtime& operator=(const service_runtime&) = delete;

    boost::asio::any_io_executor executor() { return io_.get_executor(); }
    boost::asio::io_context& io_context() noexcept { return io_; }

    /// Runs `service` until it returns; the first SIGINT/SIGTERM calls `stop`. Returns 0 when the service
    /// returned, 130/143 (128 + signal) after a second signal. An exception from the service propagates.
    int run(boost::asio::awaitable<void> service, std::function<void()> stop);

private:
    boost::asio::io_context io_{1};
    boost::asio::signal_set signals_;  // asio queues a signal that arrives before run() waits for it
};

}  // namespace hft::app
