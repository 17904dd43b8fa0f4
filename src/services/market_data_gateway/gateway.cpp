#include "hft/services/market_data_gateway.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/redact.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/core/backoff.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/store/database.hpp"
#include "hft/store/market_data_repository.hpp"
#include "venue_feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <map>
#include <random>
#include <set>

namespace hft::services {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// What the database says to stream, read in one transaction.
struct loaded_plan {
    gateway_plan plan;
    std::map<std::string, std::vector<detail::stream_seed>> seeds;  ///< by exchange
};

std::string describe_streams(const venue_plan& venue) {
    std::string text;
    for (const auto& stream : venue.streams) {
        if (!text.empty()) text += ", ";
        text += stream.symbol + " " + stream.interval;
    }
    return text;
}

// Sums the running counts (not the gauges: streams, in flight, connected venues).
void add_counts(gateway_stats& into, const gateway_stats& from) {
    for (auto field : {&gateway_stats::frames, &gateway_stats::klines, &gateway_stats::published,
                        &gateway_stats::acked, &gateway_stats::duplicates, &gateway_stats::publish_failed,
                        &gateway_stats::malformed, &gateway_stats::unknown_symbol, &gateway_stats::reconnects,
                        &gateway_stats::backfilled}) {
        into.*field += from.*field;
    }
}

}  // namespace

struct market_data_gateway::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg_)
        : executor(executor_),
          bus(bus_),
          cfg(cfg_),
          database(cfg_.database.get("market_data").dsn),
          publisher(bus_, {static_cast<std::size_t>(cfg_.market_data_gateway.max_in_flight), 10s}),
          capacity(executor_),
          stop_signal(executor_),
          context{executor_, bus_, publisher, capacity, cfg.market_data_gateway,
                  obs::default_registry().histogram("hft_gateway_frame_to_ack_seconds",
                                                    "Kline frame received from the exchange to its JetStream ack",
                                                    obs::latency_buckets_seconds())},
          loop_ended(executor_),
          series(obs::default_registry()) {
        publisher.on_capacity([this] { capacity.notify(); });
        register_series();
    }

    gateway_stats totals() const;
    std::optional<std::string> readiness() const;
    void register_series();

    asio::awaitable<void> run();
    void spawn_loop(asio::awaitable<void> loop, std::string what);
    asio::awaitable<void> ensure_kline_stream();
    asio::awaitable<std::optional<loaded_plan>> load(bool retry_until_loaded);
    void apply(loaded_plan loaded, bool first);
    asio::awaitable<void> reload_loop();
    asio::awaitable<void> stats_loop();
    asio::awaitable<void> drain();
    asio::awaitable<void> pause(std::chrono::milliseconds delay);

    asio::any_io_executor executor;
    bus::connection& bus;
    app::config cfg;
    store::database database;  ///< touched only on `lane`
    app::blocking_lane lane;   ///< after `database`: joined before it closes
    bus::publisher publisher;
    detail::wakeup capacity;
    detail::wakeup stop_signal;
    detail::feed_context context;
    std::map<std::string, std::shared_ptr<detail::venue_feed>> feeds;
    gateway_stats retired;  ///< counters of feeds that were stopped
    std::set<std::string> reported_problems;
    bool plan_loaded = false;  ///< the subscriptions were read once
    bool stopping = false;
    std::size_t loops_running = 0;  ///< spawned by run(), which returns only after they ended
    detail::wakeup loop_ended;
    // Read from totals() when /metrics is scraped, so the hot path keeps its plain counters.
    obs::scrape_callbacks series;
};

gateway_stats market_data_gateway::impl::totals() const {
    gateway_stats total = retired;
    for (const auto& [exchange, feed] : feeds) {
        add_counts(total, feed->counters());
        total.streams += feed->counters().streams;
        if (feed->connected()) ++total.connected_venues;
    }
    total.in_flight = publisher.in_flight();
    return total;
}

std::optional<std::string> market_data_gateway::impl::readiness() const {
    if (!plan_loaded) return "subscriptions not read from the database yet";
    std::string disconnected;
    for (const auto& [exchange, feed] : feeds) {
        if (feed->connected()) continue;
        disconnected += disconnected.empty() ? exchange : ", " + exchange;
    }
    if (disconnected.empty()) return std::nullopt;
    return "not connected to " + disconnected;
}

