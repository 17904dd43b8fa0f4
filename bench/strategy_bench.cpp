// The strategy service's hot path: one closed kline through sma_cross (both averages updated, the cross checked,
// a decision appended), over the real BTCUSDT and BTCUSDC klines in data/klines. Reports klines/s; the target
// for in-process evaluation is 10M klines/s.

#include "hft/core/strategy.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/kline.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace core = hft::core;
using hft::domain::decimal;

/// Every closed kline of data/klines, in file order, as one BTCUSDT 1m series with strictly rising open times.
const std::vector<hft::domain::kline>& klines() {
    static const auto series = [] {
        std::vector<hft::domain::kline> out;
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(HFT_SOURCE_DIR "/data/klines")) {
            if (entry.path().extension() == ".csv") files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            std::ifstream in(file);
            std::string line;
            std::getline(in, line);  // open_time_ms,open,high,low,close,volume
            while (std::getline(in, line)) {
                std::vector<std::string> cells;
                std::size_t start = 0;
                for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1) {
                    cells.push_back(line.substr(start, comma - start));
                }
                cells.push_back(line.substr(start));
                hft::domain::kline k;
                k.exchange = "sim";
                k.symbol = "BTCUSDT";
                k.interval = "1m";
                k.open_time = static_cast<std::int64_t>(out.size()) * 60'000;
                k.close_time = k.open_time + 59'999;
                k.open = decimal::parse(cells[1]).value();
                k.high = decimal::parse(cells[2]).value();
                k.low = decimal::parse(cells[3]).value();
                k.close = decimal::parse(cells[4]).value();
                k.base_volume = decimal::parse(cells[5]).value();
                k.is_closed = true;
                out.push_back(std::move(k));
            }
        }
        return out;
    }();
    return series;
}

// One pass over the series per outer loop; the decision vector is reused, as the service would hold it.
void BM_sma_cross_klines(benchmark::State& state) {
    const auto average = state.range(0) == 0 ? core::average_kind::simple : core::average_kind::exponential;
    const core::strategy_config config{
        "bench", "sim", "BTCUSDT", "1m", "bench-user",
        core::sma_cross_params{average, 20, 50, decimal::parse("0.001").value(),
                               {.tick_size = decimal::parse("0.01").value(),
                                .step_size = decimal::parse("0.00001").value()}},
        true};
    const auto& series = klines();
    std::vector<core::decision> decisions;
    decisions.reserve(4);
    std::size_t orders = 0;
    for (auto _ : state) {
        auto strategy_state = core::initial_state(config);
        for (const auto& k : series) {
            decisions.clear();
            const auto outcome = core::on_kline(config, strategy_state, k, decisions);
            benchmark::DoNotOptimize(outcome);
            orders += decisions.front().action != core::trade_action::hold;
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(series.size()));
    state.counters["klines/s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * static_cast<double>(series.size()), benchmark::Counter::kIsRate);
    state.counters["orders_per_pass"] = static_cast<double>(orders) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_sma_cross_klines)->Arg(0)->Arg(1)->ArgName("ema")->Unit(benchmark::kMillisecond);

}  // namespace
