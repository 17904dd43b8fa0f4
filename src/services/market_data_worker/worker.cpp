#include "hft/services/market_data_worker.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/redact.hpp"
#include "hft/bus/dead_letter.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/core/backoff.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/store/database.hpp"
#include "hft/store/kline_repository.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <optional>
#include <random>
#include <span>
#include <vector>

namespace hft::services {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using std::chrono::steady_clock;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

const std::string kline_stream = "KLINE";
const std::string kline_filter = "kline.data.>";

// One fetched message and what decoding made of it.
struct delivery {
    bus::message message;
    expected<domain::kline, std::string> kline;
};
using batch = std::vector<delivery>;

std::string first_line(std::string_view text) {
    const auto end = text.find('\n');
    return std::string(text.substr(0, end));
}

// One transaction for the whole batch. A row the database refuses for good (a table constraint stricter than
// domain::validate) fails the whole statement, so the batch is then retried one kline per transaction and
// only the culprits are refused.
store_outcome store_batch(store::database& database, std::span<const domain::kline> klines) {
    const auto commit = [&](std::span<const domain::kline> part) {
        database.run([&](pqxx::connection& connection) {
            pqxx::work tx{connection};
            store::upsert_klines(tx, part);
            tx.commit();
        });
    };
    store_outcome outcome;
    try {
        try {
            commit(klines);
        } catch (const store::database_unavailable&) {
            throw;
        } catch (const std::exception&) {
            for (std::size_t i = 0; i < klines.size(); ++i) {
                try {
                    commit(klines.subspan(i, 1));
                } catch (const store::database_unavailable&) {
                    throw;
                } catch (const std::exception& refused) {
                    outcome.rejected.emplace(i, first_line(refused.what()));
                }
            }
        }
    } catch (const store::database_unavailable& unavailable) {
        return {true, unavailable.what(), {}};
    }
    return outcome;
}

double seconds_of(steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// One PostgreSQL session and the batch it commits. Its lane is declared after its database so that the lane
// (joining its thread) is destroyed first.
struct database_session {
    explicit database_session(const std::string& dsn) : database(dsn) {}
    store::database database;
    app::blocking_lane lane;
    batch deliveries;
};

}  // namespace

struct market_data_worker::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg)
        : executor(executor_),
          bus(bus_),
          settings(cfg.market_data_worker),
          plausibility{settings.plausibility.max_open_time_ahead, settings.plausibility.max_open_time_behind},
          nats(cfg.require_nats_jetstream()),
          shutdown_timeout(cfg.graceful_shutdown_timeout),
          dead_letters(bus_),
          loop(executor_),
          fetcher(loop, kline_stream + "/" + settings.durable),
          session_released(executor_),
          pause_timer(executor_),
          retry({200ms, 10s, 2.0}, std::random_device{}()),
          committed_total(obs::default_registry().counter("hft_worker_klines_committed_total",
                                                          "Klines in committed transactions")),
          batches_total(obs::default_registry().counter("hft_worker_batches_total", "Committed transactions")),
          dead_lettered_total(obs::default_registry().counter("hft_worker_dead_lettered_total",
                                                              "Kline messages the DLQ stream acked")),
          batch_size(obs::default_registry().histogram("hft_worker_batch_size", "Klines per committed transaction",
                                                       obs::size_buckets())),
          commit_seconds(obs::default_registry().histogram(
              "hft_worker_commit_seconds", "Time to store and commit one batch", obs::latency_buckets_seconds())) {
        settler = std::make_shared<message_settler>(executor, dead_letters, settings.max_deliver, settings.nak_delay,
                                                    shutdown_timeout, [&total = dead_lettered_total] { total.inc(); });
        bus::expose_dead_letter_metrics(kline_stream);
        const auto& dsn = cfg.database.get("market_data").dsn;
        for (int i = 0; i < settings.connections; ++i) {
            sessions.push_back(std::make_unique<database_session>(dsn));
            idle_sessions.push_back(sessions.back().get());
        }
    }

    asio::awaitable<void> run();
    asio::awaitable<bool> set_up_consumer();
    asio::awaitable<void> consume();
    asio::awaitable<batch> fetch();
    asio::awaitable<void> session_release();
    void commit_in_background(database_session& session, batch deliveries);
    asio::awaitable<void> commit(database_session& session);
    asio::awaitable<store_outcome> store(database_session& session, const batch& deliveries);
    void settle_batch(batch& deliveries, const store_outcome& outcome);
    asio::awaitable<void> wait_for_database(database_session& session, batch& held);
    std::function<void()> stats_line();
    worker_stats snapshot() const;

    asio::any_io_executor executor;
    bus::connection& bus;
    app::market_data_worker_config settings;
    core::kline_time_window plausibility;
    app::nats_jetstream_config nats;
    std::chrono::milliseconds shutdown_timeout;
    bus::publisher dead_letters;
    consumer_loop loop;
    durable_fetcher fetcher;
    std::shared_ptr<message_settler> settler;
    std::vector<std::unique_ptr<database_session>> sessions;  ///< market_data_worker.connections of them
    std::vector<database_session*> idle_sessions;             ///< not committing a batch
    asio::steady_timer session_released;                      ///< cancelled whenever a session becomes idle
    asio::steady_timer pause_timer;  ///< while waiting for PostgreSQL
    core::backoff retry;
    worker_stats counters;  ///< settled counts are the settler's
    std::optional<std::string> database_problem;  ///< set by a failed commit until PostgreSQL answers again
    obs::counter& committed_total;
    obs::counter& batches_total;
    obs::counter& dead_lettered_total;
    obs::histogram& batch_size;
    obs::histogram& commit_seconds;
};

