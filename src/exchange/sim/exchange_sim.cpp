#include "hft/exchange/sim/exchange_sim.hpp"

#include "hft/domain/decimal.hpp"
#include "hft/exchange/sim/clock.hpp"
#include "hft/exchange/sim/latency_probe.hpp"
#include "hft/exchange/sim/trading_api.hpp"
#include "hft/exchange/sim/wire.hpp"
#include "hft/net/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <unordered_map>

namespace hft::exchange::sim {
namespace {

namespace asio = boost::asio;
using json = nlohmann::ordered_json;
using steady = std::chrono::steady_clock;

std::uint64_t next_random(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

net::http_response json_response(unsigned status, const json& body) {
    return net::http_response::json(status, body.dump());
}

net::http_response binance_error(int code, std::string_view message) {
    return json_response(400, json{{"code", code}, {"msg", message}});
}

std::optional<std::int64_t> parse_int(const std::string& text) {
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string seconds_text(std::chrono::milliseconds ms) {
    auto d = domain::decimal::from_raw(ms.count(), 3);
    return d ? d->to_string() + "s" : std::to_string(ms.count()) + "ms";
}

}  // namespace

expected<std::uint32_t, std::string> parse_rate_per_million(std::string_view text) {
    auto d = domain::decimal::parse(text);
    if (!d) return unexpected<std::string>("rate '" + std::string(text) + "': " + std::string(to_string(d.error())));
    auto ppm = d->to_units(6);
    if (!ppm || *ppm < 0 || *ppm > 1'000'000)
        return unexpected<std::string>("rate '" + std::string(text) + "' must be between 0 and 1 with at most 6 decimals");
    return static_cast<std::uint32_t>(*ppm);
}

expected<std::string, std::string> replay_symbol_for(std::string_view path, const std::vector<std::string>& symbols) {
    auto slash = path.find_last_of('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    while (!name.empty()) {
        auto sep = name.find_first_of("-_.");
        auto token = name.substr(0, sep);
        for (const auto& s : symbols) {
            if (upper(token) == s) return s;
        }
        if (sep == std::string_view::npos) break;
        name.remove_prefix(sep + 1);
    }
    return unexpected<std::string>("replay file " + std::string(path) +
                                   " names none of the symbols; its name must contain e.g. -BTCUSDT-");
}

std::optional<std::pair<std::string, std::string>> split_symbol(std::string_view symbol) {
    static constexpr std::string_view quotes[] = {"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BIDR", "IDR", "DAI",
                                                  "EUR",  "TRY",  "BTC",   "ETH",  "BNB"};
    for (auto q : quotes) {
        if (symbol.size() > q.size() && symbol.substr(symbol.size() - q.size()) == q)
            return std::pair{std::string(symbol.substr(0, symbol.size() - q.size())), std::string(q)};
    }
    return std::nullopt;
}

struct exchange_sim::impl final : net::ws_handler {
    struct session {
        std::weak_ptr<net::ws_connection> connection;
        subscriptions subs;
    };

    impl(asio::io_context& ioc_, sim_options options_, market_data_generator generator_)
        : ioc(ioc_),
          options(std::move(options_)),
          generator(std::move(generator_)),
          clock(generator.config().start_time_ms, options.speed_milli),
          engine(build_engine(options)),
          tick_timer(ioc_),
          drop_timer(ioc_),
          stall_timer(ioc_),
          fault_rng(options.seed ^ 0x5eed'fa17'0000'0001ULL) {
        net::server_options so;
        so.address = options.address;
        so.port = options.port;
        so.max_connections = options.max_connections;
        so.read_timeout = options.http_idle_timeout;
        so.reserved_paths = {"/api/v3/ping"};  // the sim's health check
        so.ws_queue_limit = options.queue_limit;
        // Beast pings after half the idle timeout of silence and drops the peer after all of it.
        so.ws_idle_timeout = options.ping_interval + options.pong_timeout;
        so.on_error = options.on_warning;
        server = std::make_unique<net::server>(ioc, std::move(so), make_routes(), this);
    }

    static trading_engine build_engine(const sim_options& o) {
        std::vector<symbol_rules> rules;
        for (const auto& symbol : o.symbols) rules.push_back(default_rules(symbol));
        trading_engine built(std::move(rules), o.fees, o.liquidity, o.client_ids);
        for (const auto& spec : o.accounts.empty() ? std::vector{default_paper_account()} : o.accounts) {
            if (auto added = built.add_account(spec); !added) throw std::invalid_argument(added.error());
        }
        return built;
    }

    // ---- websocket side ----------------------------------------------------------------------------------

    bool stream_exists(std::string_view name) const { return generator.has_stream(name); }

    bool accepts(const net::http_request& request) override {
        if (stopped) return false;
        if (request.path == "/stream") {
            auto streams = request.query_param("streams");
            if (!streams || streams->empty()) return true;
            std::string_view rest = *streams;
            while (!rest.empty()) {
                auto slash = rest.find('/');
                if (!stream_exists(rest.substr(0, slash))) return false;
                rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
            }
            return true;
        }
        if (request.path == "/ws" || request.path == "/ws/") return true;
        return request.path.rfind("/ws/", 0) == 0 && stream_exists(std::string_view(request.path).substr(4));
    }

    void on_open(const std::shared_ptr<net::ws_connection>& connection) override {
        session s;
        s.connection = connection;
        const auto& request = connection->request();
        if (request.path == "/stream") {
            s.subs.combined = true;
            if (auto streams = request.query_param("streams")) {
                std::string_view rest = *streams;
                while (!rest.empty()) {
                    auto slash = rest.find('/');
                    s.subs.add(std::string(rest.substr(0, slash)));
                    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
                }
            }
        } else if (request.path.size() > 4) {
            s.subs.add(request.path.substr(4));
        }
        sessions.emplace(connection->id(), std::move(s));
    }

    void on_message(const std::shared_ptr<net::ws_connection>& connection, std::string_view text) override {
        auto it = sessions.find(connection->id());
        if (it == sessions.end()) return;
        auto reply = handle_control_message(text, it->second.subs, [this](std::string_view n) { return stream_exists(n); });
        // A stalled exchange is silent, replies included.
        if (!stalled) connection->send(std::move(reply));
    }

    void on_close(const net::ws_connection& connection) override { sessions.erase(connection.id()); }

    // ---- market data -------------------------------------------------------------------------------------

    std::int64_t market_now() const {
        return clock.market_ms(std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started_at));
    }

    // Advances the generator to now and fans the updates out; also called by REST so answers are never stale.
    void pump() {
        if (!running) return;
        updates.clear();
        generator.advance(market_now(), updates);
        for (const auto& source : generator.config().symbols) {
            if (auto units = generator.last_price(source.symbol))
                engine.on_price(source.symbol, domain::decimal::from_raw(*units, 8).value(), wall_now_ms());
        }
        if (stalled || sessions.empty()) return;
        for (const auto& u : updates) {
            auto stream = u.stream_name();
            std::string raw;
            std::string combined;
            for (auto& [id, s] : sessions) {
                if (!s.subs.has(stream)) continue;
                auto connection = s.connection.lock();
                if (!connection) continue;
                if (options.malformed_per_million > 0 &&
                    next_random(fault_rng) % 1'000'000 < options.malformed_per_million) {
                    auto kind = static_cast<malformed_kind>(next_random(fault_rng) % malformed_kind_count);
                    connection->send(malformed_frame(u, kind, s.subs.combined));
                    continue;
                }
                if (raw.empty()) raw = kline_event_json(u);
                if (s.subs.combined) {
                    if (combined.empty()) combined = combined_json(stream, raw);
                    connection->send(combined);
                } else {
                    connection->send(raw);
                }
            }
            if (u.closed) latency.on_close_sent(u.symbol, u.open_time, steady::now());
        }
    }

    void schedule_tick() {
        tick_timer.expires_after(options.tick);
        tick_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec || !running) return;
            pump();
            schedule_tick();
        });
    }

    void schedule_drop() {
        drop_timer.expires_after(options.drop_every);
        drop_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec || !running) return;
            for (auto& [id, s] : sessions) {
                if (auto c = s.connection.lock()) c->abort();
            }
            schedule_drop();
        });
    }

    void schedule_stall(bool begin) {
        stall_timer.expires_after(begin ? options.stall_every : options.stall_for);
        stall_timer.async_wait([this, begin](const boost::system::error_code& ec) {
            if (ec || !running) return;
            stalled = begin;
            schedule_stall(!begin);
        });
    }

    // ---- REST --------------------------------------------------------------------------------------------

    net::router make_routes() {
        net::router r;
        r.add("GET", "/open/v1/common/time", [this](const net::http_request&) {
            return envelope(nullptr, market_now());
        });
        r.add("GET", "/open/v1/common/symbols", [this](const net::http_request&) { return symbols_response(); });
        r.add("GET", "/api/v3/time", [this](const net::http_request&) {
            return json_response(200, json{{"serverTime", market_now()}});
        });
        r.add("GET", "/api/v3/ping", [](const net::http_request&) { return json_response(200, json::object()); });
        // Not Tokocrypto's: tick-to-order latency (closed frame sent -> order arrived) for the benchmarks.
        r.add("GET", "/sim/latency", [this](const net::http_request&) {
            return json_response(200, json{{"tick_to_order", latency.summary_json()}});
        });
        r.add("GET", "/api/v3/klines", [this](const net::http_request& request) { return klines_response(request); });
        add_trading_routes(r, engine,
                           trading_api_hooks{wall_now_ms, [this] { pump(); },
                                             [this](const net::http_request& request, const net::http_handler& serve) {
                                                 return with_faults(request, serve);
                                             }});
        return r;
    }

    // The body wins over the query, as in the trading API.
    void record_order_arrival(const net::http_request& request) {
        const auto arrived = steady::now();
        std::string symbol, client_id;
        for (const auto* text : {&request.query, &request.body}) {
            for (auto& [name, value] : parse_form(*text)) {
                if (name == "symbol") symbol = std::move(value);
                if (name == "clientId") client_id = std::move(value);
            }
        }
        latency.on_order(symbol, client_id, arrived);
    }

    bool roll(std::uint32_t per_million) {
        return per_million > 0 && next_random(fault_rng) % 1'000'000 < per_million;
    }

    net::http_response with_faults(const net::http_request& request, const net::http_handler& serve) {
        if (request.method == "POST" && request.path == "/open/v1/orders") record_order_arrival(request);
        if (roll(options.server_error_per_million)) {
            return error_envelope(trading_error{errors::internal_error,
                                                "Internal error; unable to process your request. Please try again.",
                                                std::nullopt, 503},
                                  wall_now_ms());
        }
        if (roll(options.rate_limit_per_million)) {
            auto limited = error_envelope(
                trading_error{errors::too_many_requests,
                              "Too many requests. Please try again later.", std::nullopt, 429}, wall_now_ms());
            limited.headers.emplace_back("Retry-After", std::to_string(options.retry_after.count()));
            return limited;
        }
        auto response = serve(request);
        if (roll(options.slow_per_million)) response.delay = options.slow_for;
        if (request.method == "POST" && roll(options.lost_answer_per_million)) response.drop_connection = true;
        return response;
    }

    net::http_response symbols_response() const {
        auto list = json::array();
        for (const auto& source : generator.config().symbols) {
            const auto& rules = *engine.rules(source.symbol);
            list.push_back(json{{"symbol", rules.base_asset + "_" + rules.quote_asset},
                                {"type", 1},
                                {"baseAsset", rules.base_asset},
                                {"basePrecision", 8},
                                {"quoteAsset", rules.quote_asset},
                                {"quotePrecision", 2},
                                {"filters", filters_json(rules)},
                                {"orderTypes", json::array({"LIMIT", "MARKET"})},
                                {"spotTradingEnable", 1},
                                {"permissions", json::array({"SPOT"})}});
        }
        return envelope(json{{"list", std::move(list)}}, market_now());
    }

    net::http_response klines_response(const net::http_request& request) {
        auto mandatory = [](std::string_view name) {
            return binance_error(errors::mandatory_parameter, "Mandatory parameter '" + std::string(name) +
                                            "' was not sent, was empty/null, or malformed.");
        };
        auto symbol = request.query_param("symbol");
        if (!symbol || symbol->empty()) return mandatory("symbol");
        auto interval = request.query_param("interval");
        if (!interval || interval->empty()) return mandatory("interval");
        std::optional<std::int64_t> numbers[3];
        const char* names[] = {"startTime", "endTime", "limit"};
        for (int i = 0; i < 3; ++i) {
            auto text = request.query_param(names[i]);
            if (!text) continue;
            numbers[i] = parse_int(*text);
            if (!numbers[i])
                return binance_error(errors::illegal_characters,
                                     "Illegal characters found in parameter '" + std::string(names[i]) +
                                                "'; legal range is '^[0-9]{1,20}$'.");
        }
        auto sym = upper(*symbol);
        bool known_symbol = std::any_of(generator.config().symbols.begin(), generator.config().symbols.end(),
                                        [&](const symbol_source& s) { return s.symbol == sym; });
        if (!known_symbol) return binance_error(errors::invalid_symbol, "Invalid symbol.");
        if (!generator.serves(sym, *interval)) return binance_error(-1120, "Invalid interval.");
        auto limit = numbers[2].value_or(500);
        if (limit < 1 || limit > 1000) return binance_error(errors::invalid_parameter,
                                                            "Invalid data sent for a parameter: limit.");
        if (numbers[0] && numbers[1] && *numbers[0] > *numbers[1])
            return binance_error(-1128, "Combination of optional parameters invalid.");
        pump();
        auto klines = generator.closed_klines(sym, *interval, numbers[0], numbers[1], static_cast<std::size_t>(limit));
        auto rows = json::array();
        for (const auto& k : klines) rows.push_back(rest_kline_row(k));
        return json_response(200, rows);
    }

    asio::io_context& ioc;
    sim_options options;
    market_data_generator generator;
    sim_clock clock;
    trading_engine engine;
    std::unique_ptr<net::server> server;
    std::unordered_map<std::uint64_t, session> sessions;
    std::vector<kline_update> updates;
    latency_probe latency;
    asio::steady_timer tick_timer;
    asio::steady_timer drop_timer;
    asio::steady_timer stall_timer;
    std::uint64_t fault_rng;
    steady::time_point started_at{};
    bool running = false;
    bool stopped = false;
    bool stalled = false;
};

