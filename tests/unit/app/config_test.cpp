#include "hft/app/config.hpp"
#include "support/config_error_of.hpp"

#include "hft/app/redact.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using hft::app::config_error;
using hft::app::parse_config;

namespace {

/// Sets (or unsets, with nullopt) an environment variable for one scope and restores it afterwards.
class scoped_env {
public:
    scoped_env(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        if (value) {
            ::setenv(name_.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    ~scoped_env() {
        if (old_) {
            ::setenv(name_.c_str(), old_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

std::string error_of(const std::string& yaml) { return hft::test::config_error_of(yaml); }

bool contains(const std::vector<std::string>& lines, std::string_view needle) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

/// A file in a fresh temporary directory, removed with the directory at scope exit.
class temp_file {
public:
    temp_file(const std::string& name, const std::string& text) {
        std::string pattern = (std::filesystem::temp_directory_path() / "hft-config-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        dir_ = pattern;
        path_ = dir_ / name;
        std::ofstream(path_) << text;
    }
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path dir_;
    std::filesystem::path path_;
};

}  // namespace

TEST_CASE("config names a misspelled key and its line", "[app][config]") {
    CHECK(error_of("env: development\nnats_jetstream:\n  ulr: nats://127.0.0.1:4222\n") ==
          "config.yml:3: unknown key \"nats_jetstream.ulr\" (did you mean \"url\"?)");
    CHECK(error_of("databse:\n  market_data:\n    dsn: postgres://h/db\n") ==
          "config.yml:1: unknown key \"databse\" (did you mean \"database\"?)");
    CHECK(error_of("database:\n  marketdata:\n    dsn: postgres://h/db\n") ==
          "config.yml:2: unknown key \"database.marketdata\" (did you mean \"market_data\"?)");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    recv_windw: 5000\n") ==
          "config.yml:3: unknown key \"exchanges.tokocrypto.recv_windw\" (did you mean \"recv_window\"?)");
}

TEST_CASE("config rejects an unknown key with no near match and points to the example", "[app][config]") {
    CHECK(error_of("env: development\ncolour: blue\n") ==
          "config.yml:2: unknown key \"colour\"; see config.yml.example for the valid keys");
    CHECK(error_of("api_keys:\n  - name: a\n    key: k1\n    flavour: x\n") ==
          "config.yml:4: unknown key \"api_keys[0].flavour\"; see config.yml.example for the valid keys");
}

TEST_CASE("config messages name the file they came from", "[app][config]") {
    try {
        parse_config("colour: blue\n", "/etc/hft/prod.yml");
        FAIL("no error");
    } catch (const config_error& e) {
        CHECK(std::string(e.what()).starts_with("/etc/hft/prod.yml:1: unknown key"));
    }
}

TEST_CASE("config rejects a duplicate key", "[app][config]") {
    CHECK(error_of("log:\n  log_level: info\n  log_level: debug\n") ==
          "config.yml:3: duplicate key \"log.log_level\" (first at line 2)");
}

TEST_CASE("config reports a YAML syntax error with its line", "[app][config]") {
    const auto message = error_of("log:\n  log_level: info\n format: [text\n");
    CHECK(message.starts_with("config.yml:"));
    CHECK(message.find("YAML syntax error") != std::string::npos);
}

TEST_CASE("config rejects wrong types naming key and line", "[app][config]") {
    CHECK(error_of("port:\n  order_engine_gateway_http: http\n") ==
          "config.yml:2: port.order_engine_gateway_http must be a whole number between 1 and 65535, got \"http\"");
    CHECK(error_of("api_keys:\n  name: a\n  key: b\n") ==
          "config.yml:1: api_keys must be a list (lines starting with \"- name: ...\"), got a map; see "
          "config.yml.example");
    CHECK(
        error_of("log:\n  - info\n") ==
        "config.yml:1: log must be a map of settings (indented key: value lines), got a list; see config.yml.example");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  replicas: three\n") ==
          "config.yml:3: nats_jetstream.replicas must be a whole number between 1 and 5, got \"three\"");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  replicas: 1.5\n") ==
          "config.yml:3: nats_jetstream.replicas must be a whole number between 1 and 5, got \"1.5\"");
    CHECK(error_of("log:\n  show_caller: maybe\n") ==
          "config.yml:2: log.show_caller must be true or false, got \"maybe\"");
    CHECK(error_of("log:\n  log_level: [info]\n") == "config.yml:2: log.log_level must be a string, got a list");
    CHECK(error_of("database:\n  market_data:\n    dsn: postgres://h/db\n    reconnect_factor: fast\n") ==
          "config.yml:4: database.market_data.reconnect_factor must be a number like 2.0, got \"fast\"");
    CHECK(error_of("- a\n- b\n") ==
          "config.yml:1: expected key: value settings at the top level, got a list; see config.yml.example");
}

TEST_CASE("config rejects out-of-range values naming key and line", "[app][config]") {
    CHECK(error_of("port:\n  order_engine_gateway_http: 0\n") ==
          "config.yml:2: port.order_engine_gateway_http must be between 1 and 65535, got 0");
    CHECK(error_of("port:\n  order_engine_gateway_http: 65536\n") ==
          "config.yml:2: port.order_engine_gateway_http must be between 1 and 65535, got 65536");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  max_retries: -1\n") ==
          "config.yml:3: nats_jetstream.max_retries must be at least 0, got -1");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  replicas: 6\n") ==
          "config.yml:3: nats_jetstream.replicas must be between 1 and 5, got 6");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  replicas: 0\n") ==
          "config.yml:3: nats_jetstream.replicas must be between 1 and 5, got 0");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    recv_window: 0\n") ==
          "config.yml:3: exchanges.tokocrypto.recv_window must be between 1 and 60000, got 0");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    recv_window: 60001\n") ==
          "config.yml:3: exchanges.tokocrypto.recv_window must be between 1 and 60000, got 60001");
    CHECK(error_of("database:\n  order_engine:\n    dsn: postgres://h/db\n    max_retry: -3\n") ==
          "config.yml:4: database.order_engine.max_retry must be at least 0, got -3");
    CHECK(error_of("port:\n  order_engine_gateway_http: 99999999999999999999\n") ==
          "config.yml:2: port.order_engine_gateway_http must be between 1 and 65535, got 99999999999999999999");
}

