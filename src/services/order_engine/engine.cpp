#include "hft/services/order_engine.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/redact.hpp"
#include "hft/bus/dead_letter.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/pull_consumer.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/order_update.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/core/backoff.hpp"
#include "hft/core/order_lifecycle.hpp"
#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "hft/store/database.hpp"
#include "hft/store/market_data_repository.hpp"
#include "hft/store/order_repository.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <span>
#include <variant>

namespace hft::services {
namespace {

namespace asio = boost::asio;
namespace tk = exchange::tokocrypto;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using domain::order_record;
using domain::order_status;
using steady = std::chrono::steady_clock;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

const std::string engine_stream = "ORDER_ENGINE";
constexpr int fetch_batch = 16;
constexpr auto fetch_timeout = 1000ms;
constexpr auto command_nak_delay = 1000ms;
constexpr auto mappings_reload_min = 5s;          // an unknown symbol re-reads symbol_mappings at most this often
constexpr std::int64_t find_lookback_ms = 60'000;  // clock skew allowance when listing orders since created_at

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

order_error error_of(order_error_kind kind, std::string code, std::string message) {
    return {kind, std::move(code), std::move(message), std::nullopt};
}

// A request_id or order_id already known: the answer carries the order as it is. An order_id names one order for
// good, refused ones included: its record and published updates already say what became of it, and its client
// order id is spent. So a corrected order that reuses it is told to take a new one.
order_error duplicate_of(std::string_view request_id, order_record existing) {
    std::string message = "request_id or order_id is already known; the existing order is returned";
    if (existing.request_id != request_id) {
        message = fmt::format("order_id \"{}\" is already taken by request \"{}\" ({}{}); a new or corrected order "
                              "needs a new order_id (or none: it defaults to the request_id)",
                              existing.order_id, existing.request_id, domain::to_string(existing.status),
                              existing.reason ? ": " + *existing.reason : std::string());
    }
    return order_error{order_error_kind::duplicate, "DUPLICATE_ORDER", std::move(message), std::move(existing)};
}

order_error unavailable(std::string what) {
    return error_of(order_error_kind::unavailable, "UNAVAILABLE", std::move(what) + "; retry later");
}

// An exchange failure where the caller waits for an answer: refused for good names the exchange's reason,
// anything else is temporary.
order_error exchange_error(const tk::api_failure& failure, std::string_view doing) {
    if (failure.kind == tk::failure_kind::rejected) {
        return error_of(order_error_kind::invalid_request, "EXCHANGE_REJECTED",
                        fmt::format("the exchange refused {}: {}", doing, failure.describe()));
    }
    auto error = unavailable(fmt::format("the exchange did not answer {}: {}", doing, failure.describe()));
    if (failure.kind == tk::failure_kind::rate_limited) error.retry_after = failure.retry_after;
    return error;
}

// A command breaking a domain rule, named by its field.
order_error invalid_field(const domain::field_error& broken) {
    return error_of(order_error_kind::invalid_request, "INVALID_FIELD", domain::to_string(broken));
}

order_error expired(std::int64_t expires_at) {
    return error_of(order_error_kind::invalid_request, "ORDER_EXPIRED",
                    fmt::format("expires_at {} has passed; send a new order with a later expires_at", expires_at));
}

// Declined before anything is committed or sent: the exchange rate-limits the account for `wait` more.
order_error rate_limited(std::chrono::milliseconds wait) {
    auto error = error_of(order_error_kind::unavailable, "RATE_LIMITED",
                          fmt::format("the exchange rate-limited this account; nothing was sent, retry after {} s",
                                      std::chrono::ceil<std::chrono::seconds>(wait).count()));
    error.retry_after = wait;
    return error;
}

using engine_command = std::variant<domain::place_order_command, domain::cancel_order_command>;

// The command a message carries, or why it carries none.
expected<engine_command, std::string> decode_command(const bus::message& message) {
    const auto subject = message.subject();
    if (subject == bus::place_order_subject()) {
        auto command = codec::decode_place_order(message.data());
        if (!command) return unexpected("undecodable place-order command: " + command.error().to_string());
        return engine_command{std::move(*command)};
    }
    if (subject == bus::cancel_order_subject()) {
        auto command = codec::decode_cancel_order(message.data());
        if (!command) return unexpected("undecodable cancel-order command: " + command.error().to_string());
        return engine_command{std::move(*command)};
    }
    return unexpected("no command is published on " + std::string(subject));
}

// The status an exchange acknowledgement moves an unacknowledged order to before its fills are recorded: fills
// move it further (record_fill), and FILLED needs them first.
order_status acknowledged_status(const tk::exchange_order& answer) {
    if (answer.executed_quantity.is_zero() && answer.status != order_status::filled) return answer.status;
    return order_status::new_;
}

using lock_channel = asio::experimental::channel<void(boost::system::error_code)>;

// One exchange account: its client and one lock per connection of the client, each keeping that connection's calls
// one at a time (http_client requires it). Order entry (place, cancel) and queries (status sync, trades, rules)
// lock separately, so a new order never queues behind the status poller.
struct account {
    account(asio::any_io_executor executor, net::http_origin origin, tk::credentials credentials, tk::rest_options options)
        : client(executor, std::move(origin), std::move(credentials), std::move(options)),
          entry(executor, 1),
          queries(executor, 1) {}
    tk::rest_client client;
    lock_channel entry;
    lock_channel queries;
};

// Holds a connection's lock until destroyed.
class connection_lock {
public:
    explicit connection_lock(lock_channel& lock) : held_(&lock) {}
    connection_lock(connection_lock&& other) noexcept : held_(std::exchange(other.held_, nullptr)) {}
    connection_lock& operator=(connection_lock&&) = delete;
    ~connection_lock() {
        if (held_) held_->try_receive([](boost::system::error_code) {});
    }

private:
    lock_channel* held_;
};

asio::awaitable<connection_lock> acquire(lock_channel& lock) {
    co_await lock.async_send(boost::system::error_code{}, asio::use_awaitable);
    co_return connection_lock{lock};
}

// Takes `lock` for the duration of `call`.
template <class T>
asio::awaitable<T> exclusive(lock_channel& lock, asio::awaitable<T> call) {
    const auto held = co_await acquire(lock);
    co_return co_await std::move(call);
}

// The symbol's rules from the client's cache, else fetched over the query connection: order entry takes no lock
// for them while they are fresh.
asio::awaitable<tk::result<core::symbol_rules>> rules_of(account& acct, std::string symbol) {
    if (auto cached = acct.client.cached_rules(symbol)) co_return std::move(*cached);
    co_return co_await exclusive(acct.queries, acct.client.rules(std::move(symbol)));
}

domain::fill fill_of(const tk::exchange_trade& trade) {
    return {trade.trade_id, trade.price, trade.quantity, trade.fee, trade.fee_asset, trade.is_maker, trade.time};
}

}  // namespace

// The engine's Prometheus series (process-lifetime objects in obs::default_registry()).
struct engine_metrics {
    // Looked up in the registry once per status, on first use (a status never reached adds no series).
    obs::counter& orders(domain::order_status status) {
        auto& slot = by_status[static_cast<std::size_t>(status)];
        if (slot == nullptr) {
            slot = &obs::default_registry().counter(
                "hft_orders_total", "Orders reaching a status (each order counts once per status it reaches)",
                {{"status", std::string(domain::to_string(status))}});
        }
        return *slot;
    }
    std::array<obs::counter*, static_cast<std::size_t>(domain::order_status::unknown) + 1> by_status{};
    obs::counter& risk_rejection(const std::string& code) {
        return obs::default_registry().counter("hft_order_risk_rejections_total",
                                               "Orders refused by a risk limit or the trading state, by code",
                                               {{"code", code}});
    }
    obs::counter& fills = obs::default_registry().counter("hft_order_fills_total", "Fills recorded (each trade once)");
    obs::histogram& command_to_send = obs::default_registry().histogram(
        "hft_order_command_to_send_seconds",
        "From an order command being taken up (JetStream or HTTP) to its request leaving for the exchange",
        obs::latency_buckets_seconds());
    obs::histogram& exchange_request(std::string_view endpoint) {
        return obs::default_registry().histogram("hft_exchange_request_seconds",
                                                  "Exchange REST round trip, by endpoint",
                                                  obs::latency_buckets_seconds(), {{"endpoint", std::string(endpoint)}});
    }
    obs::histogram& new_order = exchange_request("new_order");
    obs::histogram& query_order = exchange_request("query_order");
};

// A connection to each database and the lane that alone runs their statements (declared last, so it is joined
// before the connections close).
struct databases {
    explicit databases(const app::config& cfg)
        : orders(cfg.database.get("order_engine").dsn), market(cfg.database.get("market_data").dsn) {}
    store::database orders;
    store::database market;
    app::blocking_lane lane;
};

// A scope an order's risk is checked in, with its limits; `strategy` narrows the book to that strategy's orders.
struct risk_scope {
    std::string name;
    const core::risk_limits* limits;
    std::optional<std::string> strategy;
};

// What deciding on a new order came to: exactly one of the three is set.
struct entry_decision {
    std::optional<order_record> duplicate;  // an order with this request_id or order_id exists: nothing more happens
    std::optional<order_error> refusal;     // a filter or a risk limit refuses it: record it as REJECTED
    std::optional<order_record> pending;    // committed as PENDING_NEW with sent_at: send it now
};

// Whether placing an order the exchange reports executions for fetches them before returning (the HTTP API answers
// with them) or leaves them to executions_loop (the command consumer: the next command does not wait for them).
enum class executions { fetch_now, fetch_later };

struct order_engine::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg)
        : executor(executor_),
          bus(bus_),
          settings(cfg.order_engine_gateway),
          nats(cfg.require_nats_jetstream()),
          exchanges(cfg.exchanges),
          shutdown_timeout(cfg.graceful_shutdown_timeout),
          default_limits(parse_risk_limits(settings.risk, "order_engine_gateway.risk")),
          entry_db(cfg),
          sync_db(cfg),
          publisher(bus_),
          pause_timer(executor_),
          poll_timer(executor_),
          stats_timer(executor_),
          executions_signal(executor_),
          retry({200ms, 10s, 2.0}, std::random_device{}()) {
        bus::expose_dead_letter_metrics(engine_stream);
        for (const auto& [user, limits] : settings.user_risk) {
            user_limits.emplace(user, parse_risk_limits(limits, "order_engine_gateway.risk_users." + user));
        }
        for (const auto& [strategy, limits] : settings.strategy_risk) {
            strategy_limits.emplace(strategy, parse_risk_limits(limits, "order_engine_gateway.risk_strategies." + strategy));
        }
        for (const auto& [name, venue] : exchanges) {
            const auto& url = venue.base_url.empty() ? std::string(tk::default_base_url) : venue.base_url;
            if (auto origin = net::http_origin::parse(url); !origin) {
                throw app::config_error(fmt::format("exchanges.{}.base_url: {}; write it like https://www.tokocrypto.com",
                                                    name, origin.error()));
            }
        }
    }

    // ---- plumbing ----

    // Runs `work(connection)` against order_engine on `on`'s lane; database_unavailable passes through.
    template <class F>
    asio::awaitable<std::invoke_result_t<F&, pqxx::connection&>> db(databases& on, F work) {
        auto result = co_await on.lane.run([&on, &work] { return on.orders.run(work); });
        database_ok = true;
        co_return result;
    }

    expected<account*, order_error> account_for(const std::string& exchange, const std::string& user_id);
    asio::awaitable<std::optional<domain::symbol_mapping>> mapping_for(databases& on, std::string exchange,
                                                                       std::string text);
    asio::awaitable<void> refresh_trading_states(databases& on, bool force);
    std::vector<risk_scope> risk_scopes(const domain::place_order_command& command) const;
    entry_decision decide_entry(const domain::place_order_command& command, order_record order,
                                const core::symbol_rules& rules, const std::vector<risk_scope>& scopes,
                                core::trading_state state);
    expected<void, order_error> check_risk(const domain::place_order_command& command, const domain::decimal& price,
                                           const std::string& symbol, const std::vector<risk_scope>& scopes,
                                           core::trading_state state);
    core::order_rate_limiter* limiter(const std::string& scope, const core::risk_limits& limits);

    void publish_update(const order_record& order, std::optional<domain::fill> fill);
    asio::awaitable<bus::publish_result> publish_and_wait(std::string subject, std::string payload, std::string msg_id);
    asio::awaitable<std::optional<order_record>> transition(databases& on, order_record current,
                                                            store::order_transition change);
    asio::awaitable<order_record> latest(databases& on, order_record order);

    // ---- orders ----

    asio::awaitable<order_result<order_record>> place(domain::place_order_command command, executions then);
    asio::awaitable<order_result<order_record>> refuse(order_record order, order_error refusal);
    asio::awaitable<order_result<order_record>> send(order_record order, account* acct, domain::symbol_mapping market,
                                                     steady::time_point taken_up, executions then,
                                                     connection_lock entry_held);
    asio::awaitable<order_result<void>> submit(domain::place_order_command command);
    asio::awaitable<order_result<order_record>> cancel(domain::cancel_order_command command);
    asio::awaitable<order_record> sync(order_record order);
    asio::awaitable<order_record> apply(order_record order, account& acct, std::string order_symbol,
                                        store::fill_market market, tk::exchange_order answer);

    // ---- loops ----

    asio::awaitable<void> run();
    asio::awaitable<bool> set_up_consumer();
    asio::awaitable<void> reconcile();
    asio::awaitable<void> open_entry_connections();
    asio::awaitable<void> warm_up_exchanges();
    asio::awaitable<void> refresh_due_rules();
    asio::awaitable<void> keep_entries_warm();
    asio::awaitable<bool> poll_once(bool everything);
    asio::awaitable<void> poll_loop();
    asio::awaitable<void> stats_loop();
    asio::awaitable<void> executions_loop();
    asio::awaitable<void> consume();
    asio::awaitable<void> handle(bus::message message, std::span<bus::message> queued);
    asio::awaitable<std::optional<order_error>> execute(const engine_command& command);
    void dead_letter(bus::message message, std::string reason);
    asio::awaitable<void> pause(asio::steady_timer& timer, std::chrono::milliseconds delay);
    void stop();

    asio::any_io_executor executor;
    bus::connection& bus;
    app::order_engine_gateway_config settings;
    app::nats_jetstream_config nats;
    std::map<std::string, app::exchange_config> exchanges;
    std::chrono::milliseconds shutdown_timeout;
    core::risk_limits default_limits;
    std::map<std::string, core::risk_limits> user_limits;
    std::map<std::string, core::risk_limits> strategy_limits;
    std::map<std::string, core::order_rate_limiter> limiters;  // only decide_entry touches them, on entry_db.lane
    // Order entry (placing, refusing) has connections of its own, so a new order never queues behind the status
    // poller's statements; everything else uses sync_db. Both write orders version-checked, so neither can undo
    // the other's change.
    databases entry_db;
    databases sync_db;
    // The consumer is only touched from fetch_lane, declared after it so the lane (joining its thread) is
    // destroyed first.
    std::unique_ptr<bus::pull_consumer> consumer;
    bus::publisher publisher;
    std::map<std::string, std::unique_ptr<account>> accounts;
    std::vector<domain::symbol_mapping> mappings;
    std::optional<steady::time_point> mappings_loaded;
    std::vector<trading_state_entry> states;
    std::optional<steady::time_point> states_loaded;
    std::set<std::string> sending;                      // orders a send is in progress for: status sync leaves them alone
    std::map<std::string, steady::time_point> looked_up;  // unacknowledged orders: when last looked up by client id
    app::blocking_lane fetch_lane;
    asio::steady_timer pause_timer;
    asio::steady_timer poll_timer;
    asio::steady_timer stats_timer;
    std::deque<order_record> executions_due;  // answered orders with executions to fetch (executions::fetch_later)
    asio::steady_timer executions_signal;
    core::backoff retry;
    bool stopping = false;
    bool reconciled = false;
    bool database_ok = false;
    engine_metrics metrics;
    bool nats_outage = false;
    order_engine_stats counters;
};

