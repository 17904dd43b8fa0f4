#include "hft/services/market_data_plan.hpp"

#include "hft/domain/interval.hpp"
#include "hft/exchange/binance/market_stream.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace hft::services {
namespace {

struct venue_defaults {
    std::string_view exchange;
    std::string_view stream_url;
    std::string_view rest_url;
};

constexpr venue_defaults known_venues[] = {
    {"tokocrypto", "wss://stream-cloud.tokocrypto.site/stream", "https://www.tokocrypto.site"},
    {"binance", "wss://stream.binance.com:9443/stream", "https://api.binance.com"},
};

// The combined-stream endpoint: a URL without a path (ws://host:port, or just "/") gets /stream. One that does
// not parse is left for websocket_url::parse to report.
std::string combined_stream_url(std::string url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->encoded_path().size() > 1) return url;
    boost::urls::url combined(*parsed);
    combined.set_encoded_path("/stream");
    return std::string(combined.buffer());
}

bool is_empty_payload(std::string_view payload) {
    return payload.find_first_not_of(" \t\r\n{}") == std::string_view::npos;
}

}  // namespace

expected<venue_endpoints, std::string> endpoints_for(std::string_view exchange, const app::config& cfg) {
    const auto configured = cfg.exchanges.find(std::string(exchange));
    const app::exchange_config* ex = configured == cfg.exchanges.end() ? nullptr : &configured->second;
    const auto defaults = std::find_if(std::begin(known_venues), std::end(known_venues),
                                       [&](const venue_defaults& v) { return v.exchange == exchange; });
    const bool known = defaults != std::end(known_venues);

    venue_endpoints endpoints;
    if (ex != nullptr && !ex->stream_url.empty()) {
        endpoints.stream_url = combined_stream_url(ex->stream_url);
    } else if (known) {
        endpoints.stream_url = std::string(defaults->stream_url);
    } else {
        return unexpected<std::string>(fmt::format(
            "{}: exchanges.{}.stream_url is missing; set it to the venue's websocket URL (see config.yml.example)",
            cfg.source.string(), exchange));
    }
    if (ex != nullptr && !ex->market_data_url.empty()) {
        endpoints.rest_url = ex->market_data_url;
    } else if (known) {
        endpoints.rest_url = std::string(defaults->rest_url);
    } else if (ex != nullptr && !ex->base_url.empty()) {
        endpoints.rest_url = ex->base_url;
    } else {
        return unexpected<std::string>(fmt::format(
            "{}: exchanges.{}.market_data_url is missing; set it to the venue's REST URL (see config.yml.example)",
            cfg.source.string(), exchange));
    }
    return endpoints;
}

gateway_plan make_plan(std::span<const store::kline_subscription> subscriptions,
                       std::span<const domain::symbol_mapping> mappings) {
    gateway_plan plan;
    for (const auto& row : subscriptions) {
        const auto where = fmt::format("kline_subscriptions row {} ({} {} {})", row.id, row.exchange, row.symbol,
                                       row.interval);
        auto venue = plan.venues.find(row.exchange);
        if (venue == plan.venues.end()) {
            auto symbols = exchange::binance::symbol_map::build(row.exchange, mappings);
            if (!symbols) {
                plan.problems.push_back(fmt::format("symbol_mappings for {}: {}; its subscriptions are left out",
                                                    row.exchange, symbols.error()));
                continue;
            }
            venue = plan.venues.emplace(row.exchange, venue_plan{row.exchange, std::move(*symbols), {}}).first;
        }
        const auto* mapping = venue->second.symbols.find(row.symbol);
        if (mapping == nullptr) {
            plan.problems.push_back(fmt::format(
                "{}: no symbol_mappings row names {} for {}; insert (exchange, symbol, kline_symbol, order_symbol) "
                "such as ('{}', 'BTCUSDT', 'btcusdt', 'BTC_USDT')",
                where, row.symbol, row.exchange, row.exchange));
            continue;
        }
        if (!domain::parse_kline_interval(row.interval)) {
            plan.problems.push_back(fmt::format("{}: unknown interval {}", where, row.interval));
            continue;
        }
        planned_stream stream{row.id, mapping->symbol, row.interval, {}, {}};
        const auto expected_name = exchange::binance::kline_stream_name(mapping->kline_symbol, row.interval);
        if (is_empty_payload(row.payload)) {
            stream.stream_names = {expected_name};
        } else {
            auto names = exchange::binance::subscribed_streams(row.payload);
            if (!names) {
                plan.problems.push_back(fmt::format("{}: {}; store {{}} to let the gateway build the request", where,
                                                    names.error()));
                continue;
            }
            if (std::find(names->begin(), names->end(), expected_name) == names->end()) {
                plan.problems.push_back(fmt::format("{}: payload does not subscribe {}; fix its params or store {{}}",
                                                    where, expected_name));
                continue;
            }
            stream.stream_names = std::move(*names);
            stream.payload = row.payload;
        }
        const bool duplicate =
            std::any_of(venue->second.streams.begin(), venue->second.streams.end(), [&](const planned_stream& s) {
                return s.symbol == stream.symbol && s.interval == stream.interval;
            });
        if (duplicate) {
            plan.problems.push_back(
                fmt::format("{}: another row already subscribes {} {}; left out", where, stream.symbol, stream.interval));
            continue;
        }
        venue->second.streams.push_back(std::move(stream));
    }
    std::erase_if(plan.venues, [](const auto& venue) { return venue.second.streams.empty(); });
    return plan;
}

plan_change diff(const venue_plan& before, const venue_plan& after) {
    plan_change change;
    const auto contains = [](const std::vector<planned_stream>& streams, const planned_stream& wanted) {
        return std::find(streams.begin(), streams.end(), wanted) != streams.end();
    };
    for (const auto& stream : before.streams) {
        if (!contains(after.streams, stream)) change.removed.push_back(stream);
    }
    for (const auto& stream : after.streams) {
        if (!contains(before.streams, stream)) change.added.push_back(stream);
    }
    return change;
}

}  // namespace hft::services