TEST_CASE("config rejects bad durations naming key and line", "[app][config]") {
    CHECK(error_of("graceful_shutdown_timeout: 5 seconds\n") ==
          "config.yml:1: graceful_shutdown_timeout \"5 seconds\" is not a duration; use Go-style units like 500ms, 5s, "
          "2m, 1h30m (ns, us, ms, s, m, h)");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  min_jitter: -1s\n") ==
          "config.yml:3: nats_jetstream.min_jitter \"-1s\" is negative; durations must be 0 or more");
    CHECK(error_of("graceful_shutdown_timeout: \"\"\n") ==
          "config.yml:1: graceful_shutdown_timeout is empty; write a duration like 5s or 500ms");
    CHECK(error_of("graceful_shutdown_timeout: 30\n") ==
          "config.yml:1: graceful_shutdown_timeout \"30\" has no unit, and a plain number is ambiguous (seconds? "
          "milliseconds?); write 30s or 30ms");
    CHECK(error_of("graceful_shutdown_timeout: 0s\n") ==
          "config.yml:1: graceful_shutdown_timeout must be more than 0, got \"0s\"");
    CHECK(error_of("graceful_shutdown_timeout: 1h30\n").find("is not a duration") != std::string::npos);
    CHECK(error_of("graceful_shutdown_timeout: 5d\n").find("is not a duration") != std::string::npos);
    CHECK(error_of("graceful_shutdown_timeout: 99999999999h\n") ==
          "config.yml:1: graceful_shutdown_timeout \"99999999999h\" is too large");
}

TEST_CASE("durations parse Go-style and round to milliseconds", "[app][config]") {
    using hft::app::parse_duration;
    CHECK(parse_duration("500ms", "k") == 500ms);
    CHECK(parse_duration("5s", "k") == 5s);
    CHECK(parse_duration("2m", "k") == 2min);
    CHECK(parse_duration("1h", "k") == 1h);
    CHECK(parse_duration("1h30m", "k") == 90min);
    CHECK(parse_duration("1.5s", "k") == 1500ms);
    CHECK(parse_duration("1500us", "k") == 2ms);
    CHECK(parse_duration("250us", "k") == 0ms);
    CHECK(parse_duration("2\xC2\xB5s", "k") == 0ms);
    CHECK(parse_duration("1m0.5s", "k") == 60500ms);
    CHECK(parse_duration("0s", "k") == 0ms);
    CHECK_THROWS_WITH(parse_duration("5", "nats_jetstream.max_jitter"),
                      Catch::StartsWith("nats_jetstream.max_jitter \"5\" has no unit"));
    CHECK_THROWS_WITH(parse_duration("-1s", "k"), Catch::Contains("is negative"));
    CHECK_THROWS_WITH(parse_duration("", "k"), "k is empty; write a duration like 5s or 500ms");
    CHECK_THROWS_AS(parse_duration("s", "k"), config_error);
    CHECK_THROWS_AS(parse_duration(".s", "k"), config_error);
    CHECK(parse_duration(".5s", "k") == 500ms);
}

TEST_CASE("config relates jitter and window settings", "[app][config]") {
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  min_jitter: 2s\n  max_jitter: 1s\n") ==
          "config.yml:4: nats_jetstream.max_jitter (1s) is smaller than min_jitter (2s)");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n  kline_max_age: 1m\n  duplicate_window: 2m\n") ==
          "config.yml:4: nats_jetstream.duplicate_window (2m) must not exceed kline_max_age (1m); JetStream rejects "
          "such a stream");
}

TEST_CASE("config requires the url of a nats_jetstream section it has", "[app][config]") {
    scoped_env url("HFT_NATS_JETSTREAM_URL", std::nullopt);
    CHECK(error_of("env: development\nnats_jetstream:\n  replicas: 3\n") ==
          "config.yml:2: nats_jetstream.url is missing; set it (e.g. nats://127.0.0.1:4222) or HFT_NATS_JETSTREAM_URL; "
          "see config.yml.example");
    const auto cfg = parse_config("env: development\n");
    CHECK_FALSE(cfg.nats_jetstream.has_value());
    CHECK_THROWS_WITH(cfg.require_nats_jetstream(), Catch::StartsWith("config.yml: nats_jetstream.url is missing"));
}

TEST_CASE("databases_config get names the missing dsn and lists valid names", "[app][config]") {
    scoped_env market("HFT_DATABASE_MARKET_DATA_DSN", std::nullopt);
    scoped_env order("HFT_DATABASE_ORDER_ENGINE_DSN", std::nullopt);
    const auto cfg = parse_config("database:\n  order_engine:\n    dsn: postgres://hft@127.0.0.1:5432/order_engine\n");
    CHECK(cfg.database.get("order_engine").dsn == "postgres://hft@127.0.0.1:5432/order_engine");
    CHECK_THROWS_WITH(cfg.database.get("market_data"),
                      "config.yml: database.market_data.dsn is missing; set it or HFT_DATABASE_MARKET_DATA_DSN; see "
                      "config.yml.example");
    CHECK_THROWS_WITH(cfg.database.get("orders"),
                      "unknown database \"orders\"; valid names are market_data, order_engine");
    CHECK(error_of("database:\n  market_data:\n    max_retry: 3\n") ==
          "config.yml:2: database.market_data.dsn is missing; set it (e.g. "
          "postgres://hft@127.0.0.1:5432/market_data) or HFT_DATABASE_MARKET_DATA_DSN; see config.yml.example");
}

