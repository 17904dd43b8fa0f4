#include "hft/services/consumer_loop.hpp"

#include "hft/bus/dead_letter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <utility>

namespace hft::services {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

constexpr core::backoff::policy nats_retry{200ms, 10s, 2.0};

}  // namespace

std::chrono::milliseconds redelivery_delay(std::chrono::milliseconds nak_delay, std::uint64_t deliveries) {
    constexpr std::chrono::milliseconds cap = std::chrono::hours(1);
    // 2^21 already exceeds any sane factor; the clamp keeps the shift and the product from overflowing.
    const auto doublings = static_cast<int>(std::min<std::uint64_t>(deliveries == 0 ? 0 : deliveries - 1, 21));
    if (nak_delay >= cap) return cap;
    return std::min(cap, nak_delay * (std::int64_t{1} << doublings));
}

// ---- consumer_loop ----

consumer_loop::consumer_loop(asio::any_io_executor executor) : executor_(std::move(executor)) {}

void consumer_loop::stop() {
    stopping_ = true;
    for (auto* timer : waiting_) timer->cancel();
}

asio::awaitable<void> consumer_loop::pause(asio::steady_timer& timer, std::chrono::milliseconds delay) {
    if (stopping_) co_return;
    timer.expires_after(delay);
    waiting_.insert(&timer);
    co_await timer.async_wait(as_tuple_awaitable);
    waiting_.erase(&timer);
}

asio::awaitable<bool> consumer_loop::set_up(app::blocking_lane& lane, std::string_view what,
                                            const std::function<void()>& attempt) {
    core::backoff retry(nats_retry, std::random_device{}());
    asio::steady_timer timer(executor_);
    bool reported = false;
    while (!stopping_) {
        std::string problem;
        try {
            co_await lane.run([&attempt] { attempt(); });
            if (reported) spdlog::info("NATS answers; consuming");
            co_return true;
        } catch (const bus::nats_error& e) {
            problem = e.what();
        }
        if (!std::exchange(reported, true)) {
            spdlog::warn("cannot {}: {}; retrying with backoff until NATS answers", what, problem);
        }
        co_await pause(timer, retry.next());
    }
    co_return false;
}

asio::awaitable<void> consumer_loop::stats_loop(std::chrono::milliseconds interval, std::function<void()> report) {
    if (interval <= 0ms) co_return;
    asio::steady_timer timer(executor_);
    while (!stopping_) {
        co_await pause(timer, interval);
        if (stopping_) break;
        report();
    }
}

// ---- durable_fetcher ----

durable_fetcher::durable_fetcher(consumer_loop& loop, std::string name, std::string log_prefix)
    : loop_(loop),
      name_(std::move(name)),
      log_prefix_(std::move(log_prefix)),
      pause_timer_(loop.executor()),
      backoff_(nats_retry, std::random_device{}()) {}

asio::awaitable<bool> durable_fetcher::set_up(const std::function<std::unique_ptr<bus::pull_consumer>()>& bind) {
    co_return co_await loop_.set_up(lane_, "set up consumer " + name_, [this, &bind] { consumer_ = bind(); });
}

asio::awaitable<std::vector<bus::message>> durable_fetcher::fetch(int max, std::chrono::milliseconds timeout) {
    std::string problem;
    try {
        auto fetched = co_await lane_.run([this, max, timeout] { return consumer_->fetch(max, timeout); });
        if (std::exchange(outage_, false)) spdlog::info("{}fetching from {} again", log_prefix_, name_);
        co_return fetched;
    } catch (const bus::nats_error& e) {
        problem = e.what();
    }
    if (!std::exchange(outage_, true)) {
        backoff_.reset();
        spdlog::warn("{}cannot fetch from {}: {}; retrying with backoff until NATS answers", log_prefix_, name_,
                     problem);
    }
    co_await loop_.pause(pause_timer_, backoff_.next());
    co_return std::vector<bus::message>{};
}

// ---- message_settler ----

message_settler::message_settler(asio::any_io_executor executor, bus::publisher& dead_letters, int max_deliver,
                                 std::chrono::milliseconds nak_delay, std::chrono::milliseconds shutdown_timeout,
                                 std::function<void()> on_dead_lettered)
    : dead_letters_(dead_letters),
      max_deliver_(max_deliver),
      nak_delay_(nak_delay),
      shutdown_timeout_(shutdown_timeout),
      on_dead_lettered_(std::move(on_dead_lettered)),
      drain_timer_(std::move(executor)) {}

void message_settler::settle(bus::message message, settlement verdict) {
    switch (verdict.kind) {
        case settlement_kind::ack:
            message.ack();
            ++counts_.acked;
            break;
        case settlement_kind::nak:
            message.nak(verdict.delay);
            ++counts_.naked;
            break;
        case settlement_kind::dead_letter: dead_letter(std::move(message), std::move(verdict.reason)); break;
    }
}

void message_settler::dead_letter(bus::message message, std::string reason) {
    ++in_flight_;
    const bus::dead_letter_retry if_unacked{redelivery_delay(nak_delay_, message.metadata().deliveries),
                                            max_deliver_};
    bus::dead_letter(dead_letters_, std::move(message), std::move(reason), if_unacked,
                     [self = shared_from_this()](bool dead_lettered) {
                         --self->in_flight_;
                         if (dead_lettered) {
                             ++self->counts_.dead_lettered;
                             if (self->on_dead_lettered_) self->on_dead_lettered_();
                         } else {
                             ++self->counts_.naked;
                         }
                         if (self->in_flight_ == 0) self->drain_timer_.cancel();
                     });
}

asio::awaitable<void> message_settler::drain() {
    if (in_flight_ == 0) co_return;
    drain_timer_.expires_after(shutdown_timeout_);
    co_await drain_timer_.async_wait(as_tuple_awaitable);
    if (in_flight_ > 0) {
        spdlog::warn("{} dead letters still unacked after {} ms; they will be redelivered", in_flight_,
                     shutdown_timeout_.count());
    }
}

}  // namespace hft::services
