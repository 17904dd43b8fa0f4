#include "hft/bus/connection.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/pull_consumer.hpp"
#include "support/nats_server_instance.hpp"
#include "support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
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

std::uint64_t stream_messages(connection& bus, const std::string& stream) {
    jsStreamInfo* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    hft::bus::check(js_GetStreamInfo(&raw, bus.jetstream(), stream.c_str(), nullptr, &code), "js_GetStreamInfo", code);
    hft::bus::stream_info_ptr info(raw);
    return info->State.Msgs;
}

// Publishes one message and runs the io_context until its result arrives.
hft::bus::publish_result publish_one(boost::asio::io_context& ioc, hft::bus::publisher& pub, const std::string& subject,
                                     const std::string& msg_id) {
    std::optional<hft::bus::publish_result> result;
    pub.publish(subject, "payload", msg_id, [&](hft::bus::publish_result r) { result = std::move(r); });
    REQUIRE(run_until(ioc, [&] { return result.has_value(); }));
    return *result;
}

// Publishes `count` messages on `subject` and runs the io_context until JetStream acked them all.
void publish_all(boost::asio::io_context& ioc, hft::bus::publisher& pub, const std::string& subject, int count) {
    int acked = 0;
    for (int i = 0; i < count; ++i) {
        pub.publish(subject, "payload-" + std::to_string(i), subject + "-" + std::to_string(i),
                    [&](const hft::bus::publish_result& result) { acked += result.ok() ? 1 : 0; });
    }
    REQUIRE(run_until(ioc, [&] { return acked == count; }));
}

// The durable pull consumer "reader" on all of stream `name`.
hft::bus::consumer_spec reader_spec(const std::string& name) {
    return {.durable = "reader", .filter_subject = "test." + name + ".>", .max_ack_pending = 1000};
}

// A stream `name` with `count` messages and the consumer reader_spec(name).
void stream_with_reader(boost::asio::io_context& ioc, connection& bus, const std::string& name, int count) {
    bus.ensure_stream(test_stream(name));
    bus.ensure_consumer(name, reader_spec(name));
    hft::bus::publisher pub(bus, {.max_in_flight = 1024, .ack_timeout = 10000ms});
    publish_all(ioc, pub, "test." + name + ".x", count);
}

std::int64_t ack_pending(connection& bus, const std::string& stream) {
    jsConsumerInfo* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    hft::bus::check(js_GetConsumerInfo(&raw, bus.jetstream(), stream.c_str(), "reader", nullptr, &code),
                    "js_GetConsumerInfo", code);
    const hft::bus::consumer_info_ptr info(raw);
    return info->NumAckPending;
}

// Fetches until `into` holds `count` distinct stream sequences, acking each; NATS errors (a server still
// starting) are retried until the deadline.
void fetch_and_ack(hft::bus::pull_consumer& consumer, std::set<std::uint64_t>& into, std::size_t count,
                   int batch) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (into.size() < count && std::chrono::steady_clock::now() < deadline) {
        try {
            for (auto& message : consumer.fetch(batch, 200ms)) {
                CHECK(into.insert(message.metadata().stream_sequence).second);
                CHECK(message.ack());
            }
        } catch (const hft::bus::nats_error&) {
        }
    }
}

// The shared server's stream `<prefix>_N` holding `count` messages, and a pull consumer bound to its reader.
struct stream_and_reader {
    stream_and_reader(const std::string& prefix, int count) : name(unique_name(prefix)) {
        stream_with_reader(ioc, bus, name, count);
        consumer.emplace(bus, name, reader_spec(name));
    }
    boost::asio::io_context ioc;
    connection bus{ioc.get_executor(), options_for(nats_server_instance::shared())};
    std::string name;
    std::optional<hft::bus::pull_consumer> consumer;
};

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

TEST_CASE("the design's streams can all be ensured twice and have their subjects and limits", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    const std::vector specs{hft::bus::kline_stream_spec(), hft::bus::order_engine_stream_spec(),
                            hft::bus::order_update_stream_spec(), hft::bus::dlq_stream_spec()};
    for (int round = 0; round < 2; ++round) {
        for (const auto& spec : specs) REQUIRE_NOTHROW(bus.ensure_stream(spec));
    }
    for (const auto& spec : specs) {
        INFO(spec.name);
        jsStreamInfo* raw = nullptr;
        REQUIRE(js_GetStreamInfo(&raw, bus.jetstream(), spec.name.c_str(), nullptr, nullptr) == NATS_OK);
        const hft::bus::stream_info_ptr info(raw);
        const auto& config = *info->Config;
        CHECK(std::vector<std::string>(config.Subjects, config.Subjects + config.SubjectsLen) == spec.subjects);
        CHECK(config.MaxAge == spec.max_age.count());
        CHECK(config.Duplicates == spec.duplicate_window.count());
    }
}