namespace {

market_data_generator build_generator(const sim_options& options) {
    if (options.symbols.empty()) throw std::invalid_argument("at least one symbol is required");
    if (options.speed_milli <= 0) throw std::invalid_argument("speed must be positive");
    if ((options.stall_every.count() > 0) != (options.stall_for.count() > 0))
        throw std::invalid_argument("--stall-every and --stall-for go together");
    if (options.ping_interval.count() <= 0 || options.pong_timeout.count() <= 0)
        throw std::invalid_argument("ping interval and pong timeout must be positive");
    generator_config config;
    config.seed = options.seed;
    config.intervals = options.intervals;
    config.start_time_ms = options.start_time_ms.value_or(wall_now_ms());
    for (const auto& symbol : options.symbols) config.symbols.push_back(symbol_source{symbol, {}});
    for (const auto& path : options.replay_files) {
        auto symbol = replay_symbol_for(path, options.symbols);
        if (!symbol) throw std::invalid_argument(symbol.error());
        auto rows = load_kline_csv(path);
        if (!rows) throw std::invalid_argument(rows.error());
        for (auto& s : config.symbols) {
            if (s.symbol == *symbol) s.replay = std::move(*rows);
        }
    }
    auto generator = market_data_generator::create(std::move(config));
    if (!generator) throw std::invalid_argument(generator.error());
    return std::move(generator).value();
}

}  // namespace