asio::awaitable<void> market_data_worker::impl::run() {
    const auto self = shared_from_this();
    spdlog::info("durable '{}' on stream {} ({}), dead letters to {}, NATS {}, database {} ({} connections); "
                 "batches of {} klines or {} ms, ack_wait {} ms, max_deliver {}; klines opening up to {} ms ahead of "
                 "and {} ms behind the clock",
                 settings.durable, kline_stream, kline_filter, bus::dlq_subject(kline_stream),
                 app::redact_text(bus.options().url), sessions.front()->database.target(), sessions.size(),
                 settings.batch_size, settings.batch_timeout.count(), settings.ack_wait.count(), settings.max_deliver,
                 plausibility.max_ahead.count(), plausibility.max_behind.count());
    if (!co_await set_up_consumer()) co_return;
    // Both end after stop(): the stats loop at once, consume() once every batch in hand is settled.
    co_await (consume() && loop.stats_loop(settings.stats_interval, stats_line()));
    co_await settler->drain();
    const auto totals = snapshot();
    spdlog::info("totals: received {}, committed {} in {} batches, acked {}, NAKed {}, "
                 "dead-lettered {}",
                 totals.received, totals.committed, totals.batches, totals.acked, totals.naked, totals.dead_lettered);
}

asio::awaitable<bool> market_data_worker::impl::set_up_consumer() {
    const auto klines = bus::kline_stream_spec(nats.kline_max_age, nats.duplicate_window, nats.replicas);
    bus::consumer_spec durable{
        .durable = settings.durable,
        .filter_subject = kline_filter,
        .ack_wait = settings.ack_wait,
        .max_deliver = settings.max_deliver,
        // Room for the batches a worker has in hand (one per connection plus the one fetched ahead): one worker
        // with up to 3 connections. More workers on the durable share it. Unchanged by `connections`, so that a
        // durable created before that setting existed still matches.
        .max_ack_pending = 4 * settings.batch_size,
    };
    co_return co_await fetcher.set_up([&] {
        bus.ensure_stream(klines);
        bus.ensure_stream(bus::dlq_stream_spec(nats.replicas));
        bus.ensure_consumer(kline_stream, durable);
        return std::make_unique<bus::pull_consumer>(bus, kline_stream, durable);
    });
}

// Each batch is committed on an idle session while the next one is fetched, so with two sessions batch N+1 is
// inserted while batch N commits. A batch is settled only after its own commit. After a database failure
// no further batch is started until PostgreSQL answers; the batch fetched meanwhile is held, not NAKed.
asio::awaitable<void> market_data_worker::impl::consume() {
    while (!loop.stopping()) {
        auto fetched = co_await fetch();
        while (idle_sessions.empty()) co_await session_release();
        auto* session = idle_sessions.back();
        idle_sessions.pop_back();
        // Also with nothing fetched, so that readiness recovers while the stream is quiet.
        if (database_problem) co_await wait_for_database(*session, fetched);
        commit_in_background(*session, std::move(fetched));
    }
    while (idle_sessions.size() < sessions.size()) co_await session_release();
}

// Returns once commit() gives a session back to idle_sessions.
asio::awaitable<void> market_data_worker::impl::session_release() {
    session_released.expires_at(steady_clock::time_point::max());
    co_await session_released.async_wait(as_tuple_awaitable);
}

// A batch lives in its session, not in a coroutine parameter, and lane calls capture by reference and return
// nothing: owning lambdas passed to blocking_lane::run corrupted the heap (valgrind: a batch captured by a lane
// call was freed in its co_spawn and then read by run()'s frame).
void market_data_worker::impl::commit_in_background(database_session& session, batch deliveries) {
    session.deliveries = std::move(deliveries);
    // commit() catches every database and bus failure; anything else it throws ends the process loudly.
    asio::co_spawn(executor, commit(session),
                   [self = shared_from_this()](std::exception_ptr failure) {
                       if (failure) std::rethrow_exception(failure);
                   });
}

asio::awaitable<void> market_data_worker::impl::commit(database_session& session) {
    auto& deliveries = session.deliveries;
    for (auto& undecodable : deliveries) {
        if (!undecodable.kline) settler->dead_letter(std::move(undecodable.message), undecodable.kline.error());
    }
    const auto outcome = co_await store(session, deliveries);
    settle_batch(deliveries, outcome);
    deliveries.clear();
    idle_sessions.push_back(&session);
    session_released.cancel();
}

