#include "hft/app/blocking_lane.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using hft::app::blocking_lane;

namespace {

// Runs `body` as a coroutine on a fresh io_context until it finishes; rethrows what it threw.
void run_coroutine(std::function<asio::awaitable<void>()> body) {
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace

TEST_CASE("a lane runs the call on its own thread and resumes the caller on the caller's thread") {
    blocking_lane lane;
    const auto caller = std::this_thread::get_id();
    std::thread::id ran_on;
    std::thread::id resumed_on;
    run_coroutine([&]() -> asio::awaitable<void> {
        co_await lane.run([&] { ran_on = std::this_thread::get_id(); });
        resumed_on = std::this_thread::get_id();
    });
    CHECK(ran_on != caller);
    CHECK(resumed_on == caller);
}

TEST_CASE("a lane returns the call's value, and move-only values too") {
    blocking_lane lane;
    int number = 0;
    std::unique_ptr<std::string> owned;
    run_coroutine([&]() -> asio::awaitable<void> {
        number = co_await lane.run([] { return 42; });
        owned = co_await lane.run([] { return std::make_unique<std::string>("moved out"); });
    });
    CHECK(number == 42);
    REQUIRE(owned);
    CHECK(*owned == "moved out");
}

TEST_CASE("a lane rethrows the call's exception in the caller") {
    blocking_lane lane;
    std::string caught;
    run_coroutine([&]() -> asio::awaitable<void> {
        try {
            co_await lane.run([]() -> int { throw std::runtime_error("database gone"); });
        } catch (const std::runtime_error& e) {
            caught = e.what();
        }
    });
    CHECK(caught == "database gone");
}

TEST_CASE("a call reads the caller's data by reference while the caller waits") {
    // The way to hand a lane owned data (see blocking_lane.hpp): it stays in the caller's frame.
    blocking_lane lane;
    std::size_t total = 0;
    run_coroutine([&]() -> asio::awaitable<void> {
        for (int round = 0; round < 200; ++round) {
            const std::vector<std::string> batch(16, std::string(64, 'k'));
            const std::string label = "round " + std::to_string(round);
            total += co_await lane.run([&batch, &label] { return batch.size() * label.size(); });
        }
    });
    std::size_t expected = 0;
    for (int round = 0; round < 200; ++round) expected += 16 * ("round " + std::to_string(round)).size();
    CHECK(total == expected);
}

TEST_CASE("calls on one lane run in the order they were made") {
    blocking_lane lane;
    std::vector<int> order;
    asio::io_context io;
    for (int i = 0; i < 5; ++i) {
        asio::co_spawn(io, [&, i]() -> asio::awaitable<void> { co_await lane.run([&, i] { order.push_back(i); }); },
                       asio::detached);
    }
    io.run();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}
