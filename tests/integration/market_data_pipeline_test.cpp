// The market-data pipeline end to end with real processes: hft exchange-sim -> hft market-data-gateway ->
// nats-server (JetStream) -> hft market-data-worker -> PostgreSQL. Every test ends with the same audit:
// the closed candles in market_klines form an unbroken run, each equal to what the sim's REST history says
// it emitted, and no non-closed row sits where a closed candle belongs.

#include "hft/bus/connection.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"
#include "support/nats_server_instance.hpp"
#include "support/postgres_instance.hpp"
#include "support/service_fixture.hpp"
#include "support/stream_contents.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace hft;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr std::int64_t candle_ms = 1000;  // the tests stream 1s klines
const std::vector<std::string> symbols{"BTCUSDT", "BTCUSDC"};

struct stored_row {
    bool is_closed = false;
    std::string source;
    std::vector<std::string> values;  // o h l c v q V Q n
};

// What an audit of one stream found; the test prints it and asserts on each count.
struct audit {
    std::size_t closed = 0;      ///< closed candles stored
    std::size_t missing = 0;     ///< holes in the run of closed candles
    std::size_t mismatched = 0;  ///< closed candles whose OHLCV differs from the sim's history
    std::size_t open_in_closed_place = 0;  ///< non-closed rows older than the newest closed candle
    std::size_t backfilled = 0;  ///< closed candles that came from REST backfill
    std::string first_problem;
};

class pipeline {
public:
    explicit pipeline(std::vector<std::string> sim_faults = {}, int gateways = 1)
        : dir_(test::make_temp_dir("hft-pipeline")),
          database_(pg().unique_database_name("market_data")),
          sim_(sim_flags(std::move(sim_faults))) {
        REQUIRE(sim_.ready);
        write_config();
        test::require_migrated(config_, "market_data");
        insert_markets();
        for (int i = 0; i < gateways; ++i) {
            gateways_.emplace_back("market-data-gateway", config_, dir_, "gateway-" + std::to_string(i + 1));
        }
        worker_.emplace("market-data-worker", config_, dir_, "worker");
    }

    static test::postgres_instance& pg() { return test::postgres_instance::shared(); }
    test::nats_server_instance& nats() { return nats_; }
    test::hft_service& gateway(std::size_t i = 0) { return gateways_.at(i); }
    std::size_t gateway_count() const { return gateways_.size(); }
    test::hft_service& worker() { return *worker_; }
    test::sim_process& sim() { return sim_; }

    void start_all() {
        for (auto& g : gateways_) g.start();
        worker_->start();
    }

    /// Everything the processes printed, for failure messages.
    std::string logs() {
        std::string text = "==== sim\n" + sim_.log();
        for (auto& g : gateways_) text += "==== gateway\n" + g.log();
        return text + "==== worker\n" + worker_->log();
    }

    pqxx::connection connect() const { return pqxx::connection(pg().dsn(database_)); }

    void execute(const std::string& sql) const {
        auto c = connect();
        pqxx::work tx(c);
        tx.exec(sql);
        tx.commit();
    }

    /// Closed candles stored for `symbol`, or 0 while the database is unreachable (during a restart).
    std::size_t closed_count(const std::string& symbol) const {
        try {
            auto c = connect();
            pqxx::read_transaction tx(c);
            return tx.exec_params1("SELECT count(*) FROM market_klines WHERE symbol = $1 AND is_closed", symbol)[0]
                .as<std::size_t>();
        } catch (const std::exception&) {
            return 0;
        }
    }

    /// Waits until every stream has `target` more closed candles than now.
    bool grows_by(std::size_t target, std::chrono::milliseconds timeout = 60s) {
        std::map<std::string, std::size_t> start;
        for (const auto& s : symbols) start[s] = closed_count(s);
        return test::eventually(
            [&] {
                for (const auto& s : symbols) {
                    if (closed_count(s) < start[s] + target) return false;
                }
                return true;
            },
            timeout);
    }

