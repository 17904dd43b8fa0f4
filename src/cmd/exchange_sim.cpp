// `hft exchange-sim`: parses flags and runs exchange::sim::exchange_sim on app::service_runtime. Behaviour lives in
// src/exchange/sim/ and src/net/.

#include "hft/app/config.hpp"
#include "hft/app/runtime.hpp"
#include "hft/cmd/cli.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/exchange/sim/clock.hpp"
#include "hft/exchange/sim/exchange_sim.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <iostream>
#include <memory>
#include <sstream>

namespace hft::cmd {
namespace {

struct exchange_sim_flags {
    std::string listen = "127.0.0.1:0";
    std::string symbols = "BTCUSDT";
    std::string intervals = "1m";
    std::vector<std::string> replay;
    std::uint64_t seed = 1;
    std::string speed = "1";
    std::string drop_every = "0";
    std::string stall_every = "0";
    std::string stall_for = "0";
    std::string malformed_rate = "0";
    std::string ping_interval = "20";
    std::string pong_timeout = "60";
    std::vector<std::string> accounts;
    std::string maker_fee = "0.001";
    std::string taker_fee = "0.001";
    int liquidity_levels = 5;
    std::string liquidity_quantity = "1";
    std::string error_rate = "0";
    std::string rate_limit_rate = "0";
    unsigned retry_after = 1;
    std::string slow_rate = "0";
    std::string slow_for = "0";
    std::string lost_answer_rate = "0";
    bool unique_client_ids = false;
    std::string http_idle_timeout = "30";
};

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::uint32_t parse_rate(const std::string& text, std::string_view flag) {
    auto rate = exchange::sim::parse_rate_per_million(text);
    if (!rate) throw app::config_error(std::string(flag) + ": " + rate.error());
    return *rate;
}

domain::decimal parse_non_negative(const std::string& text, std::string_view flag) {
    auto d = domain::decimal::parse(text);
    if (!d || d->is_negative()) throw app::config_error(std::string(flag) + ": '" + text + "' is not a non-negative decimal");
    return *d;
}

// Seconds as an exact decimal ("0.5") into milliseconds; the flag name goes into the error.
std::chrono::milliseconds parse_seconds(const std::string& text, std::string_view flag) {
    auto d = domain::decimal::parse(text);
    auto ms = d ? d->to_units(3) : std::nullopt;
    if (!ms || *ms < 0) throw app::config_error(std::string(flag) + ": '" + text + "' is not a number of seconds");
    return std::chrono::milliseconds{*ms};
}

// The simulator as a service of app::service_runtime: it serves until stop(), which sends serverShutdown and
// going_away to every client; run() then returns once they are closed, or after a bounded wait for peers that
// never answer the close frame.
class sim_service {
public:
    sim_service(exchange::sim::exchange_sim& sim, boost::asio::any_io_executor executor)
        : sim_(sim), wake_(std::move(executor)) {}

    boost::asio::awaitable<void> run() {
        constexpr auto as_tuple_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);
        while (!stopping_) {
            wake_.expires_at(boost::asio::steady_timer::time_point::max());
            co_await wake_.async_wait(as_tuple_awaitable);
        }
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (sim_.connection_count() > 0 && std::chrono::steady_clock::now() < give_up) {
            wake_.expires_after(std::chrono::milliseconds(20));
            co_await wake_.async_wait(as_tuple_awaitable);
        }
    }

    void stop() {
        stopping_ = true;
        sim_.stop();
        wake_.cancel();
    }

private:
    exchange::sim::exchange_sim& sim_;
    boost::asio::steady_timer wake_;
    bool stopping_ = false;
};

int run_exchange_sim(const global_options& globals, const exchange_sim_flags& flags) {
    init_service_logging(globals, app::log_config{}, "exchange-sim");

    exchange::sim::sim_options options;
    auto colon = flags.listen.rfind(':');
    std::uint16_t port = 0;
    if (colon == std::string::npos ||
        std::from_chars(flags.listen.data() + colon + 1, flags.listen.data() + flags.listen.size(), port).ec !=
            std::errc{})
        throw app::config_error("--listen: expected HOST:PORT, got '" + flags.listen + "'");
    options.address = flags.listen.substr(0, colon);
    options.port = port;
    options.symbols.clear();
    for (auto& s : split_list(flags.symbols)) {
        for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        options.symbols.push_back(s);
    }
    options.intervals = split_list(flags.intervals);
    options.replay_files = flags.replay;
    options.seed = flags.seed;
    auto speed = exchange::sim::parse_speed_milli(flags.speed);
    if (!speed) throw app::config_error("--speed: " + speed.error());
    options.speed_milli = *speed;
    options.drop_every = parse_seconds(flags.drop_every, "--drop-every");
    options.stall_every = parse_seconds(flags.stall_every, "--stall-every");
    options.stall_for = parse_seconds(flags.stall_for, "--stall-for");
    options.malformed_per_million = parse_rate(flags.malformed_rate, "--malformed-rate");
    for (const auto& text : flags.accounts) {
        auto account = exchange::sim::parse_account_spec(text);
        if (!account) throw app::config_error(account.error());
        options.accounts.push_back(std::move(*account));
    }
    options.fees.maker = parse_non_negative(flags.maker_fee, "--maker-fee");
    options.fees.taker = parse_non_negative(flags.taker_fee, "--taker-fee");
    if (flags.liquidity_levels < 0) throw app::config_error("--liquidity-levels must not be negative");
    options.liquidity.levels = flags.liquidity_levels;
    options.liquidity.quantity = parse_non_negative(flags.liquidity_quantity, "--liquidity-quantity");
    if (!options.liquidity.quantity.is_positive()) throw app::config_error("--liquidity-quantity must be positive");
    options.server_error_per_million = parse_rate(flags.error_rate, "--error-rate");
    options.rate_limit_per_million = parse_rate(flags.rate_limit_rate, "--rate-limit-rate");
    options.retry_after = std::chrono::seconds{flags.retry_after};
    options.slow_per_million = parse_rate(flags.slow_rate, "--slow-rate");
    options.slow_for = parse_seconds(flags.slow_for, "--slow-for");
    options.lost_answer_per_million = parse_rate(flags.lost_answer_rate, "--lost-answer-rate");
    if (flags.unique_client_ids) options.client_ids = exchange::sim::client_id_uniqueness::among_open_orders;
    options.ping_interval = parse_seconds(flags.ping_interval, "--ping-interval");
    options.pong_timeout = parse_seconds(flags.pong_timeout, "--pong-timeout");
    options.http_idle_timeout = parse_seconds(flags.http_idle_timeout, "--http-idle-timeout");
    if (options.http_idle_timeout.count() == 0) throw app::config_error("--http-idle-timeout must be more than 0");
    options.on_warning = [](std::string_view what) { spdlog::warn("exchange-sim: {}", what); };

    app::service_runtime runtime;
    std::unique_ptr<exchange::sim::exchange_sim> sim;
    try {
        sim = std::make_unique<exchange::sim::exchange_sim>(runtime.io_context(), std::move(options));
    } catch (const std::invalid_argument& e) {
        throw app::config_error(std::string("exchange-sim: ") + e.what());
    }
    sim->start();
    spdlog::info("{}", sim->describe());

    sim_service service(*sim, runtime.executor());
    return runtime.run(service.run(), [&service] { service.stop(); });
}

}  // namespace