TEST_CASE("config fills every default when keys are absent", "[app][config]") {
    scoped_env url("HFT_NATS_JETSTREAM_URL", std::nullopt);
    scoped_env market("HFT_DATABASE_MARKET_DATA_DSN", std::nullopt);
    scoped_env order("HFT_DATABASE_ORDER_ENGINE_DSN", std::nullopt);
    const auto cfg = parse_config("");
    CHECK(cfg.env == "development");
    CHECK(cfg.log.log_level == "info");
    CHECK(cfg.log.format == hft::app::log_format::text);
    CHECK_FALSE(cfg.log.show_caller);
    CHECK(cfg.graceful_shutdown_timeout == 30s);
    CHECK(cfg.api_keys.empty());
    CHECK(cfg.port.order_engine_gateway_http == 9801);
    CHECK(cfg.exchanges.empty());
    CHECK_FALSE(cfg.nats_jetstream.has_value());
    CHECK_FALSE(cfg.database.market_data.has_value());
    CHECK_FALSE(cfg.database.order_engine.has_value());
    CHECK(cfg.warnings.empty());

    const auto with_sections = parse_config(
        "nats_jetstream:\n  url: nats://127.0.0.1:4222\ndatabase:\n  market_data:\n    dsn: postgres://h/m\n"
        "exchanges:\n  tokocrypto: {}\n");
    const auto& nats = *with_sections.nats_jetstream;
    CHECK(nats.max_retries == 5);
    CHECK(nats.reconnect_factor == 2.0);
    CHECK(nats.min_jitter == 100ms);
    CHECK(nats.max_jitter == 1s);
    CHECK(nats.replicas == 1);
    CHECK(nats.kline_max_age == 24h);
    CHECK(nats.duplicate_window == 2min);
    const auto& db = with_sections.database.get("market_data");
    CHECK(db.ping_interval == 5s);
    CHECK(db.reconnect_factor == 2.0);
    CHECK(db.min_jitter == 100ms);
    CHECK(db.max_jitter == 1s);
    CHECK(db.max_retry == 5);
    CHECK(db.max_idle_conns == 10);
    CHECK(db.max_active_conns == 100);
    CHECK(db.max_conn_lifetime == 1h);
    const auto& toko = with_sections.exchange("tokocrypto");
    CHECK(toko.api_key.empty());
    CHECK(toko.base_url.empty());
    CHECK(toko.recv_window_ms == 5000);
    CHECK(toko.accounts.empty());
    CHECK_THROWS_WITH(with_sections.exchange("binance"),
                      Catch::StartsWith("config.yml: exchanges.binance is not configured"));
}

TEST_CASE("config makes production logs json unless the format is given", "[app][config]") {
    CHECK(parse_config("env: production\n").log.format == hft::app::log_format::json);
    CHECK(parse_config("env: production\nlog:\n  format: text\n").log.format == hft::app::log_format::text);
    CHECK(parse_config("log:\n  log_level: warning\n").log.log_level == "warn");
    CHECK(parse_config("log:\n  log_level: DEBUG\n").log.log_level == "debug");
    CHECK(error_of("log:\n  log_level: verbose\n") ==
          "config.yml:2: log.log_level must be one of trace, debug, info, warn, error, critical, off; got \"verbose\"");
    CHECK(error_of("log:\n  format: xml\n") == "config.yml:2: log.format must be text or json; got \"xml\"");
    CHECK(hft::app::parse_log_format("JSON", "--log-format") == hft::app::log_format::json);
    CHECK_THROWS_WITH(hft::app::parse_log_level("loud", "--log-level"),
                      Catch::StartsWith("--log-level must be one of"));
}

TEST_CASE("config replaces ${NAME} from the environment", "[app][config]") {
    scoped_env host("HFT_TEST_NATS_HOST", "10.0.0.7");
    scoped_env empty("HFT_TEST_EMPTY", "");
    scoped_env unset("HFT_TEST_UNSET", std::nullopt);
    const auto cfg = parse_config(
        "env: ${HFT_TEST_UNSET:-staging}\n"
        "nats_jetstream:\n  url: nats://${HFT_TEST_NATS_HOST}:4222\n  replicas: ${HFT_TEST_EMPTY:-3}\n"
        "exchanges:\n  sim:\n    base_url: http://literal/$${NOT_A_VAR}/x$y\n");
    CHECK(cfg.env == "staging");
    CHECK(cfg.nats_jetstream->url == "nats://10.0.0.7:4222");
    CHECK(cfg.nats_jetstream->replicas == 3);
    CHECK(cfg.exchange("sim").base_url == "http://literal/${NOT_A_VAR}/x$y");
}

TEST_CASE("config names the key and the variable when a ${NAME} is unset", "[app][config]") {
    scoped_env unset("HFT_TEST_MISSING_KEY", std::nullopt);
    CHECK(
        error_of("exchanges:\n  tokocrypto:\n    api_key: ${HFT_TEST_MISSING_KEY}\n    api_secret: x\n") ==
        "config.yml:3: exchanges.tokocrypto.api_key uses ${HFT_TEST_MISSING_KEY}, but HFT_TEST_MISSING_KEY is not set "
        "in the environment; export it, or write ${HFT_TEST_MISSING_KEY:-default} for a fallback");
    CHECK(error_of("env: ${oops\n") ==
          "config.yml:1: env has an unclosed ${; close it with } or write $${ for a literal ${");
    CHECK(error_of("env: ${1abc}\n").find("is not a valid variable reference") != std::string::npos);
}

