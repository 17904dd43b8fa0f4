#pragma once

// What the market-data gateway subscribes to, worked out from the database rows without any I/O: one
// venue plan per exchange (its symbol forms and streams), the problems that made rows unusable (worded for
// the operator), and the difference between two plans when the subscriptions change at run time.

#include "hft/app/config.hpp"
#include "hft/domain/expected.hpp"
#include "hft/exchange/binance/symbol_map.hpp"
#include "hft/store/market_data_repository.hpp"

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hft::services {

/// Where a venue's market data is served.
struct venue_endpoints {
    std::string stream_url;  ///< combined-stream websocket, e.g. wss://stream-cloud.tokocrypto.site/stream
    std::string rest_url;    ///< REST base of /api/v3/klines, e.g. https://www.tokocrypto.site
};

/// The endpoints of `exchange`: its config's stream_url (with /stream added when the URL has no path) and
/// market_data_url (else base_url), falling back to the venue's public defaults for tokocrypto and binance.
/// An error names the missing key when neither exists.
expected<venue_endpoints, std::string> endpoints_for(std::string_view exchange, const app::config& cfg);

/// One subscribed kline stream.
struct planned_stream {
    std::string subscription_id;
    std::string symbol;    ///< canonical
    std::string interval;
    std::vector<std::string> stream_names;  ///< what the exchange is asked for, e.g. tkoidr@kline_1m
    std::string payload;   ///< the stored request, sent verbatim; empty: requested in a built SUBSCRIBE

    friend bool operator==(const planned_stream&, const planned_stream&) = default;
};

struct venue_plan {
    std::string exchange;
    exchange::binance::symbol_map symbols;
    std::vector<planned_stream> streams;
};

struct gateway_plan {
    std::map<std::string, venue_plan> venues;
    std::vector<std::string> problems;  ///< rows left out, and why
};

/// Resolves each subscription's symbol through the venue's symbol mappings; a row without a mapping, with
/// an invalid payload, or whose payload does not ask for the row's stream is left out with a problem.
gateway_plan make_plan(std::span<const store::kline_subscription> subscriptions,
                       std::span<const domain::symbol_mapping> mappings);

struct plan_change {
    std::vector<planned_stream> added;
    std::vector<planned_stream> removed;  ///< includes the old version of a changed stream
    bool empty() const noexcept { return added.empty() && removed.empty(); }
};

plan_change diff(const venue_plan& before, const venue_plan& after);

}  // namespace hft::services
