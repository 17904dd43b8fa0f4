#pragma once

// An asynchronous HTTP/1.1 client for exchange REST APIs: one keep-alive connection to one origin, `http://`
// or `https://` (peer verification and SNI), a deadline on every request and a cap on the answer's size.
// Requests from one client run one at a time (callers await each). Expected failures (refused, timed out,
// closed) come back as values that say whether the request can have reached the server (http_failure).
//
// A server closes a keep-alive connection it finds idle, and a request written into a connection it is closing
// is lost without a trace: the write succeeds, the answer is an end of stream, and a POST's fate is then
// unknown. So a request never goes out on a connection that may be stale: before reuse, a connection unused for
// longer than max_idle is replaced by a new one, and so is one on which the server has already said something
// (a FIN, a TLS close_notify or any unread byte: an idle HTTP/1.1 connection carries nothing). Should a request
// still fail on a reused connection, it is sent once more on a new one when it surely never arrived (the
// connection or the write failed), whatever its method, and when it is a GET (which changes nothing); a request
// that may have arrived (written whole, answer cut or late) is never sent again.

#include "hft/domain/expected.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hft::net {

/// A parsed http:// or https:// origin (scheme, host, port); any path in the URL becomes the base path.
struct http_origin {
    bool tls = false;
    std::string host;       ///< a name or an address; an IPv6 address without its URL brackets ("::1")
    std::string port;       ///< "80" / "443" when the URL names none
    std::string base_path;  ///< prefix for every target, without a trailing '/'; usually empty

    /// Accepts http://host[:port][/path] and https://...; anything else is an error naming the problem.
    static expected<http_origin, std::string> parse(std::string_view url);
};

struct http_client_options {
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};  ///< connect + send + receive, per request
    /// A connection unused for longer than this is not reused: the next request opens a new one. Keep it below
    /// the server's keep-alive idle timeout, so the server never closes a connection as a request goes out.
    std::chrono::milliseconds max_idle{std::chrono::seconds(20)};
    std::size_t max_body_bytes = 8 * 1024 * 1024;
    std::string user_agent = "hft";
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

/// Whether a failed request can have reached the server: what decides if sending it again is safe.
enum class delivery {
    /// It never left whole (resolving, connecting, the TLS handshake or the write failed); a server does not act
    /// on an incomplete request, so nothing happened.
    not_received,
    /// It was written whole and no complete answer came (cut, timed out, unreadable): the server may have acted.
    maybe_received,
};

struct http_failure {
    delivery reached = delivery::maybe_received;
    bool timed_out = false;
    /// What failed: "connect to 127.0.0.1:9000: Connection refused", "timed out after 10000 ms".
    std::string message;
};

struct http_reply {
    unsigned status = 0;
    std::string body;
    http_headers headers;

    /// A header by case-insensitive name.
    std::optional<std::string> header(std::string_view name) const;
};

class http_client {
public:
    http_client(boost::asio::any_io_executor executor, http_origin origin, http_client_options options = {});
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// `target` is the path and query ("/api/v3/klines?symbol=BTCUSDT"). Any HTTP status is a reply; a failure
    /// is a request that got no complete answer. Arguments are taken by value: the coroutine outlives the caller's
    /// temporaries.
    boost::asio::awaitable<expected<http_reply, http_failure>> request(std::string method, std::string target,
                                                                       std::string body = {}, http_headers headers = {});

    boost::asio::awaitable<expected<http_reply, http_failure>> get(std::string target) {
        return request("GET", std::move(target));
    }

    /// How long the open connection has gone unused since its last answer; nullopt while none is open.
    std::optional<std::chrono::steady_clock::duration> idle_for() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::net
