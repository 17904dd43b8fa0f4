#pragma once

// Blocking websocket and HTTP clients with a timeout on every call, each on its own private io_context, for
// tests and benchmarks that drive a server step by step. Services use hft::net's asynchronous clients.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hft::test {

struct sync_http_result {
    unsigned status = 0;  ///< 0 when the request failed
    std::string body;
    std::string error;  ///< why it failed, empty on success
    std::vector<std::pair<std::string, std::string>> headers;  ///< response headers as received

    /// A response header by case-insensitive name; nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

/// One request over a fresh connection; `method` is "GET", "POST", ...; `headers` are sent as given.
sync_http_result http_request_sync(std::string_view host, std::uint16_t port, std::string_view method,
                                   std::string_view target, std::string body = {},
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                   const http_headers& headers = {});

inline sync_http_result http_get(std::string_view host, std::uint16_t port, std::string_view target,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return http_request_sync(host, port, "GET", target, {}, timeout);
}

class sync_ws_client {
public:
    sync_ws_client();
    ~sync_ws_client();
    sync_ws_client(const sync_ws_client&) = delete;
    sync_ws_client& operator=(const sync_ws_client&) = delete;

    /// TCP connect plus websocket handshake on `target` ("/stream?streams=..."); false with error() on failure.
    bool connect(std::string_view host, std::uint16_t port, std::string_view target,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
    bool send(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// The next text message; nullopt on timeout or when the connection ended (see closed() and error()).
    /// Pings are answered only while a read is in progress, as with any Beast client.
    std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Close handshake (normal closure).
    void close(std::chrono::milliseconds timeout = std::chrono::seconds(2));

    /// True once the peer closed or dropped the connection.
    bool closed() const noexcept;
    /// True when the peer closed with a close frame, as opposed to dropping the TCP connection.
    bool closed_with_frame() const noexcept;
    /// The close code the peer sent (1001 going_away, ...), 0 when none.
    int close_code() const noexcept;
    const std::string& error() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace hft::test