exchange_sim::exchange_sim(asio::io_context& ioc, sim_options options) {
    auto generator = build_generator(options);
    impl_ = std::make_unique<impl>(ioc, std::move(options), std::move(generator));
}

exchange_sim::~exchange_sim() {
    impl_->running = false;
    impl_->server.reset();
}

void exchange_sim::start() {
    auto& i = *impl_;
    i.server->start();
    i.started_at = steady::now();
    i.running = true;
    i.schedule_tick();
    if (i.options.drop_every.count() > 0) i.schedule_drop();
    if (i.options.stall_every.count() > 0) i.schedule_stall(true);
}

void exchange_sim::stop() {
    auto& i = *impl_;
    if (i.stopped) return;
    i.stopped = true;
    i.running = false;
    i.tick_timer.cancel();
    i.drop_timer.cancel();
    i.stall_timer.cancel();
    // Tell clients to reconnect elsewhere, as Binance does before maintenance; this goes out even when stalled.
    auto notice = server_shutdown_json(i.market_now());
    for (auto& [id, s] : i.sessions) {
        if (auto c = s.connection.lock()) c->send(notice);
    }
    i.server->stop();
}

std::uint16_t exchange_sim::port() const noexcept { return impl_->server->port(); }
std::size_t exchange_sim::connection_count() const noexcept { return impl_->server->connection_count(); }
std::int64_t exchange_sim::market_time_ms() const { return impl_->market_now(); }