void market_data_gateway::impl::register_series() {
    const auto counter = [this](std::string_view name, std::string_view help, std::uint64_t gateway_stats::*field) {
        series.counter(name, help, {}, [this, field] { return static_cast<double>(totals().*field); });
    };
    const auto gauge = [this](std::string_view name, std::string_view help, std::uint64_t gateway_stats::*field) {
        series.gauge(name, help, {}, [this, field] { return static_cast<double>(totals().*field); });
    };
    counter("hft_gateway_frames_total", "Websocket messages received from exchanges", &gateway_stats::frames);
    counter("hft_gateway_klines_total", "Kline frames that passed every check", &gateway_stats::klines);
    counter("hft_gateway_malformed_total", "Frames the parser rejected", &gateway_stats::malformed);
    counter("hft_gateway_unknown_symbol_total", "Klines for markets symbol_mappings does not name",
            &gateway_stats::unknown_symbol);
    counter("hft_gateway_reconnects_total", "Exchange websocket connections lost or renewed",
            &gateway_stats::reconnects);
    counter("hft_gateway_backfilled_total", "Closed klines published from REST history", &gateway_stats::backfilled);
    counter("hft_gateway_duplicates_total", "Publishes JetStream acked as duplicates", &gateway_stats::duplicates);
    gauge("hft_gateway_connected_venues", "Exchanges with a subscribed websocket now",
          &gateway_stats::connected_venues);
    gauge("hft_gateway_in_flight", "Publishes awaiting their JetStream ack now", &gateway_stats::in_flight);
    gauge("hft_gateway_streams", "Subscribed kline streams now", &gateway_stats::streams);
}

asio::awaitable<void> market_data_gateway::impl::pause(std::chrono::milliseconds delay) {
    if (!stopping) co_await stop_signal.wait(delay);
}

asio::awaitable<void> market_data_gateway::impl::ensure_kline_stream() {
    const auto& nats = cfg.require_nats_jetstream();
    const auto spec = bus::kline_stream_spec(nats.kline_max_age, nats.duplicate_window, nats.replicas);
    core::backoff backoff({500ms, 30s, 2.0}, std::random_device{}());
    while (!stopping) {
        std::string problem;
        try {
            co_await lane.run([&] { bus.ensure_stream(spec); });
            co_return;
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        const auto delay = backoff.next();
        spdlog::warn("cannot set up the KLINE stream on {}: {}; retrying in {} ms",
                     app::redact_text(bus.options().url), problem, delay.count());
        co_await pause(delay);
    }
}

asio::awaitable<std::optional<loaded_plan>> market_data_gateway::impl::load(bool retry_until_loaded) {
    core::backoff backoff({500ms, 30s, 2.0}, std::random_device{}());
    while (!stopping) {
        std::string problem;
        try {
            co_return co_await lane.run([this] {
                return database.run([](pqxx::connection& connection) {
                    pqxx::read_transaction tx(connection);
                    const auto subscriptions = store::load_kline_subscriptions(tx);
                    const auto mappings = store::load_symbol_mappings(tx);
                    loaded_plan loaded{make_plan(subscriptions, mappings), {}};
                    for (const auto& [exchange, venue] : loaded.plan.venues) {
                        for (const auto& stream : venue.streams) {
                            if (auto last = store::last_closed_open_time(tx, exchange, stream.symbol, stream.interval)) {
                                loaded.seeds[exchange].push_back({stream.symbol, stream.interval, *last});
                            }
                        }
                    }
                    return loaded;
                });
            });
        } catch (const std::exception& e) {
            problem = e.what();
        }
        // Unreachable, or not migrated yet: both are fixed from outside, so keep trying.
        if (!retry_until_loaded) {
            spdlog::warn("reloading subscriptions failed: {}; keeping the current ones", problem);
            co_return std::nullopt;
        }
        const bool missing_table = problem.find("does not exist") != std::string::npos;
        const auto delay = backoff.next();
        spdlog::warn("cannot read subscriptions from {}: {}{}; retrying in {} ms",
                     database.target(), problem, missing_table ? " (run hft migrate --databaseName=market_data)" : "",
                     delay.count());
        co_await pause(delay);
    }
    co_return std::nullopt;
}

void market_data_gateway::impl::apply(loaded_plan loaded, bool first) {
    for (const auto& problem : loaded.plan.problems) {
        if (reported_problems.insert(problem).second) spdlog::warn("{}", problem);
    }
    for (auto it = feeds.begin(); it != feeds.end();) {
        if (loaded.plan.venues.contains(it->first)) {
            ++it;
            continue;
        }
        spdlog::info("{}: no subscriptions left; closing its stream", it->first);
        it->second->stop();
        add_counts(retired, it->second->counters());
        it = feeds.erase(it);
    }
    for (auto& [exchange, venue] : loaded.plan.venues) {
        if (auto existing = feeds.find(exchange); existing != feeds.end()) {
            existing->second->update(std::move(venue));
            continue;
        }
        auto endpoints = endpoints_for(exchange, cfg);
        if (!endpoints) {
            if (reported_problems.insert(endpoints.error()).second) {
                spdlog::error("{}; its {} subscriptions are left out", endpoints.error(),
                              venue.streams.size());
            }
            continue;
        }
        spdlog::info("{}: {} streams ({}) from {}, backfill from {}", exchange,
                     venue.streams.size(), describe_streams(venue), endpoints->stream_url, endpoints->rest_url);
        auto feed = std::make_shared<detail::venue_feed>(context, std::move(venue), std::move(*endpoints),
                                                         loaded.seeds[exchange]);
        feeds.emplace(exchange, feed);
        asio::co_spawn(executor, feed->run(), [exchange](std::exception_ptr error) {
            if (!error) return;
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                spdlog::error("{}: feed failed: {}", exchange, e.what());
            }
        });
    }
    if (first && feeds.empty()) {
        spdlog::warn("nothing to stream: kline_subscriptions has no usable enabled rows; "
                     "add some (see README) and they are picked up within {} ms",
                     cfg.market_data_gateway.reload_interval.count());
    }
}