// ---- plumbing ----

expected<account*, order_error> order_engine::impl::account_for(const std::string& exchange, const std::string& user_id) {
    const auto venue = exchanges.find(exchange);
    if (venue == exchanges.end()) {
        std::string known;
        for (const auto& [name, ignored] : exchanges) known += (known.empty() ? "" : ", ") + name;
        return unexpected(error_of(order_error_kind::unknown_exchange, "UNKNOWN_EXCHANGE",
                                   fmt::format("exchange \"{}\" is not configured (configured: {}); use one of those or "
                                               "add exchanges.{} to the config",
                                               exchange, known.empty() ? "none" : known, exchange)));
    }
    // A user's own account when configured, else the exchange's default one.
    const auto own = venue->second.accounts.find(user_id);
    const bool per_user = own != venue->second.accounts.end();
    const auto& key = per_user ? own->second.api_key : venue->second.api_key;
    const auto& secret = per_user ? own->second.api_secret : venue->second.api_secret;
    if (key.empty() || secret.empty()) {
        return unexpected(error_of(order_error_kind::no_account, "NO_ACCOUNT",
                                   fmt::format("no credentials for user \"{}\" on {}; set exchanges.{}.accounts.{}.api_key "
                                               "and api_secret (or the exchange's default api_key and api_secret)",
                                               user_id, exchange, exchange, user_id)));
    }
    const auto name = exchange + "/" + (per_user ? user_id : std::string("default"));
    auto& slot = accounts[name];
    if (!slot) {
        const auto& url = venue->second.base_url.empty() ? std::string(tk::default_base_url) : venue->second.base_url;
        tk::rest_options options;
        options.recv_window = std::chrono::milliseconds(venue->second.recv_window_ms);
        options.idle_limit = venue->second.http_idle_limit;
        options.entry_keep_warm = venue->second.order_entry_keep_warm;
        slot = std::make_unique<account>(executor, *net::http_origin::parse(url),
                                         tk::credentials{key.reveal(), secret.reveal()}, std::move(options));
    }
    return slot.get();
}

