// Order book throughput and per-order latency (issue 6 target: >= 2M orders/s in process). A seeded stream of limit orders around a
// mid price, a fifth of them crossing, plus cancels of resting orders: the mix a matching engine sees.

#include "hft/core/order_book.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace {

using hft::domain::decimal;
using hft::domain::order_side;

struct order_spec {
    order_side side;
    decimal price;
    decimal quantity;
    bool cancel_previous;
};

std::vector<order_spec> order_stream(std::size_t count) {
    std::vector<order_spec> out;
    out.reserve(count);
    std::uint64_t state = 42;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (std::size_t i = 0; i < count; ++i) {
        auto r = next();
        auto side = r % 2 == 0 ? order_side::buy : order_side::sell;
        // Mid 25000.00; passive orders within 50 ticks of it, every fifth order 5 ticks through it.
        std::int64_t offset = static_cast<std::int64_t>((r >> 8) % 50) + 1;
        if (r % 5 == 0) offset = -5;
        std::int64_t ticks = 2'500'000 + (side == order_side::buy ? -offset : offset);
        auto quantity = static_cast<std::int64_t>((r >> 20) % 100 + 1) * 1000;  // 0.01 .. 1.00
        out.push_back({side, decimal::from_raw(ticks, 2).value(), decimal::from_raw(quantity, 5).value(),
                       (r >> 40) % 3 == 0});
    }
    return out;
}

// One order of the stream: its cancel of an earlier resting order, if any, then the limit order itself.
void submit(hft::core::order_book& book, const order_spec& o, std::uint64_t id,
            std::vector<hft::core::book_fill>& fills) {
    fills.clear();
    if (o.cancel_previous) book.cancel(id - 7);
    benchmark::DoNotOptimize(book.add_limit(id, o.side, o.price, o.quantity, hft::domain::time_in_force::gtc, fills));
}

void order_book_limit_orders(benchmark::State& state) {
    auto orders = order_stream(1 << 16);
    std::vector<hft::core::book_fill> fills;
    fills.reserve(1024);
    std::uint64_t id = 0;
    hft::core::order_book book(2, 5);
    for (auto _ : state) {
        for (const auto& o : orders) submit(book, o, ++id, fills);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * orders.size()));
}
BENCHMARK(order_book_limit_orders)->Unit(benchmark::kMillisecond);

// The same stream with every order (its cancel included) timed on its own by steady_clock, whose own cost (about
// 20-30 ns a pair here) is part of each sample, so the percentiles are an upper bound.
void order_book_latency_per_order(benchmark::State& state) {
    using clock = std::chrono::steady_clock;
    auto orders = order_stream(1 << 16);
    std::vector<hft::core::book_fill> fills;
    fills.reserve(1024);
    std::vector<std::int64_t> samples_ns;
    std::uint64_t id = 0;
    hft::core::order_book book(2, 5);
    for (auto _ : state) {
        for (const auto& o : orders) {
            const auto start = clock::now();
            submit(book, o, ++id, fills);
            samples_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start).count());
        }
    }
    const auto percentile = [&samples_ns](double p) {
        const auto rank = static_cast<std::size_t>(p * static_cast<double>(samples_ns.size() - 1));
        std::nth_element(samples_ns.begin(), samples_ns.begin() + static_cast<std::ptrdiff_t>(rank), samples_ns.end());
        return static_cast<double>(samples_ns[rank]);
    };
    state.counters["p50_ns"] = percentile(0.50);
    state.counters["p99_ns"] = percentile(0.99);
    state.counters["p999_ns"] = percentile(0.999);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * orders.size()));
}
BENCHMARK(order_book_latency_per_order)->Unit(benchmark::kMillisecond);

}  // namespace