TEST_CASE("HFT_ environment variables override secrets and other values", "[app][config]") {
    scoped_env key("HFT_EXCHANGES_TOKOCRYPTO_API_KEY", "env-key-0123456789");
    scoped_env secret("HFT_EXCHANGES_TOKOCRYPTO_API_SECRET", "env-secret-0123456789");
    scoped_env dsn("HFT_DATABASE_ORDER_ENGINE_DSN", "postgres://hft:env-pg-password@db:5432/order_engine");
    scoped_env url("HFT_NATS_JETSTREAM_URL", "nats://nats.internal:4222");
    scoped_env level("HFT_LOG_LOG_LEVEL", "debug");
    scoped_env empty("HFT_PORT_ORDER_ENGINE_GATEWAY_HTTP", "");  // empty overrides are ignored
    scoped_env market("HFT_DATABASE_MARKET_DATA_DSN", std::nullopt);
    const auto cfg = parse_config(
        "exchanges:\n  tokocrypto:\n    api_key: file-key\n    api_secret: ${HFT_TEST_NEVER_SET}\n"
        "port:\n  order_engine_gateway_http: 9900\n");
    const auto& toko = cfg.exchange("tokocrypto");
    CHECK(toko.api_key.reveal() == "env-key-0123456789");
    CHECK(toko.api_secret.reveal() == "env-secret-0123456789");  // the override wins before ${} is looked at
    CHECK(cfg.database.get("order_engine").dsn == "postgres://hft:env-pg-password@db:5432/order_engine");
    CHECK_FALSE(cfg.database.market_data.has_value());
    CHECK(cfg.nats_jetstream->url == "nats://nats.internal:4222");
    CHECK(cfg.log.log_level == "debug");
    CHECK(cfg.port.order_engine_gateway_http == 9900);
    CHECK(std::find(cfg.env_overrides.begin(), cfg.env_overrides.end(), "HFT_EXCHANGES_TOKOCRYPTO_API_SECRET") !=
          cfg.env_overrides.end());
    CHECK(cfg.env_overrides.size() == 5);
}

TEST_CASE("an HFT_ override error names the variable", "[app][config]") {
    scoped_env replicas("HFT_NATS_JETSTREAM_REPLICAS", "7");
    CHECK(error_of("nats_jetstream:\n  url: nats://h:4222\n") ==
          "HFT_NATS_JETSTREAM_REPLICAS: nats_jetstream.replicas must be between 1 and 5, got 7");
}

TEST_CASE("exchange credentials may come from the environment alone", "[app][config]") {
    scoped_env key("HFT_EXCHANGES_BINANCE_API_KEY", "bn-key-0123456789");
    scoped_env secret("HFT_EXCHANGES_BINANCE_API_SECRET", "bn-secret-0123456789");
    const auto cfg = parse_config("env: development\n");
    REQUIRE(cfg.exchanges.contains("binance"));
    CHECK(cfg.exchange("binance").api_secret.reveal() == "bn-secret-0123456789");
}

TEST_CASE("config warns about an HFT_ variable that overrides nothing", "[app][config]") {
    scoped_env typo("HFT_DATABASE_MARKETDATA_DSN", "postgres://h/db");
    const auto cfg = parse_config("env: development\n");
    CHECK(contains(cfg.warnings,
                   "environment variable HFT_DATABASE_MARKETDATA_DSN is set but overrides no config key "
                   "(did you mean HFT_DATABASE_MARKET_DATA_DSN?)"));
}

TEST_CASE("api key expiry accepts RFC 3339 and a plain date", "[app][config]") {
    using std::chrono::sys_days;
    using namespace std::chrono;
    const auto cfg = parse_config(
        "api_keys:\n"
        "  - {name: a, key: key-a, expired_at: 2099-12-31T23:59:59Z}\n"
        "  - {name: b, key: key-b, expired_at: 2099-12-31}\n"
        "  - {name: c, key: key-c, expired_at: \"2030-06-01T07:00:00+07:00\"}\n"
        "  - {name: d, key: key-d, expired_at: 2030-06-01T00:00:00.999-01:30}\n"
        "  - {name: e, key: key-e, expired_at: \"\"}\n"
        "  - {name: f, key: key-f, active: false}\n");
    REQUIRE(cfg.api_keys.size() == 6);
    const auto end_of_2099 = sys_days{2099y / December / 31} + 23h + 59min + 59s;
    CHECK(cfg.api_keys[0].expired_at == end_of_2099);
    CHECK(cfg.api_keys[1].expired_at == end_of_2099);
    CHECK(cfg.api_keys[2].expired_at == sys_days{2030y / June / 1});
    CHECK(cfg.api_keys[3].expired_at == sys_days{2030y / June / 1} + 1h + 30min);
    CHECK_FALSE(cfg.api_keys[4].expired_at.has_value());
    CHECK_FALSE(cfg.api_keys[5].expired_at.has_value());
    CHECK(cfg.api_keys[0].active);
    CHECK_FALSE(cfg.api_keys[5].active);
    CHECK(cfg.api_keys[1].name == "b");
    CHECK(cfg.api_keys[1].key.reveal() == "key-b");

    CHECK(error_of("api_keys:\n  - name: a\n    key: k\n    expired_at: 2099-13-01\n") ==
          "config.yml:4: api_keys[0].expired_at \"2099-13-01\" is not a valid expiry; use RFC 3339 "
          "(2099-12-31T23:59:59Z, or with an offset like 2099-12-31T23:59:59+07:00) or YYYY-MM-DD (valid until the "
          "end of that day UTC)");
    for (const auto* bad : {"2099-02-30", "2099-12-31T23:59:59", "2099-12-31T24:00:00Z", "31/12/2099", "2099-12-31Tx",
                            "2099-12-31T23:59:59+0700"}) {
        CHECK_THROWS_AS(hft::app::parse_expiry(bad, "k"), config_error);
    }
}

TEST_CASE("api keys must be distinct and present; empty ones are left out", "[app][config]") {
    CHECK(error_of("api_keys:\n  - name: a\n    active: true\n") ==
          "config.yml:2: api_keys[0].key is missing; see "
          "config.yml.example");
    CHECK(error_of("api_keys:\n  - {name: a, key: same-key}\n  - {name: b, key: same-key}\n") ==
          "config.yml:3: api_keys[1].key is the same as api_keys[0].key; give each client its own key");
    scoped_env unset("HFT_TEST_UNSET_KEY", std::nullopt);
    const auto cfg = parse_config("api_keys:\n  - name: a\n    key: ${HFT_TEST_UNSET_KEY:-}\n  - {name: b, key: kb}\n");
    REQUIRE(cfg.api_keys.size() == 1);
    CHECK(cfg.api_keys[0].name == "b");
    CHECK(contains(cfg.warnings, "config.yml:2: api_keys[0] (a) has an empty key and is ignored"));
}

