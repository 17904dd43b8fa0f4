#include "hft/services/strategy_runner.hpp"

#include "hft/app/blocking_lane.hpp"
#include "hft/app/redact.hpp"
#include "hft/bus/kv_bucket.hpp"
#include "hft/bus/publisher.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"
#include "hft/codec/order_update.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/core/backoff.hpp"
#include "hft/core/kline_plausibility.hpp"
#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "hft/obs/metrics.hpp"
#include "hft/services/consumer_loop.hpp"
#include "hft/services/strategy_params.hpp"
#include "hft/store/database.hpp"
#include "hft/store/market_data_repository.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <random>
#include <vector>

namespace hft::services {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

const std::string kline_stream = "KLINE";
const std::string order_update_stream = "ORDER_UPDATE";
constexpr int fetch_batch = 8;
constexpr auto fetch_wait = 500ms;  // also bounds how long stop() waits for a fetch in flight

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t now_ms() { return now_ns() / 1'000'000; }

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// A configured symbol in any of the market's forms (TKOIDR, tkoidr, TKO_IDR) -> its symbol_mappings row.
const domain::symbol_mapping* find_mapping(const std::vector<domain::symbol_mapping>& mappings,
                                           const app::strategy_instance_config& entry) {
    const auto wanted = lower(entry.symbol);
    const auto found = std::find_if(mappings.begin(), mappings.end(), [&](const domain::symbol_mapping& m) {
        return m.exchange == entry.exchange &&
               (lower(m.symbol) == wanted || lower(m.kline_symbol) == wanted || lower(m.order_symbol) == wanted);
    });
    return found == mappings.end() ? nullptr : &*found;
}

// One JetStream publish as an awaitable: resumes with the ack or the error.
asio::awaitable<bus::publish_result> publish_acked(bus::publisher& sender, std::string subject, std::string payload,
                                                   std::string msg_id) {
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(bus::publish_result)>(
        [&](auto handler) {
            // publisher takes a copyable std::function; the awaitable's handler is move-only.
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            sender.publish(subject, payload, msg_id,
                           [shared](bus::publish_result result) { std::move (*shared)(std::move(result)); });
        },
        asio::use_awaitable);
}

std::string describe(const core::decision& d) {
    if (d.action == core::trade_action::hold) return fmt::format("HOLD ({})", d.reason);
    return fmt::format("{} {} {} @ {} order {}{} ({})", core::to_string(d.action), domain::to_string(d.type),
                       d.quantity.to_string(), d.limit_price ? d.limit_price->to_string() : std::string("market"),
                       d.order_id, d.grid_level ? fmt::format(" level {}", *d.grid_level) : std::string(),
                       d.reason);
}

domain::place_order_command command_for(const core::strategy_config& config, const core::decision& d,
                                        const domain::kline& k) {
    domain::place_order_command command;
    command.request_id = d.order_id;
    command.order_id = d.order_id;
    command.user_id = config.user_id;
    command.exchange = config.exchange;
    command.symbol = config.symbol;
    command.type = d.type;
    command.side = d.action == core::trade_action::buy ? domain::order_side::buy : domain::order_side::sell;
    command.price = d.limit_price;
    command.quantity = d.quantity;
    command.source = "strategy";
    command.strategy_id = config.id;
    command.requested_at = now_ms();
    command.kline_open_time = k.open_time;
    command.received_ns = k.received_ns;
    return command;
}

// One fetched message and the consumer it came from.
struct inbound {
    bool is_update = false;
    bus::message message;
};
using inbound_channel = asio::experimental::channel<void(boost::system::error_code, std::shared_ptr<inbound>)>;

}  // namespace

