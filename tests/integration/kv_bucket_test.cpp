// The JetStream key-value bucket against a real nats-server: state survives, writes are compare-and-set.

#include "hft/bus/kv_bucket.hpp"
#include "support/nats_server_instance.hpp"
#include "support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace hft;

namespace {

struct bus_fixture {
    bus_fixture() : bus(io.get_executor(), {.url = server.url(), .name = "kv-test"}) {
        REQUIRE(test::eventually([&] {
            io.poll();
            return bus.connected();
        }));
    }
    test::nats_server_instance server;
    boost::asio::io_context io;
    bus::connection bus;
};

}  // namespace

TEST_CASE("a value written to the bucket is read back with its revision, also by a second binding",
          "[integration][bus][kv]") {
    bus_fixture f;
    bus::kv_bucket state(f.bus, {"STRATEGY_STATE"});
    CHECK_FALSE(state.get("grid-1"));
    const auto first = state.put("grid-1", R"({"v":1,"level":3})", 0);
    REQUIRE(first);
    bus::kv_bucket again(f.bus, {"STRATEGY_STATE"});
    const auto read = again.get("grid-1");
    REQUIRE(read);
    CHECK(read->value == R"({"v":1,"level":3})");
    CHECK(read->revision == *first);
    const auto second = again.put("grid-1", R"({"v":1,"level":4})", *first);
    REQUIRE(second);
    CHECK(*second > *first);
    state.erase("grid-1");
    CHECK_FALSE(state.get("grid-1"));
}

TEST_CASE("a write based on an old revision loses with a conflict and changes nothing", "[integration][bus][kv]") {
    bus_fixture f;
    bus::kv_bucket state(f.bus, {"STRATEGY_STATE"});
    const auto first = state.put("sma-1", "a", 0).value();
    REQUIRE(state.put("sma-1", "b", first));
    const auto stale = state.put("sma-1", "c", first);
    REQUIRE_FALSE(stale);
    CHECK(stale.error() == bus::kv_write_error::conflict);
    CHECK(state.put("sma-1", "d", 0).error() == bus::kv_write_error::conflict);  // creating an existing key
    CHECK(state.get("sma-1")->value == "b");
}

TEST_CASE("bucket contents survive a nats-server restart", "[integration][bus][kv]") {
    bus_fixture f;
    {
        bus::kv_bucket state(f.bus, {"STRATEGY_STATE"});
        REQUIRE(state.put("grid-2", "kept", 0));
    }
    f.server.restart();
    REQUIRE(test::eventually([&] {
        f.io.poll();
        return f.bus.connected();
    }));
    std::optional<bus::kv_entry> read;
    REQUIRE(test::eventually([&] {
        try {
            bus::kv_bucket state(f.bus, {"STRATEGY_STATE"});
            read = state.get("grid-2");
            return read.has_value();
        } catch (const bus::nats_error&) {
            return false;  // JetStream still recovering its streams
        }
    }));
    CHECK(read->value == "kept");
}
