#include "hft/app/runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>

namespace hft::app {


service_runtime::service_runtime() : signals_(io_, SIGINT, SIGTERM) {}

int service_runtime::run(boost::asio::awaitable<void> service, std::function<void()> stop) {
    int exit_code = 0;
    bool stopping = false;
    std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                                int signal) {
        if (ec) return;
        if (std::exchange(stopping, true)) {
            spdlog::warn("second signal {}; exiting without draining", signal);
            exit_code = 128 + signal;
            io_.stop();
            return;
        }
        spdlog::info("signal {}; stopping intake and draining", signal);
        stop();
        signals_.async_wait(on_signal);
    };
    signals_.async_wait(on_signal);

    std::exception_ptr failure;
    boost::asio::co_spawn(io_, std::move(service), [&](std::exception_ptr error) {
        failure = error;
        signals_.cancel();
        io_.stop();
    });
    io_.run();
    if (failure) std::rethrow_exception(failure);
    if (exit_code == 0) spdlog::info("stopped");
    return exit_code;
}

}  // namespace hft::app
