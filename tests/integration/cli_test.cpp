// The `hft` command line as a user meets it: help without a config file, and config mistakes named.

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <csignal>
#include <fstream>

using namespace hft::test;

TEST_CASE("hft --help works in an empty directory and lists every subcommand", "[integration][cli]") {
    const auto empty = make_temp_dir("hft-empty");
    spawn_options options;
    options.working_directory = empty;
    const auto result = run_command({HFT_EXECUTABLE, "--help"}, options);
    std::filesystem::remove_all(empty);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    for (const char* sub : {"migrate", "market-data-gateway", "market-data-worker", "strategy", "order-engine-gateway",
                            "exchange-sim"}) {
        CHECK_THAT(result.output, Catch::Contains(sub));
    }
}

TEST_CASE("hft --version and subcommand help need no config file", "[integration][cli]") {
    const auto empty = make_temp_dir("hft-empty");
    spawn_options options;
    options.working_directory = empty;
    const auto version = run_command({HFT_EXECUTABLE, "--version"}, options);
    CHECK(version.exit_code == 0);
    CHECK_THAT(version.output, Catch::StartsWith("hft "));
    const auto help = run_command({HFT_EXECUTABLE, "migrate", "--help"}, options);
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.output, Catch::Contains("--databaseName"));
    std::filesystem::remove_all(empty);
}

TEST_CASE("a missing config file says how to create one", "[integration][cli]") {
    const auto empty = make_temp_dir("hft-empty");
    spawn_options options;
    options.working_directory = empty;
    const auto result = run_command({HFT_EXECUTABLE, "migrate", "--databaseName=market_data"}, options);
    std::filesystem::remove_all(empty);
    CHECK(result.exit_code == 78);
    CHECK_THAT(result.output, Catch::Contains("copy config.yml.example to config.yml"));
}

TEST_CASE("a misspelled config key fails with a message naming it and its line", "[integration][cli]") {
    const auto dir = make_temp_dir("hft-config");
    const auto config = dir / "config.yml";
    std::ofstream(config) << "database:\n  market_data:\n    dsm: postgres://hft@127.0.0.1/market_data\n";
    ::chmod(config.c_str(), 0600);
    const auto result = run_command({HFT_EXECUTABLE, "--config", config.string(), "migrate", "--databaseName=market_data"});
    std::filesystem::remove_all(dir);
    INFO(result.output);
    CHECK(result.exit_code == 78);
    CHECK_THAT(result.output, Catch::Contains("database.market_data.dsm"));
    CHECK_THAT(result.output, Catch::Contains(":3"));
}

TEST_CASE("an unknown subcommand or flag is a usage error", "[integration][cli]") {
    CHECK(run_command({HFT_EXECUTABLE, "lazy-grid-strategy"}).exit_code != 0);
    CHECK(run_command({HFT_EXECUTABLE, "migrate", "--databaseName=nope"}).exit_code != 0);
}

TEST_CASE("a mistyped subcommand is named with the nearest real one, also before --help", "[integration][cli]") {
    for (const auto& args : {std::vector<std::string>{HFT_EXECUTABLE, "stratgy"},
                             std::vector<std::string>{HFT_EXECUTABLE, "--log-level", "debug", "stratgy", "--help"}}) {
        const auto result = run_command(args);
        INFO(result.output);
        CHECK(result.exit_code != 0);
        CHECK_THAT(result.output, Catch::Contains("unknown subcommand 'stratgy'; did you mean 'strategy'?"));
    }
    const auto far_off = run_command({HFT_EXECUTABLE, "foo"});
    CHECK(far_off.exit_code != 0);
    CHECK_THAT(far_off.output, Catch::Contains("unknown subcommand 'foo'; run hft --help"));
    CHECK(run_command({HFT_EXECUTABLE, "--config", "strategy.yml", "strategy", "--help"}).exit_code == 0);
}

TEST_CASE("a NATS token the server refuses is reported as an authorization failure naming the fix",
          "[integration][cli]") {
    const auto dir = make_temp_dir("hft-nats-auth");
    const int port = free_port();
    spawn_options server_options;
    server_options.log_file = dir / "nats-server.log";
    child_process nats({"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p", std::to_string(port), "-sd",
                        (dir / "store").string(), "--auth", "the-right-token"},
                       server_options);
    REQUIRE(eventually([&] { return read_file(server_options.log_file).find("Server is ready") != std::string::npos; }));

    const auto config = dir / "config.yml";
    std::ofstream(config) << "nats_jetstream:\n  url: nats://a-wrong-token@127.0.0.1:" << port
                          << "\ndatabase:\n  market_data:\n    dsn: postgres://hft@127.0.0.1:1/market_data\n"
                             "port:\n  market_data_worker_metrics: 0\n";
    ::chmod(config.c_str(), 0600);
    spawn_options worker_options;
    worker_options.log_file = dir / "worker.log";
    child_process worker({HFT_EXECUTABLE, "--config", config.string(), "market-data-worker"}, worker_options);
    const bool reported = eventually([&] {
        return read_file(worker_options.log_file).find("NATS refused this service's credentials") != std::string::npos;
    });
    worker.signal(SIGTERM);
    CHECK(worker.wait_for_exit(std::chrono::seconds(30)) == 0);
    const auto log = read_file(worker_options.log_file);
    std::filesystem::remove_all(dir);
    INFO(log);
    CHECK(reported);
    CHECK_THAT(log, Catch::Contains("Authorization Violation"));
    CHECK_THAT(log, Catch::Contains("nats_jetstream.url"));
    CHECK_THAT(log, !Catch::Contains("a-wrong-token"));
}

namespace {

// What `hft order-engine-gateway` prints and exits with at start for a config with this `exchanges:` section.
command_result order_engine_start(const std::string& exchanges) {
    const auto dir = make_temp_dir("hft-order-entry");
    const auto config = dir / "config.yml";
    std::ofstream(config) << "nats_jetstream:\n  url: nats://127.0.0.1:1\n"
                             "database:\n  market_data:\n    dsn: postgres://hft@127.0.0.1:1/market_data\n"
                             "  order_engine:\n    dsn: postgres://hft@127.0.0.1:1/order_engine\n"
                             "exchanges:\n"
                          << exchanges << "port:\n  order_engine_gateway_http: " << free_port()
                          << "\n  order_engine_gateway_metrics: 0\n";
    ::chmod(config.c_str(), 0600);
    auto result = run_command({HFT_EXECUTABLE, "--config", config.string(), "order-engine-gateway"});
    std::filesystem::remove_all(dir);
    return result;
}

}  // namespace

TEST_CASE("order entry on an exchange hft has no order adapter for is refused at start, naming the key",
          "[integration][cli]") {
    const auto result = order_engine_start("  binance:\n    api_key: a-binance-key\n    api_secret: a-binance-secret\n");
    INFO(result.output);
    CHECK(result.exit_code == 78);
    CHECK_THAT(result.output, Catch::Contains("exchanges.binance.kind is binance, which hft cannot place orders on"));
    CHECK_THAT(result.output, !Catch::Contains("a-binance-secret"));
}

TEST_CASE("order entry on a sim venue without base_url is refused at start rather than sent to Tokocrypto",
          "[integration][cli]") {
    const auto result =
        order_engine_start("  paper:\n    kind: sim\n    api_key: a-paper-key\n    api_secret: a-paper-secret\n");
    INFO(result.output);
    CHECK(result.exit_code == 78);
    CHECK_THAT(result.output, Catch::Contains("exchanges.paper.base_url is missing; a sim venue has no default host"));
    CHECK_THAT(result.output, !Catch::Contains("a-paper-secret"));
}
