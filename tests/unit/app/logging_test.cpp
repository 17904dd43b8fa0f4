#include "hft/app/logging.hpp"

#include "hft/app/secret.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using hft::app::log_config;
using hft::app::log_format;

namespace {

/// A logger writing through make_log_formatter into a string, as init_logging's stderr sink would.
class captured_log {
public:
    explicit captured_log(log_format format, bool show_caller = false, std::string service = "market-data-gateway") {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        log_config config;
        config.format = format;
        config.show_caller = show_caller;
        sink->set_formatter(hft::app::make_log_formatter(config, service));
        logger_ = std::make_shared<spdlog::logger>(std::move(service), std::move(sink));
        logger_->set_level(spdlog::level::trace);
    }

    spdlog::logger& logger() { return *logger_; }

    /// The lines written so far, without their newlines.
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::istringstream in(out_.str());
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

    std::string last() const {
        const auto all = lines();
        return all.empty() ? std::string() : all.back();
    }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> logger_;
};

std::string redacted(std::string_view text) { return hft::app::redact_text(text); }

// Hand-rolled shape checks: std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizer build.

/// "2026-11-28T06:13:56.123Z": digits where the template has 'd', the other characters literally.
bool is_utc_millis_timestamp(std::string_view text) {
    constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (text.size() != shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const bool ok = shape[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == shape[i];
        if (!ok) return false;
    }
    return true;
}

/// "logging_test.cpp:<line>".
bool is_this_file_and_line(std::string_view text) {
    constexpr std::string_view file = "logging_test.cpp:";
    if (!text.starts_with(file) || text.size() == file.size()) return false;
    text.remove_prefix(file.size());
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

TEST_CASE("text log lines carry UTC time, level, service and message", "[app][logging]") {
    captured_log log(log_format::text);
    log.logger().info("connected to {}", "nats://127.0.0.1:4222");
    log.logger().warn("slow");
    log.logger().error("failed");
    const auto lines = log.lines();
    REQUIRE(lines.size() == 3);
    constexpr std::size_t ts_size = std::string_view("2026-11-28T06:13:56.123Z").size();
    CHECK(is_utc_millis_timestamp(std::string_view(lines[0]).substr(0, ts_size)));
    CHECK(lines[0].substr(ts_size) == " info market-data-gateway: connected to nats://127.0.0.1:4222");
    CHECK(lines[1].ends_with("Z warn market-data-gateway: slow"));
    CHECK(lines[2].ends_with("Z error market-data-gateway: failed"));
}

TEST_CASE("text log lines escape control characters so one message is one line", "[app][logging]") {
    captured_log log(log_format::text);
    log.logger().info("line one\nfake 2026-01-01T00:00:00.000Z info x: forged\r\x1b[31m\ttab");
    const auto lines = log.lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].ends_with(": line one\\nfake 2026-01-01T00:00:00.000Z info x: forged\\r\\x1b[31m\ttab"));
}

TEST_CASE("json log lines are valid JSON for any message", "[app][logging]") {
    captured_log log(log_format::json);
    const std::vector<std::string> messages{
        "plain",
        "quotes \" and 'single'",
        "backslash \\ and \\\" escaped quote",
        "newline\nand\r\ncarriage return",
        std::string("control \x01\x02\x1f\x7f and nul ") + '\0' + " end",
        "tab\tbell\a backspace\b formfeed\f",
        "unicode: \xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9",
        "invalid utf-8: \xFF \xC3 \xED\xA0\x80 \xF0\x9F\x98",
        "{\"looks\":\"like json\"}",
    };
    for (const auto& message : messages) log.logger().info("{}", message);
    const auto lines = log.lines();
    REQUIRE(lines.size() == messages.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO(lines[i]);
        const auto json = nlohmann::json::parse(lines[i]);
        CHECK(json.size() == 4);
        CHECK(json.at("level") == "info");
        CHECK(json.at("service") == "market-data-gateway");
        CHECK(is_utc_millis_timestamp(json.at("ts").get<std::string>()));
        if (i < 7 || i == 8) CHECK(json.at("msg") == messages[i]);
    }
    CHECK(nlohmann::json::parse(lines[7]).at("msg") ==
          "invalid utf-8: \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
          "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(lines[0].starts_with("{\"ts\":\""));
    CHECK(lines[0].ends_with("\",\"level\":\"info\",\"service\":\"market-data-gateway\",\"msg\":\"plain\"}"));
}

TEST_CASE("json log lines name the caller and a logger other than the service", "[app][logging]") {
    captured_log log(log_format::json, true, "strategy");
    SPDLOG_LOGGER_INFO(&log.logger(), "with caller");
    log.logger().info("without source location");
    const auto lines = log.lines();
    REQUIRE(lines.size() == 2);
    const auto with_caller = nlohmann::json::parse(lines[0]);
    CHECK(is_this_file_and_line(with_caller.at("caller").get<std::string>()));
    CHECK_FALSE(nlohmann::json::parse(lines[1]).contains("caller"));

    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    log_config config;
    config.format = log_format::json;
    sink->set_formatter(hft::app::make_log_formatter(config, "strategy"));
    spdlog::logger nats("nats", sink);
    nats.warn("reconnecting");
    const auto json = nlohmann::json::parse(out.str());
    CHECK(json.at("service") == "strategy");
    CHECK(json.at("logger") == "nats");
    CHECK(json.at("level") == "warn");
}

TEST_CASE("text log lines show the caller when asked", "[app][logging]") {
    captured_log log(log_format::text, true, "strategy");
    SPDLOG_LOGGER_WARN(&log.logger(), "with caller");
    const auto line = log.last();
    const auto caller_start = line.find("Z warn strategy ");
    REQUIRE(caller_start != std::string::npos);
    const auto caller = std::string_view(line).substr(caller_start + 16);
    REQUIRE(caller.ends_with(": with caller"));
    CHECK(is_this_file_and_line(caller.substr(0, caller.size() - 13)));
}

TEST_CASE("log lines mask credentials by pattern", "[app][logging]") {
    CHECK(redacted("connecting to postgres://hft:pw123@127.0.0.1:5432/market_data") ==
          "connecting to postgres://hft:***@127.0.0.1:5432/market_data");
    CHECK(redacted("nats://user:p@ss@nats:4222 up") == "nats://user:***@nats:4222 up");
    CHECK(redacted("host=h password=pw123 dbname=m") == "host=h password=*** dbname=m");
    CHECK(redacted("host=h password = 'p w\\'x' dbname=m") == "host=h password = '***' dbname=m");
    CHECK(redacted("PASSWORD=abc") == "PASSWORD=***");
    CHECK(redacted("GET /api/v3/order?symbol=BTCUSDT&timestamp=1&signature=abcdef0123&recvWindow=5000") ==
          "GET /api/v3/order?symbol=BTCUSDT&timestamp=1&signature=***&recvWindow=5000");
    CHECK(redacted("api_key=k1 apiKey=k2 APIKEY=k3 api-key=k4") == "api_key=*** apiKey=*** APIKEY=*** api-key=***");
    CHECK(redacted("secret=s1 api_secret=s2 client_secret: s3") == "secret=*** api_secret=*** client_secret: ***");
    CHECK(redacted("X-MBX-APIKEY: vmPUZE6mv9SD5VNHk4") == "X-MBX-APIKEY: ***");
    CHECK(redacted("x-mbx-apikey:vmPUZE6mv9SD5VNHk4\r\nHost: api.binance.com") ==
          "x-mbx-apikey:***\r\nHost: api.binance.com");
    CHECK(redacted(R"({"apiKey":"abc","api_secret": "d\"ef","qty":"1"})") ==
          R"({"apiKey":"***","api_secret": "***","qty":"1"})");
    CHECK(redacted(R"(body {\"api_key\":\"abc\"} sent)") == R"(body {\"api_key\":\"***\"} sent)");
    CHECK(redacted("passphrase=x access_token=y refresh_token=z") ==
          "passphrase=*** access_token=*** refresh_token=***");
}

