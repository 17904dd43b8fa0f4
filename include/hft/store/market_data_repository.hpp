#pragma once

// market_data reads for the market-data gateway: what to subscribe to (kline_subscriptions), how each
// market is spelled (symbol_mappings), and where each stream's stored history ends (market_klines); and for
// the strategy service, the recent closed candles it warms its indicators up with.

#include "hft/domain/kline.hpp"
#include "hft/domain/symbol.hpp"

#include <pqxx/transaction_base>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::store {

/// One enabled kline_subscriptions row. `payload` is the stored JSON as text; "{}" means: build the request.
struct kline_subscription {
    std::string id;
    std::string exchange;
    std::string symbol;  ///< as the row spells it: any of the market's three forms
    std::string interval;
    std::string payload;

    friend bool operator==(const kline_subscription&, const kline_subscription&) = default;
};

/// The enabled subscriptions, ordered by exchange, symbol and interval.
std::vector<kline_subscription> load_kline_subscriptions(pqxx::transaction_base& tx);

/// Every symbol_mappings row, ordered by exchange and symbol.
std::vector<domain::symbol_mapping> load_symbol_mappings(pqxx::transaction_base& tx);

/// The open time (ms) of the newest closed candle stored for a stream, if any.
std::optional<std::int64_t> last_closed_open_time(pqxx::transaction_base& tx, std::string_view exchange,
                                                  std::string_view symbol, std::string_view interval);

/// The newest `limit` closed candles of one stream, oldest first (received_ns 0, as stored candles carry none).
std::vector<domain::kline> recent_closed_klines(pqxx::transaction_base& tx, std::string_view exchange,
                                                std::string_view symbol, std::string_view interval, int limit);

/// The close of the market's newest closed candle of any interval: the reference price a MARKET order is valued
/// at; nullopt when none is stored.
std::optional<domain::decimal> last_closed_price(pqxx::transaction_base& tx, std::string_view exchange,
                                                 std::string_view symbol);

}  // namespace hft::store