// One instance's Prometheus series (process-lifetime objects in obs::default_registry()).
struct instance_metrics {
    explicit instance_metrics(const std::string& strategy) {
        auto& r = obs::default_registry();
        const obs::labels series{{"strategy", strategy}};
        const auto decisions = [&](std::string_view side) {
            return &r.counter("hft_strategy_decisions_total", "Orders a strategy decided and JetStream acknowledged",
                              {{"strategy", strategy}, {"side", std::string(side)}});
        };
        evaluated = &r.counter("hft_strategy_klines_evaluated_total", "Closed klines evaluated and saved", series);
        buys = decisions("BUY");
        sells = decisions("SELL");
        fills = &r.counter("hft_strategy_fills_applied_total", "Order updates whose fills changed the state", series);
        kline_to_decision = &r.histogram(
            "hft_strategy_kline_to_decision_seconds",
            "From a closed kline leaving the inbox to its first order acknowledged by JetStream (klines with orders)",
            obs::latency_buckets_seconds(), series);
        kline_age = &r.histogram("hft_strategy_kline_age_seconds",
                                 "From the gateway receiving a closed kline to the strategy evaluating it",
                                 obs::latency_buckets_seconds(), series);
    }
    obs::counter* evaluated;
    obs::counter* buys;
    obs::counter* sells;
    obs::counter* fills;
    obs::histogram* kline_to_decision;
    obs::histogram* kline_age;
};

// One running strategy instance: its config, its state as saved, its consumers.
struct instance {
    instance(asio::any_io_executor executor, app::strategy_instance_config entry_, instance_site site_)
        : entry(std::move(entry_)), site(std::move(site_)), metrics(entry.id), inbox(executor), work_pause(executor) {}

    app::strategy_instance_config entry;
    instance_site site;
    instance_metrics metrics;
    core::strategy_config config;
    std::string kline_filter;
    std::string update_filter;
    std::string kline_durable;
    std::string update_durable;
    std::optional<saved_strategy> saved;  ///< set once restored (a state needs its config to exist)
    std::uint64_t revision = 0;  ///< of the saved state in the bucket; 0: never written
    std::vector<core::decision> decisions;
    // Made once the durables are named (set_up_bus).
    std::unique_ptr<durable_fetcher> klines;
    std::unique_ptr<durable_fetcher> updates;
    inbound_channel inbox;
    asio::steady_timer work_pause;  ///< between retries of a publish or a save
    int fetchers = 2;
};

struct strategy_runner::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor executor_, bus::connection& bus_, const app::config& cfg_)
        : executor(executor_),
          bus(bus_),
          cfg(cfg_),
          settings(cfg_.strategy),
          plausibility{settings.plausibility.max_open_time_ahead, settings.plausibility.max_open_time_behind},
          nats(cfg_.require_nats_jetstream()),
          database(cfg_.database.get("market_data").dsn),
          orders(bus_),
          loop(executor_),
          retry_timer(executor_),
          done_timer(executor_),
          retry({200ms, 10s, 2.0}, std::random_device{}()) {
        for (std::size_t i = 0; i < cfg.strategies.size(); ++i) {
            const auto& entry = cfg.strategies[i];
            if (!entry.enabled) continue;
            instances.push_back(
                std::make_unique<instance>(executor, entry, instance_site{cfg.source, i, entry.line}));
        }
        if (instances.empty()) {
            throw app::config_error(fmt::format("{}: strategies has no enabled entry, so hft strategy has nothing to "
                                                "run; add one or set enabled: true (see config.yml.example)",
                                                cfg.source.filename().string()));
        }
    }

    asio::awaitable<void> run();
    asio::awaitable<bool> resolve_instances();
    asio::awaitable<core::symbol_rules> exchange_rules(const instance* inst, std::string order_symbol);
    asio::awaitable<bool> set_up_bus();
    asio::awaitable<bool> restore_states();
    asio::awaitable<void> run_instance(instance* inst);
    asio::awaitable<void> fetch_loop(instance* inst, bool updates);
    asio::awaitable<void> process(instance* inst);
    asio::awaitable<void> handle_kline(instance* inst, bus::message& message);
    asio::awaitable<void> handle_update(instance* inst, bus::message& message);
    asio::awaitable<bool> publish_order(instance* inst, core::decision d, domain::kline k, bus::message& message);
    enum class save_result { saved, conflict, stopped };
    asio::awaitable<save_result> save(instance* inst, saved_strategy saved, bus::message& message);
    asio::awaitable<void> reload(instance* inst);
    void report_stats() const;
    asio::awaitable<void> pause(asio::steady_timer& timer, std::chrono::milliseconds delay) {
        return loop.pause(timer, delay);
    }
    void stop();

    asio::any_io_executor executor;
    bus::connection& bus;
    app::config cfg;
    app::strategy_service_config settings;
    core::kline_time_window plausibility;
    app::nats_jetstream_config nats;
    store::database database;
    std::unique_ptr<bus::kv_bucket> kv;
    bus::publisher orders;
    std::vector<std::unique_ptr<instance>> instances;
    // database and kv are only touched from these lanes, declared after them so the lanes join first.
    app::blocking_lane database_lane;
    app::blocking_lane kv_lane;
    consumer_loop loop;
    asio::steady_timer retry_timer;
    asio::steady_timer done_timer;
    core::backoff retry;
    bool stopping = false;
    strategy_stats counters;
};