asio::awaitable<std::optional<domain::symbol_mapping>> order_engine::impl::mapping_for(databases& on,
                                                                                      std::string exchange,
                                                                                      std::string text) {
    auto found = resolve_symbol(mappings, exchange, text);
    if (found || (mappings_loaded && steady::now() - *mappings_loaded < mappings_reload_min)) co_return found;
    mappings = co_await on.lane.run([&on] {
        return on.market.run([](pqxx::connection& connection) {
            pqxx::read_transaction tx{connection};
            return store::load_symbol_mappings(tx);
        });
    });
    mappings_loaded = steady::now();
    co_return resolve_symbol(mappings, exchange, text);
}

asio::awaitable<void> order_engine::impl::refresh_trading_states(databases& on, bool force) {
    if (!force && states_loaded && steady::now() - *states_loaded < settings.trading_state_refresh) co_return;
    const auto rows = co_await db(on, [](pqxx::connection& c) { return store::load_trading_states(c); });
    states.clear();
    for (const auto& row : rows) states.push_back({row.scope, row.state, row.reason, row.updated_by, row.updated_at});
    states_loaded = steady::now();
}

core::order_rate_limiter* order_engine::impl::limiter(const std::string& scope, const core::risk_limits& limits) {
    if (limits.orders_per_second <= 0) return nullptr;
    return &limiters.try_emplace(scope, limits.orders_per_second, limits.order_burst).first->second;
}

// The user's limits (their own, else the default), then the strategy's when it has its own.
std::vector<risk_scope> order_engine::impl::risk_scopes(const domain::place_order_command& command) const {
    std::vector<risk_scope> scopes;
    const auto own = user_limits.find(command.user_id);
    scopes.push_back({"user:" + command.user_id, own == user_limits.end() ? &default_limits : &own->second, std::nullopt});
    if (command.strategy_id) {
        if (const auto s = strategy_limits.find(*command.strategy_id); s != strategy_limits.end()) {
            scopes.push_back({"strategy:" + *command.strategy_id, &s->second, command.strategy_id});
        }
    }
    return scopes;
}

// Runs on the order-entry lane, which alone touches `limiters` and entry_db: the duplicate check, the filters, every
// risk scope against its book and, when all pass, the PENDING_NEW row with sent_at, in one trip from the io_context.
// The caller holds the account's order-entry lock, so sent_at bounds the request's timestamp (see send()).
entry_decision order_engine::impl::decide_entry(const domain::place_order_command& command, order_record order,
                                                const core::symbol_rules& rules, const std::vector<risk_scope>& scopes,
                                                core::trading_state state) {
    entry_decision decided;
    decided.duplicate = entry_db.orders.run([&](pqxx::connection& c) {
        return store::find_duplicate(c, command.request_id, command.order_id);
    });
    if (decided.duplicate) return decided;
    std::optional<domain::decimal> reference;  // what a MARKET order is valued at: the last closed close
    if (command.type == domain::order_type::market) {
        reference = entry_db.market.run([&](pqxx::connection& c) {
            pqxx::nontransaction tx{c};  // one statement, no BEGIN/ROLLBACK round trips
            return store::last_closed_price(tx, command.exchange, order.symbol);
        });
    }
    if (const auto fits = core::check_filters(rules, command.type, command.price, command.quantity, reference); !fits) {
        decided.refusal = error_of(order_error_kind::filter_failed, "FILTER_FAILED",
                                   fits.error().message + "; round the price to tickSize and the quantity to stepSize");
        return decided;
    }
    const auto price = command.price ? *command.price : reference.value_or(domain::decimal{});
    if (auto allowed = check_risk(command, price, order.symbol, scopes, state); !allowed) {
        decided.refusal = std::move(allowed.error());
        return decided;
    }
    order.sent_at = now_ms();
    auto stored = entry_db.orders.run([&](pqxx::connection& c) { return store::insert_pending_order(c, order); });
    (stored.inserted ? decided.pending : decided.duplicate) = std::move(stored.order);
    return decided;
}

