// The market-data gateway's hot path: one websocket text frame -> validated, normalized domain::kline.
// Compares the simdjson On-Demand parser with a plain nlohmann DOM parse of the same frames into the same result.

#include "hft/exchange/binance/kline_frame.hpp"
#include "hft/testing/binance_kline_frames.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace binance = hft::exchange::binance;

// Counts heap allocations so each benchmark can report allocations per frame next to its time. The malloc/free
// calls sit behind noinline functions so GCC does not pair them with operator new/delete and warn.
namespace {
std::size_t allocations = 0;
[[gnu::noinline]] void* acquire(std::size_t size) { return std::malloc(size == 0 ? 1 : size); }
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = acquire(size)) return p;
    throw std::bad_alloc{};
}
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }

namespace {

const std::vector<std::string>& corpus() {
    static const auto frames = binance::testing::make_kline_corpus(
        HFT_SOURCE_DIR "/data/klines/binanceus-BTCUSDT-1m-2023-03-01-to-21.csv", "BTCUSDT", 1'000);
    return frames;
}

const binance::symbol_map& symbols() {
    static const std::vector<binance::symbol_mapping> rows{{"binance", "BTCUSDT", "btcusdt", "BTCUSDT"}};
    static const auto map = binance::symbol_map::build("binance", rows).value();
    return map;
}

binance::frame_context context() { return {"binance", &symbols(), 1'677'628'800'000'000'000}; }

void report(benchmark::State& state, std::size_t allocations_before) {
    state.SetItemsProcessed(state.iterations());
    state.counters["allocs_per_frame"] = benchmark::Counter(
        static_cast<double>(allocations - allocations_before) / static_cast<double>(state.iterations()));
}

// Ours: one parser and one result reused across frames, as the gateway's read loop holds them.
void BM_parse_kline_frame(benchmark::State& state) {
    const auto& frames = corpus();
    const auto ctx = context();
    binance::kline_frame_parser parser;
    binance::frame_result result;
    parser.parse(frames[0], ctx, result);  // grow the result's strings once
    std::size_t i = 0;
    const auto before = allocations;
    for (auto _ : state) {
        parser.parse(frames[i], ctx, result);
        if (result.kind != binance::frame_kind::kline) state.SkipWithError("frame did not parse");
        benchmark::DoNotOptimize(result);
        if (++i == frames.size()) i = 0;
    }
    report(state, before);
}
BENCHMARK(BM_parse_kline_frame);

// Ours, zero-copy: the caller's buffer already has frame_padding spare bytes (a Beast flat_buffer can).
void BM_parse_kline_frame_padded(benchmark::State& state) {
    std::vector<std::string> frames;
    for (const auto& frame : corpus()) {
        frames.push_back(frame);
        frames.back().reserve(frame.size() + binance::frame_padding);
    }
    const auto ctx = context();
    binance::kline_frame_parser parser;
    binance::frame_result result;
    parser.parse_padded(frames[0], ctx, result);
    std::size_t i = 0;
    const auto before = allocations;
    for (auto _ : state) {
        parser.parse_padded(frames[i], ctx, result);
        if (result.kind != binance::frame_kind::kline) state.SkipWithError("frame did not parse");
        benchmark::DoNotOptimize(result);
        if (++i == frames.size()) i = 0;
    }
    report(state, before);
}
BENCHMARK(BM_parse_kline_frame_padded);

// Ours through the convenience function: thread-local parser, a fresh result per frame.
void BM_parse_kline_frame_fresh_result(benchmark::State& state) {
    const auto& frames = corpus();
    const auto ctx = context();
    std::size_t i = 0;
    const auto before = allocations;
    for (auto _ : state) {
        auto result = binance::parse_kline_frame(frames[i], ctx);
        if (result.kind != binance::frame_kind::kline) state.SkipWithError("frame did not parse");
        benchmark::DoNotOptimize(result);
        if (++i == frames.size()) i = 0;
    }
    report(state, before);
}
BENCHMARK(BM_parse_kline_frame_fresh_result);

// Baseline: nlohmann::json::parse of the same frame, fields read into the same result, same checks.
void BM_nlohmann_dom_parse(benchmark::State& state) {
    const auto& frames = corpus();
    const auto ctx = context();
    std::size_t i = 0;
    const auto before = allocations;
    for (auto _ : state) {
        auto result = binance::testing::reference_parse(frames[i], ctx);
        if (result.kind != binance::frame_kind::kline) state.SkipWithError("frame did not parse");
        benchmark::DoNotOptimize(result);
        if (++i == frames.size()) i = 0;
    }
    report(state, before);
}
BENCHMARK(BM_nlohmann_dom_parse);

}  // namespace

BENCHMARK_MAIN();