TEST_CASE("ensure_consumer creates a durable pull consumer, updates its limits and rejects another filter",
          "[integration][bus]") {
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

    auto retuned = spec;
    retuned.ack_wait = 7s;
    retuned.max_deliver = 7;
    retuned.max_ack_pending = 400;
    bus.ensure_consumer(stream.name, retuned);
    jsConsumerInfo* raw_info = nullptr;
    REQUIRE(js_GetConsumerInfo(&raw_info, bus.jetstream(), stream.name.c_str(), "writer", nullptr, nullptr) ==
            NATS_OK);
    const hft::bus::consumer_info_ptr info(raw_info);
    CHECK(info->Config->AckWait == std::chrono::nanoseconds(7s).count());
    CHECK(info->Config->MaxDeliver == 7);
    CHECK(info->Config->MaxAckPending == 400);

    auto conflicting = retuned;
    conflicting.filter_subject = "test." + stream.name + ".b";
    CHECK_THROWS_WITH(bus.ensure_consumer(stream.name, conflicting),
                      Catch::Contains("writer") && Catch::Contains("filter_subject: existing test." + stream.name +
                                                                   ".a, wanted test." + stream.name + ".b"));
}

TEST_CASE("a connection started while NATS is down connects when it comes up", "[integration][bus]") {
    nats_server_instance server(false);
    boost::asio::io_context ioc;
    std::vector<connection_event> events;
    connection bus(ioc.get_executor(), options_for(server), [&](connection_event event, const std::string&) { events.push_back(event); });
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
    connection bus(ioc.get_executor(), options_for(server), [&](connection_event event, const std::string&) { events.push_back(event); });
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

TEST_CASE("publisher keeps in-flight messages bounded and gets every one of 10000 acked", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    const auto spec = test_stream(unique_name("BULK"));
    bus.ensure_stream(spec);
    hft::bus::publisher pub(bus, {.max_in_flight = 256, .ack_timeout = 10000ms});

    constexpr int total = 10000;
    int sent = 0;
    int acked = 0;
    std::size_t most_in_flight = 0;
    std::vector<std::string> errors;
    const std::string subject = "test." + spec.name + ".x";
    const auto pump = [&] {
        while (sent < total && pub.can_publish()) {
            pub.publish(subject, "payload", "id-" + std::to_string(sent), [&](hft::bus::publish_result result) {
                if (result.ok() && !result.duplicate) ++acked;
                else errors.push_back(result.error);
            });
            ++sent;
            most_in_flight = std::max(most_in_flight, pub.in_flight());
        }
    };
    pub.on_capacity(pump);
    pump();
    REQUIRE(run_until(ioc, [&] { return acked + static_cast<int>(errors.size()) == total; }, 60s));
    CHECK(errors.empty());
    CHECK(acked == total);
    CHECK(most_in_flight == 256);
    CHECK(pub.in_flight() == 0);
    CHECK(stream_messages(bus, spec.name) == total);
}

TEST_CASE("publisher refuses instead of blocking when it is at capacity", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    const auto spec = test_stream(unique_name("FULL"));
    bus.ensure_stream(spec);
    hft::bus::publisher pub(bus, {.max_in_flight = 1, .ack_timeout = 10000ms});
    std::vector<hft::bus::publish_result> results;
    pub.publish("test." + spec.name + ".x", "a", "a", [&](hft::bus::publish_result r) { results.push_back(r); });
    CHECK_FALSE(pub.can_publish());
    pub.publish("test." + spec.name + ".x", "b", "b", [&](hft::bus::publish_result r) { results.push_back(r); });
    REQUIRE(run_until(ioc, [&] { return results.size() == 2; }));
    CHECK(pub.can_publish());
    const auto refused = results[0].ok() ? results[1] : results[0];
    CHECK_THAT(refused.error, Catch::Contains("at capacity"));
}

TEST_CASE("publisher reports a repeated message id as a duplicate", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    const auto spec = test_stream(unique_name("DEDUP"));
    bus.ensure_stream(spec);
    hft::bus::publisher pub(bus);
    const std::string subject = "test." + spec.name + ".x";
    const auto first = publish_one(ioc, pub, subject, "binance.BTCUSDT.1m.1700000000000.closed");
    const auto second = publish_one(ioc, pub, subject, "binance.BTCUSDT.1m.1700000000000.closed");
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK_FALSE(first.duplicate);
    CHECK(second.duplicate);
    CHECK(second.sequence == first.sequence);
    CHECK(stream_messages(bus, spec.name) == 1);
}

TEST_CASE("publishing works again after a nats-server restart", "[integration][bus]") {
    nats_server_instance server;
    boost::asio::io_context ioc;
    bool reconnected = false;
    connection bus(ioc.get_executor(), options_for(server),
                   [&](connection_event event, const std::string&) { reconnected |= event == connection_event::reconnected; });
    const auto spec = test_stream("RESTART");
    bus.ensure_stream(spec);
    hft::bus::publisher pub(bus);
    const std::string subject = "test." + spec.name + ".x";
    REQUIRE(publish_one(ioc, pub, subject, "before").ok());

    server.restart();
    REQUIRE(run_until(ioc, [&] { return reconnected; }));
    const auto after = publish_one(ioc, pub, subject, "after");
    CHECK(after.ok());
    CHECK_FALSE(after.duplicate);
    CHECK(after.sequence == 2);
    CHECK(pub.flush(5000ms));
}

TEST_CASE("a pull consumer hands out batches no larger than asked, each message once", "[integration][bus]") {
    stream_and_reader f("PULL", 250);
    auto& consumer = *f.consumer;

    std::vector<std::size_t> sizes;
    std::set<std::uint64_t> sequences;
    while (true) {
        auto batch = consumer.fetch(100, 500ms);
        if (batch.empty()) break;
        sizes.push_back(batch.size());
        for (auto& message : batch) {
            CHECK(sequences.insert(message.metadata().stream_sequence).second);
            CHECK(message.metadata().deliveries == 1);
            CHECK(message.data().starts_with("payload-"));
            CHECK(message.ack());
        }
    }
    CHECK(sizes == std::vector<std::size_t>{100, 100, 50});
    CHECK(sequences.size() == 250);
    CHECK(*sequences.rbegin() == 250);
    CHECK(natsConnection_FlushTimeout(f.bus.native(), 5000) == NATS_OK);
    CHECK(run_until(f.ioc, [&] { return ack_pending(f.bus, f.name) == 0; }));
}

TEST_CASE("a pull consumer refuses while NATS is down and resumes where it was after the restart",
          "[integration][bus]") {
    nats_server_instance server;
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    stream_with_reader(ioc, bus, "RESUME", 300);
    hft::bus::pull_consumer consumer(bus, "RESUME", reader_spec("RESUME"));
    std::set<std::uint64_t> sequences;
    fetch_and_ack(consumer, sequences, 100, 100);
    REQUIRE(sequences.size() == 100);
    REQUIRE(natsConnection_FlushTimeout(bus.native(), 5000) == NATS_OK);

    server.stop();
    REQUIRE(run_until(ioc, [&] { return !bus.connected(); }));
    CHECK_THROWS_WITH(consumer.fetch(100, 200ms), Catch::Contains("not connected"));
    server.start();
    REQUIRE(run_until(ioc, [&] { return bus.connected(); }));
    fetch_and_ack(consumer, sequences, 300, 100);
    CHECK(sequences.size() == 300);
}

TEST_CASE("binding a pull consumer to a missing durable throws", "[integration][bus]") {
    auto& server = nats_server_instance::shared();
    boost::asio::io_context ioc;
    connection bus(ioc.get_executor(), options_for(server));
    const auto name = unique_name("NOREADER");
    bus.ensure_stream(test_stream(name));
    CHECK_THROWS_AS(hft::bus::pull_consumer(bus, name, reader_spec(name)), hft::bus::nats_error);
}

TEST_CASE("a pull consumer whose durable was deleted creates it again and delivers from the start of the stream",
          "[integration][bus]") {
    stream_and_reader f("GONE", 10);
    auto& consumer = *f.consumer;
    std::set<std::uint64_t> handled;
    fetch_and_ack(consumer, handled, 10, 10);
    REQUIRE(handled.size() == 10);
    const auto delete_reader = [&] {
        jsErrCode code = static_cast<jsErrCode>(0);
        return js_DeleteConsumer(f.bus.jetstream(), f.name.c_str(), "reader", nullptr, &code) == NATS_OK;
    };

    SECTION("deleted while it idled") {
        REQUIRE(delete_reader());
    }
    SECTION("deleted while a fetch's request waited on the server") {
        std::thread deleter([&] {
            const auto waiting = [&] {
                jsConsumerInfo* raw = nullptr;
                jsErrCode code = static_cast<jsErrCode>(0);
                if (js_GetConsumerInfo(&raw, f.bus.jetstream(), f.name.c_str(), "reader", nullptr, &code) != NATS_OK) {
                    return false;
                }
                const hft::bus::consumer_info_ptr info(raw);
                return info->NumWaiting > 0;
            };
            if (hft::test::eventually(waiting, 5s)) delete_reader();
        });
        CHECK(consumer.fetch(10, 2000ms).empty());
        deleter.join();
    }
    hft::bus::publisher pub(f.bus);
    publish_all(f.ioc, pub, "test." + f.name + ".after", 5);
    // The 10 already handled come again (every effect downstream is idempotent), then the 5 published since.
    std::set<std::uint64_t> again;
    fetch_and_ack(consumer, again, 15, 20);
    CHECK(again.size() == 15);
}
