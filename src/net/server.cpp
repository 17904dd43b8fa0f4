#include "hft/net/server.hpp"

// The only Beast translation unit of the server side: keep it that way, Beast is slow to compile.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <deque>
#include <exception>
#include <iterator>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hft::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Outcomes of a peer going away or of our own cancellation: values, not errors worth reporting.
bool is_expected(const beast::error_code& ec) {
    return ec == websocket::error::closed || ec == asio::error::eof || ec == http::error::end_of_stream ||
           ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::not_connected || ec == beast::error::timeout ||
           ec == asio::error::bad_descriptor;
}

std::string describe(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    const auto host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

http_request to_request(const http::request<http::string_body>& req, const std::string& peer) {
    http_request out;
    out.peer = peer;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    std::tie(out.path, out.query) = split_target(out.target);
    out.body = req.body();
    for (const auto& field : req) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return out;
}

http::response<http::string_body> to_beast(const http_response& res, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::server, "hft");
    out.set(http::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) out.set(name, value);
    out.keep_alive(keep_alive);
    out.body() = res.body;
    out.prepare_payload();
    return out;
}

}  // namespace

struct server::impl : std::enable_shared_from_this<impl> {
    impl(asio::io_context& ioc_, server_options options_, router routes_, ws_handler* handler_)
        : ioc(ioc_),
          options(std::move(options_)),
          routes(std::move(routes_)),
          handler(handler_),
          acceptor(ioc_),
          slot_freed(ioc_) {}

    void report(std::string_view what, const beast::error_code& ec) const {
        if (options.on_error) options.on_error(std::string(what) + ": " + ec.message());
    }

    http_response error(unsigned status, std::string_view message) const {
        return options.error_response ? options.error_response(status, message) : json_error(status, message);
    }

    asio::awaitable<http_response> answer(http_request request);

    asio::awaitable<void> accept_loop();
    /// `over_limit`: why the connection is beyond the limits (a reserved one), nullopt for one served as usual.
    asio::awaitable<void> run_connection(tcp::socket socket, std::uint64_t id, std::optional<std::string> over_limit);
    void forget(std::uint64_t id);
    bool reserved_path(std::string_view path) const {
        return std::find(options.reserved_paths.begin(), options.reserved_paths.end(), path) !=
               options.reserved_paths.end();
    }

    asio::io_context& ioc;
    server_options options;
    router routes;
    ws_handler* handler;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;
    bool stopping = false;
    std::uint64_t next_id = 1;
    struct connection_entry {
        std::function<void()> stop;  ///< how to stop it
        std::string address;         ///< the peer's address, without the port
        bool reserved = false;       ///< accepted beyond the limits: one answer, health checks only
    };
    // Every live connection; the entry is erased when its coroutine ends.
    std::unordered_map<std::uint64_t, connection_entry> live;
    std::size_t reserved_live = 0;
    std::unordered_map<std::string, std::size_t> served_per_address;  ///< connections served as usual, per address
    asio::steady_timer slot_freed;  ///< cancelled when a connection ends: wakes an accept loop waiting for room
};

namespace {

// One websocket: the reading coroutine owns the lifetime, a writer coroutine exists only while frames are queued.
class ws_session final : public ws_connection, public std::enable_shared_from_this<ws_session> {
public:
    ws_session(std::shared_ptr<server::impl> server, std::uint64_t id, beast::tcp_stream stream,
               http_request request)
        : server_(std::move(server)), id_(id), ws_(std::move(stream)), request_(std::move(request)) {}

    std::uint64_t id() const noexcept override { return id_; }
    const http_request& request() const noexcept override { return request_; }
    bool is_open() const noexcept override { return open_ && !close_requested_; }
    std::size_t queued() const noexcept override { return queue_.size(); }

    bool send(std::string text) override {
        if (!open_ || close_requested_) return false;
        if (queue_.size() >= server_->options.ws_queue_limit) {
            // A consumer this far behind would only fall further; dropping it bounds our memory.
            abort();
            return false;
        }
        queue_.push_back(std::move(text));
        start_writer();
        return true;
    }

    void close() override {
        if (!open_ || close_requested_) return;
        close_requested_ = true;
        start_writer();
    }

    void abort() override {
        if (!open_) return;
        open_ = false;
        drop_queue();
        beast::error_code ec;
        // Closing the socket completes the pending read and write with operation_aborted.
        beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(ws_).close();
    }