asio::awaitable<void> strategy_runner::impl::run() {
    const auto self = shared_from_this();
    spdlog::info("{} strategy instance(s); state in KV bucket {}, NATS {}, warm-up from {}; max_kline_age {} ms, "
                 "ack_wait {} ms, max_deliver {}",
                 instances.size(), settings.kv_bucket, app::redact_text(bus.options().url), database.target(),
                 settings.max_kline_age.count(), settings.ack_wait.count(), settings.max_deliver);
    if (!co_await resolve_instances()) co_return;
    if (!co_await set_up_bus()) co_return;
    if (!co_await restore_states()) co_return;

    // Every instance runs until stop(); the first failure is rethrown once all have returned.
    std::size_t running = instances.size();
    std::exception_ptr failure;
    done_timer.expires_at(asio::steady_timer::time_point::max());
    for (auto& inst : instances) {
        asio::co_spawn(executor, run_instance(inst.get()), [this, self, &running, &failure](std::exception_ptr e) {
            if (e && !failure) {
                failure = e;
                stop();
            }
            if (--running == 0) done_timer.cancel();
        });
    }
    asio::co_spawn(executor, loop.stats_loop(settings.stats_interval, [this] { report_stats(); }),
                   [self](std::exception_ptr) {});
    while (running > 0) co_await done_timer.async_wait(as_tuple_awaitable);
    if (failure) std::rethrow_exception(failure);
    spdlog::info("totals: klines evaluated {}, not closed {}, stale {}; orders published {} ({} duplicates); "
                 "fills applied {}, updates ignored {}",
                 counters.klines_evaluated, counters.klines_not_closed, counters.klines_stale,
                 counters.orders_published, counters.duplicate_orders, counters.fills_applied,
                 counters.updates_ignored);
}