asio::awaitable<batch> market_data_worker::impl::fetch() {
    auto messages = co_await fetcher.fetch(settings.batch_size, settings.batch_timeout);
    batch fetched;
    fetched.reserve(messages.size());
    const auto now_ms = wall_clock_ms();
    for (auto& message : messages) {
        auto kline = decode_kline_message(message.subject(), message.data(), now_ms, plausibility);
        fetched.push_back({std::move(message), std::move(kline)});
    }
    counters.received += fetched.size();
    co_return fetched;
}

asio::awaitable<store_outcome> market_data_worker::impl::store(database_session& session, const batch& deliveries) {
    std::vector<domain::kline> klines;
    klines.reserve(deliveries.size());
    for (const auto& decoded : deliveries) {
        if (decoded.kline) klines.push_back(*decoded.kline);
    }
    if (klines.empty()) co_return store_outcome{};
    const auto started = steady_clock::now();
    store_outcome outcome;
    co_await session.lane.run([&session, &klines, &outcome] { outcome = store_batch(session.database, klines); });
    if (!outcome.database_unavailable) commit_seconds.observe(steady_clock::now() - started);
    co_return outcome;
}

void market_data_worker::impl::settle_batch(batch& deliveries, const store_outcome& outcome) {
    std::size_t index = 0;  // among the decoded klines, as store() numbered them
    std::size_t stored = 0;
    for (auto& decoded : deliveries) {
        if (!decoded.kline) continue;  // already on its way to the DLQ
        const auto deliveries_so_far = decoded.message.metadata().deliveries;
        auto verdict = settle(outcome, index++, deliveries_so_far, settings.max_deliver, settings.nak_delay);
        if (verdict.kind == settlement_kind::ack) ++stored;
        settler->settle(std::move(decoded.message), std::move(verdict));
    }
    if (outcome.database_unavailable) {
        database_problem = "database unavailable: " + outcome.error;
        spdlog::warn("{}; NAKed the batch of {} and paused fetching until PostgreSQL answers",
                     outcome.error, index);
        return;
    }
    if (index == 0) return;
    database_problem.reset();
    counters.committed += stored;
    ++counters.batches;
    counters.last_batch_size = index;
    committed_total.inc(stored);
    batches_total.inc();
    batch_size.observe(static_cast<double>(index));
}

// Pauses fetching until PostgreSQL accepts a connection on `session` again. `held` (fetched while the failed
// batch was being committed) is kept: it never failed, so it is not NAKed, and in_progress keeps it from
// redelivery.
asio::awaitable<void> market_data_worker::impl::wait_for_database(database_session& session, batch& held) {
    const auto started = steady_clock::now();
    retry.reset();
    while (!loop.stopping()) {
        for (auto& delivery : held) delivery.message.in_progress();
        co_await loop.pause(pause_timer, std::min(retry.next(), settings.ack_wait / 2));
        if (loop.stopping()) break;
        try {
            co_await session.lane.run([&session] { session.database.connection(); });
            spdlog::info("PostgreSQL at {} answers again after {:.1f} s; fetching again",
                         session.database.target(), seconds_of(steady_clock::now() - started));
            database_problem.reset();
            co_return;
        } catch (const store::database_unavailable&) {
            // Reported once, when the batch failed; this is the retry loop.
        }
    }
}

std::function<void()> market_data_worker::impl::stats_line() {
    return [this, previous_committed = counters.committed, previous_time = steady_clock::now()]() mutable {
        const auto now = steady_clock::now();
        const auto current = snapshot();
        const double rate =
            static_cast<double>(current.committed - previous_committed) / seconds_of(now - previous_time);
        spdlog::info("{:.0f} klines/s, committed {}, acked {}, NAKed {}, dead-lettered {}, "
                     "batches {}, last batch {}",
                     rate, current.committed, current.acked, current.naked, current.dead_lettered, current.batches,
                     current.last_batch_size);
        previous_committed = current.committed;
        previous_time = now;
    };
}

worker_stats market_data_worker::impl::snapshot() const {
    auto stats = counters;
    stats.acked = settler->counts().acked;
    stats.naked = settler->counts().naked;
    stats.dead_lettered = settler->counts().dead_lettered;
    return stats;
}

market_data_worker::market_data_worker(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg)
    : impl_(std::make_shared<impl>(std::move(executor), bus, cfg)) {}

// A fetch or commit still running on a lane must not outlive main(): a coroutine suspended on it keeps the impl
// alive, so the lanes are joined here.
market_data_worker::~market_data_worker() {
    impl_->fetcher.join();
    for (auto& session : impl_->sessions) session->lane.join();
}

asio::awaitable<void> market_data_worker::run() { return impl_->run(); }

void market_data_worker::stop() { impl_->loop.stop(); }

worker_stats market_data_worker::stats() const { return impl_->snapshot(); }

std::optional<std::string> market_data_worker::readiness() const { return impl_->database_problem; }

}  // namespace hft::services
