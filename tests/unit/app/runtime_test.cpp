#include "hft/app/runtime.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>

TEST_CASE("a SIGTERM that arrives while a service is being set up stops it cleanly once it runs", "[app]") {
    hft::app::service_runtime runtime;
    std::raise(SIGTERM);  // before run(), as a systemd stop right after start can
    boost::asio::steady_timer idle(runtime.executor(), std::chrono::steady_clock::time_point::max());
    const auto service = [&]() -> boost::asio::awaitable<void> {
        co_await idle.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    };
    bool asked_to_stop = false;
    CHECK(runtime.run(service(), [&] {
        asked_to_stop = true;
        idle.cancel();
    }) == 0);
    CHECK(asked_to_stop);
}