// Each scope's limits against its book, read now (on the order-entry lane, see decide_entry).
expected<void, order_error> order_engine::impl::check_risk(const domain::place_order_command& command,
                                                           const domain::decimal& price, const std::string& symbol,
                                                           const std::vector<risk_scope>& scopes,
                                                           core::trading_state state) {
    const core::risk_order order{command.side, command.quantity, price};
    for (const auto& checked : scopes) {
        if (command.type == domain::order_type::market && price.is_zero() && checked.limits->max_order_notional) {
            return unexpected(error_of(order_error_kind::risk_rejected, "NO_REFERENCE_PRICE",
                                       "a MARKET order cannot be valued against max_order_notional: no closed 1m "
                                       "kline of " + symbol + " is stored; send a LIMIT order or start market data"));
        }
        auto book = entry_db.orders.run([&](pqxx::connection& c) {
            return store::load_exposure(c, command.user_id, command.exchange, symbol, checked.strategy);
        });
        book.state = state;
        const auto verdict = core::check_risk(*checked.limits, book, order, limiter(checked.name, *checked.limits), now_ms());
        if (!verdict) {
            return unexpected(error_of(order_error_kind::risk_rejected, verdict.error().code,
                                       verdict.error().message + " (" + checked.name + ")"));
        }
    }
    return {};
}

void order_engine::impl::publish_update(const order_record& order, std::optional<domain::fill> fill) {
    const domain::order_update update{order, std::move(fill)};
    const auto msg_id = order.order_id + "." + std::to_string(order.version);
    publisher.publish(bus::order_update_subject(order.exchange, order.symbol), codec::encode(update), msg_id,
                      [self = shared_from_this(), msg_id](bus::publish_result result) {
                          if (result.ok()) {
                              ++self->counters.updates_published;
                          } else {
                              // The row is committed; consumers that missed this update read the order's next one.
                              spdlog::warn("order update {} not published: {}", msg_id, result.error);
                          }
                      });
}

asio::awaitable<bus::publish_result> order_engine::impl::publish_and_wait(std::string subject, std::string payload,
                                                                          std::string msg_id) {
    auto done = std::make_shared<std::optional<bus::publish_result>>();
    auto timer = std::make_shared<asio::steady_timer>(executor, steady::time_point::max());
    publisher.publish(subject, payload, msg_id, [done, timer](bus::publish_result result) {
        *done = std::move(result);
        timer->cancel();
    });
    if (!done->has_value()) co_await timer->async_wait(as_tuple_awaitable);
    co_return std::move(**done);
}

// Commits `change` and publishes the result; nullopt when another writer moved the order first (nothing changed:
// the caller decides again on the order as it is now, see latest()).
asio::awaitable<std::optional<order_record>> order_engine::impl::transition(databases& on, order_record current,
                                                                           store::order_transition change) {
    auto updated = co_await db(on, [&](pqxx::connection& c) {
        return store::transition_order(c, current.order_id, current.version, change);
    });
    if (updated && updated->status != current.status) metrics.orders(updated->status).inc();
    if (updated) publish_update(*updated, std::nullopt);
    co_return updated;
}

// The order as stored now (`order` itself if it vanished, which only a manual DELETE could do).
asio::awaitable<order_record> order_engine::impl::latest(databases& on, order_record order) {
    auto stored = co_await db(on, [&](pqxx::connection& c) { return store::find_order(c, order.order_id); });
    if (!stored) co_return order;
    co_return std::move(*stored);
}

// ---- orders ----

asio::awaitable<order_result<order_record>> order_engine::impl::place(domain::place_order_command command,
                                                                      executions then) {
    const auto taken_up = steady::now();
    if (const auto valid = domain::validate(command); !valid) {
        co_return unexpected(invalid_field(valid.error()));
    }
    auto acct = account_for(command.exchange, command.user_id);
    if (!acct) co_return unexpected(acct.error());
    try {
        // A command that waited past its expiry (a redelivery after an outage) must not trade on stale intent,
        // unless it was carried out before it expired (its ack lost, or its consumer created again): then it
        // is the duplicate it is.
        if (command.expires_at && *command.expires_at <= now_ms()) {
            if (auto existing = co_await db(entry_db, [&](pqxx::connection& c) {
                    return store::find_duplicate(c, command.request_id, command.order_id);
                })) {
                co_return unexpected(duplicate_of(command.request_id, std::move(*existing)));
            }
            co_return unexpected(expired(*command.expires_at));
        }
        const auto market = co_await mapping_for(entry_db, command.exchange, command.symbol);
        if (!market) {
            co_return unexpected(error_of(order_error_kind::unknown_symbol, "UNKNOWN_SYMBOL",
                                          fmt::format("symbol \"{}\" is in no form (canonical, stream or order) of {}'s "
                                                      "symbol_mappings; use a mapped symbol or add its row",
                                                      command.symbol, command.exchange)));
        }
        const auto rules = co_await rules_of(**acct, market->order_symbol);
        if (!rules) {
            if (rules.error().kind != tk::failure_kind::rejected) co_return unexpected(exchange_error(rules.error(), "the symbol rules"));
            co_return unexpected(error_of(order_error_kind::unknown_symbol, "UNKNOWN_SYMBOL",
                                          fmt::format("{} does not list {}: {}", command.exchange, market->order_symbol,
                                                      rules.error().describe())));
        }
        order_record order;
        order.order_id = command.order_id;
        order.request_id = command.request_id;
        order.client_order_id = tk::client_order_id(command.order_id);
        order.user_id = command.user_id;
        order.strategy_id = command.strategy_id;
        order.exchange = command.exchange;
        order.symbol = market->symbol;
        order.side = command.side;
        order.type = command.type;
        order.time_in_force = command.time_in_force;
        order.price = command.price;
        order.quantity = command.quantity;
        order.source = command.source;
        order.requested_at = command.requested_at;
        order.expires_at = command.expires_at;

        if (const auto wait = (*acct)->client.backoff_remaining(); wait.count() > 0) {
            co_return unexpected(rate_limited(wait));
        }
        co_await refresh_trading_states(entry_db, false);
        const auto state = effective_trading_state(states, command.user_id, command.strategy_id);
        const auto scopes = risk_scopes(command);
        auto held = co_await acquire((*acct)->entry);
        auto decided = co_await entry_db.lane.run([&] { return decide_entry(command, order, *rules, scopes, state); });
        database_ok = true;
        if (decided.duplicate) co_return unexpected(duplicate_of(command.request_id, std::move(*decided.duplicate)));
        if (decided.refusal) {
            { const auto released = std::move(held); }
            if (decided.refusal->kind == order_error_kind::risk_rejected) {
                ++counters.rejected;
                metrics.risk_rejection(decided.refusal->code).inc();
            }
            co_return co_await refuse(std::move(order), std::move(*decided.refusal));
        }
        co_return co_await send(std::move(*decided.pending), *acct, *market, taken_up, then, std::move(held));
    } catch (const store::database_unavailable& e) {
        database_ok = false;
        co_return unexpected(unavailable(e.what()));
    } catch (const std::exception& e) {
        spdlog::error("placing order {} failed: {}", command.order_id, e.what());
        co_return unexpected(unavailable("placing the order failed: " + std::string(e.what())));
    }
}

