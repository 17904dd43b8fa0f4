#include "hft/store/kline_repository.hpp"

#include "hft/store/statements.hpp"

#include "prepared.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>
#include <tuple>

namespace hft::store {
namespace {

// Builds one PostgreSQL array literal per column, so a batch of any size is one statement with 17
// parameters (the per-statement parameter limit would otherwise cap multi-row VALUES).
class array_column {
public:
    void add_text(std::string_view value) {
        begin_element();
        text_ += '"';
        for (char c : value) {
            if (c == '"' || c == '\\') text_ += '\\';
            text_ += c;
        }
        text_ += '"';
    }
    void add_plain(std::string_view value) {
        begin_element();
        text_ += value;
    }
    std::string finish() { return (text_.empty() ? std::string("{") : std::move(text_)) + "}"; }

private:
    void begin_element() { text_ += text_.empty() ? '{' : ','; }

    std::string text_;
};

}  // namespace

std::vector<domain::kline> latest_per_candle(std::span<const domain::kline> batch) {
    const auto key_of = [&](std::size_t i) {
        const auto& k = batch[i];
        return std::tie(k.exchange, k.symbol, k.interval, k.open_time);
    };
    std::vector<std::size_t> order(batch.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Stable, so the states of one candle stay in arrival order for supersedes to choose among.
    std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) { return key_of(a) < key_of(b); });
    std::vector<domain::kline> result;
    result.reserve(batch.size());
    for (std::size_t first = 0; first < order.size();) {
        std::size_t kept = order[first];
        std::size_t next = first + 1;
        for (; next < order.size() && key_of(order[next]) == key_of(kept); ++next) {
            if (domain::supersedes(batch[order[next]], batch[kept])) kept = order[next];
        }
        result.push_back(batch[kept]);
        first = next;
    }
    return result;
}

std::size_t upsert_klines(pqxx::transaction_base& tx, std::span<const domain::kline> batch) {
    if (batch.empty()) return 0;
    const auto rows = latest_per_candle(batch);
    std::array<array_column, 17> columns;
    for (const auto& k : rows) {
        columns[0].add_text(k.exchange);
        columns[1].add_text(k.symbol);
        columns[2].add_text(k.interval);
        columns[3].add_plain(std::to_string(k.open_time));
        columns[4].add_plain(std::to_string(k.close_time));
        columns[5].add_plain(k.open.to_string());
        columns[6].add_plain(k.high.to_string());
        columns[7].add_plain(k.low.to_string());
        columns[8].add_plain(k.close.to_string());
        columns[9].add_plain(k.base_volume.to_string());
        columns[10].add_plain(k.quote_volume.to_string());
        columns[11].add_plain(k.taker_base_volume.to_string());
        columns[12].add_plain(k.taker_quote_volume.to_string());
        columns[13].add_plain(std::to_string(k.trade_count));
        columns[14].add_plain(k.is_closed ? "t" : "f");
        columns[15].add_plain(std::to_string(k.event_time));
        columns[16].add_text(domain::to_string(k.source));
    }
    static const std::string upsert(sql::upsert_klines);
    const auto result = tx.exec_prepared(
        detail::prepared(tx, "upsert_klines", upsert), columns[0].finish(), columns[1].finish(), columns[2].finish(),
        columns[3].finish(), columns[4].finish(), columns[5].finish(), columns[6].finish(), columns[7].finish(),
        columns[8].finish(), columns[9].finish(), columns[10].finish(), columns[11].finish(), columns[12].finish(),
        columns[13].finish(), columns[14].finish(), columns[15].finish(), columns[16].finish());
    return result.affected_rows();
}

}  // namespace hft::store
