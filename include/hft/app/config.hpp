#pragma once

// config.yml, parsed once into plain structs. Key names stay those of earlier config.yml files where they
// exist (database.<db>.dsn, nats_jetstream.url, exchanges.<name>.api_key, api_keys[], port.*), so an
// existing config.yml mostly carries over. Every key, its default and its meaning is documented in
// config.yml.example. Modules receive their struct, never a YAML node.

#include "hft/app/secret.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hft::app {

using duration = std::chrono::milliseconds;

/// A problem with the configuration, worded for the user: which file, key and line, and the fix.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class log_format { text, json };

struct log_config {
    std::string log_level = "info";  ///< trace|debug|info|warn|error|critical|off
    log_format format = log_format::text;
    bool show_caller = false;
};

struct database_config {
    std::string dsn;  ///< libpq URI or key=value string; may carry a password, so never logged raw
    duration ping_interval{std::chrono::seconds(5)};
    double reconnect_factor = 2.0;
    duration min_jitter{std::chrono::milliseconds(100)};
    duration max_jitter{std::chrono::seconds(1)};
    int max_retry = 5;
    int max_idle_conns = 10;
    int max_active_conns = 100;
    duration max_conn_lifetime{std::chrono::hours(1)};
};

struct databases_config {
    std::optional<database_config> market_data;
    std::optional<database_config> order_engine;
    std::filesystem::path source{"config.yml"};  ///< the file these came from, for get()'s message

    /// The named database's settings; throws config_error naming `database.<name>.dsn` when absent, and
    /// listing the valid names when `name` is neither market_data nor order_engine.
    const database_config& get(std::string_view name) const;
};

struct nats_jetstream_config {
    std::string url;  ///< required by every service that uses the bus
    int max_retries = 5;
    double reconnect_factor = 2.0;
    duration min_jitter{std::chrono::milliseconds(100)};
    duration max_jitter{std::chrono::seconds(1)};
    int replicas = 1;
    duration kline_max_age{std::chrono::hours(24)};
    duration duplicate_window{std::chrono::minutes(2)};
};

struct exchange_account {
    secret api_key;
    secret api_secret;
};

/// The API a venue speaks: it decides the venue's default URLs and whether hft can place orders on it.
enum class venue_kind { tokocrypto, binance, sim };

/// "tokocrypto", "binance" or "sim".
std::string_view to_string(venue_kind kind) noexcept;

/// Whether order entry has an adapter for the kind: Tokocrypto's open API, which exchange-sim speaks too. Binance
/// is market data only.
bool has_order_adapter(venue_kind kind) noexcept;

struct exchange_config {
    /// `kind`; when absent, the venue's name if it is a kind's name (so `exchanges.tokocrypto` needs none).
    venue_kind kind = venue_kind::tokocrypto;
    secret api_key;     ///< default account
    secret api_secret;  ///< default account
    std::string base_url;    ///< REST base; empty means the venue's default
    std::string stream_url;  ///< websocket base; empty means the venue's default
    std::string market_data_url;  ///< REST base of public market data (kline history); empty: the venue's default
    int recv_window_ms = 5000;
    /// The order engine's REST connections to the venue are not reused once unused this long (below the venue's
    /// keep-alive timeout: exchange-sim 30 s; Tokocrypto and Binance publish none).
    duration http_idle_limit{std::chrono::seconds(20)};
    /// An order-entry connection unused this long gets a GET of the server time to stay open; 0: never.
    duration order_entry_keep_warm{std::chrono::seconds(15)};
    std::map<std::string, exchange_account> accounts;  ///< per user_id credentials
};

struct api_key_config {
    std::string name;
    secret key;
    bool active = true;
    /// The last valid second: the key is expired once now > expired_at. RFC 3339, or YYYY-MM-DD meaning
    /// 23:59:59 UTC of that day; absent or empty means no expiry.
    std::optional<std::chrono::sys_seconds> expired_at;
};

/// `hft market-data-gateway`: exchange websocket -> JetStream.
struct market_data_gateway_config {
    duration idle_timeout{std::chrono::seconds(30)};      ///< no frame for this long: the stream is stalled
    duration reconnect_min{std::chrono::milliseconds(500)};  ///< first reconnect delay (then doubles, jittered)
    duration reconnect_max{std::chrono::seconds(30)};     ///< reconnect delay cap
    duration max_connection_age{std::chrono::hours(23)};  ///< reconnect before the exchange's 24 h cut
    int max_in_flight = 4096;                              ///< un-acked JetStream publishes at most
    duration reload_interval{std::chrono::seconds(10)};   ///< how often kline_subscriptions is re-read
    int backfill_limit = 1000;                             ///< klines per REST request when filling a gap
    duration stats_interval{std::chrono::seconds(10)};    ///< one stats line per interval; 0 disables it
};

