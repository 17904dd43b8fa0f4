#include "hft/bus/connection.hpp"
#include "support/nats_server_instance.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using hft::bus::connection;
using hft::bus::connection_event;
using hft::bus::connection_options;
using hft::test::nats_server_instance;

namespace {

std::string unique_name(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

connection_options options_for(const nats_server_instance& server) {
    connection_options options;
    options.url = server.url();
    options.name = "bus-test";
    options.reconnect_wait = 100ms;
    options.reconnect_jitter = 50ms;
    return options;
}

// Runs the io_context until `condition` holds or the deadline passes; no fixed sleeps.
template <class Condition>
bool run_until(boost::asio::io_context& ioc, Condition condition, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        ioc.restart();
        ioc.run_for(20ms);
    }
    return true;
}

hft::bus::stream_spec test_stream(const std::string& name) {
    hft::bus::stream_spec spec;
    spec.name = name;
    spec.subjects = {"test." + name + ".>"};
    spec.max_age = 1h;
    return spec;
}

}  // namespace

TEST_CASE("ensure_stream creates a stream, accepts the same spec again and rejects a conflicting one",
          "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    REQUIRE(bus.connected());

    const auto spec = test_stream(unique_name("ENSURE"));
    bus.ensure_stream(spec);
    CHECK_NOTHROW(bus.ensure_stream(spec));

    auto conflicting = spec;
    conflicting.max_age = 2h;
    conflicting.duplicate_window = 1min;
    CHECK_THROWS_WITH(bus.ensure_stream(conflicting),
                      Catch::Contains(spec.name) && Catch::Contains("max_age: existing 3600s, wanted 7200s") &&
                          Catch::Contains("duplicate_window: existing 120s, wanted 60s"));
    auto other_subjects = spec;
    other_subjects.subjects = {"elsewhere.>"};
    CHECK_THROWS_WITH(bus.ensure_stream(other_subjects), Catch::Contains("subjects"));
}

TEST_CASE("the design's streams can all be ensured twice", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    for (int round = 0; round < 2; ++round) {
        bus.ensure_stream(hft::bus::kline_stream_spec());
        bus.ensure_stream(hft::bus::order_engine_stream_spec());
        bus.ensure_stream(hft::bus::order_update_stream_spec());
        bus.ensure_stream(hft::bus::dlq_stream_spec());
    }
}

TEST_CASE("ensure_consumer creates a durable pull consumer and rejects a conflicting one", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    const auto stream = test_stream(unique_name("CONSUMER"));
    bus.ensure_stream(stream);

    hft::bus::consumer_spec spec;
    spec.durable = "writer";
    spec.filter_subject = "test." + stream.name + ".a";
    spec.ack_wait = 5s;
    spec.max_deliver = 3;
    spec.max_ack_pending = 100;
    bus.ensure_consumer(stream.name, spec);
    CHECK_NOTHROW(bus.ensure_consumer(stream.name, spec));

    auto conflicting = spec;
    conflicting.max_deliver = 7;
    CHECK_THROWS_WITH(bus.ensure_consumer(stream.name, conflicting),
                      Catch::Contains("writer") && Catch::Contains("max_deliver: existing 3, wanted 7"));
}

TEST_CASE("a connection started while NATS is down connects when it comes up", "[integration][bus]") {
    nats_server_instance server(false);
    boost::asio::io_context ioc;
    std::vector<connection_event> events;
    connection bus(ioc.get_executor(), options_for(server), [&](connection_event event) { events.push_back(event); });
    CHECK_FALSE(bus.connected());

    server.start();
    REQUIRE(run_until(ioc, [&] { return bus.connected(); }));
    REQUIRE_FALSE(events.empty());
    CHECK(events.back() == connection_event::connected);
    CHECK_NOTHROW(bus.ensure_stream(test_stream("LATE")));
}

TEST_CASE("a connection reports the disconnect and reconnects after a nats-server restart", "[integration][bus]") {
    nats_server_instance server;
    boost::asio::io_context ioc;
    std::vector<connection_event> events;
    connection bus(ioc.get_executor(), options_for(server), [&](connection_event event) { events.push_back(event); });
    REQUIRE(bus.connected());
    const auto spec = test_stream("DURABLE");
    bus.ensure_stream(spec);

    server.stop();
    REQUIRE(run_until(ioc, [&] { return !bus.connected(); }));
    server.start();
    REQUIRE(run_until(ioc, [&] { return bus.connected(); }));
    CHECK(events.front() == connection_event::disconnected);
    CHECK(events.back() == connection_event::reconnected);
    // The store directory survived the restart, and so did the stream.
    CHECK_NOTHROW(bus.ensure_stream(spec));
}
