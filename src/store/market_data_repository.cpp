#include "hft/store/market_data_repository.hpp"

#include "prepared.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <stdexcept>

namespace hft::store {

std::vector<kline_subscription> load_kline_subscriptions(pqxx::transaction_base& tx) {
    std::vector<kline_subscription> rows;
    for (const auto& row : tx.exec(
             "SELECT id, exchange, symbol, \"interval\", payload::text FROM kline_subscriptions "
             "WHERE enabled ORDER BY exchange, symbol, \"interval\"")) {
        rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                        row[3].as<std::string>(), row[4].as<std::string>()});
    }
    return rows;
}

std::vector<domain::symbol_mapping> load_symbol_mappings(pqxx::transaction_base& tx) {
    std::vector<domain::symbol_mapping> rows;
    for (const auto& row : tx.exec(
             "SELECT exchange, symbol, kline_symbol, order_symbol FROM symbol_mappings ORDER BY exchange, symbol")) {
        rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                        row[3].as<std::string>()});
    }
    return rows;
}

std::optional<std::int64_t> last_closed_open_time(pqxx::transaction_base& tx, std::string_view exchange,
                                                  std::string_view symbol, std::string_view interval) {
    const auto result = tx.exec_params(
        "SELECT (extract(epoch FROM max(open_time)) * 1000)::bigint FROM market_klines "
        "WHERE exchange = $1 AND symbol = $2 AND \"interval\" = $3 AND is_closed",
        std::string(exchange), std::string(symbol), std::string(interval));
    if (result.empty() || result[0][0].is_null()) return std::nullopt;
    return result[0][0].as<std::int64_t>();
}

std::vector<domain::kline> recent_closed_klines(pqxx::transaction_base& tx, std::string_view exchange,
                                                std::string_view symbol, std::string_view interval, int limit) {
    std::vector<domain::kline> klines;
    if (limit <= 0) return klines;
    const auto decimal_of = [](const pqxx::field& field) {
        auto parsed = domain::decimal::parse(field.c_str());
        // NUMERIC columns hold what domain::decimal wrote; anything else is a corrupt row, not a warm-up input.
        if (!parsed) throw std::runtime_error("market_klines." + std::string(field.name()) + " \"" + field.c_str() +
                                              "\" is not a decimal this service can read");
        return *parsed;
    };
    for (const auto& row : tx.exec_params(
             "SELECT (extract(epoch FROM open_time) * 1000)::bigint, (extract(epoch FROM close_time) * 1000)::bigint,"
             " open_price::text, high_price::text, low_price::text, close_price::text, base_volume::text,"
             " quote_volume::text, taker_base_volume::text, taker_quote_volume::text, trade_count,"
             " (extract(epoch FROM event_time) * 1000)::bigint, source FROM market_klines"
             " WHERE exchange = $1 AND symbol = $2 AND \"interval\" = $3 AND is_closed"
             " ORDER BY open_time DESC LIMIT $4",
             std::string(exchange), std::string(symbol), std::string(interval), std::to_string(limit))) {
        domain::kline k;
        k.exchange = std::string(exchange);
        k.symbol = std::string(symbol);
        k.interval = std::string(interval);
        k.open_time = row[0].as<std::int64_t>();
        k.close_time = row[1].as<std::int64_t>();
        k.open = decimal_of(row[2]);
        k.high = decimal_of(row[3]);
        k.low = decimal_of(row[4]);
        k.close = decimal_of(row[5]);
        k.base_volume = decimal_of(row[6]);
        k.quote_volume = decimal_of(row[7]);
        k.taker_base_volume = decimal_of(row[8]);
        k.taker_quote_volume = decimal_of(row[9]);
        k.trade_count = row[10].as<std::int64_t>();
        k.is_closed = true;
        k.event_time = row[11].as<std::int64_t>();
        k.source = domain::parse_kline_source(row[12].as<std::string>()).value_or(domain::kline_source::ws);
        klines.push_back(std::move(k));
    }
    std::reverse(klines.begin(), klines.end());
    return klines;
}

std::optional<domain::decimal> last_closed_price(pqxx::transaction_base& tx, std::string_view exchange,
                                                 std::string_view symbol) {
    static const std::string sql =
        "SELECT close_price::text FROM market_klines WHERE exchange = $1 AND symbol = $2 AND is_closed"
        " ORDER BY close_time DESC LIMIT 1";
    const auto rows =
        tx.exec_prepared(detail::prepared(tx, "last_closed_price", sql), std::string(exchange), std::string(symbol));
    if (rows.empty()) return std::nullopt;
    auto price = domain::decimal::parse(rows[0][0].c_str());
    if (!price) return std::nullopt;
    return *price;
}

}  // namespace hft::store