/// How far from now a kline's open time may be before the worker dead-letters it and the strategy runner refuses
/// to trade on it (core::check_plausible).
struct kline_plausibility_config {
    /// Later than now by more than this: the exchange's clock cannot be that far ahead of ours.
    duration max_open_time_ahead{std::chrono::minutes(5)};
    /// Earlier than now by more than this (10 years: every exchange's whole kline history).
    duration max_open_time_behind{std::chrono::hours(24 * 3650)};
};

/// `hft market-data-worker`: JetStream -> market_klines.
struct market_data_worker_config {
    std::string durable = "market-data-worker";  ///< shared by every worker process: that is how they scale out
    int batch_size = 2000;                       ///< klines per upsert transaction at most
    int connections = 2;  ///< PostgreSQL sessions committing batches at once: one inserts while another commits
    duration batch_timeout{std::chrono::milliseconds(50)};  ///< a partial batch is committed after this wait
    duration ack_wait{std::chrono::seconds(30)};           ///< JetStream redelivers an un-acked message after it
    int max_deliver = 5;                                   ///< deliveries before a message goes to the DLQ
    duration nak_delay{std::chrono::seconds(1)};           ///< first redelivery delay after a database error
    duration stats_interval{std::chrono::seconds(10)};
    kline_plausibility_config plausibility;  ///< klines outside it go to the DLQ
};

/// Pre-trade limits (DESIGN §5.5) as written in config; decimals stay strings until the engine parses them.
/// An absent limit is not checked.
struct risk_limits_config {
    std::optional<std::string> max_order_notional;  ///< quote per order
    std::optional<std::string> max_position;        ///< base held after the order fills
    std::optional<int> max_open_orders;
    std::optional<std::string> daily_loss_limit;    ///< quote; no new order once today's realized PnL <= -limit
    double orders_per_second = 0;                   ///< token bucket; 0: no rate limit
    int order_burst = 1;
    int line = 0;
};

/// `hft order-engine-gateway`: commands and HTTP in, exchange orders out, state in PostgreSQL.
struct order_engine_gateway_config {
    std::string http_bind = "127.0.0.1";   ///< listen address of the HTTP API (port.order_engine_gateway_http)
    std::size_t max_body_bytes = 64 * 1024;  ///< larger bodies get 413
    int max_connections = 256;               ///< served at once (net::server_options has the reserve beyond)
    int max_connections_per_peer = 64;       ///< served at once from one address; 0: no limit
    duration first_request_timeout{std::chrono::seconds(5)};  ///< a new connection's first request header
    duration request_timeout{std::chrono::seconds(15)};  ///< a synchronous place answers within this
    std::string durable = "order-engine-gateway";        ///< consumer of the ORDER_ENGINE stream
    duration ack_wait{std::chrono::seconds(30)};
    int max_deliver = 5;
    duration poll_interval{std::chrono::seconds(1)};      ///< status sync of open orders
    duration unknown_retry{std::chrono::seconds(2)};      ///< how often an UNKNOWN order is looked up again
    duration trading_state_refresh{std::chrono::seconds(1)};  ///< trading_state re-read (changes by SQL take effect)
    duration stats_interval{std::chrono::seconds(10)};
    risk_limits_config risk;                                  ///< every user's and strategy's default
    std::map<std::string, risk_limits_config> user_risk;      ///< risk_users.<user_id>: replaces the default
    std::map<std::string, risk_limits_config> strategy_risk;  ///< risk_strategies.<strategy_id>: checked as well
};

/// `hft strategy`: closed klines in, place-order commands out, state in a JetStream key-value bucket.
struct strategy_service_config {
    std::string kv_bucket = "strategy_state";
    std::string durable_prefix = "strategy-";  ///< one durable per instance: <prefix><id>
    int warmup_klines = 500;                    ///< closed klines read from market_klines at start
    duration max_kline_age{std::chrono::minutes(2)};  ///< a kline received longer ago is not traded on; 0: no limit
    duration ack_wait{std::chrono::seconds(30)};
    int max_deliver = 5;
    duration stats_interval{std::chrono::seconds(10)};
    kline_plausibility_config plausibility;  ///< klines outside it are terminated, never traded on
};