TEST_CASE("log redaction leaves ordinary text alone", "[app][logging]") {
    for (const auto* text : {"order 42 filled at 100.5", "https://api.binance.com/api/v3/klines?symbol=BTCUSDT",
                             "config.yml holds secrets; run chmod 600", "passwords: 3 rotated", "api_key_id=7",
                             "ratio 1:2 and a=b", "postgres://hft@127.0.0.1:5432/market_data", "secret=***"}) {
        CHECK(redacted(text) == text);
    }
}

TEST_CASE("log lines mask registered secrets wherever they appear", "[app][logging]") {
    hft::app::register_secret("Zq8-registered-0xDEADBEEF");
    hft::app::register_secret("short");  // under 8 characters: ignored, it would garble ordinary words
    hft::app::register_secret("Zq8-registered-0xDEADBEEF");
    captured_log log(log_format::json);
    log.logger().info("signing with Zq8-registered-0xDEADBEEF (again:Zq8-registered-0xDEADBEEF) short");
    CHECK(nlohmann::json::parse(log.last()).at("msg") == "signing with *** (again:***) short");

    captured_log text(log_format::text);
    text.logger().error("db password=hunter2hunter2 at postgres://u:pw@h/db");
    CHECK(text.last().ends_with(": db password=*** at postgres://u:***@h/db"));
}