// Symbols through symbol_mappings, then each instance's params; a config problem throws config_error.
asio::awaitable<bool> strategy_runner::impl::resolve_instances() {
    std::vector<domain::symbol_mapping> mappings;
    retry.reset();
    bool reported = false;
    while (true) {
        if (stopping) co_return false;
        try {
            mappings = co_await database_lane.run([this] {
                return database.run([](pqxx::connection& connection) {
                    pqxx::read_transaction tx{connection};
                    return store::load_symbol_mappings(tx);
                });
            });
            break;
        } catch (const store::database_unavailable& e) {
            if (!std::exchange(reported, true)) {
                spdlog::warn("cannot read symbol_mappings: {}; retrying with backoff until PostgreSQL answers", e.what());
            }
        }
        co_await pause(retry_timer, retry.next());
    }
    for (auto& owned : instances) {
        auto& inst = *owned;
        const auto venue = cfg.exchanges.find(inst.entry.exchange);
        if (venue != cfg.exchanges.end() && !app::has_order_adapter(venue->second.kind)) {
            throw app::config_error(fmt::format("{}: exchange {} is kind {}, which hft cannot place orders on yet "
                                                "(order entry speaks tokocrypto and sim); trade on one of those",
                                                inst.site.describe(".exchange"), inst.entry.exchange,
                                                app::to_string(venue->second.kind)));
        }
        const auto* mapping = find_mapping(mappings, inst.entry);
        if (mapping == nullptr) {
            throw app::config_error(fmt::format(
                "{} \"{}\" has no symbol_mappings row for exchange {} in the market_data database; add the market's "
                "row (symbol, kline_symbol, order_symbol) or fix the symbol",
                inst.site.describe(".symbol"), inst.entry.symbol, inst.entry.exchange));
        }
        const auto configured = configured_rules(inst.entry, inst.site);
        if (!configured) throw app::config_error(configured.error());
        core::symbol_rules rules;
        if (*configured) {
            rules = **configured;
        } else {
            rules = co_await exchange_rules(&inst, mapping->order_symbol);
        }
        auto config = to_strategy_config(inst.entry, inst.site, mapping->symbol, rules);
        if (!config) throw app::config_error(config.error());
        inst.config = std::move(*config);
        inst.kline_filter = bus::kline_subject(inst.config.exchange, inst.config.symbol, inst.config.interval);
        inst.update_filter = bus::order_update_subject(inst.config.exchange, inst.config.symbol);
        inst.kline_durable = settings.durable_prefix + inst.config.id;
        inst.update_durable = inst.kline_durable + "-updates";
        spdlog::info("{}: {} on {} (tick {}, step {}), {} for user {}", inst.config.id, inst.entry.kind,
                     inst.kline_filter, rules.tick_size.to_string(), rules.step_size.to_string(),
                     inst.update_filter, inst.config.user_id);
    }
    co_return true;
}

// The public symbol rules (no credentials needed). Every configured exchange's REST API is spoken as Tokocrypto's
// open API v1, as the order engine does (the exchange-sim speaks it too); a tokocrypto venue without base_url, or an
// unconfigured `tokocrypto`, means the real one.
asio::awaitable<core::symbol_rules> strategy_runner::impl::exchange_rules(const instance* inst,
                                                                         std::string order_symbol) {
    const auto fix = fmt::format("set params.tick_size and params.step_size for {}", inst->site.describe());
    const auto configured = cfg.exchanges.find(inst->entry.exchange);
    const bool has_base_url = configured != cfg.exchanges.end() && !configured->second.base_url.empty();
    const bool is_tokocrypto = configured == cfg.exchanges.end() ? inst->entry.exchange == "tokocrypto"
                                                                 : configured->second.kind == app::venue_kind::tokocrypto;
    if (!has_base_url && !is_tokocrypto) {
        throw app::config_error(fmt::format("{}: cannot fetch the symbol rules of exchange {}: exchanges.{}.base_url "
                                            "is not set; set it, or {}",
                                            inst->site.describe(), inst->entry.exchange, inst->entry.exchange, fix));
    }
    const std::string base = has_base_url ? configured->second.base_url : std::string(exchange::tokocrypto::default_base_url);
    auto origin = net::http_origin::parse(base);
    if (!origin) throw app::config_error(fmt::format("exchanges.{}.base_url: {}", inst->entry.exchange, origin.error()));
    exchange::tokocrypto::rest_client client(executor, std::move(*origin), {});
    std::optional<core::symbol_rules> rules;
    retry.reset();
    while (!rules && !stopping) {
        auto fetched = co_await client.rules(order_symbol);
        if (fetched) {
            rules = std::move(*fetched);
            break;
        }
        if (fetched.error().kind == exchange::tokocrypto::failure_kind::rejected) {
            throw app::config_error(fmt::format("{}: {} refuses symbol {}: {}; {}", inst->site.describe(), base,
                                                order_symbol, fetched.error().describe(), fix));
        }
        spdlog::warn("{}: cannot fetch the symbol rules of {} from {}: {}; retrying", inst->entry.id, order_symbol,
                     base, fetched.error().describe());
        co_await pause(retry_timer, retry.next());
    }
    if (!rules) throw std::runtime_error("stopped before the symbol rules were fetched");
    co_return *rules;
}

