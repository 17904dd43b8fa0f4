#pragma once

// The set-up every test of an hft service process starts from: a private nats-server (the stream names are
// fixed, so each test gets its own), a market_data database migrated on the shared PostgreSQL, a config.yml in a
// temporary directory, and a bus connection through which the test publishes and reads what the service did.

#include "hft/bus/connection.hpp"
#include "hft/bus/nats.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"
#include "hft/domain/kline.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::test {

/// Writes a config file only its owner can read, as hft expects of a file that holds DSNs and keys.
inline void write_private_config(const std::filesystem::path& path, std::string_view yaml) {
    std::ofstream(path) << yaml;
    ::chmod(path.c_str(), 0600);
}

/// `hft --config <config> migrate --databaseName=<database_name>`; fails the test with the output unless it exits 0.
inline void require_migrated(const std::filesystem::path& config, std::string_view database_name) {
    const auto migrated = run_command({HFT_EXECUTABLE, "--config", config.string(), "migrate",
                                       "--databaseName=" + std::string(database_name)});
    INFO(migrated.output);
    REQUIRE(migrated.exit_code == 0);
}

/// One message for JetStream: its subject, its payload and its Nats-Msg-Id.
struct bus_message {
    std::string subject;
    std::string payload;
    std::string msg_id;
};

struct service_fixture {
    /// `name` labels the temporary directory and the test's bus connection; `nats_max_payload` is the server's
    /// payload limit (its own default when unset).
    explicit service_fixture(const std::string& name, std::optional<std::size_t> nats_max_payload = std::nullopt)
        : nats(true, nats_max_payload),
          dir(make_temp_dir("hft-" + name + "-test")),
          bus(ioc.get_executor(), hft::bus::connection_options{.url = nats.url(),
                                                               .name = name + "-test",
                                                               .reconnect_wait = std::chrono::milliseconds(100),
                                                               .reconnect_jitter = std::chrono::milliseconds(50)}) {}
    ~service_fixture() { std::filesystem::remove_all(dir); }
    service_fixture(const service_fixture&) = delete;
    service_fixture& operator=(const service_fixture&) = delete;

    /// Writes config.yml, the settings every service reads (log, shutdown, NATS, market_data) followed by
    /// `service_sections` (YAML at the top level), and migrates market_data.
    void configure(std::string_view service_sections) const {
        write_private_config(config, fmt::format("log:\n  log_level: info\n"
                                                 "graceful_shutdown_timeout: 10s\n"
                                                 "nats_jetstream:\n  url: {}\n"
                                                 "database:\n  market_data:\n    dsn: {}\n"
                                                 "{}",
                                                 nats.url(), pg.dsn(database), service_sections));
        require_migrated(config, "market_data");
    }

    /// Runs `statement` on the market_data database in a transaction of its own.
    void execute(const std::string& statement) const {
        pqxx::connection connection(pg.dsn(database));
        pqxx::work tx{connection};
        tx.exec(statement);
        tx.commit();
    }

    /// Publishes `messages` in order, as fast as the publisher takes them, and runs the io_context until
    /// JetStream acked every one; fails the test with the first error otherwise.
    void publish_all(const std::vector<bus_message>& messages) {
        std::size_t next = 0;
        std::size_t acked = 0;
        std::vector<std::string> errors;
        const auto pump = [&] {
            while (next < messages.size() && publisher.can_publish()) {
                const auto& [subject, payload, msg_id] = messages[next++];
                publisher.publish(subject, payload, msg_id, [&](hft::bus::publish_result result) {
                    if (!result.ok()) errors.push_back(result.error);
                    ++acked;
                });
            }
        };
        publisher.on_capacity(pump);
        pump();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (acked < messages.size() && std::chrono::steady_clock::now() < deadline) {
            ioc.restart();
            ioc.run_for(std::chrono::milliseconds(20));
        }
        publisher.on_capacity({});
        REQUIRE(acked == messages.size());
        INFO((errors.empty() ? std::string() : errors.front()));
        REQUIRE(errors.empty());
    }

    /// Each kline on its own subject with the message id the gateway would give it.
    void publish(const std::vector<domain::kline>& klines) {
        std::vector<bus_message> messages;
        for (const auto& k : klines) {
            messages.push_back({hft::bus::kline_subject(k.exchange, k.symbol, k.interval), codec::encode(k),
                                hft::bus::kline_msg_id(k.exchange, k.symbol, k.interval, k.open_time, k.is_closed,
                                                  k.event_time)});
        }
        publish_all(messages);
    }

    /// The state of stream `name` as JetStream reports it.
    hft::bus::stream_info_ptr stream_info(const char* name) const {
        jsStreamInfo* raw = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        hft::bus::check(js_GetStreamInfo(&raw, bus.jetstream(), name, nullptr, &code), "js_GetStreamInfo", code);
        return hft::bus::stream_info_ptr(raw);
    }

    nats_server_instance nats;
    postgres_instance& pg = postgres_instance::shared();
    std::filesystem::path dir;
    std::filesystem::path config = dir / "config.yml";
    std::string database = pg.unique_database_name("market_data");
    boost::asio::io_context ioc;
    hft::bus::connection bus;
    hft::bus::publisher publisher{bus};
};

}  // namespace hft::test