    asio::awaitable<void> run(http::request<http::string_body> upgrade) {
        const auto& options = server_->options;
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout timeout{};
        timeout.handshake_timeout = options.handshake_timeout;
        timeout.idle_timeout = options.ws_idle_timeout;
        timeout.keep_alive_pings = options.ws_keep_alive_pings;
        ws_.set_option(timeout);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "hft"); }));
        ws_.read_message_max(options.max_ws_message_bytes);

        auto [accept_ec] = co_await ws_.async_accept(upgrade, use_tuple);
        if (accept_ec) {
            open_ = false;
            if (!is_expected(accept_ec)) server_->report("websocket accept", accept_ec);
            co_return;
        }
        auto self = shared_from_this();
        if (server_->handler) server_->handler->on_open(self);

        beast::flat_buffer buffer;
        while (open_) {
            auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
            if (ec) {
                if (!is_expected(ec) && ec != websocket::error::message_too_big) server_->report("websocket read", ec);
                break;
            }
            if (ws_.got_text() && server_->handler) {
                std::string text = beast::buffers_to_string(buffer.data());
                server_->handler->on_message(self, text);
            }
            buffer.consume(buffer.size());
        }
        open_ = false;
        drop_queue();
        if (server_->handler) server_->handler->on_close(*this);
    }

private:
    // The frame being written must outlive its pending async_write; everything behind it can go.
    void drop_queue() {
        if (writing_ && !queue_.empty()) {
            queue_.erase(std::next(queue_.begin()), queue_.end());
        } else {
            queue_.clear();
        }
    }

    void start_writer() {
        if (writing_) return;  // the 0 -> 1 transition starts the one writer
        writing_ = true;
        asio::co_spawn(ws_.get_executor(), write_loop(shared_from_this()), asio::detached);
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<ws_session> self) {
        while (self->open_ && !self->queue_.empty()) {
            self->ws_.text(true);
            auto [ec, n] = co_await self->ws_.async_write(asio::buffer(self->queue_.front()), use_tuple);
            if (ec) {
                if (!is_expected(ec)) self->server_->report("websocket write", ec);
                self->abort();
                break;
            }
            self->queue_.pop_front();
        }
        if (self->open_ && self->close_requested_) {
            auto [ec] = co_await self->ws_.async_close(websocket::close_code::going_away, use_tuple);
            if (ec && !is_expected(ec)) self->server_->report("websocket close", ec);
            // Peers that never answer the close frame are cut off by the handshake timeout.
        }
        self->writing_ = false;
    }

    std::shared_ptr<server::impl> server_;
    std::uint64_t id_;
    websocket::stream<beast::tcp_stream> ws_;
    http_request request_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    bool open_ = true;
    bool close_requested_ = false;
};

}  // namespace

asio::awaitable<void> server::impl::accept_loop() {
    auto self = shared_from_this();
    while (!stopping) {
        // Every slot, the reserved ones too, is taken: further connections wait in the listen backlog.
        if (live.size() >= options.max_connections + options.reserved_connections) {
            slot_freed.expires_at(asio::steady_timer::time_point::max());
            co_await slot_freed.async_wait(use_tuple);
            continue;
        }
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) co_return;
            report("accept", ec);
            continue;
        }
        beast::error_code gone;
        const auto address = socket.remote_endpoint(gone).address().to_string();
        if (gone) continue;  // it went away before we looked
        std::optional<std::string> over_limit;
        if (live.size() - reserved_live >= options.max_connections) {
            over_limit = "The server is serving as many connections as it may; retry after 1 s";
        } else if (options.max_connections_per_peer > 0 &&
                   served_per_address[address] >= options.max_connections_per_peer) {
            over_limit = "This address holds as many connections as it may; close one or retry after 1 s";
        }
        if (over_limit && reserved_live >= options.reserved_connections) {
            // Only a peer at its own cap gets here (a full server stops accepting): the one holding the slots.
            beast::error_code ignored;
            socket.close(ignored);
            continue;
        }
        auto id = next_id++;
        live.emplace(id, connection_entry{[] {}, address, over_limit.has_value()});
        if (over_limit) {
            ++reserved_live;
        } else {
            ++served_per_address[address];
        }
        asio::co_spawn(ioc, run_connection(std::move(socket), id, std::move(over_limit)),
                       [self, id](std::exception_ptr e) {
                           self->forget(id);
                           if (!e) return;
                           try {
                               std::rethrow_exception(e);
                           } catch (const std::exception& ex) {
                               if (self->options.on_error) self->options.on_error(std::string("connection: ") + ex.what());
                           }
                       });
    }
}

void server::impl::forget(std::uint64_t id) {
    const auto entry = live.find(id);
    if (entry == live.end()) return;
    if (entry->second.reserved) {
        --reserved_live;
    } else if (const auto count = served_per_address.find(entry->second.address);
               count != served_per_address.end() && --count->second == 0) {
        served_per_address.erase(count);
    }
    live.erase(entry);
    slot_freed.cancel();
}