TEST_CASE("a secret formats as a mask", "[app][logging]") {
    CHECK(fmt::format("{}", hft::app::secret{"abc"}) == "***");
    CHECK(fmt::format("{}", hft::app::secret{}) == "<empty>");
    std::ostringstream out;
    out << hft::app::secret{"abc"};
    CHECK(out.str() == "***");
}

TEST_CASE("redact_dsn masks the password in URI and key=value form", "[app][logging]") {
    using hft::app::redact_dsn;
    CHECK(redact_dsn("postgres://user:pw@host/db") == "postgres://user:***@host/db");
    CHECK(redact_dsn("postgresql://user:p%40ss@host:5432/db?sslmode=disable") ==
          "postgresql://user:***@host:5432/db?sslmode=disable");
    CHECK(redact_dsn("postgres://user@host/db?password=pw&sslmode=disable") ==
          "postgres://user@host/db?password=***&sslmode=disable");
    CHECK(redact_dsn("postgres://hft@127.0.0.1:5432/market_data") == "postgres://hft@127.0.0.1:5432/market_data");
    CHECK(redact_dsn("host=h port=5432 password=pw dbname=d") == "host=h port=5432 password=*** dbname=d");
    CHECK(redact_dsn("host=h password='p w \\' q' dbname=d") == "host=h password='***' dbname=d");
    CHECK(redact_dsn("host=h password = \"pw\" dbname=d") == "host=h password = \"***\" dbname=d");
    CHECK(redact_dsn("host=h dbname=d") == "host=h dbname=d");
}

TEST_CASE("init_logging installs the default logger with the configured level", "[app][logging]") {
    const auto previous = spdlog::default_logger();
    log_config config;
    config.log_level = "warn";
    hft::app::init_logging(config, "order-engine-gateway");
    CHECK(spdlog::default_logger()->name() == "order-engine-gateway");
    CHECK(spdlog::default_logger()->level() == spdlog::level::warn);
    CHECK_FALSE(spdlog::default_logger()->should_log(spdlog::level::info));
    spdlog::set_default_logger(previous);
    spdlog::set_level(spdlog::level::info);
    spdlog::set_pattern("%+");

    config.log_level = "loud";
    CHECK_THROWS_AS(hft::app::init_logging(config, "x"), hft::app::config_error);
    CHECK(hft::app::to_spdlog_level("critical") == spdlog::level::critical);
    CHECK(hft::app::to_spdlog_level("off") == spdlog::level::off);
}