std::optional<std::int64_t> exchange_sim::last_price(std::string_view symbol) {
    impl_->pump();
    return impl_->generator.last_price(symbol);
}

net::router& exchange_sim::routes() { return impl_->server->routes(); }

std::string exchange_sim::describe() const {
    const auto& i = *impl_;
    const auto& o = i.options;
    std::string where = o.address + ":" + std::to_string(i.server->port());
    std::string out = "exchange-sim listening on " + where + " (ws://" + where + "/stream, ws://" + where +
                      "/ws/<stream>, REST /api/v3/klines /open/v1/common/time /open/v1/common/symbols); sources:";
    for (const auto& s : i.generator.config().symbols) {
        out += " " + s.symbol + "=" + (s.replay.empty() ? "random-walk" : "replay(" + std::to_string(s.replay.size()) + " 1m rows)");
    }
    out += "; streams:";
    for (const auto& n : i.generator.stream_names()) out += " " + n;
    auto speed = domain::decimal::from_raw(o.speed_milli, 3);
    out += "; seed " + std::to_string(o.seed) + ", speed " + (speed ? speed->to_string() : "?") + "x";
    out += ", ping after " + seconds_text((o.ping_interval + o.pong_timeout) / 2) + " idle, drop after " +
           seconds_text(o.ping_interval + o.pong_timeout) + " idle";
    if (o.drop_every.count() > 0) out += ", drop every " + seconds_text(o.drop_every);
    if (o.stall_every.count() > 0) out += ", stall " + seconds_text(o.stall_for) + " every " + seconds_text(o.stall_every);
    if (o.malformed_per_million > 0) out += ", malformed " + std::to_string(o.malformed_per_million) + " ppm";
    out += "; trading: /open/v1/orders, /open/v1/account/spot; fees maker " + o.fees.maker.to_string() + " taker " +
           o.fees.taker.to_string() + "; accounts:";
    for (const auto& a : o.accounts.empty() ? std::vector{default_paper_account()} : o.accounts) out += " " + a.api_key;
    if (o.client_ids == client_id_uniqueness::among_open_orders) out += ", client ids unique among open orders";
    auto fault = [&](std::uint32_t ppm, std::string_view what) {
        if (ppm > 0) out += ", " + std::string(what) + " " + std::to_string(ppm) + " ppm";
    };
    fault(o.server_error_per_million, "5xx");
    fault(o.rate_limit_per_million, "429");
    fault(o.slow_per_million, "slow " + seconds_text(o.slow_for));
    fault(o.lost_answer_per_million, "lost answers");
    return out;
}

}  // namespace hft::exchange::sim