asio::awaitable<bool> strategy_runner::impl::set_up_bus() {
    for (auto& inst : instances) {
        const auto prefix = inst->config.id + ": ";
        inst->klines = std::make_unique<durable_fetcher>(loop, kline_stream + "/" + inst->kline_durable, prefix);
        inst->updates = std::make_unique<durable_fetcher>(loop, order_update_stream + "/" + inst->update_durable, prefix);
    }
    co_return co_await loop.set_up(
        kv_lane, fmt::format("set up streams, consumers and the {} bucket", settings.kv_bucket), [this] {
            bus.ensure_stream(bus::kline_stream_spec(nats.kline_max_age, nats.duplicate_window, nats.replicas));
            bus.ensure_stream(bus::order_engine_stream_spec(nats.replicas));
            bus.ensure_stream(bus::order_update_stream_spec(nats.replicas));
            for (auto& inst : instances) {
                const auto consumer = [&](const std::string& durable, const std::string& filter) {
                    return bus::consumer_spec{.durable = durable,
                                              .filter_subject = filter,
                                              .ack_wait = settings.ack_wait,
                                              .max_deliver = settings.max_deliver,
                                              .max_ack_pending = 4 * fetch_batch};
                };
                const auto klines = consumer(inst->kline_durable, inst->kline_filter);
                const auto updates = consumer(inst->update_durable, inst->update_filter);
                bus.ensure_consumer(kline_stream, klines);
                bus.ensure_consumer(order_update_stream, updates);
                inst->klines->attach(std::make_unique<bus::pull_consumer>(bus, kline_stream, klines));
                inst->updates->attach(std::make_unique<bus::pull_consumer>(bus, order_update_stream, updates));
            }
            if (!kv) kv = std::make_unique<bus::kv_bucket>(bus, bus::kv_bucket_spec{settings.kv_bucket, 1, nats.replicas});
        });
}

// The saved state of each instance, else a fresh one warmed up on market_klines.
asio::awaitable<bool> strategy_runner::impl::restore_states() {
    for (auto& owned : instances) {
        auto* inst = owned.get();
        retry.reset();
        while (true) {
            if (stopping) co_return false;
            std::string problem;
            try {
                co_await reload(inst);
                if (inst->revision != 0) {
                    spdlog::info("{}: state restored from {} (revision {}, last kline {})", inst->config.id,
                                 settings.kv_bucket, inst->revision, inst->saved->state.last_open_time.value_or(0));
                    break;
                }
                const auto history = co_await database_lane.run([this, inst] {
                    return database.run([&](pqxx::connection& connection) {
                        pqxx::read_transaction tx{connection};
                        return store::recent_closed_klines(tx, inst->config.exchange, inst->config.symbol,
                                                           inst->config.interval, settings.warmup_klines);
                    });
                });
                if (auto warmed = warm_up(inst->config, inst->saved->state, history); !warmed) {
                    throw std::runtime_error(fmt::format("{}: warm-up failed: {}", inst->config.id,
                                                         domain::to_string(warmed.error())));
                }
                spdlog::info("{}: no saved state; fresh, warmed up on {} closed klines from market_klines",
                             inst->config.id, history.size());
                break;
            } catch (const store::database_unavailable& e) {
                problem = e.what();
            } catch (const bus::nats_error& e) {
                problem = e.what();
            }
            spdlog::warn("{}: cannot restore its state: {}; retrying", inst->config.id, problem);
            co_await pause(retry_timer, retry.next());
        }
    }
    co_return true;
}