asio::awaitable<void> server::impl::run_connection(tcp::socket socket, std::uint64_t id,
                                                   std::optional<std::string> over_limit) {
    beast::error_code unknown_peer;
    const auto peer = describe(socket.remote_endpoint(unknown_peer));
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    live[id].stop = [&stream] {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.close();
    };
    bool first_request = true;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(options.max_body_bytes);
        beast::error_code ec;
        if (std::exchange(first_request, false)) {
            // A connection that has sent nothing yet holds its slot only briefly.
            stream.expires_after(std::min(options.first_request_timeout, options.read_timeout));
            std::tie(ec, std::ignore) = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        }
        if (!ec) {
            stream.expires_after(options.read_timeout);
            std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, use_tuple);
        }
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
            const auto message = ec == http::error::body_limit
                                     ? "Request body is larger than " + std::to_string(options.max_body_bytes) + " bytes"
                                     : "Request headers are larger than " + std::to_string(options.max_header_bytes) + " bytes";
            auto res = to_beast(error(413, message), 11, false);
            co_await http::async_write(stream, res, use_tuple);
            break;
        }
        if (ec) {
            if (!is_expected(ec) && ec.category() != http::make_error_code(http::error::bad_method).category()) report("http read", ec);
            break;
        }
        auto& req = parser.get();
        http_request request = to_request(req, peer);
        // Beyond the limits only a health check is answered as usual, and one answer is all there is.
        const bool refused = over_limit && (websocket::is_upgrade(req) || !reserved_path(request.path));

        if (websocket::is_upgrade(req) && !refused) {
            if (stopping || handler == nullptr || !handler->accepts(request)) {
                auto res = to_beast(json_error(404, "No websocket at " + request.path), req.version(), false);
                co_await http::async_write(stream, res, use_tuple);
                break;
            }
            auto session = std::make_shared<ws_session>(shared_from_this(), id, std::move(stream), std::move(request));
            live[id].stop = [weak = std::weak_ptr<ws_session>(session)] {
                if (auto s = weak.lock()) s->close();
            };
            co_await session->run(parser.release());
            co_return;
        }

        const bool wants_keep_alive = req.keep_alive() && !over_limit;
        http_response response;
        if (refused) {
            response = error(503, *over_limit);
            response.headers.emplace_back("Retry-After", "1");
        } else {
            response = co_await answer(std::move(request));
        }
        if (response.delay.count() > 0) {
            asio::steady_timer delay(stream.get_executor(), response.delay);
            co_await delay.async_wait(use_tuple);
        }
        if (response.drop_connection) break;
        // Read after answering: the server may have begun stopping while the handler waited.
        const bool keep_alive = wants_keep_alive && !stopping;
        auto res = to_beast(std::move(response), req.version(), keep_alive);
        // The read's deadline may have passed while a slow handler worked; the write gets its own.
        stream.expires_after(options.read_timeout);
        auto [write_ec, written] = co_await http::async_write(stream, res, use_tuple);
        if (write_ec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<http_response> server::impl::answer(http_request request) {
    // Keep the shared state alive while the handler runs, even if the server object goes away meanwhile.
    auto self = shared_from_this();
    std::string failure;
    try {
        if (options.async_handler) co_return co_await options.async_handler(std::move(request));
        co_return co_await routes.answer(std::move(request));
    } catch (const std::exception& e) {
        failure = e.what();
    }
    // The details go to the operator; the client learns only that the fault is ours.
    if (options.on_error) options.on_error("http handler: " + failure);
    co_return error(500, "Internal error");
}

server::server(asio::io_context& ioc, server_options options, router routes, ws_handler* handler)
    : impl_(std::make_shared<impl>(ioc, std::move(options), std::move(routes), handler)) {}

server::~server() {
    // Connections still running hold the impl; make sure they wind down instead of serving forever.
    stop();
}

void server::start() {
    auto& a = impl_->acceptor;
    tcp::endpoint endpoint{asio::ip::make_address(impl_->options.address), impl_->options.port};
    a.open(endpoint.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.bind(endpoint);
    a.listen(asio::socket_base::max_listen_connections);
    impl_->bound_port = a.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), [self = impl_](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            if (self->options.on_error) self->options.on_error(std::string("acceptor: ") + ex.what());
        }
    });
}

void server::stop() {
    if (impl_->stopping) return;
    impl_->stopping = true;
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->slot_freed.cancel();
    // Copy first: stopping a connection may end it and erase its entry.
    std::vector<std::function<void()>> stops;
    for (const auto& [id, entry] : impl_->live) stops.push_back(entry.stop);
    for (const auto& fn : stops) fn();
}

std::uint16_t server::port() const noexcept { return impl_->bound_port; }
std::size_t server::connection_count() const noexcept { return impl_->live.size(); }
router& server::routes() noexcept { return impl_->routes; }

}  // namespace hft::net
