#pragma once

// Blocking calls (libpqxx, nats.c request/reply, a fetch that waits for messages) never run on the
// io_context. A blocking_lane is one dedicated thread: a coroutine awaits `run(f)`, `f`
// runs on the lane, and the coroutine resumes on its own executor with the result or the exception.
// Calls on one lane run in order, one at a time, so a lane can own a non-thread-safe resource such as a
// pqxx::connection that only lane calls touch.
//
// `f` must capture by reference (the caller's frame outlives the call): GCC 12 frees memory a capture owns
// (a std::string, a vector) twice when the capturing lambda travels through co_spawn here; ASan and valgrind
// caught it in the worker. A lane built on async_initiate instead moved the fault elsewhere, so this one stays.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace hft::app {

class blocking_lane {
public:
    blocking_lane() : pool_(1) {}
    /// Waits for the call in progress (if any) to return; queued calls are dropped.
    ~blocking_lane() { join(); }

    /// What the destructor does, for an owner whose state a suspended coroutine keeps alive past main(): a call
    /// still running then would touch libpqxx's statics while exit() destroys them. Later calls never run.
    void join() {
        pool_.stop();
        pool_.join();
    }
    blocking_lane(const blocking_lane&) = delete;
    blocking_lane& operator=(const blocking_lane&) = delete;

    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
        using result = std::invoke_result_t<F&>;
        co_return co_await boost::asio::co_spawn(
            pool_.get_executor(),
            [f = std::move(f)]() mutable -> boost::asio::awaitable<result> { co_return f(); },
            boost::asio::use_awaitable);
    }

    boost::asio::thread_pool::executor_type get_executor() noexcept { return pool_.get_executor(); }

private:
    boost::asio::thread_pool pool_;
};

}  // namespace hft::app
