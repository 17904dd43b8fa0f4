#include "venue_feed.hpp"

#include "hft/bus/subjects.hpp"
#include "hft/codec/kline_event.hpp"
#include "hft/core/backoff.hpp"
#include "hft/domain/interval.hpp"
#include "hft/exchange/binance/market_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

namespace hft::services::detail {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Binance and Tokocrypto accept 5 messages per second from a client: keep control requests under that.
constexpr auto request_spacing = 210ms;
// Built SUBSCRIBE requests carry at most this many streams each.
constexpr std::size_t streams_per_request = 100;
// After the first few, only every n-th malformed frame or failed publish is logged (all are counted).
constexpr std::uint64_t log_every = 1000;

bool worth_logging(std::uint64_t count) { return count <= 10 || count % log_every == 0; }

std::int64_t wall_clock_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string seconds_text(std::chrono::milliseconds d) { return fmt::format("{:.1f}s", d.count() / 1000.0); }

// Logs an exception escaping a detached coroutine instead of letting it end the process.
auto log_failure(std::string what) {
    return [what = std::move(what)](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            spdlog::error("{} failed: {}", what, e.what());
        }
    };
}

}  // namespace

void wakeup::notify() {
    for (auto* timer : waiting_) timer->cancel();
}

asio::awaitable<void> wakeup::wait(std::chrono::milliseconds timeout) {
    asio::steady_timer timer(executor_, timeout);
    waiting_.insert(&timer);
    co_await timer.async_wait(as_tuple_awaitable);
    waiting_.erase(&timer);
}

venue_feed::venue_feed(feed_context& context, venue_plan plan, venue_endpoints endpoints,
                       const std::vector<stream_seed>& seeds)
    : context_(context),
      plan_(std::move(plan)),
      endpoints_(std::move(endpoints)),
      reconnect_timer_(context.executor),
      backfill_timer_(context.executor),
      backfill_wakeup_(context.executor) {
    for (const auto& seed : seeds) gaps_.seed(plan_.exchange, seed.symbol, seed.interval, seed.last_closed_open_time);
    rebuild_streams({});
}

void venue_feed::rebuild_streams(const std::vector<stream_state>& previous) {
    streams_.clear();
    for (const auto& planned : plan_.streams) {
        stream_state state{planned, bus::kline_subject(plan_.exchange, planned.symbol, planned.interval), true};
        const auto kept = std::find_if(previous.begin(), previous.end(), [&](const stream_state& old) {
            return old.plan.symbol == planned.symbol && old.plan.interval == planned.interval;
        });
        if (kept != previous.end()) state.needs_catchup = kept->needs_catchup;
        streams_.push_back(std::move(state));
    }
    counters_.streams = streams_.size();
}

venue_feed::stream_state* venue_feed::find_stream(std::string_view symbol, std::string_view interval) noexcept {
    for (auto& stream : streams_) {
        if (stream.plan.symbol == symbol && stream.plan.interval == interval) return &stream;
    }
    return nullptr;
}

asio::awaitable<void> venue_feed::pause(asio::steady_timer& timer, std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    co_await timer.async_wait(as_tuple_awaitable);
}

void venue_feed::stop() {
    stopping_ = true;
    if (connection_) {
        connection_->close_reason = "shutting down";
        connection_->ws->abort();
    }
    reconnect_timer_.cancel();
    backfill_timer_.cancel();
    backfill_wakeup_.notify();
}

asio::awaitable<void> venue_feed::run() {
    auto self = shared_from_this();
    const auto& exchange = plan_.exchange;
    const auto url = net::websocket_url::parse(endpoints_.stream_url);
    if (!url) {
        spdlog::error("{}: stream URL {}: {}", exchange, endpoints_.stream_url, url.error());
        co_return;
    }
    asio::co_spawn(context_.executor, backfill_loop(), log_failure(exchange + " backfill"));

    const auto& tuning = context_.tuning;
    core::backoff backoff({tuning.reconnect_min, tuning.reconnect_max, 2.0}, std::random_device{}());
    bool waiting_for_bus_logged = false;
    while (!stopping_) {
        if (!context_.bus.connected()) {
            if (!std::exchange(waiting_for_bus_logged, true)) {
                spdlog::warn("{}: NATS is not connected; the exchange stream waits for it", exchange);
            }
            co_await pause(reconnect_timer_, 200ms);
            continue;
        }
        waiting_for_bus_logged = false;

        auto connection = std::make_shared<connection_state>();
        connection->ws = std::make_shared<net::websocket_client>(context_.executor);
        connection_ = connection;
        const auto error = co_await connection->ws->connect(*url, {std::chrono::seconds(10), tuning.idle_timeout});
        if (stopping_) break;
        if (error) {
            connection_.reset();
            const auto delay = backoff.next();
            spdlog::warn("{}: cannot connect to {}: {}; retrying in {} (attempt {})", exchange,
                         endpoints_.stream_url, error.message(), seconds_text(delay), backoff.attempts());
            co_await pause(reconnect_timer_, delay);
            continue;
        }
        connection->opened = connection->last_frame = clock::now();
        for (auto& stream : streams_) stream.needs_catchup = true;
        subscribe(connection, plan_.streams, "SUBSCRIBE");
        connection->subscribed = true;
        spdlog::info("{}: connected to {}, subscribing {} streams", exchange,
                     endpoints_.stream_url, streams_.size());
        asio::co_spawn(context_.executor, watch(connection), log_failure(exchange + " watchdog"));

        const bool received_klines = co_await read_frames(connection);
        connection->open = false;
        connection->ws->abort();
        connection_.reset();
        if (stopping_) break;
        ++counters_.reconnects;
        if (received_klines) backoff.reset();
        if (connection->reconnect_at_once) continue;
        const auto delay = backoff.next();
        spdlog::info("{}: reconnecting in {}", exchange, seconds_text(delay));
        co_await pause(reconnect_timer_, delay);
    }
    if (connection_) connection_->open = false;
    connection_.reset();
}

