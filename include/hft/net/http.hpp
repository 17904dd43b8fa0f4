#pragma once

// Plain HTTP requests and responses as values, and a router from (method, path) to a handler. No Beast here:
// this header is included by every module that serves routes, and only src/net/server.cpp speaks the wire.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hft::net {

struct http_request {
    std::string method;  ///< "GET", "POST", ...
    std::string target;  ///< as received: "/api/v3/klines?symbol=BTCUSDT"
    std::string path;    ///< target before '?': "/api/v3/klines"
    std::string query;   ///< target after '?', undecoded: "symbol=BTCUSDT"
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string peer;  ///< the client's address and port as the server sees them: "127.0.0.1:53122"
    /// Filled by the router: the `{name}` segments of the route's pattern, percent-decoded: {"order_id", "o:1"}.
    std::vector<std::pair<std::string, std::string>> path_params{};

    /// The first query parameter named `name`, percent-decoded with '+' as space; nullopt when absent, and for
    /// every name when the query is not valid (a stray '%', or a character a URL must escape, such as '"').
    std::optional<std::string> query_param(std::string_view name) const;
    /// A header value by case-insensitive name; nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
    /// A path parameter by name; nullopt when the route has none of that name.
    std::optional<std::string> path_param(std::string_view name) const;
};

struct http_response {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    /// Fault injection (exchange-sim): answer only after this long, without blocking other connections...
    std::chrono::milliseconds delay{0};
    /// ...or close the connection instead of answering, as when a response is lost on the way.
    bool drop_connection = false;

    static http_response json(unsigned status, std::string body);
};

/// Handlers run on the server's thread and must not block; an asynchronous one may wait for I/O (a database,
/// the bus) meanwhile.
using http_handler = std::function<http_response(const http_request&)>;
using async_http_handler = std::function<boost::asio::awaitable<http_response>(http_request)>;

/// `{"code":<status>,"msg":"<message>"}` with the message JSON-escaped: the body of the server's own errors.
http_response json_error(unsigned status, std::string_view message);

/// Splits a request target into path and raw query.
std::pair<std::string, std::string> split_target(std::string_view target);

/// Routes a request by method and path to a synchronous or an asynchronous handler.
///
/// A pattern is an exact path, or has `{name}` segments ("/orders/{order_id}"), each matching one non-empty
/// segment that reaches the handler percent-decoded in http_request::path_params (a segment with an invalid
/// escape is passed as written). Among the patterns that match a path, the first added with the request's
/// method answers. A path that no pattern matches answers 404, a matched path without the method 405 with an
/// Allow header listing the methods it has; on_not_found and on_method_not_allowed give those answers another
/// shape (the 405 gets its Allow header either way).
///
/// A synchronous handler that throws answers 500 naming the exception. An asynchronous handler's exception
/// reaches whoever awaits answer(): net::server reports it and answers 500 without the details.
class router {
public:
    /// The 405 answer for a request; `allow` lists the path's methods ("GET, POST").
    using method_not_allowed_handler = std::function<http_response(const http_request&, std::string_view allow)>;

    /// Adding a method and pattern again replaces the handler.
    void add(std::string method, std::string pattern, http_handler handler);
    void add(std::string method, std::string pattern, async_http_handler handler);

    void on_not_found(http_handler answer);
    void on_method_not_allowed(method_not_allowed_handler answer);

    boost::asio::awaitable<http_response> answer(http_request request) const;
    /// answer() for a router whose handlers are all synchronous, without an executor; a route with an
    /// asynchronous handler throws std::logic_error.
    http_response dispatch(http_request request) const;

private:
    struct route {
        std::string method;
        std::string pattern;
        std::variant<http_handler, async_http_handler> handler;
    };
    /// The route that answers `request` (its path_params filled), or the 404 or 405 answer.
    std::variant<const route*, http_response> find(http_request& request) const;
    void add_route(std::string method, std::string pattern, std::variant<http_handler, async_http_handler> handler);

    std::vector<route> routes_;
    http_handler not_found_;
    method_not_allowed_handler method_not_allowed_;
};

}  // namespace hft::net