// A well-formed order refused before the exchange (a filter, a risk limit, the kill switch) is recorded as REJECTED
// with the refusal as its reason and published like any change, so its sender learns the outcome (a strategy frees
// the level it was holding for it) and a retry of the same request gets the same answer.
asio::awaitable<order_result<order_record>> order_engine::impl::refuse(order_record order, order_error refusal) {
    auto stored = co_await db(entry_db, [&](pqxx::connection& c) { return store::insert_pending_order(c, order); });
    if (!stored.inserted) {
        co_return unexpected(duplicate_of(order.request_id, std::move(stored.order)));
    }
    metrics.orders(order_status::pending_new).inc();
    store::order_transition change;
    change.status = domain::order_status::rejected;
    change.reason = refusal.code + ": " + refusal.message;
    change.event_type = "refused";
    refusal.existing = co_await transition(entry_db, std::move(stored.order), std::move(change));
    co_return unexpected(std::move(refusal));
}

// Sends an order committed as PENDING_NEW (decide_entry) once, under the account's order-entry lock (`entry_held`),
// then records what the exchange said. sent_at was taken under that lock and committed with the row, right before
// the request is signed: it bounds the request's timestamp (the never-placed rule in sync() relies on it), and
// nothing is signed that is not durable. Status sync leaves the order alone meanwhile, so an answer still on its way
// is never mistaken for "the exchange does not know it".
asio::awaitable<order_result<order_record>> order_engine::impl::send(order_record order, account* acct,
                                                                     domain::symbol_mapping market,
                                                                     steady::time_point taken_up, executions then,
                                                                     connection_lock entry_held) {
    std::optional<connection_lock> held{std::move(entry_held)};
    metrics.orders(order_status::pending_new).inc();
    publish_update(order, std::nullopt);
    sending.insert(order.order_id);
    struct done_sending {
        std::set<std::string>& sending;
        std::string id;
        ~done_sending() { sending.erase(id); }
    } guard{sending, order.order_id};

    tk::new_order request{market.order_symbol, order.side, order.type, order.price, order.quantity, order.time_in_force,
                          order.client_order_id};
    const auto sent_at = steady::now();
    metrics.command_to_send.observe(sent_at - taken_up);
    auto answer = co_await acct->client.place_order(std::move(request));
    metrics.new_order.observe(steady::now() - sent_at);
    held.reset();  // the connection is free for the next order while this one's outcome is committed
    store::order_transition change;
    if (answer) {
        ++counters.placed;
        change.status = acknowledged_status(*answer);
        change.exchange_order_id = std::to_string(answer->order_id);
        change.acknowledged_at = now_ms();
        change.event_type = "acknowledged";
    } else if (answer.error().kind == tk::failure_kind::ambiguous) {
        ++counters.unknown;
        change.status = order_status::unknown;
        change.reason = "outcome unknown (" + answer.error().describe() + "); resolving by client order id";
        change.event_type = "unknown";
    } else {
        ++counters.rejected;
        change.status = order_status::rejected;
        change.reason = answer.error().kind == tk::failure_kind::rate_limited
                            ? fmt::format("not placed: the exchange's rate limit refused it ({}); send it again with a "
                                          "new order_id after {} s",
                                          answer.error().describe(), answer.error().retry_after.count())
                          : answer.error().kind == tk::failure_kind::not_sent
                            ? "not placed: the request never reached the exchange (" + answer.error().describe() +
                                  "); send it again with a new order_id"
                            : "the exchange refused it: " + answer.error().describe();
        change.event_type = "rejected";
    }
    auto updated = co_await transition(entry_db, order, change);
    if (!updated) co_return co_await latest(entry_db, std::move(order));
    const bool fills_pending = answer && !domain::is_terminal(updated->status) &&
                               (answer->status != order_status::new_ || answer->executed_quantity.is_positive());
    if (!fills_pending) co_return std::move(*updated);
    if (then == executions::fetch_now) co_return co_await sync(std::move(*updated));
    executions_due.push_back(*updated);
    executions_signal.cancel();
    co_return std::move(*updated);
}