TEST_CASE("config reads per-user exchange accounts", "[app][config]") {
    const auto cfg = parse_config(
        "exchanges:\n  tokocrypto:\n    api_key: default-key\n    api_secret: default-secret\n"
        "    accounts:\n      user-1:\n        api_key: u1-key\n        api_secret: u1-secret\n");
    const auto& accounts = cfg.exchange("tokocrypto").accounts;
    REQUIRE(accounts.size() == 1);
    CHECK(accounts.at("user-1").api_key.reveal() == "u1-key");
    CHECK(accounts.at("user-1").api_secret.reveal() == "u1-secret");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    accounts:\n      user-1:\n        api_key: k\n") ==
          "config.yml:4: exchanges.tokocrypto.accounts.user-1.api_secret is missing; an account needs both api_key and "
          "api_secret");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    api_key: k\n") ==
          "config.yml:2: exchanges.tokocrypto.api_secret is missing; requests are signed with both api_key and "
          "api_secret");
    CHECK(error_of("exchanges:\n  Toko-Crypto:\n    recv_window: 5000\n") ==
          "config.yml:2: exchange name \"Toko-Crypto\" must be lowercase letters, digits and _ (e.g. tokocrypto)");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    base_url: ftp://x\n") ==
          "config.yml:3: exchanges.tokocrypto.base_url must start with https:// or http://, got \"ftp://x\"");
}

TEST_CASE("obsolete keys hft has no use for are accepted with a warning", "[app][config]") {
    const auto cfg = parse_config(
        "port:\n  order_engine_gateway_grpc: 9800\n  order_engine_gateway_http: 9801\n"
        "nats_jetstream:\n  url: nats://h:4222\n  timeout_handler:\n    insert_kline: 5s\n    place_order: 5s\n"
        "exchanges:\n  tokocrypto:\n    name: tokocrypto\n    limit_buy_fee: 0.001\n"
        "redis:\n  market_data:\n    cache_dsn: redis://redis:6379/0\n"
        "strategy:\n  lazy_grid:\n    reset_state_on_start: false\n");
    CHECK(contains(cfg.warnings, "config.yml:2: port.order_engine_gateway_grpc is ignored: hft has no gRPC API"));
    CHECK(contains(cfg.warnings, "config.yml:6: nats_jetstream.timeout_handler is ignored"));
    CHECK(contains(cfg.warnings, "config.yml:11: exchanges.tokocrypto.name is ignored"));
    CHECK(contains(cfg.warnings, "config.yml:12: exchanges.tokocrypto.limit_buy_fee is ignored"));
    CHECK(contains(cfg.warnings, "config.yml:13: redis is ignored: hft has no Redis"));
    CHECK(contains(cfg.warnings, "config.yml:18: strategy.lazy_grid.reset_state_on_start is ignored"));
    CHECK(contains(cfg.warnings, "; see config.yml.example"));
    CHECK(cfg.warnings.size() == 6);
    CHECK(
        error_of("strategy:\n  lazy_grid:\n    grid_size: 3\n").find("unknown key \"strategy.lazy_grid.grid_size\"") !=
        std::string::npos);
}

TEST_CASE("no config error message contains a secret value", "[app][config]") {
    const std::string value = "hunter2-super-secret-value";
    const std::vector<std::string> configs{
        "exchanges:\n  tokocrypto:\n    api_key:\n      nested: " + value + "\n    api_secret: x\n",
        "exchanges:\n  tokocrypto:\n    api_key: [" + value + "]\n",
        "exchanges:\n  tokocrypto:\n    api_key: " + value + "\n",
        "exchanges:\n  tokocrypto:\n    api_secret: " + value + "${unclosed\n",
        "exchanges:\n  tokocrypto:\n    api_secret: " + value + "${not valid}\n",
        "exchanges:\n  tokocrypto:\n    accounts:\n      u1:\n        api_secret: " + value + "\n",
        "api_keys:\n  - {name: a, key: " + value + "}\n  - {name: b, key: " + value + "}\n",
        "api_keys:\n  - {name: a, key: {k: " + value + "}}\n",
        "database:\n  market_data:\n    dsn: mysql://root:" + value + "@h/db\n",
        "database:\n  market_data:\n    dsn: {password: " + value + "}\n",
        "nats_jetstream:\n  url: [nats://u:" + value + "@h]\n",
        "exchanges:\n  tokocrypto:\n    api_key: " + value + "\n    api_secrte: " + value + "\n",
    };
    for (const auto& yaml : configs) {
        const auto message = error_of(yaml);
        INFO(message);
        CHECK(message.find(value) == std::string::npos);
        CHECK(message.find("hunter2") == std::string::npos);
    }
}

TEST_CASE("config registers its secrets for log redaction", "[app][config]") {
    parse_config(
        "exchanges:\n  tokocrypto:\n    api_key: registered-api-key-1\n    api_secret: registered-api-secret-1\n"
        "database:\n  market_data:\n    dsn: postgres://hft:registered-pg-pass@h/db\n"
        "nats_jetstream:\n  url: nats://registered-nats-token@h:4222\n"
        "api_keys:\n  - {name: a, key: registered-client-key}\n");
    const auto line = hft::app::redact_text(
        "registered-api-key-1 registered-api-secret-1 registered-pg-pass registered-nats-token registered-client-key");
    CHECK(line == "*** *** *** *** ***");
}

TEST_CASE("load_config says how to create a missing file", "[app][config]") {
    const auto missing = std::filesystem::temp_directory_path() / "hft-no-such-dir" / "config.yml";
    CHECK_THROWS_WITH(hft::app::load_config(missing), "config.yml not found at " + missing.string() +
                                                          "; copy config.yml.example to " + missing.string() +
                                                          " or pass --config PATH");
}

