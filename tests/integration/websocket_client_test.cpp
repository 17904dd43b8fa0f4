// net::websocket_client against the exchange-sim over a real loopback socket.

#include "hft/net/websocket_client.hpp"

#include "hft/exchange/binance/kline_frame.hpp"
#include "hft/exchange/sim/exchange_sim.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;
namespace asio = boost::asio;
using hft::net::websocket_client;
using hft::net::websocket_url;

TEST_CASE("websocket URLs are parsed with default ports and refused when malformed", "[net][websocket]") {
    const auto plain = websocket_url::parse("ws://127.0.0.1:18080/stream?streams=btcusdt@kline_1m");
    REQUIRE(plain);
    CHECK_FALSE(plain->tls);
    CHECK(plain->port == "18080");
    CHECK(plain->target == "/stream?streams=btcusdt@kline_1m");
    const auto tls = websocket_url::parse("wss://stream-cloud.tokocrypto.site/stream");
    REQUIRE(tls);
    CHECK(tls->tls);
    CHECK(tls->host == "stream-cloud.tokocrypto.site");
    CHECK(tls->port == "443");
    CHECK(websocket_url::parse("wss://host").value().target == "/");
    CHECK_FALSE(websocket_url::parse("http://host/stream"));
    CHECK_FALSE(websocket_url::parse("ws://host:0/"));
    CHECK_FALSE(websocket_url::parse("ws://host:99999/"));
    CHECK_FALSE(websocket_url::parse("ws://user:secret@host/"));
    CHECK_FALSE(websocket_url::parse("ws:///stream"));
}

TEST_CASE("websocket client subscribes on the exchange-sim and reads a closed kline", "[integration][net]") {
    asio::io_context ioc;
    hft::exchange::sim::sim_options options;
    options.symbols = {"BTCUSDT"};
    options.intervals = {"1s"};
    options.speed_milli = 60'000;  // a 1s candle closes about every 17 ms
    hft::exchange::sim::exchange_sim sim(ioc, options);
    sim.start();

    boost::system::error_code connect_error;
    bool acknowledged = false;
    std::optional<hft::domain::kline> closed;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            websocket_client client(co_await asio::this_coro::executor);
            const auto url = websocket_url::parse("ws://127.0.0.1:" + std::to_string(sim.port()) + "/stream").value();
            connect_error = co_await client.connect(url, {});
            if (!connect_error) {
                co_await client.write(R"({"method":"SUBSCRIBE","params":["btcusdt@kline_1s"],"id":1})");
                hft::exchange::binance::kline_frame_parser parser;
                const hft::exchange::binance::frame_context context{"sim", nullptr, 0};
                for (int frames = 0; frames < 1000 && !closed; ++frames) {
                    std::string_view message;
                    if (co_await client.read(message)) break;
                    const auto result = parser.parse(message, context);
                    acknowledged = acknowledged || (result.kind == hft::exchange::binance::frame_kind::ack &&
                                                    result.id == "1");
                    if (result.kind == hft::exchange::binance::frame_kind::kline && result.kline.is_closed) {
                        closed = result.kline;
                    }
                }
                co_await client.close();
            }
            sim.stop();
        },
        asio::detached);
    ioc.run_for(30s);

    CHECK_FALSE(connect_error);
    CHECK(acknowledged);
    REQUIRE(closed);
    CHECK(closed->symbol == "BTCUSDT");
    CHECK(closed->interval == "1s");
    CHECK(closed->close_time == closed->open_time + 999);
}

TEST_CASE("websocket client reports a refused connection as an error value", "[integration][net]") {
    asio::io_context ioc;
    boost::system::error_code error;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            websocket_client client(co_await asio::this_coro::executor);
            // Port 1 on loopback: nothing listens there without root privileges in a test.
            error = co_await client.connect(websocket_url::parse("ws://127.0.0.1:1/stream").value(), {2s, 2s});
        },
        asio::detached);
    ioc.run_for(10s);
    CHECK(error);
}
