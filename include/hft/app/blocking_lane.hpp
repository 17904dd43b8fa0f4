#pragma once

// Blocking calls (libpqxx, nats.c request/reply, a fetch that waits for messages) never run on the
// io_context (ground rule 6). A blocking_lane is one dedicated thread: a coroutine awaits `run(f)`, `f`
// runs on the lane, and the coroutine resumes on its own executor with the result or the exception.
// Calls on one lane run in order, one at a time, so a lane can own a non-thread-safe resource such as a
// pqxx::connection that only lane calls touch.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace hft::app {

class blocking_lane {
public:
    blocking_lane() : pool_(1) {}
    /// Waits for the call in progress (if any) to return; queued calls are dropped.
    ~blocking_lane() {
        pool_.stop();
        pool_.join();
    }
    blocking_lane(const blocking_lane&) = delete;
    blocking_lane& operator=(const blocking_lane&) = delete;

    // Not a coroutine itself: `f` moves straight into heap state that the lane thread runs, so no coroutine frame
    // (a co_spawn'ed capturing lambda, a coroutine parameter) ever holds it: GCC 12 copies those wrongly and
    // freed owned captures twice. The caller's side has the same GCC bug: a callable that owns memory (captures a
    // string or a vector by value) must be a named variable, not a temporary inside the co_await expression.
    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
        using result = std::invoke_result_t<F&>;
        if constexpr (std::is_void_v<result>) {
            return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
                on_lane<F>{this, std::make_shared<F>(std::move(f))}, boost::asio::use_awaitable);
        } else {
            return unwrap(
                boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                            void(std::exception_ptr, std::optional<result>)>(
                    on_lane<F>{this, std::make_shared<F>(std::move(f))}, boost::asio::use_awaitable));
        }
    }

    boost::asio::thread_pool::executor_type get_executor() noexcept { return pool_.get_executor(); }

private:
    // Runs the call on the lane, then completes `resume` on its own executor with the exception or the value.
    template <class F>
    struct on_lane {
        blocking_lane* lane;
        std::shared_ptr<F> call;

        template <class Handler>
        void operator()(Handler resume) const {
            boost::asio::post(lane->pool_, [call = call, resume = std::move(resume)]() mutable {
                using result = std::invoke_result_t<F&>;
                std::exception_ptr failure;
                if constexpr (std::is_void_v<result>) {
                    try {
                        (*call)();
                    } catch (...) {
                        failure = std::current_exception();
                    }
                    call.reset();
                    const auto home = boost::asio::get_associated_executor(resume);
                    boost::asio::dispatch(home, [resume = std::move(resume), failure]() mutable { resume(failure); });
                } else {
                    std::optional<result> value;
                    try {
                        value.emplace((*call)());
                    } catch (...) {
                        failure = std::current_exception();
                    }
                    call.reset();
                    const auto home = boost::asio::get_associated_executor(resume);
                    boost::asio::dispatch(home, [resume = std::move(resume), failure, value = std::move(value)]() mutable {
                        resume(failure, std::move(value));
                    });
                }
            });
        }
    };

    template <class T>
    static boost::asio::awaitable<T> unwrap(boost::asio::awaitable<std::optional<T>> pending) {
        co_return std::move(*co_await std::move(pending));
    }

    boost::asio::thread_pool pool_;
};

}  // namespace hft::app
