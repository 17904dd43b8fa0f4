// The operations endpoint of real service processes: /healthz, /readyz and Prometheus /metrics, and readiness
// following NATS and PostgreSQL as they go away and come back (hft exchange-sim -> market-data-gateway ->
// nats-server -> market-data-worker -> PostgreSQL, each its own process).

#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/prometheus_text.hpp"
#include "support/service_fixture.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <cmath>
#include <fstream>

using namespace hft;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

class market_data_services {
public:
    market_data_services()
        : dir_(test::make_temp_dir("hft-ops")),
          database_(pg_.unique_database_name("market_data")),
          sim_({"--symbols", "BTCUSDT", "--intervals", "1s", "--speed", "20", "--seed", "3"}) {
        REQUIRE(sim_.ready);
        config_ = dir_ / "config.yml";
        std::ofstream(config_) << "log:\n  log_level: info\n"
                               << "graceful_shutdown_timeout: 5s\n"
                               << "ops:\n  postgres_probe_interval: 200ms\n"
                               << "nats_jetstream:\n  url: " << nats_.url() << "\n"
                               << "database:\n  market_data:\n    dsn: " << pg_.dsn(database_) << "\n"
                               << "exchanges:\n  sim:\n    stream_url: " << sim_.ws_url()
                               << "\n    market_data_url: " << sim_.http_url() << "\n"
                               << "market_data_gateway:\n  reconnect_min: 100ms\n  reconnect_max: 1s\n"
                               << "market_data_worker:\n  batch_timeout: 50ms\n  nak_delay: 200ms\n"
                               << "  max_open_time_ahead: 24h\n";  // the sim's clock runs 20 times faster
        test::require_migrated(config_, "market_data");
        pqxx::connection c(pg_.dsn(database_));
        pqxx::work tx(c);
        tx.exec("INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) VALUES "
                "('sim', 'BTCUSDT', 'btcusdt', 'BTC_USDT')");
        tx.exec("INSERT INTO kline_subscriptions (exchange, symbol, \"interval\", payload) VALUES "
                "('sim', 'BTCUSDT', '1s', '{}')");
        tx.commit();
        gateway_.start();
        worker_.start();
    }

    test::nats_server_instance& nats() { return nats_; }
    test::postgres_instance& pg() { return pg_; }
    test::hft_service& gateway() { return gateway_; }
    test::hft_service& worker() { return worker_; }

    /// GET `path` on `service`'s ops port; status 0 before the service said which port it took.
    test::sync_http_result get(const test::hft_service& service, const std::string& path) const {
        const auto port = service.ops_port();
        if (!port) return {};
        return test::http_get("127.0.0.1", *port, path, 2s);
    }

    /// The readiness check `check` as /readyz reports it ("ok" or the reason), empty when /readyz did not answer.
    std::string readiness_of(const test::hft_service& service, const std::string& check) const {
        const auto reply = get(service, "/readyz");
        if (reply.status != 200 && reply.status != 503) return {};
        const auto body = json::parse(reply.body, nullptr, false);
        if (!body.contains("checks") || !body["checks"].contains(check)) return {};
        return body["checks"][check].get<std::string>();
    }

    bool ready(const test::hft_service& service) const { return get(service, "/readyz").status == 200; }

    std::string logs() const {
        return "==== gateway\n" + gateway_.log() + "==== worker\n" + worker_.log() + "==== sim\n" + sim_.log();
    }

private:
    test::nats_server_instance nats_;
    test::postgres_instance pg_;  // its own, so stopping it touches no other test
    std::filesystem::path dir_;
    std::string database_;
    test::sim_process sim_;
    std::filesystem::path config_;
    test::hft_service gateway_{"market-data-gateway", dir_ / "config.yml", dir_, "gateway"};
    test::hft_service worker_{"market-data-worker", dir_ / "config.yml", dir_, "worker"};
};

void require_with_logs(const market_data_services& s, bool condition, const std::string& what) {
    if (!condition) FAIL(what << "\n" << s.logs());
}

}  // namespace