    audit check(const std::string& symbol) const {
        std::map<std::int64_t, stored_row> rows;
        {
            auto c = connect();
            pqxx::read_transaction tx(c);
            for (const auto& r : tx.exec_params(
                     "SELECT (extract(epoch FROM open_time) * 1000)::bigint, is_closed, source, open_price::text, "
                     "high_price::text, low_price::text, close_price::text, base_volume::text, quote_volume::text, "
                     "taker_base_volume::text, taker_quote_volume::text, trade_count::text FROM market_klines "
                     "WHERE exchange = 'sim' AND symbol = $1 AND \"interval\" = '1s' ORDER BY open_time",
                     symbol)) {
                stored_row row{r[1].as<bool>(), r[2].as<std::string>(), {}};
                for (int i = 3; i < 12; ++i) row.values.push_back(r[i].as<std::string>());
                rows.emplace(r[0].as<std::int64_t>(), std::move(row));
            }
        }
        audit result;
        std::optional<std::int64_t> first_closed, last_closed;
        for (const auto& [open_time, row] : rows) {
            if (!row.is_closed) continue;
            if (!first_closed) first_closed = open_time;
            last_closed = open_time;
            ++result.closed;
            if (row.source == "backfill") ++result.backfilled;
        }
        if (!first_closed) return result;
        const auto history = sim_history(symbol, *first_closed, *last_closed);
        const auto note = [&](std::string text) {
            if (result.first_problem.empty()) result.first_problem = std::move(text);
        };
        for (auto t = *first_closed; t <= *last_closed; t += candle_ms) {
            const auto row = rows.find(t);
            if (row == rows.end()) {
                ++result.missing;
                note("no row for open time " + std::to_string(t));
                continue;
            }
            if (!row->second.is_closed) {
                ++result.open_in_closed_place;
                note("a non-closed row at open time " + std::to_string(t));
                continue;
            }
            const auto expected = history.find(t);
            if (expected == history.end() || !same_values(row->second.values, expected->second)) {
                ++result.mismatched;
                note("values differ from the sim's at open time " + std::to_string(t));
            }
        }
        return result;
    }

    /// Whether the worker's durable consumer has nothing left to deliver or to be acked, within `timeout`.
    bool worker_caught_up(std::chrono::milliseconds timeout = 60s) {
        boost::asio::io_context io;
        bus::connection bus(io.get_executor(), {.url = nats_.url(), .name = "pipeline-test"});
        return test::eventually(
            [&] {
                io.poll();
                jsConsumerInfo* info = nullptr;
                if (js_GetConsumerInfo(&info, bus.jetstream(), "KLINE", "market-data-worker", nullptr, nullptr) !=
                    NATS_OK) {
                    return false;
                }
                const bool done = info->NumPending == 0 && info->NumAckPending == 0;
                jsConsumerInfo_Destroy(info);
                return done;
            },
            timeout);
    }

    /// The open time of the newest candle the sim has closed.
    std::int64_t sim_latest_closed() const {
        const auto reply =
            test::http_get("127.0.0.1", sim_.port, "/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=1", 5s);
        const auto rows = json::parse(reply.body, nullptr, false);
        return rows.is_array() && !rows.empty() ? rows.back()[0].get<std::int64_t>() : 0;
    }

    /// Messages in the KLINE stream per Nats-Msg-Id of a closed candle: each must be there once.
    std::map<std::string, int> closed_messages_in_stream() {
        std::map<std::string, int> counts;
        for (const auto& m : test::stream_contents(nats_.url(), "KLINE")) {
            if (m.msg_id.ends_with(".closed")) ++counts[m.msg_id];
        }
        return counts;
    }

private:
    static std::vector<std::string> sim_flags(std::vector<std::string> faults) {
        std::vector<std::string> flags{"--symbols", "BTCUSDT,BTCUSDC", "--intervals", "1s", "--speed", "20", "--seed", "7"};
        flags.insert(flags.end(), faults.begin(), faults.end());
        return flags;
    }

    void write_config() {
        config_ = dir_ / "config.yml";
        std::ofstream(config_) << "log:\n  log_level: info\n"
                               << "graceful_shutdown_timeout: 10s\n"
                               << "nats_jetstream:\n  url: " << nats_.url() << "\n"
                               << "database:\n  market_data:\n    dsn: " << pg().dsn(database_) << "\n"
                               << "exchanges:\n  sim:\n    stream_url: " << sim_.ws_url()
                               << "\n    market_data_url: " << sim_.http_url() << "\n"
                               << "market_data_gateway:\n  idle_timeout: 1s\n  reconnect_min: 100ms\n"
                               << "  reconnect_max: 1s\n  reload_interval: 500ms\n  stats_interval: 2s\n"
                               << "market_data_worker:\n  batch_size: 200\n  batch_timeout: 50ms\n  ack_wait: 3s\n"
                               << "  nak_delay: 200ms\n  stats_interval: 2s\n"
                               << "  max_open_time_ahead: 24h\n";  // the sim's clock runs 20 times faster
    }