TEST_CASE("load_config warns when a file holding secrets is readable by others", "[app][config]") {
    scoped_env variable("HFT_TEST_SECRET_VAR", "from-env-0123456789");
    const std::string holds_secret =
        "exchanges:\n  tokocrypto:\n    api_key: literal-key\n    api_secret: literal-secret\n";
    const std::string warning_start = "is readable by group/others and holds secrets; run chmod 600 ";

    temp_file loose("config.yml", holds_secret);
    REQUIRE(::chmod(loose.path().c_str(), 0644) == 0);
    const auto cfg = hft::app::load_config(loose.path());
    CHECK(cfg.source == loose.path());
    CHECK(contains(cfg.warnings, loose.path().string() + " " + warning_start + loose.path().string()));
    CHECK(cfg.exchange("tokocrypto").api_secret.reveal() == "literal-secret");

    temp_file tight("config.yml", holds_secret);
    REQUIRE(::chmod(tight.path().c_str(), 0600) == 0);
    CHECK_FALSE(contains(hft::app::load_config(tight.path()).warnings, warning_start));

    // Secrets that only come from the environment do not make the file sensitive; nor does a DSN without password.
    temp_file referenced("config.yml",
                         "exchanges:\n  tokocrypto:\n    api_key: ${HFT_TEST_SECRET_VAR}\n"
                         "    api_secret: ${HFT_TEST_SECRET_VAR}\n"
                         "database:\n  market_data:\n    dsn: postgres://hft@127.0.0.1:5432/market_data\n");
    REQUIRE(::chmod(referenced.path().c_str(), 0644) == 0);
    CHECK(hft::app::load_config(referenced.path()).warnings.empty());

    temp_file dsn_password("config.yml", "database:\n  market_data:\n    dsn: host=h password='p w' dbname=m\n");
    REQUIRE(::chmod(dsn_password.path().c_str(), 0640) == 0);
    CHECK(contains(hft::app::load_config(dsn_password.path()).warnings, warning_start));
}

TEST_CASE("config.yml.example parses and documents the defaults", "[app][config]") {
    const auto example = std::filesystem::path(HFT_SOURCE_DIR) / "config.yml.example";
    // Overrides from the developer's shell (scripts/infra env) must not change what the example says.
    std::vector<std::unique_ptr<scoped_env>> cleared;
    for (const auto* name : {"HFT_NATS_JETSTREAM_URL", "HFT_DATABASE_MARKET_DATA_DSN", "HFT_DATABASE_ORDER_ENGINE_DSN",
                             "HFT_LOG_LOG_LEVEL", "HFT_LOG_FORMAT", "HFT_ENV"}) {
        cleared.push_back(std::make_unique<scoped_env>(name, std::nullopt));
    }

    SECTION("with the variables it references set") {
        scoped_env client("HFT_API_KEYS_0_KEY", "client-a-key-0123456789");
        scoped_env key("HFT_EXCHANGES_TOKOCRYPTO_API_KEY", "toko-key-0123456789");
        scoped_env secret("HFT_EXCHANGES_TOKOCRYPTO_API_SECRET", "toko-secret-0123456789");
        const auto cfg = hft::app::load_config(example);
        CHECK(cfg.warnings.empty());
        CHECK(cfg.env == "development");
        CHECK(cfg.log.log_level == "info");
        CHECK(cfg.log.format == hft::app::log_format::text);
        CHECK_FALSE(cfg.log.show_caller);
        CHECK(cfg.graceful_shutdown_timeout == 30s);
        REQUIRE(cfg.api_keys.size() == 1);
        CHECK(cfg.api_keys[0].name == "order-engine-client-a");
        CHECK(cfg.api_keys[0].key.reveal() == "client-a-key-0123456789");
        CHECK(cfg.api_keys[0].active);
        CHECK(cfg.api_keys[0].expired_at == hft::app::parse_expiry("2099-12-31T23:59:59Z", "k"));
        CHECK(cfg.port.order_engine_gateway_http == 9801);

        REQUIRE(cfg.exchanges.size() == 1);
        const auto& toko = cfg.exchange("tokocrypto");
        CHECK(toko.api_key.reveal() == "toko-key-0123456789");
        CHECK(toko.api_secret.reveal() == "toko-secret-0123456789");
        CHECK(toko.base_url.empty());
        CHECK(toko.stream_url.empty());
        CHECK(toko.recv_window_ms == 5000);
        CHECK(toko.accounts.empty());

        const auto& nats = cfg.require_nats_jetstream();
        CHECK(nats.url == "nats://127.0.0.1:14222");
        const hft::app::nats_jetstream_config nats_defaults;
        CHECK(nats.max_retries == nats_defaults.max_retries);
        CHECK(nats.reconnect_factor == nats_defaults.reconnect_factor);
        CHECK(nats.min_jitter == nats_defaults.min_jitter);
        CHECK(nats.max_jitter == nats_defaults.max_jitter);
        CHECK(nats.replicas == nats_defaults.replicas);
        CHECK(nats.kline_max_age == nats_defaults.kline_max_age);
        CHECK(nats.duplicate_window == nats_defaults.duplicate_window);

        const hft::app::database_config db_defaults;
        for (const auto* name : {"market_data", "order_engine"}) {
            const auto& db = cfg.database.get(name);
            CHECK(db.dsn == std::string("postgres://hft@127.0.0.1:15432/") + name + "?sslmode=disable");
            CHECK(db.ping_interval == db_defaults.ping_interval);
            CHECK(db.reconnect_factor == db_defaults.reconnect_factor);
            CHECK(db.min_jitter == db_defaults.min_jitter);
            CHECK(db.max_jitter == db_defaults.max_jitter);
            CHECK(db.max_retry == db_defaults.max_retry);
            CHECK(db.max_idle_conns == db_defaults.max_idle_conns);
            CHECK(db.max_active_conns == db_defaults.max_active_conns);
            CHECK(db.max_conn_lifetime == db_defaults.max_conn_lifetime);
        }
        // The structs' defaults are the example's values, so leaving a key out changes nothing.
        const hft::app::config defaults;
        CHECK(cfg.graceful_shutdown_timeout == defaults.graceful_shutdown_timeout);
        CHECK(cfg.log.log_level == defaults.log.log_level);
        CHECK(cfg.port.order_engine_gateway_http == defaults.port.order_engine_gateway_http);
        CHECK(toko.recv_window_ms == hft::app::exchange_config{}.recv_window_ms);
    }

    SECTION("as copied, with none of them set") {
        scoped_env client("HFT_API_KEYS_0_KEY", std::nullopt);
        scoped_env key("HFT_EXCHANGES_TOKOCRYPTO_API_KEY", std::nullopt);
        scoped_env secret("HFT_EXCHANGES_TOKOCRYPTO_API_SECRET", std::nullopt);
        const auto cfg = hft::app::load_config(example);
        CHECK(cfg.api_keys.empty());
        CHECK(cfg.warnings.size() == 1);
        CHECK(contains(cfg.warnings, "api_keys[0] (order-engine-client-a) has an empty key and is ignored"));
        CHECK(cfg.exchange("tokocrypto").api_key.empty());
        CHECK(cfg.database.get("market_data").dsn == "postgres://hft@127.0.0.1:15432/market_data?sslmode=disable");
    }
}

