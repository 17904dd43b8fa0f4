// The limit the gateway is compared with: a minimal nats.c asynchronous JetStream publisher of pre-serialized
// kline events (js_PublishMsgAsync with a Nats-Msg-Id and an ack handler), on the gateway's stream and subject
// shape. The same klines feed the worker benchmark: --csv writes them as market_klines rows for COPY.
//
//   hft_gateway_nats_publisher --url nats://127.0.0.1:4222 --count 500000 [--in-flight 4096] [--send-asap]
//
// --in-flight 1 times one publish-to-ack round trip; --send-asap writes each publish at once, as the services
// on the tick path do (bus::connection_options::send_asap), instead of after nats.c's ~1 ms flusher wait.
//   hft_gateway_nats_publisher --csv rows.csv --count 500000
//
// Prints "acked<TAB>N<TAB>seconds<TAB>msgs/s" on stdout; progress and errors on stderr. Every kline is a
// distinct closed 1m candle of one of 20 symbols, so N klines are N rows.

#include "hft/bus/connection.hpp"
#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"

#include <boost/asio/io_context.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/os.h>
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace hft;
using steady = std::chrono::steady_clock;

constexpr std::string_view symbols[] = {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT",
                                        "DOTUSDT", "LTCUSDT", "LINKUSDT", "BTCUSDC", "ETHUSDC", "BNBUSDC", "SOLUSDC",
                                        "XRPUSDC", "ADAUSDC", "DOGEUSDC", "DOTUSDC", "LTCUSDC", "LINKUSDC"};
constexpr std::int64_t first_open_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

domain::decimal price(std::string_view text) { return *domain::decimal::parse(text); }

domain::kline kline_number(std::size_t i) {
    domain::kline k;
    k.exchange = "sim";
    k.symbol = std::string(symbols[i % std::size(symbols)]);
    k.interval = "1m";
    k.open_time = first_open_ms + static_cast<std::int64_t>(i / std::size(symbols)) * 60'000;
    k.close_time = k.open_time + 59'999;
    const auto cents = std::to_string(10'000 + i % 977);
    k.open = price("43250.12000000");
    k.high = price("43310." + cents.substr(1) + "000000");
    k.low = price("43190.50000000");
    k.close = price("43260.87000000");
    k.base_volume = price("12.34567890");
    k.quote_volume = price("534012.98765432");
    k.taker_base_volume = price("6.12345678");
    k.taker_quote_volume = price("264873.12345678");
    k.trade_count = static_cast<std::int64_t>(100 + i % 50);
    k.is_closed = true;
    k.event_time = k.close_time + 1;
    k.received_ns = 1;
    return k;
}

std::string timestamp(std::int64_t ms) {
    const std::chrono::sys_time<std::chrono::milliseconds> at{std::chrono::milliseconds(ms)};
    return fmt::format("{:%Y-%m-%d %H:%M:%S}.{:03}+00", std::chrono::floor<std::chrono::seconds>(at), ms % 1000);
}

void write_csv(const std::string& path, std::size_t count) {
    auto out = fmt::output_file(path);
    for (std::size_t i = 0; i < count; ++i) {
        const auto k = kline_number(i);
        out.print("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", k.exchange, k.symbol, k.interval,
                  timestamp(k.open_time), timestamp(k.close_time), k.open.to_string(), k.high.to_string(),
                  k.low.to_string(), k.close.to_string(), k.base_volume.to_string(), k.quote_volume.to_string(),
                  k.taker_base_volume.to_string(), k.taker_quote_volume.to_string(), k.trade_count,
                  k.is_closed ? "t" : "f", timestamp(k.event_time), domain::to_string(k.source));
    }
}

struct prepared {
    std::string subject;
    std::string msg_id;
    std::string payload;
};

std::atomic<std::uint64_t> acked{0};
std::atomic<std::uint64_t> failed{0};

void on_ack(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* error, void*) {
    if (error != nullptr) {
        if (failed.fetch_add(1) < 5) std::fprintf(stderr, "publish failed: %s\n", error->ErrText);
    } else {
        acked.fetch_add(1, std::memory_order_relaxed);
    }
    natsMsg_Destroy(msg);
}

[[noreturn]] void fail(std::string_view what, natsStatus status) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(), natsStatus_GetText(status));
    std::exit(1);
}