TEST_CASE("each service answers /healthz and serves /metrics that Prometheus can parse, counting real work",
          "[integration][ops]") {
    market_data_services s;
    require_with_logs(s, test::eventually([&] { return s.ready(s.gateway()) && s.ready(s.worker()); }),
                      "gateway and worker become ready");
    CHECK(s.get(s.gateway(), "/healthz").status == 200);
    CHECK(s.get(s.worker(), "/healthz").status == 200);

    // Wait until klines went all the way through, then read what each process says it did.
    require_with_logs(s, test::eventually([&] {
                          const auto text = test::parse_prometheus_text(s.get(s.worker(), "/metrics").body);
                          return text.value("hft_jetstream_acks_total", {{"durable", "market-data-worker"}}) > 0;
                      }),
                      "the worker acks stored klines");
    const auto gateway = s.get(s.gateway(), "/metrics");
    const auto worker = s.get(s.worker(), "/metrics");
    REQUIRE(gateway.status == 200);
    CHECK(gateway.header("Content-Type").value_or("").starts_with("text/plain; version=0.0.4"));

    const auto gateway_text = test::parse_prometheus_text(gateway.body);
    const auto worker_text = test::parse_prometheus_text(worker.body);
    INFO(gateway.body);
    CHECK(gateway_text.errors.empty());
    CHECK(worker_text.errors.empty());
    CHECK(gateway_text.value("hft_build_info", {{"service", "market-data-gateway"}}) == 1);
    CHECK(worker_text.value("hft_build_info", {{"service", "market-data-worker"}}) == 1);
    CHECK(gateway_text.value("hft_jetstream_publish_acks_total", {{"subject", "kline"}}) > 0);
    CHECK(gateway_text.value("hft_jetstream_publish_ack_seconds_count", {{"subject", "kline"}}) > 0);
    CHECK(worker_text.value("hft_jetstream_messages_total", {{"durable", "market-data-worker"}}) > 0);
    CHECK(worker_text.value("hft_jetstream_delivery_seconds_count", {{"durable", "market-data-worker"}}) > 0);
    CHECK(worker_text.value("hft_ready_check", {{"check", "postgres"}}) == 1);
    CHECK(worker_text.families.at("hft_jetstream_delivery_seconds").type == "histogram");

    CHECK(s.gateway().stop() == 0);
    CHECK(s.worker().stop() == 0);
}

TEST_CASE("/readyz fails while NATS or PostgreSQL is away and recovers when each comes back", "[integration][ops]") {
    market_data_services s;
    require_with_logs(s, test::eventually([&] { return s.ready(s.gateway()) && s.ready(s.worker()); }),
                      "gateway and worker become ready");

    s.nats().stop();
    require_with_logs(s, test::eventually([&] {
                          return s.get(s.worker(), "/readyz").status == 503 &&
                                 s.readiness_of(s.worker(), "nats") == "not connected to NATS" &&
                                 s.readiness_of(s.gateway(), "nats") == "not connected to NATS";
                      }),
                      "both report NATS away");
    CHECK(s.get(s.worker(), "/healthz").status == 200);  // alive, only not ready
    s.nats().start();
    require_with_logs(s, test::eventually([&] { return s.ready(s.gateway()) && s.ready(s.worker()); }),
                      "both ready again after NATS returned");

    s.pg().stop();
    require_with_logs(s, test::eventually([&] {
                          const auto reason = s.readiness_of(s.worker(), "postgres");
                          return s.get(s.worker(), "/readyz").status == 503 && !reason.empty() && reason != "ok";
                      }),
                      "the worker reports PostgreSQL away");
    INFO("worker's reason: " << s.readiness_of(s.worker(), "postgres"));
    CHECK(s.readiness_of(s.worker(), "postgres").starts_with("market_data: "));
    CHECK(s.readiness_of(s.worker(), "postgres").find("password") == std::string::npos);
    s.pg().start();
    require_with_logs(s, test::eventually([&] { return s.ready(s.gateway()) && s.ready(s.worker()); }),
                      "both ready again after PostgreSQL returned");

    CHECK(s.gateway().stop() == 0);
    CHECK(s.worker().stop() == 0);
}