TEST_CASE("the market-data gateway and worker sections have defaults and take their keys", "[app][config]") {
    const auto defaults = parse_config("");
    CHECK(defaults.market_data_gateway.idle_timeout == std::chrono::seconds(30));
    CHECK(defaults.market_data_gateway.max_connection_age == std::chrono::hours(23));
    CHECK(defaults.market_data_worker.durable == "market-data-worker");
    CHECK(defaults.market_data_worker.batch_size == 2000);
    CHECK(defaults.market_data_worker.connections == 2);

    const auto cfg = parse_config(
        "market_data_gateway:\n  idle_timeout: 5s\n  max_in_flight: 100\n  backfill_limit: 500\n"
        "market_data_worker:\n  durable: worker-b\n  batch_size: 50\n  batch_timeout: 10ms\n  ack_wait: 2s\n"
        "  max_deliver: 3\n  nak_delay: 250ms\n  connections: 4\n");
    CHECK(cfg.market_data_gateway.idle_timeout == std::chrono::seconds(5));
    CHECK(cfg.market_data_gateway.max_in_flight == 100);
    CHECK(cfg.market_data_gateway.backfill_limit == 500);
    CHECK(cfg.market_data_worker.durable == "worker-b");
    CHECK(cfg.market_data_worker.batch_size == 50);
    CHECK(cfg.market_data_worker.max_deliver == 3);
    CHECK(cfg.market_data_worker.nak_delay == std::chrono::milliseconds(250));
    CHECK(cfg.market_data_worker.connections == 4);
}

TEST_CASE("market-data settings that cannot work are refused with the key and the reason", "[app][config]") {
    CHECK(error_of("market_data_gateway:\n  reconnect_min: 5s\n  reconnect_max: 1s\n").find(
              "market_data_gateway.reconnect_max (1s) is smaller than reconnect_min (5s)") != std::string::npos);
    CHECK(error_of("market_data_gateway:\n  backfill_limit: 5000\n").find("market_data_gateway.backfill_limit") !=
          std::string::npos);
    CHECK(error_of("market_data_worker:\n  durable: a.b\n").find("market_data_worker.durable") != std::string::npos);
    CHECK(error_of("market_data_worker:\n  batch_timeout: 40s\n").find("shorter than ack_wait") != std::string::npos);
    CHECK(error_of("market_data_worker:\n  batch_sise: 5\n").find("did you mean \"batch_size\"") != std::string::npos);
    CHECK(error_of("market_data_worker:\n  connections: 0\n").find("market_data_worker.connections") != std::string::npos);
}

TEST_CASE("the worker and the strategy take how far from now a kline may open, five minutes ahead and ten years "
          "behind by default",
          "[app][config]") {
    const auto defaults = parse_config("");
    for (const auto* plausibility : {&defaults.market_data_worker.plausibility, &defaults.strategy.plausibility}) {
        CHECK(plausibility->max_open_time_ahead == std::chrono::minutes(5));
        CHECK(plausibility->max_open_time_behind == std::chrono::hours(87600));
    }

    const auto cfg = parse_config("market_data_worker:\n  max_open_time_ahead: 720h\n  max_open_time_behind: 24h\n"
                                  "strategy:\n  max_open_time_ahead: 0s\n  max_open_time_behind: 1h\n");
    CHECK(cfg.market_data_worker.plausibility.max_open_time_ahead == std::chrono::hours(720));
    CHECK(cfg.market_data_worker.plausibility.max_open_time_behind == std::chrono::hours(24));
    CHECK(cfg.strategy.plausibility.max_open_time_ahead == std::chrono::milliseconds(0));
    CHECK(cfg.strategy.plausibility.max_open_time_behind == std::chrono::hours(1));

    CHECK(error_of("market_data_worker:\n  max_open_time_behind: 0s\n")
              .find("market_data_worker.max_open_time_behind must be more than 0") != std::string::npos);
    CHECK(error_of("strategy:\n  max_open_time_ahead: soon\n").find("strategy.max_open_time_ahead") !=
          std::string::npos);
}

TEST_CASE("the order engine's risk limits are read per user and strategy, user limits replacing the default",
          "[app][config]") {
    const auto defaults = parse_config("");
    CHECK(defaults.order_engine_gateway.http_bind == "127.0.0.1");
    CHECK_FALSE(defaults.order_engine_gateway.risk.max_order_notional);
    CHECK(defaults.strategy.kv_bucket == "strategy_state");

    const auto cfg = parse_config(
        "order_engine_gateway:\n  poll_interval: 250ms\n  max_body_bytes: 4096\n"
        "  risk:\n    max_order_notional: \"1000\"\n    max_open_orders: 20\n    orders_per_second: 5\n"
        "    order_burst: 10\n"
        "  risk_users:\n    alice:\n      max_position: \"2.5\"\n"
        "  risk_strategies:\n    grid-1:\n      daily_loss_limit: \"50\"\n"
        "strategy:\n  kv_bucket: states\n  max_kline_age: 0s\n  warmup_klines: 100\n");
    const auto& g = cfg.order_engine_gateway;
    CHECK(g.poll_interval == std::chrono::milliseconds(250));
    CHECK(g.max_body_bytes == 4096);
    CHECK(g.risk.max_order_notional == "1000");
    CHECK(g.risk.max_open_orders == 20);
    CHECK(g.risk.orders_per_second == 5);
    REQUIRE(g.user_risk.count("alice") == 1);
    CHECK(g.user_risk.at("alice").max_position == "2.5");
    CHECK(g.user_risk.at("alice").max_order_notional == "1000");  // the default, then the user's own keys
    REQUIRE(g.strategy_risk.count("grid-1") == 1);
    CHECK(g.strategy_risk.at("grid-1").daily_loss_limit == "50");
    CHECK_FALSE(g.strategy_risk.at("grid-1").max_order_notional);
    CHECK(cfg.strategy.kv_bucket == "states");
    CHECK(cfg.strategy.max_kline_age == std::chrono::milliseconds(0));
    CHECK(cfg.strategy.warmup_klines == 100);
}

