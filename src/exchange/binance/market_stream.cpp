#include "hft/exchange/binance/market_stream.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace hft::exchange::binance {
namespace {

using json = nlohmann::json;


// One REST row's string decimal at `index`, or an error naming it.
expected<domain::decimal, std::string> decimal_at(const json& row, std::size_t index, std::string_view name) {
    if (!row[index].is_string()) return unexpected<std::string>(std::string(name) + " is not a decimal string");
    auto value = domain::decimal::parse(row[index].get_ref<const std::string&>());
    if (!value) return unexpected<std::string>(std::string(name) + " is not an exact decimal");
    return *value;
}

expected<domain::kline, std::string> parse_row(const json& row, std::string_view exchange, std::string_view symbol,
                                               std::string_view interval) {
    if (!row.is_array() || row.size() < 11) return unexpected<std::string>("not an array of at least 11 fields");
    for (const std::size_t index : {0U, 6U, 8U}) {
        if (!row[index].is_number_integer()) return unexpected<std::string>("field " + std::to_string(index) + " is not an integer");
    }
    domain::kline k;
    k.exchange = std::string(exchange);
    k.symbol = std::string(symbol);
    k.interval = std::string(interval);
    k.open_time = row[0].get<std::int64_t>();
    k.close_time = row[6].get<std::int64_t>();
    k.trade_count = row[8].get<std::int64_t>();
    struct field {
        std::size_t index;
        std::string_view name;
        domain::decimal domain::kline::*member;
    };
    constexpr field decimals[] = {{1, "open", &domain::kline::open},
                                  {2, "high", &domain::kline::high},
                                  {3, "low", &domain::kline::low},
                                  {4, "close", &domain::kline::close},
                                  {5, "volume", &domain::kline::base_volume},
                                  {7, "quote volume", &domain::kline::quote_volume},
                                  {9, "taker base volume", &domain::kline::taker_base_volume},
                                  {10, "taker quote volume", &domain::kline::taker_quote_volume}};
    for (const auto& f : decimals) {
        auto value = decimal_at(row, f.index, f.name);
        if (!value) return unexpected<std::string>(value.error());
        k.*f.member = *value;
    }
    k.is_closed = true;
    k.event_time = k.close_time;
    k.source = domain::kline_source::backfill;
    if (auto valid = domain::validate(k); !valid) return unexpected<std::string>(domain::to_string(valid.error()));
    return k;
}

}  // namespace

std::string kline_stream_name(std::string_view stream_symbol, std::string_view interval) {
    return boost::algorithm::to_lower_copy(std::string(stream_symbol)) + "@kline_" + std::string(interval);
}

std::string stream_request(std::string_view method, std::span<const std::string> streams, std::uint64_t id) {
    return json{{"method", method}, {"params", streams}, {"id", id}}.dump();
}

expected<std::vector<std::string>, std::string> subscribed_streams(std::string_view payload) {
    const auto parsed = json::parse(payload, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return unexpected<std::string>("payload is not a JSON object");
    const auto method = parsed.find("method");
    if (method == parsed.end() || !method->is_string() || *method != "SUBSCRIBE") {
        return unexpected<std::string>("payload's method is not \"SUBSCRIBE\"");
    }
    const auto params = parsed.find("params");
    if (params == parsed.end() || !params->is_array() || params->empty()) {
        return unexpected<std::string>("payload's params is not a non-empty array of stream names");
    }
    std::vector<std::string> streams;
    for (const auto& param : *params) {
        if (!param.is_string() || param.get_ref<const std::string&>().empty()) {
            return unexpected<std::string>("payload's params holds something other than a stream name");
        }
        streams.push_back(param.get<std::string>());
    }
    return streams;
}

std::string klines_history_target(std::string_view rest_symbol, std::string_view interval, std::int64_t start_time,
                                  std::int64_t end_time, int limit) {
    std::string target = "/api/v3/klines?symbol=";
    target += boost::algorithm::to_upper_copy(std::string(rest_symbol));
    target += "&interval=" + std::string(interval) + "&startTime=" + std::to_string(start_time) +
              "&endTime=" + std::to_string(end_time) + "&limit=" + std::to_string(limit);
    return target;
}

expected<std::vector<domain::kline>, std::string> parse_klines_history(std::string_view body, std::string_view exchange,
                                                                       std::string_view canonical_symbol,
                                                                       std::string_view interval) {
    const auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) return unexpected<std::string>("kline history is not JSON");
    if (!parsed.is_array()) return unexpected<std::string>("kline history is not an array");
    std::vector<domain::kline> klines;
    klines.reserve(parsed.size());
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        auto k = parse_row(parsed[i], exchange, canonical_symbol, interval);
        if (!k) return unexpected<std::string>("kline history row " + std::to_string(i) + ": " + k.error());
        klines.push_back(std::move(*k));
    }
    return klines;
}

}  // namespace hft::exchange::binance