    // One row with a subscribe request stored verbatim, one with an empty payload the gateway builds from.
    void insert_markets() {
        auto c = connect();
        pqxx::work tx(c);
        tx.exec("INSERT INTO symbol_mappings (exchange, symbol, kline_symbol, order_symbol) VALUES "
                "('sim', 'BTCUSDT', 'btcusdt', 'BTC_USDT'), ('sim', 'BTCUSDC', 'btcusdc', 'BTC_USDC')");
        tx.exec("INSERT INTO kline_subscriptions (exchange, symbol, \"interval\", payload) VALUES "
                "('sim', 'BTC_USDT', '1s', '{\"id\": 1, \"method\": \"SUBSCRIBE\", \"params\": [\"btcusdt@kline_1s\"]}'),"
                "('sim', 'BTCUSDC', '1s', '{}')");
        tx.commit();
    }

    std::map<std::int64_t, std::vector<std::string>> sim_history(const std::string& symbol, std::int64_t first,
                                                                 std::int64_t last) const {
        std::map<std::int64_t, std::vector<std::string>> history;
        for (auto start = first; start <= last; start += 1000 * candle_ms) {
            const auto reply = test::http_get("127.0.0.1", sim_.port,
                                              "/api/v3/klines?symbol=" + symbol + "&interval=1s&startTime=" +
                                                  std::to_string(start) + "&endTime=" + std::to_string(last) +
                                                  "&limit=1000",
                                              10s);
            REQUIRE(reply.status == 200);
            for (const auto& row : json::parse(reply.body)) {
                history[row[0].get<std::int64_t>()] = {row[1], row[2], row[3], row[4], row[5], row[7], row[9], row[10],
                                                       std::to_string(row[8].get<std::int64_t>())};
            }
        }
        return history;
    }

    static bool same_values(const std::vector<std::string>& stored, const std::vector<std::string>& emitted) {
        if (stored.size() != emitted.size()) return false;
        for (std::size_t i = 0; i < stored.size(); ++i) {
            const auto a = domain::decimal::parse(stored[i]);
            const auto b = domain::decimal::parse(emitted[i]);
            if (!a || !b || !(*a == *b)) return false;
        }
        return true;
    }

    std::filesystem::path dir_;
    test::nats_server_instance nats_;
    std::string database_;
    test::sim_process sim_;
    std::filesystem::path config_;
    std::vector<test::hft_service> gateways_;
    std::optional<test::hft_service> worker_;
};

// Ends the test with every process's output when `held` is false.
void require_with_logs(pipeline& p, bool held, std::string_view what) {
    if (!held) FAIL(what << "\n" << p.logs());
}

// A range of candles one gateway process set out to backfill more than once ("" when none): each missing
// candle is fetched once, however many reconnects and closed klines point at it.
std::string range_backfilled_twice(const std::string& log) {
    const std::regex backfilling(R"(\S+ \S+ \S+: backfilling \d+ closed klines \(open times \d+\.\.\d+\))");
    std::set<std::string> seen;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("---- start")) seen.clear();  // a new process: a killed one's ranges may be redone
        std::smatch match;
        if (std::regex_search(line, match, backfilling) && !seen.insert(match.str()).second) return match.str();
    }
    return "";
}

// Stops intake, lets the worker store what is in flight, and audits both streams.
void require_exactly_once(pipeline& p) {
    for (std::size_t i = 0; i < p.gateway_count(); ++i) {
        if (!p.gateway(i).running()) continue;
        const auto exit_code = p.gateway(i).stop();
        require_with_logs(p, exit_code == 0,
                          fmt::format("gateway {} did not exit 0 on SIGTERM (exit {})", i + 1,
                                      exit_code ? std::to_string(*exit_code) : "none within 30 s"));
    }
    for (std::size_t i = 0; i < p.gateway_count(); ++i) {
        const auto twice = range_backfilled_twice(p.gateway(i).log());
        require_with_logs(p, twice.empty(), fmt::format("gateway {} queued one range twice: {}", i + 1, twice));
    }
    require_with_logs(p, p.worker_caught_up(), "p.worker_caught_up()");
    CHECK(p.worker().stop() == 0);
    for (const auto& symbol : symbols) {
        const auto a = p.check(symbol);
        INFO(symbol << ": " << a.closed << " closed, " << a.missing << " missing, " << a.mismatched
                    << " mismatched, " << a.open_in_closed_place << " non-closed in a closed place, " << a.backfilled
                    << " backfilled; " << a.first_problem);
        WARN(symbol << ": " << a.closed << " closed candles stored, " << a.missing << " lost, " << a.backfilled
                    << " via backfill");
        CHECK(a.closed > 0);
        CHECK(a.missing == 0);
        CHECK(a.mismatched == 0);
        CHECK(a.open_in_closed_place == 0);
    }
}

}  // namespace

