#include "hft/net/http_client.hpp"

#include "url_parts.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cerrno>
#include <variant>

namespace hft::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using steady = std::chrono::steady_clock;

http_failure not_received(std::string message) { return {delivery::not_received, false, std::move(message)}; }

}  // namespace

expected<http_origin, std::string> http_origin::parse(std::string_view url) {
    auto parsed = detail::parse_server_url(url, "URL", boost::urls::scheme::http, boost::urls::scheme::https);
    if (!parsed) return unexpected(parsed.error());
    auto server = *std::move(parsed);
    if (server.url.has_query() || server.url.has_fragment()) {
        return unexpected<std::string>("URL must not have a query or fragment");
    }
    std::string base_path(std::string_view(server.url.encoded_path()));
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    return http_origin{server.tls, std::move(server.host), std::move(server.port), std::move(base_path)};
}

std::optional<std::string> http_reply::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (boost::algorithm::iequals(key, name)) return value;
    }
    return std::nullopt;
}

struct http_client::impl {
    impl(asio::any_io_executor executor_, http_origin origin_, http_client_options options_)
        : executor(std::move(executor_)), origin(std::move(origin_)), options(std::move(options_)) {
        tls_context.set_default_verify_paths();
        tls_context.set_verify_mode(asio::ssl::verify_peer);
    }

    template <class Function>
    auto visit(Function&& function) {
        return std::visit([&](auto& s) { return function(s); }, *stream);
    }


    // Opens the connection; nullopt on success. Nothing of a request has been sent when this fails.
    asio::awaitable<std::optional<http_failure>> open() {
        tcp::resolver resolver(executor);
        auto [resolve_error, endpoints] = co_await resolver.async_resolve(origin.host, origin.port, as_tuple_awaitable);
        if (resolve_error) co_return not_received("resolve " + origin.host + ": " + resolve_error.message());
        if (origin.tls) {
            stream.emplace(std::in_place_type<tls_stream>, executor, tls_context);
        } else {
            stream.emplace(std::in_place_type<plain_stream>, executor);
        }
        co_return co_await visit([&](auto& s) -> asio::awaitable<std::optional<http_failure>> {
            auto& tcp_layer = beast::get_lowest_layer(s);
            tcp_layer.expires_after(options.timeout);
            auto [connect_error, endpoint] = co_await tcp_layer.async_connect(endpoints, as_tuple_awaitable);
            if (timed_out(connect_error)) co_return not_received_in_time();
            if (connect_error) {
                co_return not_received("connect to " + detail::uri_host(origin.host) + ":" + origin.port + ": " +
                                       connect_error.message());
            }
            tcp_layer.socket().set_option(tcp::no_delay(true));
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tls_stream>) {
                if (!detail::prepare_tls_client(s, origin.host)) co_return not_received("TLS SNI for " + origin.host + " failed");
                auto [tls_error] = co_await s.async_handshake(asio::ssl::stream_base::client, as_tuple_awaitable);
                if (timed_out(tls_error)) co_return not_received_in_time();
                if (tls_error) co_return not_received("TLS handshake with " + origin.host + ": " + tls_error.message());
            }
            last_used = steady::now();
            co_return std::nullopt;
        });
    }

    // Whether the open connection may carry the next request. Past max_idle the server may be closing it as the
    // request goes out. A FIN (0), a TLS close_notify or any other byte waiting on an idle HTTP/1.1 connection
    // means the server is done with it; only "nothing to read yet" (EAGAIN) leaves it usable. The peek is
    // non-blocking and consumes nothing.
    bool reusable() {
        if (steady::now() - last_used > options.max_idle || buffer.size() > 0) return false;
        const auto socket = visit([](auto& s) { return beast::get_lowest_layer(s).socket().native_handle(); });
        char byte = 0;
        const auto peeked = ::recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    // One exchange on the open stream; nullopt on success. A failed write leaves the request incomplete at the
    // server (not received); once it is written whole, any failure may follow the server's acting on it.
    asio::awaitable<std::optional<http_failure>> exchange(http::request<http::string_body>& request, http_reply& reply) {
        co_return co_await visit([&](auto& s) -> asio::awaitable<std::optional<http_failure>> {
            beast::get_lowest_layer(s).expires_after(options.timeout);
            auto [write_error, written] = co_await http::async_write(s, request, as_tuple_awaitable);
            if (timed_out(write_error)) co_return not_received_in_time();
            if (write_error) co_return not_received("send: " + write_error.message());
            http::response_parser<http::string_body> parser;
            parser.body_limit(options.max_body_bytes);
            auto [read_error, read] = co_await http::async_read(s, buffer, parser, as_tuple_awaitable);
            if (timed_out(read_error)) co_return http_failure{delivery::maybe_received, true, timeout_message()};
            if (read_error) co_return http_failure{delivery::maybe_received, false, "receive: " + read_error.message()};
            auto& response = parser.get();
            reply.status = response.result_int();
            reply.body = std::move(response.body());
            reply.headers.clear();
            for (const auto& field : response) {
                reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
            }
            keep_alive = response.keep_alive();
            last_used = steady::now();
            co_return std::nullopt;
        });
    }

    static bool timed_out(const beast::error_code& ec) {
        return ec == asio::error::operation_aborted || ec == beast::error::timeout;
    }
    std::string timeout_message() const { return "timed out after " + std::to_string(options.timeout.count()) + " ms"; }
    http_failure not_received_in_time() const { return {delivery::not_received, true, timeout_message()}; }

    void close() noexcept {
        if (!stream) return;
        visit([](auto& s) {
            beast::error_code ignored;
            beast::get_lowest_layer(s).socket().close(ignored);
            return 0;
        });
        stream.reset();
        buffer.clear();
    }

    asio::any_io_executor executor;
    http_origin origin;
    http_client_options options;
    asio::ssl::context tls_context{asio::ssl::context::tls_client};
    std::optional<std::variant<plain_stream, tls_stream>> stream;
    beast::flat_buffer buffer;
    bool keep_alive = false;
    steady::time_point last_used{};  ///< when the open connection last finished an exchange (or was opened)
};