asio::awaitable<bool> venue_feed::read_frames(std::shared_ptr<connection_state> connection) {
    const auto& exchange = plan_.exchange;
    bool received_klines = false;
    std::string_view message;
    while (true) {
        const auto error = co_await connection->ws->read(message);
        if (error) {
            const auto reason = connection->close_reason.empty() ? error.message() : connection->close_reason;
            const auto level = connection->reconnect_at_once || stopping_ ? spdlog::level::info : spdlog::level::warn;
            spdlog::log(level, "{}: connection ended: {}", exchange, reason);
            co_return received_klines;
        }
        connection->last_frame = clock::now();
        ++counters_.frames;
        const exchange::binance::frame_context frame_context{exchange, &plan_.symbols, wall_clock_ns()};
        parser_.parse(message, frame_context, frame_);
        switch (frame_.kind) {
            case exchange::binance::frame_kind::kline:
                received_klines = true;
                on_kline(frame_.kline);
                break;
            case exchange::binance::frame_kind::ack:
                spdlog::debug("{}: request {} acknowledged", exchange, frame_.id);
                break;
            case exchange::binance::frame_kind::error_reply:
                spdlog::warn("{}: the exchange rejected request {}: code {}: {}", exchange,
                             frame_.id, frame_.error_code, frame_.error_text);
                break;
            case exchange::binance::frame_kind::server_shutdown:
                spdlog::info("{}: the exchange announced a shutdown; reconnecting", exchange);
                connection->reconnect_at_once = true;
                connection->close_reason = "serverShutdown";
                co_return received_klines;
            case exchange::binance::frame_kind::ignored:
                break;
            case exchange::binance::frame_kind::unknown_symbol:
                ++counters_.unknown_symbol;
                if (unknown_symbols_seen_.insert(frame_.symbol).second) {
                    spdlog::warn("{}: kline for {}, which symbol_mappings does not name; ignored",
                                 exchange, frame_.symbol);
                }
                break;
            case exchange::binance::frame_kind::malformed:
                ++counters_.malformed;
                if (worth_logging(counters_.malformed)) {
                    spdlog::warn("{}: malformed frame ({} so far): {}: {}", exchange,
                                 counters_.malformed, exchange::binance::to_string(frame_.reason), frame_.message);
                }
                break;
        }
        if (stopping_) co_return received_klines;
        if (!context_.bus.connected()) {
            // Reading on would only fail publishes; the closed candles are backfilled once NATS is back.
            connection->close_reason = "NATS disconnected";
            co_return received_klines;
        }
        while (!context_.publisher.can_publish() && !stopping_) co_await context_.capacity.wait(100ms);
    }
}

void venue_feed::on_kline(const domain::kline& k) {
    auto* stream = find_stream(k.symbol, k.interval);
    if (stream == nullptr) return;  // an UNSUBSCRIBE still in flight, or a stream another payload asked for
    ++counters_.klines;
    if (std::exchange(stream->needs_catchup, false) && !k.is_closed) {
        // A closed kline reports its own gap once acked; a forming one tells which candles have closed since.
        if (auto gap = gaps_.missing_until(plan_.exchange, k.symbol, k.interval, k.open_time)) enqueue_backfill(*gap);
    }
    publish(*stream, k, {});
}

