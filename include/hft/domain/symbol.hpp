#pragma once

// A market's three symbol forms (DESIGN §3): canonical `TKOIDR` inside the system, stream `tkoidr` for the
// exchange's websocket, order `TKO_IDR` for its REST API. One `symbol_mappings` row.

#include <string>

namespace hft::domain {

struct symbol_mapping {
    std::string exchange;
    std::string symbol;        ///< canonical, used everywhere inside the system (`TKOIDR`)
    std::string kline_symbol;  ///< websocket stream form (`tkoidr`)
    std::string order_symbol;  ///< REST order form (`TKO_IDR`)

    friend bool operator==(const symbol_mapping&, const symbol_mapping&) = default;
};

}  // namespace hft::domain
