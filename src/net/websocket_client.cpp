#include "hft/net/websocket_client.hpp"

#include "url_parts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <optional>
#include <variant>

namespace hft::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

using plain_stream = websocket::stream<beast::tcp_stream>;
using tls_stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// Market-data frames are small; anything this large is not a kline and must not grow the buffer forever.
constexpr std::size_t max_message_bytes = 1 << 20;

}  // namespace

expected<websocket_url, std::string> websocket_url::parse(std::string_view url) {
    auto parsed = detail::parse_server_url(url, "websocket URL", boost::urls::scheme::ws, boost::urls::scheme::wss);
    if (!parsed) return unexpected(parsed.error());
    auto server = *std::move(parsed);
    // A fragment never reaches the server.
    if (server.url.has_fragment()) return unexpected<std::string>("websocket URL must not have a fragment");
    std::string target(std::string_view(server.url.encoded_target()));
    if (!target.starts_with('/')) target.insert(0, "/");
    return websocket_url{server.tls, std::move(server.host), std::move(server.port), std::move(target)};
}

struct websocket_client::impl {
    explicit impl(asio::any_io_executor executor) : executor_(std::move(executor)) {
        tls_context_.set_default_verify_paths();
        tls_context_.set_verify_mode(asio::ssl::verify_peer);
    }

    template <class Function>
    auto visit(Function&& function) {
        return std::visit([&](auto& ws) { return function(ws); }, *stream_);
    }

    asio::any_io_executor executor_;
    asio::ssl::context tls_context_{asio::ssl::context::tls_client};
    std::optional<std::variant<plain_stream, tls_stream>> stream_;
    beast::flat_buffer buffer_;
};

websocket_client::websocket_client(asio::any_io_executor executor)
    : impl_(std::make_unique<impl>(std::move(executor))) {}

websocket_client::~websocket_client() = default;

asio::awaitable<boost::system::error_code> websocket_client::connect(const websocket_url& url,
                                                                     websocket_timeouts timeouts) {
    auto& self = *impl_;
    tcp::resolver resolver(self.executor_);
    auto [resolve_error, endpoints] = co_await resolver.async_resolve(url.host, url.port, as_tuple_awaitable);
    if (resolve_error) co_return resolve_error;

    if (url.tls) {
        self.stream_.emplace(std::in_place_type<tls_stream>, self.executor_, self.tls_context_);
    } else {
        self.stream_.emplace(std::in_place_type<plain_stream>, self.executor_);
    }
    self.buffer_.clear();

    const auto handshake = [&](auto& ws) -> asio::awaitable<boost::system::error_code> {
        auto& tcp_layer = beast::get_lowest_layer(ws);
        tcp_layer.expires_after(timeouts.connect);
        auto [connect_error, endpoint] = co_await tcp_layer.async_connect(endpoints, as_tuple_awaitable);
        if (connect_error) co_return connect_error;
        tcp_layer.socket().set_option(tcp::no_delay(true));
        if constexpr (std::is_same_v<std::decay_t<decltype(ws)>, tls_stream>) {
            auto& tls = ws.next_layer();
            if (!detail::prepare_tls_client(tls, url.host)) {
                co_return boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                                    asio::error::get_ssl_category());
            }
            auto [tls_error] = co_await tls.async_handshake(asio::ssl::stream_base::client, as_tuple_awaitable);
            if (tls_error) co_return tls_error;
        }
        tcp_layer.expires_never();
        websocket::stream_base::timeout options{timeouts.connect, timeouts.idle, true};
        ws.set_option(options);
        ws.read_message_max(max_message_bytes);
        const auto host = detail::uri_host(url.host) + ":" + url.port;
        auto [upgrade_error] = co_await ws.async_handshake(host, url.target, as_tuple_awaitable);
        co_return upgrade_error;
    };
    co_return co_await self.visit(handshake);
}

asio::awaitable<boost::system::error_code> websocket_client::read(std::string_view& message) {
    auto& self = *impl_;
    if (!self.stream_) co_return asio::error::not_connected;
    self.buffer_.consume(self.buffer_.size());
    auto [error, bytes] = co_await self.visit(
        [&](auto& ws) { return ws.async_read(self.buffer_, as_tuple_awaitable); });
    if (!error) message = std::string_view(static_cast<const char*>(self.buffer_.data().data()), bytes);
    co_return error;
}

asio::awaitable<boost::system::error_code> websocket_client::write(std::string_view text) {
    auto& self = *impl_;
    if (!self.stream_) co_return asio::error::not_connected;
    auto [error, bytes] = co_await self.visit([&](auto& ws) {
        ws.text(true);
        return ws.async_write(asio::buffer(text.data(), text.size()), as_tuple_awaitable);
    });
    co_return error;
}

asio::awaitable<void> websocket_client::close() {
    auto& self = *impl_;
    if (!self.stream_) co_return;
    // A peer that never answers the close frame is cut off by the websocket's handshake timeout.
    co_await self.visit([](auto& ws) { return ws.async_close(websocket::close_code::going_away, as_tuple_awaitable); });
    self.stream_.reset();
}

void websocket_client::abort() noexcept {
    if (!impl_->stream_) return;
    impl_->visit([](auto& ws) {
        beast::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
        return 0;
    });
}

}  // namespace hft::net
