// net::server's connection limits on loopback sockets: connections beyond max_connections (or beyond a peer's
// own cap) still get health checks answered and a clear 503 for anything else, connections that send nothing
// are closed after the first-request timeout, and connections beyond the reserved ones wait to be accepted.

#include "hft/net/server.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/socket.h>

#include <optional>
#include <thread>
#include <vector>

using namespace hft;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// A server on its own thread answering /healthz and POST /orders; clients block on the test's thread.
class running_server {
public:
    explicit running_server(net::server_options options) {
        net::router routes;
        routes.add("GET", "/healthz", [](const net::http_request&) { return net::http_response::json(200, "{}"); });
        routes.add("POST", "/orders", [](const net::http_request&) { return net::http_response::json(201, "{}"); });
        server_.emplace(io_, std::move(options), std::move(routes), nullptr);
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~running_server() {
        asio::post(io_, [this] { server_->stop(); });
        thread_.join();
    }

    std::uint16_t port() const { return server_->port(); }

    test::sync_http_result request(std::string_view method, std::string_view target) const {
        return test::http_request_sync("127.0.0.1", port(), method, target, method == "POST" ? "{}" : "", 10s);
    }

    // A connection from `address` that sends nothing.
    tcp::socket idle_connection(std::string_view address = "127.0.0.1") {
        tcp::socket socket(client_io_);
        socket.open(tcp::v4());
        socket.bind({asio::ip::make_address(address), 0});
        socket.connect({asio::ip::make_address("127.0.0.1"), port()});
        return socket;
    }

    // One request over a new connection from `address`, answered or not: the status, 0 when it was closed.
    unsigned request_from(std::string_view address, http::verb method, std::string_view target) {
        auto socket = idle_connection(address);
        http::request<http::string_body> request{method, target, 11};
        request.set(http::field::host, "127.0.0.1");
        request.body() = method == http::verb::post ? "{}" : "";
        request.prepare_payload();
        boost::beast::error_code ec;
        http::write(socket, request, ec);
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        if (!ec) http::read(socket, buffer, response, ec);
        return ec ? 0 : response.result_int();
    }

private:
    asio::io_context io_;
    asio::io_context client_io_;
    std::optional<net::server> server_;
    std::thread thread_;
};

net::server_options limits(std::size_t max_connections, std::size_t reserved) {
    net::server_options options;
    options.max_connections = max_connections;
    options.reserved_connections = reserved;
    options.first_request_timeout = 30s;  // idle connections hold their slots unless a test says otherwise
    return options;
}

// Whether the server closed `socket` within `timeout` (its FIN arrived).
bool closed_by_server(tcp::socket& socket, std::chrono::milliseconds timeout) {
    pollfd readable{socket.native_handle(), POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(timeout.count())) != 1) return false;
    char byte = 0;
    return ::recv(socket.native_handle(), &byte, 1, 0) == 0;
}

}  // namespace

TEST_CASE("with max_connections held by idle connections, /healthz still answers and an order gets 503 with "
          "Retry-After",
          "[integration][net]") {
    running_server server(limits(2, 2));
    std::vector<tcp::socket> held;
    for (int i = 0; i < 2; ++i) held.push_back(server.idle_connection());

    CHECK(server.request("GET", "/healthz").status == 200);
    const auto refused = server.request("POST", "/orders");
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    CHECK_THAT(refused.body, Catch::Contains("retry after 1 s"));

    held.clear();  // once the server notices, orders are served again
    CHECK(test::eventually([&] { return server.request("POST", "/orders").status == 201; }, 10s));
}

TEST_CASE("connections beyond the reserved ones wait to be accepted and are served once a slot frees",
          "[integration][net]") {
    auto options = limits(1, 1);
    options.first_request_timeout = 300ms;
    running_server server(std::move(options));
    auto served = server.idle_connection();
    auto reserved = server.idle_connection();
    // Queued in the listen backlog until the two idle connections time out, then answered as usual.
    CHECK(server.request("POST", "/orders").status == 201);
}

TEST_CASE("a connection that sends nothing is closed after the first-request timeout, a kept-alive one after "
          "read_timeout",
          "[integration][net]") {
    auto options = limits(8, 0);
    options.first_request_timeout = 200ms;
    options.read_timeout = 30s;
    running_server server(std::move(options));
    auto silent = server.idle_connection();
    auto talking = server.idle_connection();
    http::request<http::string_body> ping{http::verb::get, "/healthz", 11};
    ping.set(http::field::host, "127.0.0.1");
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> first;
    http::write(talking, ping);
    http::read(talking, buffer, first);
    CHECK(first.result_int() == 200);

    CHECK(closed_by_server(silent, 10s));
    // As old as the silent one, but it has sent a request: the keep-alive idle timeout is read_timeout.
    http::response<http::string_body> second;
    http::write(talking, ping);
    http::read(talking, buffer, second);
    CHECK(second.result_int() == 200);
}

TEST_CASE("a peer's connections beyond max_connections_per_peer get 503 while another address is served",
          "[integration][net]") {
    auto options = limits(16, 2);
    options.max_connections_per_peer = 2;
    running_server server(std::move(options));
    std::vector<tcp::socket> held;
    for (int i = 0; i < 2; ++i) held.push_back(server.idle_connection("127.0.0.1"));

    const auto refused = server.request("POST", "/orders");
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    CHECK_THAT(refused.body, Catch::Contains("This address holds as many connections as it may"));
    CHECK(server.request("GET", "/healthz").status == 200);
    CHECK(server.request_from("127.0.0.2", http::verb::post, "/orders") == 201);
}
