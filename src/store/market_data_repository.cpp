#include "hft/store/market_data_repository.hpp"

#include <pqxx/pqxx>

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

}  // namespace hft::store