TEST_CASE("a risk limit that is not a positive decimal string is refused with the key", "[app][config]") {
    CHECK(error_of("order_engine_gateway:\n  risk:\n    max_order_notional: \"-5\"\n")
              .find("order_engine_gateway.risk.max_order_notional must be a decimal above 0") != std::string::npos);
    CHECK(error_of("order_engine_gateway:\n  risk:\n    max_position: lots\n").find("max_position") !=
          std::string::npos);
    CHECK(error_of("order_engine_gateway:\n  durable: a b\n").find("order_engine_gateway.durable") !=
          std::string::npos);
    CHECK(error_of("strategy:\n  kv_bucket: a.b\n").find("strategy.kv_bucket") != std::string::npos);
}

TEST_CASE("strategy instances are read with their kind's parameters as written", "[app][config]") {
    const auto cfg = parse_config(
        "strategies:\n"
        "  - id: cross-1\n    kind: sma_cross\n    exchange: sim\n    symbol: BTCUSDT\n    interval: 1m\n"
        "    user_id: paper\n    params:\n      fast: 5\n      slow: \"20\"\n"
        "  - id: grid-1\n    kind: grid\n    exchange: sim\n    symbol: BTC_USDC\n    interval: 1s\n"
        "    user_id: paper\n    enabled: false\n");
    REQUIRE(cfg.strategies.size() == 2);
    CHECK(cfg.strategies[0].id == "cross-1");
    CHECK(cfg.strategies[0].kind == "sma_cross");
    CHECK(cfg.strategies[0].enabled);
    CHECK(cfg.strategies[0].params == std::map<std::string, std::string>{{"fast", "5"}, {"slow", "20"}});
    CHECK_FALSE(cfg.strategies[1].enabled);
    CHECK(cfg.strategies[1].params.empty());
}

TEST_CASE("a strategy without a field, with an unknown kind or a reused id is refused", "[app][config]") {
    const std::string base = "    exchange: sim\n    symbol: BTCUSDT\n    interval: 1m\n    user_id: paper\n";
    CHECK(error_of("strategies:\n  - kind: grid\n" + base).find("strategies[0].id is missing") != std::string::npos);
    CHECK(error_of("strategies:\n  - id: a\n    kind: martingale\n" + base).find(
              "strategies[0].kind must be lazy_grid, grid or sma_cross") != std::string::npos);
    CHECK(error_of("strategies:\n  - id: a\n    kind: grid\n" + base + "  - id: a\n    kind: grid\n" + base)
              .find("strategies[1].id \"a\" is used twice") != std::string::npos);
    CHECK(error_of("strategies:\n  id: a\n").find("strategies must be a list") != std::string::npos);
}

TEST_CASE("a misspelt required key is reported as the unknown key with a suggestion, not as missing", "[config]") {
    CHECK(error_of("api_keys:\n  - name: ops\n    kee: k1\n") ==
          "config.yml:3: unknown key \"api_keys[0].kee\" (did you mean \"key\"?)");
    CHECK(error_of("api_keys:\n  - name: ops\n") ==
          "config.yml:2: api_keys[0].key is missing; see config.yml.example");
    CHECK(error_of("strategies:\n  - id: s1\n    kidn: sma_cross\n") ==
          "config.yml:3: unknown key \"strategies[0].kidn\" (did you mean \"kind\"?)");
}

TEST_CASE("an api key's name is at most 64 characters, the width the kill switch records it in", "[config]") {
    CHECK_THAT(error_of("api_keys:\n  - name: " + std::string(65, 'n') + "\n    key: k1\n"),
               Catch::Contains("api_keys[0].name must be at most 64 characters"));
}

TEST_CASE("an exchange's kind is the API it speaks, taken from its name when that names a kind", "[config]") {
    const auto cfg = parse_config("exchanges:\n  tokocrypto: {}\n  sim: {}\n  binance: {}\n"
                                  "  paper:\n    kind: sim\n  binanceus:\n    kind: binance\n");
    CHECK(cfg.exchanges.at("tokocrypto").kind == hft::app::venue_kind::tokocrypto);
    CHECK(cfg.exchanges.at("sim").kind == hft::app::venue_kind::sim);
    CHECK(cfg.exchanges.at("binance").kind == hft::app::venue_kind::binance);
    CHECK(cfg.exchanges.at("paper").kind == hft::app::venue_kind::sim);
    CHECK(cfg.exchanges.at("binanceus").kind == hft::app::venue_kind::binance);
    CHECK(hft::app::has_order_adapter(hft::app::venue_kind::tokocrypto));
    CHECK(hft::app::has_order_adapter(hft::app::venue_kind::sim));
    CHECK_FALSE(hft::app::has_order_adapter(hft::app::venue_kind::binance));
}

TEST_CASE("an exchange whose name is no kind must say its kind, and only a known one", "[config]") {
    CHECK(error_of("exchanges:\n  paper:\n    base_url: http://127.0.0.1:1\n") ==
          "config.yml:2: exchanges.paper.kind is missing; write tokocrypto, binance or sim: the API the venue speaks");
    CHECK(error_of("exchanges:\n  tokocrypto:\n    kind: kraken\n") ==
          "config.yml:3: exchanges.tokocrypto.kind must be tokocrypto, binance or sim, got \"kraken\"");
}