asio::awaitable<void> market_data_gateway::impl::reload_loop() {
    while (!stopping) {
        co_await pause(cfg.market_data_gateway.reload_interval);
        if (stopping) break;
        auto loaded = co_await load(false);
        // PostgreSQL may answer after a stop: the feeds are stopped then, and a new one would run unattended.
        if (loaded && !stopping) apply(std::move(*loaded), false);
    }
}

asio::awaitable<void> market_data_gateway::impl::stats_loop() {
    const auto interval = cfg.market_data_gateway.stats_interval;
    if (interval <= 0ms) co_return;
    std::map<std::string, std::uint64_t> frames_before;
    while (!stopping) {
        co_await pause(interval);
        if (stopping) break;
        for (const auto& [exchange, feed] : feeds) {
            const auto& c = feed->counters();
            const auto frames = c.frames - std::exchange(frames_before[exchange], c.frames);
            const auto latency = feed->take_ack_latency();
            spdlog::info(
                "{}: {:.0f} frames/s, {} klines, published {}, acked {} ({} duplicates), failed {}, in flight {}, "
                "ack latency avg {:.2f} ms max {:.2f} ms, malformed {}, reconnects {}, backfilled {}{}",
                exchange, static_cast<double>(frames) * 1000.0 / static_cast<double>(interval.count()), c.klines,
                c.published, c.acked, c.duplicates, c.publish_failed, publisher.in_flight(),
                latency.count == 0 ? 0.0 : static_cast<double>(latency.total_us) / static_cast<double>(latency.count) / 1000.0,
                static_cast<double>(latency.max_us) / 1000.0, c.malformed, c.reconnects, c.backfilled,
                feed->connected() ? "" : ", DISCONNECTED");
        }
    }
}

asio::awaitable<void> market_data_gateway::impl::drain() {
    const auto deadline = std::chrono::steady_clock::now() + cfg.graceful_shutdown_timeout;
    asio::steady_timer timer(executor);
    while (publisher.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(10ms);
        co_await timer.async_wait(as_tuple_awaitable);
    }
    if (publisher.in_flight() > 0) {
        spdlog::warn("{} publishes still unacknowledged after {} ms; their closed klines are "
                     "backfilled by the next start",
                     publisher.in_flight(), cfg.graceful_shutdown_timeout.count());
    }
}

asio::awaitable<void> market_data_gateway::impl::run() {
    auto self = shared_from_this();
    spdlog::info("NATS {}, database {}", app::redact_text(bus.options().url), database.target());
    co_await ensure_kline_stream();
    if (auto plan = co_await load(true)) {
        apply(std::move(*plan), true);
        plan_loaded = true;
    }
    spawn_loop(reload_loop(), "reloading subscriptions");
    spawn_loop(stats_loop(), "logging statistics");
    while (!stopping) co_await stop_signal.wait(1h);
    for (auto& [exchange, feed] : feeds) feed->stop();
    co_await drain();
    while (loops_running > 0) co_await loop_ended.wait(1s);
}

// The loops hold no reference to the impl: run() holds it until they end. They must end before run() returns: a
// reload whose PostgreSQL answer is still due resumes through the lane's thread pool, and once main() has joined
// the lane it would stay there for good, keeping the impl and every feed alive past exit.
void market_data_gateway::impl::spawn_loop(asio::awaitable<void> loop, std::string what) {
    ++loops_running;
    asio::co_spawn(executor, std::move(loop), [this, what = std::move(what)](std::exception_ptr error) {
        --loops_running;
        loop_ended.notify();
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            spdlog::error("{} failed: {}", what, e.what());
        }
    });
}

market_data_gateway::market_data_gateway(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg)
    : impl_(std::make_shared<impl>(std::move(executor), bus, cfg)) {}

// A plan load still running on the lane (PostgreSQL slow or gone, run() ended by an exception) must not outlive
// main(): libpqxx's statics go with exit(), so the lane is joined here.
market_data_gateway::~market_data_gateway() { impl_->lane.join(); }

asio::awaitable<void> market_data_gateway::run() { return impl_->run(); }

void market_data_gateway::stop() {
    impl_->stopping = true;
    impl_->stop_signal.notify();
}

gateway_stats market_data_gateway::stats() const { return impl_->totals(); }

std::optional<std::string> market_data_gateway::readiness() const { return impl_->readiness(); }

}  // namespace hft::services
