#include "hft/testing/sync_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace hft::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Runs one asynchronous operation to completion or until `timeout`, then cancels it via `cancel`.
template <class Start, class Cancel>
beast::error_code run_with_timeout(asio::io_context& ioc, std::chrono::milliseconds timeout, Start start,
                                   Cancel cancel) {
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    ioc.restart();
    start([&](beast::error_code ec) {
        done = true;
        result = ec;
    });
    ioc.run_for(timeout);
    if (!done) {
        cancel();
        ioc.restart();
        ioc.run();
        result = asio::error::timed_out;
    }
    return result;
}

}  // namespace

sync_http_result http_request_sync(std::string_view host, std::uint16_t port, std::string_view method,
                                   std::string_view target, std::string body, std::chrono::milliseconds timeout,
                                   const http_headers& headers) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    sync_http_result out;
    stream.expires_after(timeout);
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(std::string(host), std::to_string(port), ec);
    if (ec) return {0, {}, "resolve: " + ec.message(), {}};
    http::request<http::string_body> req;
    req.method_string(std::string(method));
    req.target(std::string(target));
    req.version(11);
    req.set(http::field::host, std::string(host));
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    http::response<http::string_body> res;
    beast::flat_buffer buffer;
    stream.async_connect(endpoints, [&](beast::error_code c, const tcp::endpoint&) {
        if (c) {
            ec = c;
            return;
        }
        http::async_write(stream, req, [&](beast::error_code w, std::size_t) {
            if (w) {
                ec = w;
                return;
            }
            http::async_read(stream, buffer, res, [&](beast::error_code r, std::size_t) { ec = r; });
        });
    });
    ioc.run();
    if (ec) return {0, {}, ec.message(), {}};
    out.status = res.result_int();
    out.body = res.body();
    for (const auto& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
}

std::optional<std::string> sync_http_result::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) return value;
    }
    return std::nullopt;
}

struct sync_ws_client::impl {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws{ioc};
    beast::flat_buffer buffer;
    bool closed = false;
    std::string error;

    void fail(const beast::error_code& ec) {
        error = ec.message();
        if (ec != asio::error::timed_out) closed = true;
    }
};

sync_ws_client::sync_ws_client() : impl_(std::make_unique<impl>()) {}
sync_ws_client::~sync_ws_client() = default;

bool sync_ws_client::connect(std::string_view host, std::uint16_t port, std::string_view target,
                             std::chrono::milliseconds timeout) {
    auto& i = *impl_;
    tcp::resolver resolver(i.ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(std::string(host), std::to_string(port), ec);
    if (ec) {
        i.fail(ec);
        return false;
    }
    auto& lowest = beast::get_lowest_layer(i.ws);
    lowest.expires_after(timeout);
    ec = run_with_timeout(
        i.ioc, timeout,
        [&](auto done) { lowest.async_connect(endpoints, [done](beast::error_code e, const tcp::endpoint&) { done(e); }); },
        [&] { lowest.cancel(); });
    if (!ec) {
        ec = run_with_timeout(
            i.ioc, timeout,
            [&](auto done) {
                i.ws.async_handshake(std::string(host) + ":" + std::to_string(port), std::string(target),
                                     [done](beast::error_code e) { done(e); });
            },
            [&] { lowest.cancel(); });
    }
    lowest.expires_never();
    if (ec) {
        i.fail(ec);
        return false;
    }
    // No client-side keep-alive pings: tests decide when this client answers the server.
    i.ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    return true;
}

bool sync_ws_client::send(std::string_view text, std::chrono::milliseconds timeout) {
    auto& i = *impl_;
    if (i.closed) return false;
    i.ws.text(true);
    auto ec = run_with_timeout(
        i.ioc, timeout,
        [&](auto done) { i.ws.async_write(asio::buffer(text), [done](beast::error_code e, std::size_t) { done(e); }); },
        [&] { beast::get_lowest_layer(i.ws).cancel(); });
    if (ec) i.fail(ec);
    return !ec;
}

std::optional<std::string> sync_ws_client::read(std::chrono::milliseconds timeout) {
    auto& i = *impl_;
    if (i.closed) return std::nullopt;
    i.buffer.clear();
    auto ec = run_with_timeout(
        i.ioc, timeout,
        [&](auto done) { i.ws.async_read(i.buffer, [done](beast::error_code e, std::size_t) { done(e); }); },
        [&] { beast::get_lowest_layer(i.ws).cancel(); });
    if (ec) {
        i.fail(ec);
        // A read cancelled mid-frame leaves the stream unusable: treat a timeout as the end as well.
        if (ec == asio::error::timed_out) i.closed = true;
        return std::nullopt;
    }
    return beast::buffers_to_string(i.buffer.data());
}

void sync_ws_client::close(std::chrono::milliseconds timeout) {
    auto& i = *impl_;
    if (i.closed) return;
    run_with_timeout(
        i.ioc, timeout,
        [&](auto done) { i.ws.async_close(websocket::close_code::normal, [done](beast::error_code e) { done(e); }); },
        [&] { beast::get_lowest_layer(i.ws).cancel(); });
    i.closed = true;
}

bool sync_ws_client::closed() const noexcept { return impl_->closed; }
bool sync_ws_client::closed_with_frame() const noexcept { return impl_->ws.reason().code != 0; }
int sync_ws_client::close_code() const noexcept { return static_cast<int>(impl_->ws.reason().code); }
const std::string& sync_ws_client::error() const noexcept { return impl_->error; }

}  // namespace hft::test
