// The HTTP and websocket clients against a net::server on the IPv6 loopback: the resolver is handed the bare
// address, the Host header carries it in brackets as HTTP writes it.

#include "hft/net/http_client.hpp"
#include "hft/net/server.hpp"
#include "hft/net/websocket_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <optional>
#include <string>

namespace asio = boost::asio;
using namespace hft;
using namespace std::chrono_literals;

namespace {

net::server_options on_ipv6_loopback() {
    net::server_options options;
    options.address = "::1";
    return options;
}

// Accepts every upgrade and keeps the Host header it came with.
class host_recorder final : public net::ws_handler {
public:
    bool accepts(const net::http_request& request) override {
        host = request.header("Host").value_or("");
        return true;
    }
    void on_open(const std::shared_ptr<net::ws_connection>&) override {}
    void on_message(const std::shared_ptr<net::ws_connection>&, std::string_view) override {}
    void on_close(const net::ws_connection&) override {}

    std::string host;
};

}  // namespace

TEST_CASE("an http client reaches a server at an IPv6 literal and writes it in brackets in the Host header", "[net]") {
    asio::io_context io;
    net::router routes;
    routes.add("GET", "/host", [](const net::http_request& request) {
        return net::http_response::json(200, request.header("Host").value_or(""));
    });
    net::server server(io, on_ipv6_loopback(), std::move(routes), nullptr);
    server.start();
    const auto origin = net::http_origin::parse("http://[::1]:" + std::to_string(server.port()));
    REQUIRE(origin);
    net::http_client client(io.get_executor(), *origin);

    std::optional<expected<net::http_reply, net::http_failure>> reply;
    const auto ask = [&]() -> asio::awaitable<void> {
        reply.emplace(co_await client.get("/host"));
        server.stop();
    };
    asio::co_spawn(io, ask(), asio::detached);
    io.run_for(10s);

    REQUIRE(reply);
    REQUIRE(*reply);
    CHECK((*reply)->status == 200);
    CHECK((*reply)->body == "[::1]");
}

TEST_CASE("a websocket client reaches a server at an IPv6 literal and writes it in brackets in the Host header",
          "[net]") {
    asio::io_context io;
    host_recorder recorder;
    net::server server(io, on_ipv6_loopback(), net::router{}, &recorder);
    server.start();
    const auto port = std::to_string(server.port());
    const auto url = net::websocket_url::parse("ws://[::1]:" + port + "/stream");
    REQUIRE(url);
    net::websocket_client client(io.get_executor());

    std::optional<boost::system::error_code> connected;
    const auto connect = [&]() -> asio::awaitable<void> {
        connected = co_await client.connect(*url, {5s, 5s});
        co_await client.close();
        server.stop();
    };
    asio::co_spawn(io, connect(), asio::detached);
    io.run_for(10s);

    REQUIRE(connected);
    CHECK(connected->message() == boost::system::error_code{}.message());
    CHECK(recorder.host == "[::1]:" + port);
}