// Reads the saved state (revision 0 and a fresh state when there is none). A state that does not fit the
// config is a config problem: starting fresh would forget open orders and positions.
asio::awaitable<void> strategy_runner::impl::reload(instance* inst) {
    const auto entry = co_await kv_lane.run([this, inst] { return kv->get(inst->config.id); });
    if (!entry) {
        inst->saved = saved_strategy{core::initial_state(inst->config), {}};
        inst->revision = 0;
        co_return;
    }
    auto decoded = decode_saved_strategy(inst->config, entry->value);
    if (!decoded) {
        throw app::config_error(fmt::format(
            "{}: the saved state (key {} of KV bucket {}) does not fit its params: {}; restore the params it ran "
            "with, or delete the key (nats kv del {} {}) to start fresh, after closing its open orders",
            inst->site.describe(), inst->config.id, settings.kv_bucket, decoded.error(), settings.kv_bucket,
            inst->config.id));
    }
    inst->saved = std::move(*decoded);
    inst->revision = entry->revision;
}

asio::awaitable<void> strategy_runner::impl::run_instance(instance* inst) {
    co_await (fetch_loop(inst, false) && fetch_loop(inst, true) && process(inst));
}

asio::awaitable<void> strategy_runner::impl::fetch_loop(instance* inst, bool updates) {
    auto& fetcher = updates ? *inst->updates : *inst->klines;
    while (!stopping) {
        auto fetched = co_await fetcher.fetch(fetch_batch, fetch_wait);
        for (auto& message : fetched) {
            auto item = std::make_shared<inbound>(inbound{updates, std::move(message)});
            co_await inst->inbox.async_send(boost::system::error_code{}, std::move(item), as_tuple_awaitable);
        }
    }
    if (--inst->fetchers == 0) inst->inbox.close();
}

// One message at a time, so a kline's publish-save-ack and a fill's apply-save-ack never interleave.
asio::awaitable<void> strategy_runner::impl::process(instance* inst) {
    while (true) {
        auto received = co_await inst->inbox.async_receive(as_tuple_awaitable);
        if (std::get<0>(received)) break;
        auto item = std::move(std::get<1>(received));
        if (stopping) {
            item->message.nak(0ms);  // fetched but not started: for the next process, at once
            continue;
        }
        if (item->is_update) {
            co_await handle_update(inst, item->message);
        } else {
            co_await handle_kline(inst, item->message);
        }
    }
}

