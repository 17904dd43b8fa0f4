// net::http_client against a net::server on a loopback socket: a kept-alive connection the server closed while
// idle is never written to, a connection idle past max_idle is replaced, and a failed request says whether it
// can have reached the server, which decides whether it is ever sent again.

#include "hft/net/http_client.hpp"
#include "hft/net/server.hpp"
#include "support/process.hpp"
#include "support/tcp_states.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <optional>

using namespace hft;
using namespace std::chrono_literals;

namespace {

// A server and a client on one io_context, driven by the test's thread. Every answer's body is the peer the
// server saw, so a test can tell a reused connection from a new one.
struct served {
    explicit served(std::chrono::milliseconds server_idle_timeout) {
        net::router routes;
        routes.add("GET", "/who", [this](const net::http_request& request) {
            ++gets;
            return net::http_response::json(200, '"' + request.peer + '"');
        });
        routes.add("POST", "/orders", [this](const net::http_request& request) {
            ++posts;
            return net::http_response::json(200, '"' + request.peer + '"');
        });
        // Carried out, and the connection closes before the answer: as when an answer is lost on the way.
        auto lost = [this](const net::http_request&) {
            ++carried_out;
            net::http_response response;
            response.drop_connection = true;
            return response;
        };
        routes.add("POST", "/lost", lost);
        routes.add("GET", "/lost", lost);
        net::server_options options;
        options.read_timeout = server_idle_timeout;
        server.emplace(io, std::move(options), std::move(routes), nullptr);
        server->start();
    }

    ~served() {
        server->stop();
        io.restart();
        io.run_for(1s);
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

    net::http_client client(std::chrono::milliseconds max_idle) {
        return net::http_client(io.get_executor(), *net::http_origin::parse(url()), {.max_idle = max_idle});
    }

    template <class Condition>
    bool run_until(Condition condition, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            io.restart();
            io.run_for(10ms);
        }
        return true;
    }

    expected<net::http_reply, net::http_failure> run(boost::asio::awaitable<expected<net::http_reply, net::http_failure>> call) {
        std::optional<expected<net::http_reply, net::http_failure>> outcome;
        boost::asio::co_spawn(
            io, [&]() -> boost::asio::awaitable<void> { outcome.emplace(co_await std::move(call)); },
            [](std::exception_ptr error) {
                if (error) std::rethrow_exception(error);
            });
        REQUIRE(run_until([&] { return outcome.has_value(); }));
        return std::move(*outcome);
    }

    // Until the server's close of the client's connection has reached the client (its socket is in CLOSE_WAIT).
    bool closed_by_server() {
        return run_until([&] { return test::tcp_connections_to(server->port(), test::tcp_state::close_wait) == 1; });
    }

    boost::asio::io_context io;
    std::optional<net::server> server;
    int gets = 0;
    int posts = 0;
    int carried_out = 0;
};

}  // namespace

TEST_CASE("a GET and a POST on a keep-alive connection the server closed while idle each reach it once",
          "[integration][net]") {
    served s(200ms);
    auto client = s.client(1h);  // no idle limit in the way: only the check before reuse protects the requests
    const auto first = s.run(client.get("/who"));
    REQUIRE(first);
    REQUIRE(s.closed_by_server());

    const auto posted = s.run(client.request("POST", "/orders", "{}", {{"Content-Type", "application/json"}}));
    INFO((posted ? "" : posted.error().message));
    REQUIRE(posted);
    CHECK(posted->status == 200);
    CHECK(s.posts == 1);
    CHECK(posted->body != first->body);  // sent on a new connection

    REQUIRE(s.closed_by_server());
    const auto again = s.run(client.get("/who"));
    INFO((again ? "" : again.error().message));
    REQUIRE(again);
    CHECK(s.gets == 2);
}

TEST_CASE("a keep-alive connection unused for longer than max_idle is replaced before the next request",
          "[integration][net]") {
    served s(30s);
    auto client = s.client(100ms);
    const auto first = s.run(client.get("/who"));
    REQUIRE(first);
    const auto reused = s.run(client.get("/who"));
    REQUIRE(reused);
    CHECK(reused->body == first->body);  // within max_idle: the same connection

    REQUIRE(s.run_until([&] { return client.idle_for() > 100ms; }));
    const auto replaced = s.run(client.request("POST", "/orders", "{}"));
    REQUIRE(replaced);
    CHECK(replaced->body != first->body);
    CHECK(s.posts == 1);
}

TEST_CASE("a POST whose answer is cut is reported maybe received and is not sent again", "[integration][net]") {
    served s(30s);
    auto client = s.client(1h);
    REQUIRE(s.run(client.get("/who")));  // the POST goes out on a reused connection

    const auto cut = s.run(client.request("POST", "/lost", "{}"));
    REQUIRE_FALSE(cut);
    CHECK(cut.error().reached == net::delivery::maybe_received);
    CHECK_FALSE(cut.error().timed_out);
    CHECK(s.carried_out == 1);

    SECTION("while a GET, which changes nothing, is sent once more on a new connection") {
        REQUIRE(s.run(client.get("/who")));
        const auto cut_get = s.run(client.get("/lost"));
        REQUIRE_FALSE(cut_get);
        CHECK(cut_get.error().reached == net::delivery::maybe_received);
        CHECK(s.carried_out == 3);
    }
}

TEST_CASE("a request to a port nobody listens on is reported not received, naming the connection",
          "[integration][net]") {
    boost::asio::io_context io;
    const auto port = test::free_port();
    net::http_client client(io.get_executor(), *net::http_origin::parse("http://127.0.0.1:" + std::to_string(port)));
    std::optional<expected<net::http_reply, net::http_failure>> outcome;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { outcome.emplace(co_await client.request("POST", "/orders", "{}")); },
        [](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
        });
    io.run_for(10s);
    REQUIRE(outcome);
    REQUIRE_FALSE(*outcome);
    CHECK(outcome->error().reached == net::delivery::not_received);
    CHECK_THAT(outcome->error().message, Catch::Contains("connect to 127.0.0.1:" + std::to_string(port)));
    CHECK_FALSE(client.idle_for());
}
