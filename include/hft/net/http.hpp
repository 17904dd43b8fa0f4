#pragma once

// Plain HTTP requests and responses as values, and a router from (method, path) to a handler. No Beast here:
// this header is included by every module that serves routes, and only src/net/server.cpp speaks the wire.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

    /// The first query parameter named `name`, percent-decoded; nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
    /// A header value by case-insensitive name; nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
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

/// Handlers run on the server's thread and must not block.
using http_handler = std::function<http_response(const http_request&)>;

/// `{"code":<status>,"msg":"<message>"}` with the message JSON-escaped: the body of the server's own errors.
http_response json_error(unsigned status, std::string_view message);

/// Splits a request target into path and raw query.
std::pair<std::string, std::string> split_target(std::string_view target);

/// Percent-decoding with '+' as space (application/x-www-form-urlencoded); invalid escapes stay as written.
std::string url_decode(std::string_view text);

/// Exact-path routing. Unknown paths answer 404, known paths with another method 405 (with an Allow header).
class router {
public:
    void add(std::string method, std::string path, http_handler handler);
    http_response dispatch(const http_request& request) const;

private:
    std::map<std::string, std::map<std::string, http_handler>, std::less<>> routes_;
};

}  // namespace hft::net