asio::awaitable<void> strategy_runner::impl::handle_kline(instance* inst, bus::message& message) {
    const auto& id = inst->config.id;
    auto decoded = codec::decode_kline_event(message.data());
    if (!decoded) {
        spdlog::error("{}: undecodable kline on {} (#{}), terminated: {}", id, message.subject(),
                      message.metadata().stream_sequence, decoded.error().to_string());
        message.term();
        co_return;
    }
    const auto& k = *decoded;
    const domain::kline_market market{inst->config.exchange, inst->config.symbol, inst->config.interval};
    if (auto plausible = core::check_plausible(k, market, now_ms(), plausibility); !plausible) {
        spdlog::error("{}: implausible kline on {} (#{}), terminated: {}", id, message.subject(),
                      message.metadata().stream_sequence, plausible.error());
        message.term();
        co_return;
    }
    if (!k.is_closed) {
        ++counters.klines_not_closed;
        message.ack();
        co_return;
    }
    const auto taken = std::chrono::steady_clock::now();
    inst->metrics.kline_age->observe(std::chrono::nanoseconds(now_ns() - k.received_ns));
    bool first_order = true;
    // Failures are retried here rather than by redelivery, so klines are evaluated strictly in order: a later
    // kline evaluated first would make this one stale and orphan the orders it already published.
    while (true) {
        auto saved = *inst->saved;
        if (is_stale(k.received_ns, now_ns(), settings.max_kline_age)) {
            if (auto warmed = warm_up(inst->config, saved.state, {&k, 1}); !warmed) {
                spdlog::error("{}: kline {} overflows the indicators ({}); terminated", id, k.open_time,
                              domain::to_string(warmed.error()));
                message.term();
                co_return;
            }
            if (saved.state.last_open_time != inst->saved->state.last_open_time) {
                const auto saving = co_await save(inst, std::move(saved), message);
                if (saving == save_result::conflict) continue;
                if (saving == save_result::stopped) co_return;
            }
            ++counters.klines_stale;
            spdlog::info("{}: kline {} received {} ms ago, over max_kline_age: indicators only, no trading", id,
                         k.open_time, (now_ns() - k.received_ns) / 1'000'000);
            message.ack();
            co_return;
        }
        inst->decisions.clear();
        const auto outcome = core::on_kline(inst->config, saved.state, k, inst->decisions);
        if (!outcome) {
            spdlog::error("{}: kline {} cannot be evaluated ({}); terminated, state unchanged", id, k.open_time,
                          domain::to_string(outcome.error()));
            message.term();
            co_return;
        }
        if (*outcome != core::kline_outcome::evaluated) {
            if (*outcome == core::kline_outcome::stale) ++counters.klines_stale;
            if (*outcome == core::kline_outcome::other_market) {
                spdlog::warn("{}: kline of another market on {}", id, message.subject());
            }
            message.ack();
            co_return;
        }
        for (const auto& d : inst->decisions) {
            spdlog::info("{}: kline {} close {}: {}", id, k.open_time, k.close.to_string(), describe(d));
            if (d.action == core::trade_action::hold) continue;
            if (!co_await publish_order(inst, d, k, message)) co_return;
            (d.action == core::trade_action::buy ? inst->metrics.buys : inst->metrics.sells)->inc();
            if (std::exchange(first_order, false))
                inst->metrics.kline_to_decision->observe(std::chrono::steady_clock::now() - taken);
        }
        const auto saving = co_await save(inst, std::move(saved), message);
        if (saving == save_result::conflict) continue;
        if (saving == save_result::stopped) co_return;
        ++counters.klines_evaluated;
        inst->metrics.evaluated->inc();
        message.ack();
        co_return;
    }
}

// Publishes until JetStream acks; false (and the kline NAKed for the next process) when stopping first. A retry
// after a lost ack is harmless: the same Nats-Msg-Id is dropped as a duplicate.
asio::awaitable<bool> strategy_runner::impl::publish_order(instance* inst, core::decision d, domain::kline k,
                                                           bus::message& message) {
    core::backoff backoff({200ms, 5s, 2.0}, std::random_device{}());
    while (true) {
        const auto payload = codec::encode(command_for(inst->config, d, k));
        const auto result = co_await publish_acked(orders, bus::place_order_subject(), payload, d.order_id);
        if (result.ok()) {
            ++counters.orders_published;
            if (result.duplicate) ++counters.duplicate_orders;
            co_return true;
        }
        if (stopping) {
            spdlog::warn("{}: publishing order {} failed: {}; stopping, kline {} left for the next start",
                         inst->config.id, d.order_id, result.error, k.open_time);
            message.nak(0ms);
            co_return false;
        }
        spdlog::warn("{}: publishing order {} failed: {}; retrying", inst->config.id, d.order_id, result.error);
        message.in_progress();
        co_await pause(inst->work_pause, backoff.next());
    }
}