int publish(const std::string& url, std::size_t count, int in_flight, bool send_asap) {
    {  // the stream exactly as the gateway declares it
        boost::asio::io_context io;
        bus::connection management(io.get_executor(), {.url = url, .name = "bench-setup"});
        management.ensure_stream(bus::kline_stream_spec());
    }
    std::vector<prepared> messages;
    messages.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto k = kline_number(i);
        messages.push_back({bus::kline_subject(k.exchange, k.symbol, k.interval),
                            bus::kline_msg_id(k.exchange, k.symbol, k.interval, k.open_time, true, k.event_time),
                            codec::encode(k)});
    }
    natsOptions* connect_options = nullptr;
    if (const auto s = natsOptions_Create(&connect_options); s != NATS_OK) fail("options", s);
    natsOptions_SetURL(connect_options, url.c_str());
    natsOptions_SetSendAsap(connect_options, send_asap);
    natsConnection* connection = nullptr;
    const auto connected = natsConnection_Connect(&connection, connect_options);
    natsOptions_Destroy(connect_options);
    if (connected != NATS_OK) fail("connect", connected);
    jsOptions options;
    jsOptions_Init(&options);
    options.PublishAsync.AckHandler = on_ack;
    options.PublishAsync.MaxPending = in_flight;
    jsCtx* js = nullptr;
    if (const auto s = natsConnection_JetStream(&js, connection, &options); s != NATS_OK) fail("JetStream", s);

    const auto started = steady::now();
    for (const auto& m : messages) {
        natsMsg* msg = nullptr;
        natsMsg_Create(&msg, m.subject.c_str(), nullptr, m.payload.data(), static_cast<int>(m.payload.size()));
        natsMsgHeader_Set(msg, "Nats-Msg-Id", m.msg_id.c_str());
        // Blocks (stalls) while MaxPending publishes await their acks; on success the ack handler frees msg.
        if (const auto s = js_PublishMsgAsync(js, &msg, nullptr); s != NATS_OK) fail("js_PublishMsgAsync", s);
    }
    jsPubOptions complete;
    jsPubOptions_Init(&complete);
    complete.MaxWait = 60'000;
    if (const auto s = js_PublishAsyncComplete(js, &complete); s != NATS_OK) fail("js_PublishAsyncComplete", s);
    const double seconds = std::chrono::duration<double>(steady::now() - started).count();
    std::printf("acked\t%llu\t%.3f\t%.0f\n", static_cast<unsigned long long>(acked.load()), seconds,
                static_cast<double>(acked.load()) / seconds);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    return failed.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string url, csv;
    std::size_t count = 100'000;
    int in_flight = 4096;
    bool send_asap = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--send-asap") {
            send_asap = true;
            continue;
        }
        if (i + 1 == argc) {
            std::fprintf(stderr, "%s needs a value; see the comment at the top of gateway_nats_publisher.cpp\n", argv[i]);
            return 2;
        }
        const char* value = argv[++i];
        if (flag == "--url") url = value;
        else if (flag == "--csv") csv = value;
        else if (flag == "--count") count = std::strtoull(value, nullptr, 10);
        else if (flag == "--in-flight") in_flight = std::atoi(value);
        else {
            std::fprintf(stderr, "unknown option %s; see the comment at the top of gateway_nats_publisher.cpp\n", argv[i - 1]);
            return 2;
        }
    }
    if (!csv.empty()) {
        write_csv(csv, count);
        return 0;
    }
    if (url.empty()) {
        std::fprintf(stderr, "give --url nats://host:port (or --csv FILE)\n");
        return 2;
    }
    return publish(url, count, in_flight, send_asap);
}
