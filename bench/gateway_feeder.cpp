// Feeds the market-data gateway as fast as a websocket carries: a one-connection combined-stream server that,
// once the client sent its first message (the gateway's SUBSCRIBE), writes pre-built kline frames
// back to back and then stays open. The frames are make_kline_corpus's (real BTCUSDT 1m klines, one closing
// update in four, consecutive candles so the gateway sees no gap) for 20 symbols, interleaved.
//
//   hft_gateway_feeder --port P --frames N        serve one gateway on 127.0.0.1:P
//   hft_gateway_feeder --self-test --frames N     the feeder alone: serve an in-process reader that discards
//
// Prints "fed<TAB>N<TAB>seconds<TAB>frames/s" on stdout once every frame is written.

#include "hft/testing/binance_kline_frames.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using ws_stream = websocket::stream<tcp::socket>;

constexpr std::string_view symbols[] = {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT",
                                        "DOTUSDT", "LTCUSDT", "LINKUSDT", "BTCUSDC", "ETHUSDC", "BNBUSDC", "SOLUSDC",
                                        "XRPUSDC", "ADAUSDC", "DOGEUSDC", "DOTUSDC", "LTCUSDC", "LINKUSDC"};

std::vector<std::string> build_frames(std::size_t count) {
    const std::size_t per_symbol = (count + std::size(symbols) - 1) / std::size(symbols);
    std::vector<std::vector<std::string>> by_symbol;
    for (auto symbol : symbols) {
        by_symbol.push_back(hft::exchange::binance::testing::make_kline_corpus(
            HFT_SOURCE_DIR "/data/klines/binanceus-BTCUSDT-1m-2023-03-01-to-21.csv", symbol, per_symbol));
    }
    std::vector<std::string> frames;
    frames.reserve(count);
    for (std::size_t i = 0; frames.size() < count; ++i) frames.push_back(std::move(by_symbol[i % std::size(symbols)][i / std::size(symbols)]));
    return frames;
}

asio::awaitable<void> read_and_discard(ws_stream& ws) {
    boost::beast::flat_buffer buffer;
    while (true) {
        auto [error, size] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
        if (error) co_return;
        buffer.consume(size);
    }
}

// One client: after its first message, every frame back to back; then idle unless `stay_open` is false.
asio::awaitable<void> feed(tcp::socket socket, const std::vector<std::string>& frames, bool stay_open) {
    ws_stream ws(std::move(socket));
    co_await ws.async_accept(asio::use_awaitable);
    ws.text(true);
    boost::beast::flat_buffer first;
    co_await ws.async_read(first, asio::use_awaitable);  // the SUBSCRIBE: the client is listening now
    const auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, read_and_discard(ws), asio::detached);
    const auto started = std::chrono::steady_clock::now();
    for (const auto& frame : frames) co_await ws.async_write(asio::buffer(frame), asio::use_awaitable);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("fed\t%zu\t%.3f\t%.0f\n", frames.size(), seconds, static_cast<double>(frames.size()) / seconds);
    std::fflush(stdout);
    if (!stay_open) co_return;
    asio::steady_timer idle(executor, std::chrono::hours(1));
    co_await idle.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Accepts until the process ends: a port probe (wait_for_port) is a connection too, and fails its handshake.
asio::awaitable<void> serve(tcp::acceptor acceptor, const std::vector<std::string>& frames, bool stay_open) {
    while (true) {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), feed(std::move(socket), frames, stay_open), [](std::exception_ptr) {});
        if (!stay_open) co_return;
    }
}

// The feeder alone: a reader on its own thread that subscribes, discards `count` frames and disconnects.
void self_test_reader(unsigned short port, std::size_t count) {
    asio::io_context io;
    ws_stream ws(io);
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1", "/stream");
    ws.write(asio::buffer(std::string_view(R"({"method":"SUBSCRIBE","params":[],"id":1})")));
    boost::beast::flat_buffer buffer;
    for (std::size_t i = 0; i < count; ++i) buffer.consume(ws.read(buffer));
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    std::size_t count = 500'000;
    bool self_test = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--self-test") self_test = true;
        else if (flag == "--port" && i + 1 < argc) port = static_cast<unsigned short>(std::atoi(argv[++i]));
        else if (flag == "--frames" && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 10);
        else {
            std::fprintf(stderr, "unknown option %s; see the comment at the top of gateway_feeder.cpp\n", argv[i]);
            return 2;
        }
    }
    const auto frames = build_frames(count);
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
    port = acceptor.local_endpoint().port();
    std::fprintf(stderr, "feeder: %zu frames ready on 127.0.0.1:%u\n", frames.size(), port);
    asio::co_spawn(io, serve(std::move(acceptor), frames, !self_test), [](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "feeder: %s\n", e.what());
        }
    });
    std::jthread reader;
    if (self_test) reader = std::jthread(self_test_reader, port, count);
    io.run();
}