asio::awaitable<void> strategy_runner::impl::handle_update(instance* inst, bus::message& message) {
    const auto& id = inst->config.id;
    auto decoded = codec::decode_order_update(message.data());
    if (!decoded) {
        spdlog::error("{}: undecodable order update on {} (#{}), terminated: {}", id, message.subject(),
                      message.metadata().stream_sequence, decoded.error().to_string());
        message.term();
        co_return;
    }
    const auto& order = decoded->order;
    while (true) {
        auto saved = *inst->saved;
        const auto effect = apply_order_update(inst->config, saved, *decoded);
        if (!effect) {
            spdlog::error("{}: update of order {} cannot be applied ({}); terminated", id, order.order_id,
                          domain::to_string(effect.error()));
            message.term();
            co_return;
        }
        switch (*effect) {
            case update_effect::applied: {
                const auto saving = co_await save(inst, std::move(saved), message);
                if (saving == save_result::conflict) continue;
                if (saving == save_result::stopped) co_return;
                spdlog::info("{}: order {} {} filled {} of {}{}", id, order.order_id, domain::to_string(order.status),
                             order.filled_quantity.to_string(), order.quantity.to_string(),
                             order.avg_fill_price ? " at avg " + order.avg_fill_price->to_string() : std::string());
                ++counters.fills_applied;
                inst->metrics.fills->inc();
                message.ack();
                co_return;
            }
            case update_effect::not_yet_decided:
                // Its kline was published but not saved (a crash): it is redelivered and re-decided first.
                spdlog::info("{}: update of order {} precedes its kline's saved decision; redelivered in {} ms", id,
                             order.order_id, settings.ack_wait.count());
                message.nak(settings.ack_wait);
                co_return;
            case update_effect::nothing_new:
            case update_effect::not_ours:
                ++counters.updates_ignored;
                message.ack();
                co_return;
        }
    }
}

// Compare-and-set on the revision last read or written. Saved: `saved` is the instance's state. Conflict: another
// process wrote it; the state is reloaded and the caller evaluates again. NATS failures are retried until stop,
// which NAKs the message for the next process.
asio::awaitable<strategy_runner::impl::save_result> strategy_runner::impl::save(instance* inst, saved_strategy saved,
                                                                                bus::message& message) {
    const auto value = encode(saved);
    core::backoff backoff({200ms, 5s, 2.0}, std::random_device{}());
    while (true) {
        std::string problem;
        try {
            // nullopt: a conflict (the lane's result must be default-constructible, hft::expected is not)
            const auto written = co_await kv_lane.run([this, inst, &value]() -> std::optional<std::uint64_t> {
                auto put = kv->put(inst->config.id, value, inst->revision);
                if (!put) return std::nullopt;
                return *put;
            });
            if (written) {
                inst->revision = *written;
                inst->saved = std::move(saved);
                co_return save_result::saved;
            }
            spdlog::warn("{}: its state in {} was written by another process; reloaded, evaluating again",
                         inst->config.id, settings.kv_bucket);
            co_await reload(inst);
            co_return save_result::conflict;
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        if (stopping) {
            spdlog::warn("{}: cannot save its state: {}; stopping, message left for the next start", inst->config.id,
                         problem);
            message.nak(0ms);
            co_return save_result::stopped;
        }
        spdlog::warn("{}: cannot save its state: {}; retrying", inst->config.id, problem);
        message.in_progress();
        co_await pause(inst->work_pause, backoff.next());
    }
}

void strategy_runner::impl::report_stats() const {
    spdlog::info("klines evaluated {}, not closed {}, stale {}; orders published {} ({} duplicates); "
                 "fills applied {}, updates ignored {}",
                 counters.klines_evaluated, counters.klines_not_closed, counters.klines_stale,
                 counters.orders_published, counters.duplicate_orders, counters.fills_applied,
                 counters.updates_ignored);
}

// Every pause ends at once; `stopping` tells the loops that are not pausing.
void strategy_runner::impl::stop() {
    stopping = true;
    loop.stop();
}

strategy_runner::strategy_runner(asio::any_io_executor executor, bus::connection& bus, const app::config& cfg)
    : impl_(std::make_shared<impl>(std::move(executor), bus, cfg)) {}

// A fetch, statement or bucket call still running on a lane must not outlive main(): a coroutine suspended on it
// keeps the impl alive, so the lanes are joined here.
strategy_runner::~strategy_runner() {
    for (auto& inst : impl_->instances) {
        if (inst->klines) inst->klines->join();
        if (inst->updates) inst->updates->join();
    }
    impl_->database_lane.join();
    impl_->kv_lane.join();
}

asio::awaitable<void> strategy_runner::run() { return impl_->run(); }

void strategy_runner::stop() { impl_->stop(); }

strategy_stats strategy_runner::stats() const { return impl_->counters; }

}  // namespace hft::services
