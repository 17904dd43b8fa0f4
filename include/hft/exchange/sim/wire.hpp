#pragma once

// What the simulator puts on the wire, byte for byte as Binance does: kline events, the combined-stream
// wrapper, REST kline rows, control-message replies, and the deliberately malformed frames of fault injection.

#include "hft/exchange/sim/market_data.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::sim {

/// 10^-8 units as a decimal string with exactly 8 fractional digits, "23140.48000000".
std::string format_units(std::int64_t units);

/// `{"e":"kline","E":..,"s":..,"k":{"t":..,"T":..,"s":..,"i":..,"f":..,"L":..,"o":..,"c":..,"h":..,"l":..,
/// "v":..,"n":..,"x":..,"q":..,"V":..,"Q":..,"B":"0"}}`
std::string kline_event_json(const kline_update& update);
/// `{"stream":"<stream>","data":<data>}`
std::string combined_json(std::string_view stream, std::string_view data);
/// One /api/v3/klines row: `[t,"o","h","l","c","v",T,"q",n,"V","Q","0"]`.
nlohmann::ordered_json rest_kline_row(const kline_update& update);
/// `{"e":"serverShutdown","E":<ms>}`
std::string server_shutdown_json(std::int64_t event_time);

/// The streams one websocket connection receives, in subscription order, and whether it is a combined stream.
struct subscriptions {
    std::vector<std::string> streams;
    bool combined = false;

    bool has(std::string_view stream) const noexcept;
    void add(const std::string& stream);
    void remove(std::string_view stream);
};

/// At most this many streams per connection, as on Binance.
inline constexpr std::size_t max_streams_per_connection = 1024;

/// Handles one client text message (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY) and
/// returns the reply to send. Invalid requests change nothing and answer `{"code":2,"msg":"Invalid request: ..",
/// "id":..}` (code 3 for text that is not JSON); the connection stays open either way.
std::string handle_control_message(std::string_view text, subscriptions& subs,
                                   const std::function<bool(std::string_view)>& stream_exists);

enum class malformed_kind : std::uint8_t {
    truncated,       ///< the JSON text cut in half
    wrong_type,      ///< `"o":1.5`, a number where Binance sends a decimal string
    high_below_low,  ///< parses, but h < l
    unknown_event,   ///< `{"e":"simUnknownEvent",...}`
};
inline constexpr int malformed_kind_count = 4;

/// A malformed stand-in for `update`'s frame (wrapped when `combined`).
std::string malformed_frame(const kline_update& update, malformed_kind kind, bool combined);

}  // namespace hft::exchange::sim