/// One strategy instance run by `hft strategy`. `params` are the kind's own settings as written (decimals stay
/// strings); the strategy kind validates them, so this reader needs no knowledge of each kind.
struct strategy_instance_config {
    std::string id;
    std::string kind;      ///< lazy_grid | grid | sma_cross
    std::string exchange;
    std::string symbol;    ///< any of the market's forms; resolved through symbol_mappings
    std::string interval;  ///< the kline interval it trades on, e.g. 1m
    std::string user_id;   ///< whose account its orders use
    bool enabled = true;
    std::map<std::string, std::string> params;
    int line = 0;  ///< where it is defined, for the kind's validation errors
};

struct port_config {
    std::uint16_t order_engine_gateway_http = 9801;
    // Each service's /metrics, /healthz and /readyz listener (ops.bind); 0 picks a free port and logs it.
    std::uint16_t market_data_gateway_metrics = 9811;
    std::uint16_t market_data_worker_metrics = 9812;
    std::uint16_t strategy_metrics = 9813;
    std::uint16_t order_engine_gateway_metrics = 9814;
};

/// The operations endpoint every service serves: Prometheus /metrics, /healthz (alive), /readyz (dependencies up
/// and caught up).
struct ops_config {
    std::string bind = "127.0.0.1";  ///< loopback unless a Prometheus on another host scrapes it
    duration postgres_probe_interval{std::chrono::seconds(2)};  ///< how often readiness checks PostgreSQL
    /// /readyz fails while a consumer has more than this many messages waiting (not caught up).
    std::uint64_t max_consumer_lag = 10'000;
};

struct config {
    std::filesystem::path source;  ///< the file this came from, for messages
    std::string env = "development";
    log_config log;
    duration graceful_shutdown_timeout{std::chrono::seconds(30)};
    std::vector<api_key_config> api_keys;
    port_config port;
    ops_config ops;
    market_data_gateway_config market_data_gateway;
    market_data_worker_config market_data_worker;
    order_engine_gateway_config order_engine_gateway;
    strategy_service_config strategy;
    std::vector<strategy_instance_config> strategies;
    std::map<std::string, exchange_config> exchanges;
    std::optional<nats_jetstream_config> nats_jetstream;
    databases_config database;
    std::vector<std::string> warnings;  ///< non-fatal findings (loose file permissions, obsolete keys)
    std::vector<std::string> env_overrides;  ///< names of the HFT_* variables that replaced a value (never values)

    /// The bus settings; throws config_error saying nats_jetstream.url is missing when the section is absent.
    const nats_jetstream_config& require_nats_jetstream() const;
    /// One venue's settings; throws config_error naming `exchanges.<name>` when it is not configured.
    const exchange_config& exchange(std::string_view name) const;
};

/// Parses YAML text. In values, `${NAME}` is replaced from the environment (unset is an error),
/// `${NAME:-default}` falls back when NAME is unset or empty, and `$${` is a literal `${`. A non-empty
/// HFT_<DOTTED_PATH> variable (upper-cased, other characters as `_`) overrides any scalar value, e.g.
/// HFT_EXCHANGES_TOKOCRYPTO_API_SECRET, HFT_DATABASE_MARKET_DATA_DSN, HFT_NATS_JETSTREAM_URL. Unknown keys,
/// wrong types, bad durations and missing required values throw config_error with the key and line, and never
/// the value of a secret. Every secret read is passed to register_secret() so logs mask it.
config parse_config(std::string_view yaml_text, const std::filesystem::path& source = "config.yml");

/// Reads and parses a file; a missing file is a config_error that says how to create one.
config load_config(const std::filesystem::path& path);

/// Parses "500ms", "5s", "2m", "1h", "1h30m", "250us"; throws config_error naming `key`.
duration parse_duration(std::string_view text, std::string_view key);

/// Parses an expiry: RFC 3339 ("2099-12-31T23:59:59Z", "2099-12-31T23:59:59+07:00") or "YYYY-MM-DD"
/// (23:59:59 UTC that day); throws config_error naming `key`.
std::chrono::sys_seconds parse_expiry(std::string_view text, std::string_view key);

/// Normalizes a log level: trace|debug|info|warn|error|critical|off, plus logrus's names
/// (warning -> warn, fatal and panic -> critical); throws config_error naming `key`. For --log-level too.
std::string parse_log_level(std::string_view text, std::string_view key);

/// "text" or "json"; throws config_error naming `key`. For --log-format too.
log_format parse_log_format(std::string_view text, std::string_view key);

}  // namespace hft::app
