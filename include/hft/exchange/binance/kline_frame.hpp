#pragma once

// Binance kline stream frames -> domain::kline. Tokocrypto's market-data websocket speaks the same protocol,
// so this parser serves both venues. It is the market-data gateway's hot path: one text message in, one value
// out, no exceptions on any input, no allocation once the result's strings have grown to size.

#include "hft/domain/kline.hpp"
#include "hft/exchange/binance/symbol_map.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::binance {

/// Frames above this size are rejected unread; a kline frame is about 400 bytes.
inline constexpr std::size_t max_frame_size = 64 * 1024;

/// Bytes a caller-owned buffer must have readable past the frame for the zero-copy overload
/// (simdjson's SIMDJSON_PADDING; checked by a static_assert in the implementation).
inline constexpr std::size_t frame_padding = 64;

/// What the caller knows about a frame that the frame itself does not say.
struct frame_context {
    std::string_view exchange;             ///< written into domain::kline::exchange, e.g. "tokocrypto"
    const symbol_map* symbols = nullptr;   ///< the venue's subscribed markets; null accepts any symbol as is
    std::int64_t received_ns = 0;          ///< stamped by the caller when the frame came off the socket
};

enum class frame_kind : std::uint8_t {
    kline,            ///< a kline event that passed every check; `kline` holds it
    ack,              ///< `{"result":...,"id":...}` reply to SUBSCRIBE and friends
    error_reply,      ///< `{"code":..,"msg":..,"id":..}` reply to a bad request
    server_shutdown,  ///< `serverShutdown` event: reconnect
    ignored,          ///< a well-formed event we do not consume (aggTrade, trade, ...)
    unknown_symbol,   ///< a valid kline for a market not in the symbol map: suspicious, counted apart
    malformed,        ///< anything else; `reason` and `message` say why
};

/// Stable short reasons for malformed frames (for metrics labels); `message` names the field.
enum class malformed_reason : std::uint8_t {
    none,
    oversize,          ///< larger than max_frame_size
    invalid_json,      ///< not JSON, truncated, or trailing content
    not_an_object,     ///< valid JSON but not an object
    missing_field,     ///< a required field is absent
    duplicate_field,   ///< a field appears twice: ambiguous, never guess which one counts
    wrong_type,        ///< e.g. `"o":1.5` where a decimal string is required
    bad_decimal,       ///< a decimal string that is not an exact plain decimal (NaN, exponent, garbage)
    bad_integer,       ///< an integer field out of range (negative trade count)
    unknown_interval,  ///< `k.i` is not a Binance interval
    empty_symbol,      ///< `k.s` is empty
    symbol_mismatch,   ///< the event's `s` and `k.s` disagree
    stream_mismatch,   ///< the combined-stream name does not match the kline inside it
    bad_times,         ///< negative times, or close time not after open time
    insane_kline,      ///< fails another domain::validate rule (prices > 0, low <= open/close <= high, volumes >= 0)
};

std::string_view to_string(frame_kind kind) noexcept;
std::string_view to_string(malformed_reason reason) noexcept;

/// One parsed frame. Fields other than `kind` are meaningful only for the kinds their comments name.
struct frame_result {
    frame_kind kind = frame_kind::malformed;
    domain::kline kline;                  ///< kind == kline
    std::string id;                       ///< ack, error_reply: the request id as text; empty when null or absent
    std::vector<std::string> ack_result;  ///< ack: the strings of an array result (LIST_SUBSCRIPTIONS), else empty
    std::int64_t error_code = 0;          ///< error_reply: `code`
    std::string error_text;               ///< error_reply: `msg`
    std::int64_t event_time = 0;          ///< server_shutdown, kline: `E` in ms
    std::string event_type;               ///< ignored: the event's `e` (empty when it had none)
    std::string symbol;                   ///< unknown_symbol: the symbol as the frame spelled it
    malformed_reason reason = malformed_reason::none;  ///< malformed
    std::string message;                  ///< malformed: e.g. "k.h: high is below low"
};

/// Owns one simdjson parser and a padded scratch buffer: create one per thread (or per connection) and reuse it.
class kline_frame_parser {
public:
    kline_frame_parser();
    ~kline_frame_parser();
    kline_frame_parser(kline_frame_parser&&) noexcept;
    kline_frame_parser& operator=(kline_frame_parser&&) noexcept;
    kline_frame_parser(const kline_frame_parser&) = delete;
    kline_frame_parser& operator=(const kline_frame_parser&) = delete;

    /// Copies the frame into the parser's padded buffer first. The default: it accepts any buffer, and the
    /// memcpy of a ~430-byte frame measured within noise of the zero-copy path (bench/kline_frame_bench.cpp).
    void parse(std::string_view frame, const frame_context& ctx, frame_result& out);

    /// Zero-copy: `frame.data()` must stay readable for `frame.size() + frame_padding` bytes (e.g. a Beast
    /// flat_buffer with that much spare capacity). Any padding contents are safe; a '}' right after the frame
    /// costs simdjson an extra balance scan of the whole document.
    void parse_padded(std::string_view frame, const frame_context& ctx, frame_result& out);

    frame_result parse(std::string_view frame, const frame_context& ctx) {
        frame_result out;
        parse(frame, ctx, out);
        return out;
    }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Convenience entry point using a thread-local kline_frame_parser.
frame_result parse_kline_frame(std::string_view frame, const frame_context& ctx);

}  // namespace hft::exchange::binance
