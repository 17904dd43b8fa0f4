#pragma once

// market_klines writes: one upsert statement per batch, inside the caller's transaction, so a worker can
// commit a whole batch and ack it afterwards.

#include "hft/domain/kline.hpp"

#include <pqxx/transaction_base>

#include <cstddef>
#include <span>
#include <vector>

namespace hft::store {

/// Keeps one state per candle (exchange, symbol, interval, open_time): the one domain::supersedes picks,
/// since one statement cannot update a row twice. Sorted by candle, so that concurrent upserts of shared
/// candles lock their rows in the same order and cannot deadlock.
std::vector<domain::kline> latest_per_candle(std::span<const domain::kline> batch);

/// Upserts `batch` into market_klines with the rule of domain::supersedes (a closed candle is never
/// overwritten); returns the number of rows inserted or changed.
std::size_t upsert_klines(pqxx::transaction_base& tx, std::span<const domain::kline> batch);

}  // namespace hft::store
