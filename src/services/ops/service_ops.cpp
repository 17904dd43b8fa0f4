#include "hft/services/service_ops.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/config.hpp"
#include "hft/bus/connection.hpp"
#include "hft/bus/pull_consumer.hpp"
#include "hft/store/database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace hft::services {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

/// One database's reachability, refreshed by a probe on its own lane. Members after `lane` are touched only by
/// the lane; the verdict only on the io_context.
struct database_probe {
    std::string name;
    store::database database;
    std::optional<std::string> failure = std::string("not probed yet");
    clock::time_point probe_started{};
    bool probing = false;
    app::blocking_lane lane;  // last: joined before the database it uses is destroyed

    database_probe(std::string n, std::string dsn) : name(std::move(n)), database(std::move(dsn)) {}

    /// The verdict, or "no answer" when the probe in flight has hung for longer than `patience`.
    std::optional<std::string> verdict(clock::duration patience) const {
        if (probing && clock::now() - probe_started > patience)
            return fmt::format("{}: no answer for {}s", name,
                               std::chrono::duration_cast<std::chrono::seconds>(clock::now() - probe_started).count());
        return failure;
    }
};

}  // namespace

struct service_ops::impl {
    obs::ops_server server;
    std::vector<std::unique_ptr<database_probe>> probes;
    std::chrono::milliseconds probe_interval;
    asio::steady_timer timer;
    std::uint16_t server_port;
    bool stopped = false;
    bool draining = false;
    std::string bind;
    std::string port_key;  ///< port.<service>_metrics, for messages
    obs::scrape_callbacks series{obs::default_registry()};

    impl(asio::io_context& ioc, const app::config& cfg, std::uint16_t port)
        : server(ioc, obs::ops_options{.address = cfg.ops.bind, .port = port}),
          probe_interval(std::chrono::duration_cast<std::chrono::milliseconds>(cfg.ops.postgres_probe_interval)),
          timer(ioc),
          server_port(port),
          bind(cfg.ops.bind) {}

    // Holds no reference to the impl: ~service_ops joins the probes' lanes, and a probe's completion left in the
    // stopped io_context is destroyed with it, never resumed.
    asio::awaitable<void> probe_forever() {
        while (!stopped) {
            for (auto& probe : probes) {
                probe->probing = true;
                probe->probe_started = clock::now();
                probe->failure = co_await probe->lane.run([p = probe.get()]() -> std::optional<std::string> {
                    try {
                        p->database.run([](pqxx::connection& c) {
                            pqxx::nontransaction(c).exec("SELECT 1");
                            return 0;
                        });
                        return std::nullopt;
                    } catch (const std::exception& e) {
                        return fmt::format("{}: {}", p->name, e.what());  // database errors never carry the password
                    }
                });
                probe->probing = false;
                if (stopped) break;
            }
            timer.expires_after(probe_interval);
            boost::system::error_code ignored;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
    }
};

std::vector<probed_database> configured_databases(const app::config& cfg,
                                                  std::initializer_list<std::string_view> names) {
    std::vector<probed_database> found;
    for (const auto name : names) {
        const auto& database = name == "order_engine" ? cfg.database.order_engine : cfg.database.market_data;
        if (database) found.push_back(probed_database{std::string(name), database->dsn});
    }
    return found;
}

service_ops::service_ops(asio::io_context& ioc, const app::config& cfg, std::string_view service, std::uint16_t port,
                         bus::connection& bus, std::vector<probed_database> databases)
    : impl_(std::make_shared<impl>(ioc, cfg, port)) {
    impl_->port_key = "port." + std::string(service) + "_metrics";
    std::replace(impl_->port_key.begin(), impl_->port_key.end(), '-', '_');
    impl_->series.gauge("hft_build_info", "Always 1; the labels say which service and version this process runs",
                        {{"service", std::string(service)}, {"version", HFT_VERSION}}, [] { return 1.0; });
    impl_->server.add_check("running", [state = impl_.get()]() -> std::optional<std::string> {
        if (state->draining) return std::string("stopping: draining after a signal");
        return std::nullopt;
    });
    impl_->server.add_check("nats", [&bus]() -> std::optional<std::string> {
        if (bus.connected()) return std::nullopt;
        return std::string("not connected to NATS");
    });
    for (auto& database : databases)
        impl_->probes.push_back(std::make_unique<database_probe>(std::move(database.name), std::move(database.dsn)));
    if (!impl_->probes.empty()) {
        impl_->server.add_check("postgres", [state = impl_.get()]() -> std::optional<std::string> {
            for (const auto& probe : state->probes)
                if (auto failure = probe->verdict(2 * state->probe_interval + std::chrono::seconds(1))) return failure;
            return std::nullopt;
        });
    }
    impl_->server.add_check("consumers", [limit = cfg.ops.max_consumer_lag]() -> std::optional<std::string> {
        for (const auto& [durable, lag] : bus::consumer_lags())
            if (lag > limit) return fmt::format("{} has {} messages waiting (more than {})", durable, lag, limit);
        return std::nullopt;
    });
}

service_ops::~service_ops() {
    stop();
    // Joins each probe's lane now: a SELECT 1 still running must not outlive main() (libpqxx's statics).
    impl_->probes.clear();
}

void service_ops::add_check(std::string name, obs::readiness_check check) {
    impl_->server.add_check(std::move(name), std::move(check));
}

void service_ops::start() {
    try {
        impl_->server.start();
    } catch (const boost::system::system_error& e) {
        throw app::config_error(fmt::format("cannot serve /metrics on {}:{} ({}); another process may hold the port: "
                                            "set {} to a free one (0 picks any) or ops.bind to another address",
                                            impl_->bind, impl_->server_port, e.code().message(), impl_->port_key));
    }
    spdlog::info("metrics and health on http://{}:{} (/metrics, /healthz, /readyz)", impl_->bind, port());
    if (!impl_->probes.empty()) asio::co_spawn(impl_->timer.get_executor(), impl_->probe_forever(), asio::detached);
}

void service_ops::draining() { impl_->draining = true; }

void service_ops::stop() {
    if (std::exchange(impl_->stopped, true)) return;
    impl_->timer.cancel();
    impl_->server.stop();
}

std::uint16_t service_ops::port() const noexcept { return impl_->server.port(); }

}  // namespace hft::services
