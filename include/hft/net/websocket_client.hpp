#pragma once

// A websocket client for market-data feeds: `ws://` for the local exchange-sim, `wss://` with peer
// verification and SNI for real exchanges. Used from one coroutine that owns it (one reader, and writes
// only from that coroutine), the Beast awaitable model. Expected outcomes — the peer closed, the idle
// timeout fired because the stream stalled — come back as error codes, not exceptions.

#include "hft/domain/expected.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hft::net {

/// A parsed ws:// or wss:// URL.
struct websocket_url {
    bool tls = false;
    std::string host;    ///< a name or an address; an IPv6 address without its URL brackets ("::1")
    std::string port;    ///< "80" / "443" when the URL names none
    std::string target;  ///< path and query, at least "/"

    /// Accepts ws://host[:port][/path][?query] and wss://...; anything else is an error naming the problem.
    static expected<websocket_url, std::string> parse(std::string_view url);
};

struct websocket_timeouts {
    std::chrono::milliseconds connect{std::chrono::seconds(10)};  ///< resolve + TCP + TLS + upgrade
    /// No frame for this long (pings are sent at half of it) means the stream is dead or stalled.
    std::chrono::milliseconds idle{std::chrono::seconds(60)};
};

class websocket_client {
public:
    explicit websocket_client(boost::asio::any_io_executor executor);
    ~websocket_client();
    websocket_client(const websocket_client&) = delete;
    websocket_client& operator=(const websocket_client&) = delete;

    /// Resolves, connects, runs the TLS handshake (wss) and the websocket upgrade.
    boost::asio::awaitable<boost::system::error_code> connect(const websocket_url& url, websocket_timeouts timeouts);
    /// The next text message; valid until the next read. An error ends the connection.
    boost::asio::awaitable<boost::system::error_code> read(std::string_view& message);
    boost::asio::awaitable<boost::system::error_code> write(std::string_view text);
    /// Close handshake with `going_away` (the client is leaving, e.g. reconnecting or shutting down).
    boost::asio::awaitable<void> close();
    /// Drops the TCP connection at once; pending operations complete with operation_aborted.
    void abort() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::net
