#pragma once

// An asynchronous HTTP/1.1 client for exchange REST APIs: one keep-alive connection to one origin, `http://`
// or `https://` (peer verification and SNI), a deadline on every request and a cap on the answer's size.
// Requests from one client run one at a time (callers await each); a GET that fails on a reused keep-alive
// connection (the server closed it while idle) is sent once more on a new one; other methods never are. Expected failures
// (refused, timed out, closed) come back as values.

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
    std::string host;
    std::string port;       ///< "80" / "443" when the URL names none
    std::string base_path;  ///< prefix for every target, without a trailing '/'; usually empty

    static expected<http_origin, std::string> parse(std::string_view url);
    std::string to_string() const;
};

struct http_client_options {
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};  ///< connect + send + receive, per request
    std::size_t max_body_bytes = 8 * 1024 * 1024;
    std::string user_agent = "hft";
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

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

    /// `target` is the path and query ("/api/v3/klines?symbol=BTCUSDT"). The error names what failed
    /// ("connect to 127.0.0.1:9000: Connection refused", "timed out after 10000 ms").
    /// Arguments are taken by value: the coroutine outlives the caller's temporaries.
    boost::asio::awaitable<expected<http_reply, std::string>> request(std::string method, std::string target,
                                                                      std::string body = {}, http_headers headers = {});

    boost::asio::awaitable<expected<http_reply, std::string>> get(std::string target) {
        return request("GET", std::move(target));
    }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::net
