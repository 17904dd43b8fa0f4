#pragma once

// A small HTTP + websocket server: one coroutine per connection on one io_context thread. A request that asks
// for a websocket upgrade becomes a ws_connection handed to a ws_handler; any other request goes to a router.
// Beast stays inside src/net/server.cpp (pimpl), so including this header costs no Beast compile time.
//
// Connections are bounded so that idle ones cannot lock everyone out, health checks included: at most
// max_connections are served (max_connections_per_peer from one address); up to reserved_connections more
// are accepted beyond either limit and get one answer each, as usual for reserved_paths (/healthz, /readyz)
// and 503 with Retry-After: 1 for anything else; further connections wait in the listen backlog until a slot
// frees. A connection must send its first request's header within first_request_timeout.

#include "hft/net/http.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace hft::net {

struct server_options {
    std::string address = "127.0.0.1";  ///< loopback unless told otherwise
    std::uint16_t port = 0;             ///< 0 picks a free port; see server::port()
    std::size_t max_connections = 256;  ///< connections served at once
    /// Connections accepted beyond max_connections or max_connections_per_peer: each gets one answer, a
    /// reserved path as usual, anything else 503 with Retry-After. When these are taken too, further
    /// connections wait to be accepted (a peer beyond its own cap is closed at once then).
    std::size_t reserved_connections = 8;
    std::vector<std::string> reserved_paths{"/healthz", "/readyz"};
    std::size_t max_connections_per_peer = 0;  ///< served connections from one address at once; 0: no limit
    std::size_t max_header_bytes = 64 * 1024;
    std::size_t max_body_bytes = 64 * 1024;       ///< larger bodies get 413
    std::size_t max_ws_message_bytes = 64 * 1024;  ///< larger incoming websocket messages close the socket
    std::chrono::milliseconds read_timeout{30'000};      ///< for one HTTP request, and idle keep-alive
    /// For a new connection's first request header (when shorter than read_timeout): one that sends nothing
    /// holds its slot only this long.
    std::chrono::milliseconds first_request_timeout{5'000};
    std::chrono::milliseconds handshake_timeout{10'000};  ///< websocket upgrade and close handshakes
    /// With keep-alive pings the server pings after half of this without hearing from the client, and drops
    /// the client when the whole of it passes silently (Beast's websocket::stream_base::timeout).
    std::chrono::milliseconds ws_idle_timeout{60'000};
    bool ws_keep_alive_pings = true;
    /// Outgoing frames per websocket; a consumer that falls this far behind is disconnected.
    std::size_t ws_queue_limit = 4096;
    /// Unexpected failures (not closed/eof/aborted/timeouts); null ignores them.
    std::function<void(std::string_view)> on_error;
    /// When set, every plain HTTP request is answered by this coroutine instead of the router: an application
    /// that does its own work around routing (request ids, logs). Requests on one connection are still answered
    /// in order.
    async_http_handler async_handler;
    /// Shapes the answers the server gives on its own (413 for a request over the limits, 503 for a connection
    /// beyond them, 500 for an asynchronous handler that throws), so they look like the application's errors;
    /// null uses json_error.
    std::function<http_response(unsigned status, std::string_view message)> error_response;
};

/// One accepted websocket. All calls happen on the server's io_context thread.
class ws_connection {
public:
    virtual ~ws_connection() = default;

    virtual std::uint64_t id() const noexcept = 0;
    /// The upgrade request (target, path, query, headers).
    virtual const http_request& request() const noexcept = 0;
    /// Queues a text frame. Only one write is ever in flight; returns false when the connection is closing or
    /// gone, or when the queue was full (the slow consumer is then disconnected).
    virtual bool send(std::string text) = 0;
    /// Sends the queued frames, then a close frame with `going_away`.
    virtual void close() = 0;
    /// Drops the TCP connection now, without a close frame (fault injection, slow consumers).
    virtual void abort() = 0;
    virtual bool is_open() const noexcept = 0;
    virtual std::size_t queued() const noexcept = 0;
};

/// Websocket application callbacks, invoked on the server's thread.
class ws_handler {
public:
    virtual ~ws_handler() = default;
    /// Whether to upgrade this request; false answers 404 instead.
    virtual bool accepts(const http_request& request) = 0;
    virtual void on_open(const std::shared_ptr<ws_connection>& connection) = 0;
    virtual void on_message(const std::shared_ptr<ws_connection>& connection, std::string_view text) = 0;
    /// The connection ended (any reason); no more sends will be delivered.
    virtual void on_close(const ws_connection& connection) = 0;
};

class server {
public:
    /// `handler` may be null (no websockets) and must outlive the server's connections.
    server(boost::asio::io_context& ioc, server_options options, router routes, ws_handler* handler);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds, listens and starts accepting. Throws boost::system::system_error when the address is unusable.
    void start();
    /// Stops accepting and closes every connection: websockets with `going_away` after their queue drains,
    /// plain HTTP connections at once. The io_context runs out of work when they are gone.
    void stop();

    /// The bound port (after start()).
    std::uint16_t port() const noexcept;
    std::size_t connection_count() const noexcept;
    /// Routes may be added until start().
    net::router& routes() noexcept;

    struct impl;  ///< defined in src/net/server.cpp; public only so its connection types can name it

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace hft::net