http_client::http_client(asio::any_io_executor executor, http_origin origin, http_client_options options)
    : impl_(std::make_unique<impl>(std::move(executor), std::move(origin), std::move(options))) {}

http_client::~http_client() { impl_->close(); }

asio::awaitable<expected<http_reply, http_failure>> http_client::request(std::string method, std::string target,
                                                                        std::string body, http_headers headers) {
    auto& self = *impl_;
    http::request<http::string_body> request;
    request.method(http::string_to_verb(method));
    if (request.method() == http::verb::unknown) co_return unexpected(not_received("unknown HTTP method " + method));
    request.target(self.origin.base_path + target);
    request.version(11);
    request.set(http::field::host, detail::uri_host(self.origin.host));
    request.set(http::field::user_agent, self.options.user_agent);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    request.prepare_payload();
    request.keep_alive(true);

    // One co_return at the end: GCC 12 mis-destroys temporaries of a co_return inside this loop.
    expected<http_reply, http_failure> outcome = unexpected(not_received("request not attempted"));
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (self.stream && !self.reusable()) self.close();
        const bool reused = self.stream.has_value();
        std::optional<http_failure> failure;
        if (!self.stream) failure = co_await self.open();
        http_reply reply;
        if (!failure) failure = co_await self.exchange(request, reply);
        if (!failure) {
            if (!self.keep_alive) self.close();
            outcome = std::move(reply);
            break;
        }
        self.close();
        // A connection that served before may have broken since (the server closed or reset it): worth one new
        // connection for a request that surely never arrived, or for a GET. A timeout spent the deadline already.
        const bool send_again = reused && !failure->timed_out &&
                                (failure->reached == delivery::not_received || request.method() == http::verb::get);
        outcome = unexpected(std::move(*failure));
        if (!send_again) break;
    }
    co_return outcome;
}

std::optional<std::chrono::steady_clock::duration> http_client::idle_for() const {
    if (!impl_->stream) return std::nullopt;
    return steady::now() - impl_->last_used;
}

}  // namespace hft::net