command add_exchange_sim(CLI::App& root, const global_options& globals) {
    auto flags = std::make_shared<exchange_sim_flags>();
    auto* sub = root.add_subcommand("exchange-sim", "A local exchange speaking Tokocrypto's wire protocol");
    sub->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0 picks one)")->capture_default_str();
    sub->add_option("--symbols", flags->symbols, "Comma-separated symbols, e.g. BTCUSDT,BTCUSDC")
        ->capture_default_str();
    sub->add_option("--intervals", flags->intervals, "Comma-separated kline intervals, e.g. 1s,1m")
        ->capture_default_str();
    sub->add_option("--replay", flags->replay,
                    "1m kline CSV to replay (repeatable); its file name names the symbol, e.g. -BTCUSDT-");
    sub->add_option("--seed", flags->seed, "Seed of the random walks and fault injection")->capture_default_str();
    sub->add_option("--speed", flags->speed, "Market time runs this many times faster than the wall clock")
        ->capture_default_str();
    sub->add_option("--drop-every", flags->drop_every, "Close every websocket abruptly every N seconds (0: never)")
        ->capture_default_str();
    sub->add_option("--stall-every", flags->stall_every, "Go silent every N seconds (0: never)")
        ->capture_default_str();
    sub->add_option("--stall-for", flags->stall_for, "Stay silent for N seconds")->capture_default_str();
    sub->add_option("--malformed-rate", flags->malformed_rate, "Share of kline frames sent malformed, 0..1")
        ->capture_default_str();
    sub->add_option("--ping-interval", flags->ping_interval, "Seconds; with --pong-timeout sets the idle timeout")
        ->capture_default_str();
    sub->add_option("--pong-timeout", flags->pong_timeout, "Seconds a silent client has to answer a ping")
        ->capture_default_str();
    sub->add_option("--account", flags->accounts,
                    "Trading account KEY:SECRET:ASSET=AMOUNT,... (repeatable); default paper-key:paper-secret with "
                    "100000 USDT/USDC and 10 BTC");
    sub->add_option("--maker-fee", flags->maker_fee, "Maker fee rate, charged in the asset received")
        ->capture_default_str();
    sub->add_option("--taker-fee", flags->taker_fee, "Taker fee rate, charged in the asset received")
        ->capture_default_str();
    sub->add_option("--liquidity-levels", flags->liquidity_levels,
                    "Synthetic resting orders per side, one tick apart around the simulated price (0: none)")
        ->capture_default_str();
    sub->add_option("--liquidity-quantity", flags->liquidity_quantity, "Base quantity of each synthetic order")
        ->capture_default_str();
    sub->add_option("--error-rate", flags->error_rate, "Share of trading requests answered 503 unprocessed, 0..1")
        ->capture_default_str();
    sub->add_option("--rate-limit-rate", flags->rate_limit_rate,
                    "Share of trading requests answered 429 with Retry-After, unprocessed, 0..1")
        ->capture_default_str();
    sub->add_option("--retry-after", flags->retry_after, "Seconds in the Retry-After of a 429")->capture_default_str();
    sub->add_option("--slow-rate", flags->slow_rate, "Share of trading answers delayed by --slow-for, 0..1")
        ->capture_default_str();
    sub->add_option("--slow-for", flags->slow_for, "Seconds a slow answer is delayed")->capture_default_str();
    sub->add_option("--lost-answer-rate", flags->lost_answer_rate,
                    "Share of trading POSTs carried out whose answer is lost (connection closed), 0..1")
        ->capture_default_str();
    sub->add_flag("--unique-client-ids", flags->unique_client_ids,
                  "Refuse a new order whose clientId an open order of the account has (-2010 \"Duplicate order "
                  "sent.\", as Binance does); without it client ids are not checked, as Tokocrypto documents");
    sub->add_option("--http-idle-timeout", flags->http_idle_timeout,
                    "Seconds an HTTP keep-alive connection may sit idle (or take to send a request) before it is closed")
        ->capture_default_str();
    return command{sub, [flags, &globals] { return run_exchange_sim(globals, *flags); }};
}

}  // namespace hft::cmd