void venue_feed::publish(const stream_state& stream, const domain::kline& k, std::function<void(bool)> then) {
    ++counters_.published;
    const auto msg_id = bus::kline_msg_id(k.exchange, k.symbol, k.interval, k.open_time, k.is_closed, k.event_time);
    context_.publisher.publish(
        stream.subject, codec::encode(k), msg_id,
        [self = shared_from_this(), symbol = k.symbol, interval = k.interval, open_time = k.open_time,
         closed = k.is_closed, received_ns = k.received_ns, then = std::move(then)](bus::publish_result result) {
            auto& counters = self->counters_;
            if (result.ok()) {
                ++counters.acked;
                const auto latency_ns = wall_clock_ns() - received_ns;
                self->context_.frame_to_ack_seconds.observe(std::chrono::nanoseconds(latency_ns));
                const auto latency_us = latency_ns / 1000;
                auto& latency = self->ack_latency_;
                ++latency.count;
                latency.total_us += latency_us;
                latency.max_us = std::max(latency.max_us, latency_us);
                if (result.duplicate) ++counters.duplicates;
                if (closed) self->on_closed_acked(symbol, interval, open_time);
            } else {
                ++counters.publish_failed;
                if (worth_logging(counters.publish_failed)) {
                    spdlog::warn("{}: publish of {} {} {} failed ({} so far): {}",
                                 self->plan_.exchange, symbol, interval, open_time, counters.publish_failed,
                                 result.error);
                }
            }
            if (then) then(result.ok());
        });
}

void venue_feed::on_closed_acked(const std::string& symbol, const std::string& interval, std::int64_t open_time) {
    if (auto gap = gaps_.on_closed(plan_.exchange, symbol, interval, open_time)) enqueue_backfill(std::move(*gap));
}

void venue_feed::enqueue_backfill(core::kline_range range) {
    backfill_queue_.push_back(std::move(range));
    backfill_wakeup_.notify();
}

asio::awaitable<void> venue_feed::backfill_loop() {
    auto self = shared_from_this();
    const auto origin = net::http_origin::parse(endpoints_.rest_url);
    if (!origin) {
        spdlog::error("{}: REST URL {}: {}; gaps cannot be backfilled", plan_.exchange,
                      endpoints_.rest_url, origin.error());
        co_return;
    }
    net::http_client rest(context_.executor, *origin);
    while (!stopping_) {
        if (backfill_queue_.empty()) {
            co_await backfill_wakeup_.wait(1s);
            continue;
        }
        const auto range = backfill_queue_.front();
        if (co_await backfill(rest, range)) backfill_queue_.pop_front();
    }
}

// Publishes every closed candle of `range` from REST history, page by page; returns false only when stopping.
asio::awaitable<bool> venue_feed::backfill(net::http_client& rest, const core::kline_range& range) {
    const auto interval = domain::parse_kline_interval(range.interval);
    const auto length = interval ? domain::length_ms(*interval) : std::nullopt;
    if (!length) co_return true;  // 1M has no fixed length: its gaps are not computed
    const auto& tuning = context_.tuning;
    core::backoff backoff({tuning.reconnect_min, tuning.reconnect_max, 2.0}, std::random_device{}());
    spdlog::info("{} {} {}: backfilling {} closed klines (open times {}..{})", range.exchange,
                 range.symbol, range.interval, (range.last_open_time - range.first_open_time) / *length + 1,
                 range.first_open_time, range.last_open_time);
    auto start = range.first_open_time;
    while (start <= range.last_open_time) {
        if (stopping_) co_return false;
        if (find_stream(range.symbol, range.interval) == nullptr) co_return true;  // unsubscribed meanwhile
        const auto end = std::min(range.last_open_time, start + (tuning.backfill_limit - 1) * *length);
        const auto reply = co_await rest.get(
            exchange::binance::klines_history_target(range.symbol, range.interval, start, end, tuning.backfill_limit));
        std::string problem;
        auto delay = std::chrono::milliseconds::zero();
        std::vector<domain::kline> klines;
        if (!reply) {
            problem = reply.error().message;
        } else if (reply->status != 200) {
            problem = fmt::format("HTTP {}: {}", reply->status, reply->body.substr(0, 200));
            if (reply->status == 429 || reply->status == 418) {
                // The exchange's own wait beats our guess, and ignoring it ends in an IP ban.
                const auto retry_after = reply->header("Retry-After");
                if (retry_after) delay = std::chrono::seconds(std::atoll(retry_after->c_str()));
            }
        } else if (auto parsed = exchange::binance::parse_klines_history(reply->body, range.exchange, range.symbol,
                                                                        range.interval)) {
            klines = std::move(*parsed);
        } else {
            problem = parsed.error();
        }
        if (problem.empty()) {
            std::erase_if(klines, [&](const domain::kline& k) { return k.open_time < start || k.open_time > end; });
            const auto received_ns = wall_clock_ns();
            for (auto& k : klines) k.received_ns = received_ns;
            const auto count = klines.size();
            if (co_await publish_all(std::move(klines))) {
                counters_.backfilled += count;
                backoff.reset();
                start = end + *length;
                continue;
            }
            problem = "publishing to JetStream failed";
        }
        if (delay == std::chrono::milliseconds::zero()) delay = backoff.next();
        spdlog::warn("{} {} {}: backfill failed: {}; retrying in {}", range.exchange,
                     range.symbol, range.interval, problem, seconds_text(delay));
        co_await pause(backfill_timer_, delay);
    }
    co_return true;
}