TEST_CASE("every closed kline the sim emits is stored once with identical OHLCV and malformed frames are only counted",
          "[integration][market-data]") {
    pipeline p({"--malformed-rate", "0.02"});
    p.start_all();
    require_with_logs(p, p.grows_by(60), "p.grows_by(60)");
    require_exactly_once(p);
    const auto logs = p.logs();
    CHECK(logs.find("malformed frame") != std::string::npos);
}

TEST_CASE("no closed kline is lost or doubled while the sim drops and stalls connections",
          "[integration][market-data]") {
    pipeline p({"--drop-every", "2", "--stall-every", "3", "--stall-for", "2"});
    p.start_all();
    require_with_logs(p, p.grows_by(150, 90s), "p.grows_by(150, 90s)");
    require_exactly_once(p);
    const auto logs = p.logs();
    CHECK(logs.find("backfilling") != std::string::npos);
    CHECK(logs.find("stalled stream") != std::string::npos);
}

TEST_CASE("no closed kline is lost or doubled when the gateway and the worker are killed -9 and restarted",
          "[integration][market-data]") {
    pipeline p;
    p.start_all();
    require_with_logs(p, p.grows_by(30), "p.grows_by(30)");
    p.gateway().kill();
    // Candles the sim closes while no gateway listens: the gap the restarted gateway must backfill.
    const auto killed_at = p.sim_latest_closed();
    require_with_logs(p, test::eventually([&] { return p.sim_latest_closed() >= killed_at + 20 * candle_ms; }), "test::eventually([&] { return p.sim_latest_closed() >= killed_at + 20 * candle_ms; })");
    p.gateway().start();
    require_with_logs(p, p.grows_by(30), "p.grows_by(30)");
    p.worker().kill();  // mid-batch: it has fetched but not acked; JetStream redelivers after ack_wait
    p.worker().start();
    require_with_logs(p, p.grows_by(30), "p.grows_by(30)");
    require_exactly_once(p);
}

TEST_CASE("no closed kline is lost or doubled when PostgreSQL and nats-server restart",
          "[integration][market-data]") {
    pipeline p;
    p.start_all();
    require_with_logs(p, p.grows_by(30), "p.grows_by(30)");
    pipeline::pg().restart();
    require_with_logs(p, p.grows_by(30), "p.grows_by(30)");
    p.nats().restart();
    require_with_logs(p, p.grows_by(30, 90s), "p.grows_by(30, 90s)");
    require_exactly_once(p);
}

TEST_CASE("two gateways at once put each closed kline into JetStream once", "[integration][market-data]") {
    pipeline p({}, 2);
    p.start_all();
    require_with_logs(p, p.grows_by(40), "p.grows_by(40)");
    require_exactly_once(p);
    const auto counts = p.closed_messages_in_stream();
    CHECK(counts.size() >= 80);
    std::size_t doubled = 0;
    for (const auto& [id, count] : counts) doubled += count > 1 ? 1 : 0;
    CHECK(doubled == 0);
    // Both gateways really published: the server reported their second copies as duplicates.
    const std::regex totals(R"(totals: .* acked \d+ \((\d+) duplicates\))");
    std::uint64_t duplicates = 0;
    for (std::size_t i = 0; i < p.gateway_count(); ++i) {
        const auto log = p.gateway(i).log();
        for (std::sregex_iterator it(log.begin(), log.end(), totals), end; it != end; ++it) {
            duplicates += std::stoull((*it)[1]);
        }
    }
    CHECK(duplicates > 0);
}

TEST_CASE("the gateway follows subscriptions disabled and enabled at run time and backfills the pause",
          "[integration][market-data]") {
    pipeline p;
    p.start_all();
    require_with_logs(p, p.grows_by(20), "p.grows_by(20)");
    p.execute("UPDATE kline_subscriptions SET enabled = false WHERE symbol = 'BTCUSDC'");
    require_with_logs(p, test::eventually([&] { return p.gateway().log().find("stream removed: BTCUSDC 1s") !=
                                                       std::string::npos; }),
                      "the gateway unsubscribes BTCUSDC");
    const auto paused_at = p.sim_latest_closed();
    require_with_logs(p, test::eventually([&] { return p.sim_latest_closed() >= paused_at + 20 * candle_ms; }),
                      "the sim closes 20 candles meanwhile");
    p.execute("UPDATE kline_subscriptions SET enabled = true WHERE symbol = 'BTCUSDC'");
    require_with_logs(p, test::eventually([&] { return p.gateway().log().find("stream added: BTCUSDC 1s") !=
                                                       std::string::npos; }),
                      "the gateway subscribes BTCUSDC again");
    require_with_logs(p, p.grows_by(20), "p.grows_by(20)");
    require_exactly_once(p);
}