asio::awaitable<order_result<void>> order_engine::impl::submit(domain::place_order_command command) {
    if (const auto valid = domain::validate(command); !valid) {
        co_return unexpected(invalid_field(valid.error()));
    }
    if (command.expires_at && *command.expires_at <= now_ms()) co_return unexpected(expired(*command.expires_at));
    if (auto acct = account_for(command.exchange, command.user_id); !acct) co_return unexpected(acct.error());
    try {
        if (!co_await mapping_for(sync_db, command.exchange, command.symbol)) {
            co_return unexpected(error_of(order_error_kind::unknown_symbol, "UNKNOWN_SYMBOL",
                                          fmt::format("symbol \"{}\" is in no form of {}'s symbol_mappings; use a mapped "
                                                      "symbol or add its row",
                                                      command.symbol, command.exchange)));
        }
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
    const auto published = co_await publish_and_wait(bus::place_order_subject(), codec::encode(command), command.order_id);
    if (!published.ok()) co_return unexpected(unavailable("the command was not queued: " + published.error));
    co_return order_result<void>{};
}

asio::awaitable<order_result<order_record>> order_engine::impl::cancel(domain::cancel_order_command command) {
    if (const auto valid = domain::validate(command); !valid) {
        co_return unexpected(invalid_field(valid.error()));
    }
    try {
        auto order = co_await db(sync_db, [&](pqxx::connection& c) { return store::find_order(c, command.order_id); });
        if (!order || order->user_id != command.user_id) {
            co_return unexpected(error_of(order_error_kind::not_found, "ORDER_NOT_FOUND",
                                          fmt::format("no order \"{}\" of user \"{}\"; check the order_id", command.order_id,
                                                      command.user_id)));
        }
        // An order not yet acknowledged is first resolved by client id: it may exist on the exchange.
        if (!order->exchange_order_id && !domain::is_terminal(order->status)) order = co_await sync(std::move(*order));
        if (domain::is_terminal(order->status)) {
            co_return unexpected(order_error{order_error_kind::not_cancelable, "NOT_CANCELABLE",
                                             fmt::format("order {} is already {}", order->order_id,
                                                         domain::to_string(order->status)),
                                             std::move(order)});
        }
        if (!order->exchange_order_id) {
            co_return unexpected(unavailable("order " + order->order_id + " is not yet known to the exchange"));
        }
        auto acct = account_for(order->exchange, order->user_id);
        if (!acct) co_return unexpected(acct.error());
        const auto market = co_await mapping_for(sync_db, order->exchange, order->symbol);
        if (!market) co_return unexpected(unavailable("symbol " + order->symbol + " left symbol_mappings"));
        const auto canceled = co_await exclusive(
            (*acct)->entry, (*acct)->client.cancel_order(market->order_symbol, std::stoll(*order->exchange_order_id)));
        // Refused (e.g. it filled meanwhile) or not: the exchange's view of the order decides what we record.
        if (!canceled && canceled.error().kind != tk::failure_kind::rejected) {
            co_return unexpected(exchange_error(canceled.error(), "the cancel"));
        }
        auto after = co_await sync(std::move(*order));
        if (!canceled && !domain::is_terminal(after.status)) co_return unexpected(exchange_error(canceled.error(), "the cancel"));
        co_return after;
    } catch (const store::database_unavailable& e) {
        database_ok = false;
        co_return unexpected(unavailable(e.what()));
    } catch (const std::exception& e) {
        spdlog::error("canceling order {} failed: {}", command.order_id, e.what());
        co_return unexpected(unavailable("canceling the order failed: " + std::string(e.what())));
    }
}

// Brings one non-terminal order in line with the exchange: an unacknowledged one is looked up by client id, an
// acknowledged one is queried; new fills and the status are then recorded. Exchange trouble leaves the order as it
// is for the next poll. Throws database_unavailable.
asio::awaitable<order_record> order_engine::impl::sync(order_record order) {
    auto acct = account_for(order.exchange, order.user_id);
    if (!acct) {
        spdlog::warn("cannot sync order {}: {}", order.order_id, acct.error().message);
        co_return order;
    }
    const auto market = co_await mapping_for(sync_db, order.exchange, order.symbol);
    if (!market) {
        spdlog::warn("cannot sync order {}: symbol {} is not in symbol_mappings", order.order_id, order.symbol);
        co_return order;
    }
    const auto rules = co_await rules_of(**acct, market->order_symbol);
    if (!rules) co_return order;
    const store::fill_market assets{rules->base_asset, rules->quote_asset};

    if (!order.exchange_order_id) {
        looked_up[order.order_id] = steady::now();
        const auto found = co_await exclusive(
            (*acct)->queries, (*acct)->client.find_by_client_id(market->order_symbol, order.client_order_id,
                                                      order.created_at - find_lookback_ms));
        if (!found) co_return order;
        if (!*found) {
            // Without sent_at the send never started (and cannot start now without winning the version race).
            const auto signed_by = order.sent_at.value_or(order.created_at);
            const std::chrono::milliseconds recv_window{exchanges.at(order.exchange).recv_window_ms};
            if (!never_reached_exchange(signed_by, now_ms(), recv_window)) {
                co_return order;
            }
            looked_up.erase(order.order_id);
            ++counters.resolved;
            store::order_transition never_placed{order_status::rejected, std::nullopt,
                        fmt::format("never reached the exchange: {} has no order with client id {} and its send window "
                                    "(recvWindow {} ms) has closed, so nothing was placed; send it again with a new "
                                    "order_id",
                                    order.exchange, order.client_order_id, exchanges.at(order.exchange).recv_window_ms),
                        std::nullopt, std::nullopt, "never_placed"};
            const auto rejected = co_await transition(sync_db, order, std::move(never_placed));
            if (!rejected) co_return co_await latest(sync_db, std::move(order));
            co_return *rejected;
        }
        looked_up.erase(order.order_id);
        ++counters.resolved;
        const auto& answer = **found;
        store::order_transition adopted{acknowledged_status(answer), std::to_string(answer.order_id), std::nullopt,
                                        std::nullopt, now_ms(), "resolved"};
        auto resolved = co_await transition(sync_db, order, std::move(adopted));
        if (!resolved) co_return co_await latest(sync_db, std::move(order));
        co_return co_await apply(std::move(*resolved), **acct, market->order_symbol, assets, answer);
    }
    const auto asked = steady::now();
    auto answer = co_await exclusive((*acct)->queries, (*acct)->client.query_order(market->order_symbol,
                                                                        std::stoll(*order.exchange_order_id)));
    metrics.query_order.observe(steady::now() - asked);
    if (!answer) co_return order;
    co_return co_await apply(std::move(order), **acct, market->order_symbol, assets, std::move(*answer));
}

// Records the fills the exchange reports beyond what is recorded, then the status; FILLED waits for its trades.
asio::awaitable<order_record> order_engine::impl::apply(order_record order, account& acct, std::string order_symbol,
                                                        store::fill_market market, tk::exchange_order answer) {
    if (answer.executed_quantity > order.filled_quantity) {
        auto trades = co_await exclusive(acct.queries, acct.client.trades(order_symbol, answer.order_id));
        if (trades) {
            std::vector<tk::exchange_trade> in_order = *std::move(trades);
            std::sort(in_order.begin(), in_order.end(),
                      [](const tk::exchange_trade& a, const tk::exchange_trade& b) { return a.time < b.time; });
            for (const auto& trade : in_order) {
                const auto fill = fill_of(trade);
                auto outcome = co_await db(sync_db, [&](pqxx::connection& c) {
                    return store::record_fill(c, order.order_id, fill, market);
                });
                const auto before = order.status;
                order = std::move(outcome.order);
                if (!outcome.recorded) continue;
                ++counters.fills;
                metrics.fills.inc();
                if (order.status != before) metrics.orders(order.status).inc();
                if (outcome.note) spdlog::warn("order {} fill {}: {}", order.order_id, fill.trade_id, *outcome.note);
                publish_update(order, fill);
            }
        }
    }
    const auto next = core::advance({order.status, order.filled_quantity}, order.quantity,
                                    {answer.status, order.filled_quantity});
    if (!next) {
        spdlog::debug("order {}: {}; waiting for the next report", order.order_id, next.error());
        co_return order;
    }
    if (!next->has_value()) co_return order;
    store::order_transition reported{(*next)->status, std::nullopt, std::nullopt, std::nullopt, std::nullopt, "status"};
    auto moved = co_await transition(sync_db, order, std::move(reported));
    if (!moved) co_return co_await latest(sync_db, std::move(order));
    co_return std::move(*moved);
}

// ---- loops ----

asio::awaitable<void> order_engine::impl::run() {
    const auto self = shared_from_this();
    spdlog::info("order engine: durable '{}' on {}, updates on ORDER_UPDATE, dead letters to {}, NATS {}, database {}; "
                 "poll every {} ms, unknown orders every {} ms",
                 settings.durable, engine_stream, bus::dlq_subject(engine_stream), app::redact_text(bus.options().url),
                 sync_db.orders.target(), settings.poll_interval.count(), settings.unknown_retry.count());
    if (!co_await set_up_consumer()) co_return;
    co_await reconcile();
    co_await (warm_up_exchanges() && consume() && poll_loop() && stats_loop() && executions_loop());
    co_await fetch_lane.run([this] { return publisher.flush(shutdown_timeout); });
    spdlog::info("order engine totals: placed {}, rejected {}, unknown {}, resolved {}, fills {}, commands {}, "
                 "dead-lettered {}, updates {}",
                 counters.placed, counters.rejected, counters.unknown, counters.resolved, counters.fills,
                 counters.commands, counters.dead_lettered, counters.updates_published);
}

asio::awaitable<bool> order_engine::impl::set_up_consumer() {
    const bus::consumer_spec durable{
        .durable = settings.durable,
        .filter_subject = "",
        .ack_wait = settings.ack_wait,
        .max_deliver = settings.max_deliver,
        .max_ack_pending = 1000,
    };
    bool reported = false;
    retry.reset();
    while (!stopping) {
        std::string problem;
        try {
            co_await fetch_lane.run([&] {
                bus.ensure_stream(bus::order_engine_stream_spec(nats.replicas));
                bus.ensure_stream(bus::order_update_stream_spec(nats.replicas));
                bus.ensure_stream(bus::dlq_stream_spec(nats.replicas));
                bus.ensure_consumer(engine_stream, durable);
                consumer = std::make_unique<bus::pull_consumer>(bus, engine_stream, durable);
            });
            if (reported) spdlog::info("NATS answers; order engine consuming");
            co_return true;
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        if (!std::exchange(reported, true)) {
            spdlog::warn("cannot set up consumer {}/{}: {}; retrying with backoff until NATS answers", engine_stream,
                         settings.durable, problem);
        }
        co_await pause(pause_timer, retry.next());
    }
    co_return false;
}

// Order entry's PostgreSQL connections open before the engine reports ready, not on the first order: setting one
// up takes ~11 ms here, and the first orders of a run paid 40-120 ms for them and the first reads
// (docs/PERFORMANCE.md). Should PostgreSQL fail in between, the first order reconnects and reports it as usual.
asio::awaitable<void> order_engine::impl::open_entry_connections() {
    try {
        co_await entry_db.lane.run([this] {
            entry_db.orders.connection();
            entry_db.market.connection();
        });
    } catch (const store::database_unavailable& e) {
        spdlog::warn("order entry's PostgreSQL connections are not open yet: {}; the first order retries", e.what());
    }
}

// Each configured account's order-entry connection to the exchange opens and its symbol rules are cached as the
// engine starts, so the first order pays neither a TCP (and TLS) set-up nor a rules fetch. It runs beside the
// loops: an exchange that does not answer delays nothing, and an order that comes first waits for the lock.
asio::awaitable<void> order_engine::impl::warm_up_exchanges() {
    for (const auto& [exchange, venue] : exchanges) {
        std::set<std::string> users{""};  // "": the exchange's default account
        for (const auto& [user, ignored] : venue.accounts) users.insert(user);
        for (const auto& user : users) {
            auto acct = account_for(exchange, user);
            if (!acct) continue;  // no default credentials: only users' own accounts
            if (const auto opened = co_await exclusive((*acct)->entry, (*acct)->client.open_entry()); !opened) {
                spdlog::warn("{}: could not open the order-entry connection at start ({}); the first order connects "
                             "itself",
                             exchange, opened.error().describe());
            }
        }
    }
    co_await refresh_due_rules();  // every account just made is due
}

// Symbol rules are refreshed here before they go stale, so order entry never fetches them.
asio::awaitable<void> order_engine::impl::refresh_due_rules() {
    for (auto& [name, acct] : accounts) {
        if (!acct->client.rules_due()) continue;
        if (const auto refreshed = co_await exclusive(acct->queries, acct->client.refresh_rules()); !refreshed) {
            spdlog::warn("{}: refreshing the symbol rules failed: {}; trying again at the next poll", name,
                         refreshed.error().describe());
        }
    }
}

// Start-up: every non-terminal order is brought in line with the exchange before the engine reports ready, waiting
// out a PostgreSQL outage. An order the exchange cannot be asked about now stays for the poll loop.
asio::awaitable<void> order_engine::impl::reconcile() {
    bool reported = false;
    retry.reset();
    while (!stopping) {
        if (co_await poll_once(true)) {
            co_await open_entry_connections();
            reconciled = true;
            spdlog::info("reconciliation done; order engine ready");
            co_return;
        }
        if (!std::exchange(reported, true)) {
            spdlog::warn("cannot reconcile open orders: PostgreSQL at {} is unreachable; retrying", sync_db.orders.target());
        }
        co_await pause(pause_timer, retry.next());
    }
}

// One pass over the open orders; false when the database was unreachable. Unacknowledged orders are looked up at
// most every unknown_retry unless `everything`.
asio::awaitable<bool> order_engine::impl::poll_once(bool everything) {
    try {
        co_await refresh_trading_states(sync_db, false);
        const auto open = co_await db(sync_db, [](pqxx::connection& c) { return store::list_open_orders(c); });
        for (auto& order : open) {
            if (stopping) break;
            if (sending.contains(order.order_id)) continue;
            if (!everything && !order.exchange_order_id) {
                const auto last = looked_up.find(order.order_id);
                if (last != looked_up.end() && steady::now() - last->second < settings.unknown_retry) continue;
            }
            co_await sync(order);
        }
        co_return true;
    } catch (const store::database_unavailable& e) {
        if (std::exchange(database_ok, false)) spdlog::warn("status sync paused: {}", e.what());
    } catch (const std::exception& e) {
        spdlog::error("status sync failed: {}", e.what());
    }
    co_return false;
}

asio::awaitable<void> order_engine::impl::poll_loop() {
    while (!stopping) {
        co_await pause(poll_timer, settings.poll_interval);
        if (stopping) break;
        co_await poll_once(false);
        co_await refresh_due_rules();
        co_await keep_entries_warm();
    }
}

// An order-entry connection unused for the exchange's order_entry_keep_warm gets a GET of the server time, so the
// exchange does not close it for idleness and an order after a quiet spell pays no TCP (and TLS) set-up. One busy
// with an order is in use already: it is left alone rather than waited for.
asio::awaitable<void> order_engine::impl::keep_entries_warm() {
    for (auto& [name, acct] : accounts) {
        if (!acct->client.entry_warm_due() || !acct->entry.try_send(boost::system::error_code{})) continue;
        const connection_lock held{acct->entry};
        if (const auto kept = co_await acct->client.open_entry(); !kept) {
            spdlog::debug("{}: keeping the order-entry connection open failed: {}", name, kept.error().describe());
        }
    }
}

asio::awaitable<void> order_engine::impl::stats_loop() {
    if (settings.stats_interval <= 0ms) co_return;
    while (!stopping) {
        co_await pause(stats_timer, settings.stats_interval);
        if (stopping) break;
        spdlog::info("orders: placed {}, rejected {}, unknown {}, resolved {}, fills {}, commands {}, dead-lettered {}, "
                     "updates {}; {} being sent",
                     counters.placed, counters.rejected, counters.unknown, counters.resolved, counters.fills,
                     counters.commands, counters.dead_lettered, counters.updates_published, sending.size());
    }
}

// The executions of answered orders (see place()), fetched one order at a time; an order left when this stops is
// the poll loop's (and the next start's reconciliation's).
asio::awaitable<void> order_engine::impl::executions_loop() {
    while (!stopping) {
        if (executions_due.empty()) {
            executions_signal.expires_at(steady::time_point::max());
            co_await executions_signal.async_wait(as_tuple_awaitable);
            continue;
        }
        auto order = std::move(executions_due.front());
        executions_due.pop_front();
        const auto order_id = order.order_id;
        try {
            co_await sync(std::move(order));
        } catch (const store::database_unavailable& e) {
            if (std::exchange(database_ok, false)) {
                spdlog::warn("executions of order {} wait for the poll: {}", order_id, e.what());
            }
        } catch (const std::exception& e) {
            spdlog::error("fetching the executions of order {} failed: {}", order_id, e.what());
        }
    }
}

asio::awaitable<void> order_engine::impl::consume() {
    while (!stopping) {
        std::vector<bus::message> messages;
        std::string problem;
        try {
            messages = co_await fetch_lane.run([this] { return consumer->fetch(fetch_batch, fetch_timeout); });
            if (std::exchange(nats_outage, false)) spdlog::info("fetching commands again");
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        if (!problem.empty()) {
            if (!std::exchange(nats_outage, true)) {
                retry.reset();
                spdlog::warn("cannot fetch commands from {}/{}: {}; retrying with backoff", engine_stream,
                             settings.durable, problem);
            }
            co_await pause(pause_timer, retry.next());
            continue;
        }
        // Every fetched message is settled, even after stop(): the one in hand finishes.
        for (std::size_t i = 0; i < messages.size(); ++i) {
            co_await handle(std::move(messages[i]), std::span(messages).subspan(i + 1));
        }
    }
}

// Carries out one command and settles its message. A command refused only because the exchange rate-limits its
// account waits that out here, its message and the rest of its fetch (`queued`) kept from redelivery with
// in-progress acks: NAKing it would spend its deliveries, and the last one dead-letters a decided order. place()
// ends the wait once the command's expires_at has passed; stop() ends it, and the message is settled as usual.
asio::awaitable<void> order_engine::impl::handle(bus::message message, std::span<bus::message> queued) {
    ++counters.commands;
    const auto command = decode_command(message);
    if (!command) {
        dead_letter(std::move(message), command.error());
        co_return;
    }
    auto error = co_await execute(*command);
    while (error && error->retry_after.count() > 0 && !stopping) {
        message.in_progress();
        for (auto& waiting : queued) waiting.in_progress();
        co_await pause(pause_timer, std::min<std::chrono::milliseconds>(error->retry_after, settings.ack_wait / 2));
        error = co_await execute(*command);
    }
    auto verdict = settle_command(error, message.metadata().deliveries, settings.max_deliver, command_nak_delay);
    switch (verdict.kind) {
        case settlement_kind::ack: message.ack(); break;
        case settlement_kind::nak: message.nak(verdict.delay); break;
        case settlement_kind::dead_letter: dead_letter(std::move(message), std::move(verdict.reason)); break;
    }
}

// nullopt once the command's effect is committed.
asio::awaitable<std::optional<order_error>> order_engine::impl::execute(const engine_command& command) {
    if (const auto* place_command = std::get_if<domain::place_order_command>(&command)) {
        auto placed = co_await place(*place_command, executions::fetch_later);
        if (!placed) co_return std::move(placed.error());
    } else {
        auto canceled = co_await cancel(std::get<domain::cancel_order_command>(command));
        if (!canceled) co_return std::move(canceled.error());
    }
    co_return std::nullopt;
}

void order_engine::impl::dead_letter(bus::message message, std::string reason) {
    const bus::dead_letter_retry if_unacked{redelivery_delay(command_nak_delay, message.metadata().deliveries),
                                            settings.max_deliver};
    bus::dead_letter(publisher, std::move(message), std::move(reason), if_unacked,
                     [self = shared_from_this()](bool dead_lettered) {
                         if (dead_lettered) ++self->counters.dead_lettered;
                     });
}

asio::awaitable<void> order_engine::impl::pause(asio::steady_timer& timer, std::chrono::milliseconds delay) {
    if (stopping) co_return;
    timer.expires_after(delay);
    co_await timer.async_wait(as_tuple_awaitable);
}

void order_engine::impl::stop() {
    stopping = true;
    pause_timer.cancel();
    poll_timer.cancel();
    stats_timer.cancel();
    executions_signal.cancel();
}

// ---- the public face ----

order_engine::order_engine(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg)
    : impl_(std::make_shared<impl>(std::move(executor), bus, cfg)) {}

// A statement or fetch still running on a lane must not outlive main(): its coroutine keeps the impl alive from the
// lane's queue, so the lanes are joined here.
order_engine::~order_engine() {
    impl_->fetch_lane.join();
    impl_->entry_db.lane.join();
    impl_->sync_db.lane.join();
}

asio::awaitable<void> order_engine::run() { return impl_->run(); }

void order_engine::stop() { impl_->stop(); }

asio::awaitable<order_result<order_record>> order_engine::place(domain::place_order_command command) {
    const auto self = impl_;
    co_return co_await self->place(std::move(command), executions::fetch_now);
}

asio::awaitable<order_result<void>> order_engine::submit(domain::place_order_command command) {
    const auto self = impl_;
    co_return co_await self->submit(std::move(command));
}

asio::awaitable<order_result<order_record>> order_engine::get(std::string order_id) {
    const auto self = impl_;
    try {
        auto order = co_await self->db(self->sync_db, [&](pqxx::connection& c) { return store::find_order(c, order_id); });
        if (!order) {
            co_return unexpected(error_of(order_error_kind::not_found, "ORDER_NOT_FOUND",
                                          "no order \"" + order_id + "\"; check the order_id"));
        }
        co_return std::move(*order);
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

asio::awaitable<order_result<std::vector<order_record>>> order_engine::list(order_query query) {
    const auto self = impl_;
    if (query.limit < 1 || query.limit > 1000) {
        co_return unexpected(error_of(order_error_kind::invalid_request, "INVALID_FIELD", "limit: must be 1..1000"));
    }
    try {
        store::order_filter filter{query.user_id, std::nullopt, std::nullopt, query.status, query.limit};
        if (query.symbol) {
            // Any form of any exchange's market; an unmapped symbol is compared as written.
            filter.symbol = *query.symbol;
            for (const auto& [name, ignored] : self->exchanges) {
                if (auto market = co_await self->mapping_for(self->sync_db, name, *query.symbol)) {
                    filter.symbol = market->symbol;
                    break;
                }
            }
        }
        co_return co_await self->db(self->sync_db, [&](pqxx::connection& c) { return store::list_orders(c, filter); });
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

asio::awaitable<order_result<order_record>> order_engine::cancel(domain::cancel_order_command command) {
    const auto self = impl_;
    co_return co_await self->cancel(std::move(command));
}

asio::awaitable<order_result<std::vector<trading_state_entry>>> order_engine::trading_states() {
    const auto self = impl_;
    try {
        co_await self->refresh_trading_states(self->sync_db, true);
        co_return self->states;
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

asio::awaitable<order_result<trading_state_entry>> order_engine::set_trading_state(trading_state_entry entry) {
    const auto self = impl_;
    const bool valid_scope = entry.scope == "global" ||
                             (entry.scope.size() > 5 && entry.scope.starts_with("user:")) ||
                             (entry.scope.size() > 9 && entry.scope.starts_with("strategy:"));
    if (!valid_scope) {
        co_return unexpected(error_of(order_error_kind::invalid_request, "INVALID_FIELD",
                                      "scope: must be global, user:<user_id> or strategy:<strategy_id>"));
    }
    try {
        const store::trading_state_row row{entry.scope, entry.state, entry.reason, entry.updated_by, 0};
        const auto saved = co_await self->db(self->sync_db, [&](pqxx::connection& c) { return store::save_trading_state(c, row); });
        co_await self->refresh_trading_states(self->sync_db, true);
        co_return trading_state_entry{saved.scope, saved.state, saved.reason, saved.updated_by, saved.updated_at};
    } catch (const store::database_unavailable& e) {
        co_return unexpected(unavailable(e.what()));
    }
}

bool order_engine::ready() const { return impl_->reconciled && impl_->database_ok && impl_->bus.connected(); }

order_engine_stats order_engine::stats() const { return impl_->counters; }

}  // namespace hft::services