// Publishes `klines` and waits for every ack; true when all were acked. Streams are looked up per kline:
// a subscription change while we wait rebuilds them.
asio::awaitable<bool> venue_feed::publish_all(std::vector<domain::kline> klines) {
    struct outcome {
        explicit outcome(asio::any_io_executor executor) : done(std::move(executor)) {}
        std::size_t pending = 0;
        bool all_acked = true;
        wakeup done;
    };
    auto state = std::make_shared<outcome>(context_.executor);
    for (const auto& k : klines) {
        while ((!context_.publisher.can_publish() || !context_.bus.connected()) && !stopping_) {
            co_await context_.capacity.wait(100ms);
        }
        if (stopping_) break;
        const auto* current = find_stream(k.symbol, k.interval);
        if (current == nullptr) break;
        ++state->pending;
        publish(*current, k, [state](bool ok) {
            state->all_acked = state->all_acked && ok;
            if (--state->pending == 0) state->done.notify();
        });
    }
    while (state->pending > 0) co_await state->done.wait(1s);
    co_return state->all_acked && !stopping_;
}

asio::awaitable<void> venue_feed::watch(std::shared_ptr<connection_state> connection) {
    const auto& tuning = context_.tuning;
    asio::steady_timer timer(context_.executor);
    const auto period = std::min<std::chrono::milliseconds>(tuning.idle_timeout / 4, 1s);
    while (connection->open) {
        co_await pause(timer, period);
        if (!connection->open) break;
        const auto now = clock::now();
        if (now - connection->last_frame > tuning.idle_timeout) {
            connection->close_reason =
                fmt::format("no frame for {} (a stalled stream); reconnecting", seconds_text(tuning.idle_timeout));
            connection->ws->abort();
            break;
        }
        if (now - connection->opened > tuning.max_connection_age) {
            connection->close_reason = "renewing the connection before the exchange's 24 h cut";
            connection->reconnect_at_once = true;
            connection->ws->abort();
            break;
        }
    }
}

void venue_feed::send(const std::shared_ptr<connection_state>& connection, std::string text) {
    connection->outbox.push_back(std::move(text));
    if (std::exchange(connection->writing, true)) return;
    asio::co_spawn(context_.executor, write_outbox(connection), log_failure(plan_.exchange + " writer"));
}

// The one writer of a connection: requests go out in order, spaced to respect the exchange's message rate.
asio::awaitable<void> venue_feed::write_outbox(std::shared_ptr<connection_state> connection) {
    asio::steady_timer spacing(context_.executor);
    while (connection->open && !connection->outbox.empty()) {
        const auto text = std::move(connection->outbox.front());
        connection->outbox.pop_front();
        if (const auto error = co_await connection->ws->write(text); error) break;
        if (!connection->outbox.empty()) co_await pause(spacing, request_spacing);
    }
    connection->writing = false;
}

void venue_feed::subscribe(const std::shared_ptr<connection_state>& connection,
                           const std::vector<planned_stream>& streams, std::string_view method) {
    std::vector<std::string> built;
    for (const auto& stream : streams) {
        if (!stream.payload.empty() && method == "SUBSCRIBE") {
            send(connection, stream.payload);  // the stored subscription request, as written
            continue;
        }
        built.insert(built.end(), stream.stream_names.begin(), stream.stream_names.end());
    }
    for (std::size_t first = 0; first < built.size(); first += streams_per_request) {
        const auto count = std::min(streams_per_request, built.size() - first);
        send(connection, exchange::binance::stream_request(
                             method, std::span<const std::string>(built).subspan(first, count), next_request_id_++));
    }
}

void venue_feed::update(venue_plan next) {
    const auto change = diff(plan_, next);
    const auto previous = std::move(streams_);
    plan_ = std::move(next);
    rebuild_streams(previous);
    if (change.empty()) return;
    for (const auto& stream : change.removed) {
        spdlog::info("{}: stream removed: {} {}", plan_.exchange, stream.symbol, stream.interval);
    }
    for (const auto& stream : change.added) {
        spdlog::info("{}: stream added: {} {}", plan_.exchange, stream.symbol, stream.interval);
    }
    if (connection_ && connection_->subscribed) {
        if (!change.removed.empty()) subscribe(connection_, change.removed, "UNSUBSCRIBE");
        if (!change.added.empty()) subscribe(connection_, change.added, "SUBSCRIBE");
    }
}

}  // namespace hft::services::detail
