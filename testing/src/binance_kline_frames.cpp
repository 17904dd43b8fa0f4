#include "hft/testing/binance_kline_frames.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <stdexcept>

namespace hft::exchange::binance::testing {

namespace {

constexpr std::int64_t scale8 = 100'000'000;

// "23148.8" -> 2314880000000: the CSV's plain decimals as integers in units of 1e-8, without floating point.
__int128 parse_scaled8(std::string_view text) {
    __int128 value = 0;
    int decimals = -1;
    for (const char c : text) {
        if (c == '.') {
            decimals = 0;
            continue;
        }
        if (c < '0' || c > '9' || decimals >= 8) throw std::runtime_error("unexpected CSV decimal: " + std::string(text));
        value = value * 10 + (c - '0');
        if (decimals >= 0) ++decimals;
    }
    for (int d = std::max(decimals, 0); d < 8; ++d) value *= 10;
    return value;
}

// Binance's 8-decimal string form: 2314880000000 -> "23148.80000000".
std::string format8(__int128 value) {
    const auto whole = static_cast<long long>(value / scale8);
    const auto fraction = static_cast<long long>(value % scale8);
    std::string digits = std::to_string(fraction);
    return std::to_string(whole) + "." + std::string(8 - digits.size(), '0') + digits;
}

std::vector<std::string_view> split(std::string_view line, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto end = line.find(separator, start);
        parts.push_back(line.substr(start, end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

std::int64_t parse_int(std::string_view text) {
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) {
        throw std::runtime_error("unexpected CSV integer: " + std::string(text));
    }
    return value;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; });
    return out;
}

}  // namespace

std::vector<std::string> make_kline_corpus(const std::string& csv_path, std::string_view event_symbol,
                                           std::size_t count) {
    std::ifstream in(csv_path);
    if (!in) throw std::runtime_error("cannot open " + csv_path);
    std::string line;
    std::getline(in, line);  // header
    const std::string stream = lowercase(event_symbol) + "@kline_1m";
    std::vector<std::string> frames;
    frames.reserve(count);
    for (std::int64_t row = 0; frames.size() < count && std::getline(in, line); ++row) {
        const auto cols = split(line, ',');
        if (cols.size() != 6) throw std::runtime_error("unexpected CSV row: " + line);
        const std::int64_t open_time = parse_int(cols[0]);
        const std::int64_t close_time = open_time + 59'999;
        const __int128 open = parse_scaled8(cols[1]);
        __int128 high = parse_scaled8(cols[2]);
        __int128 low = parse_scaled8(cols[3]);
        const __int128 close = parse_scaled8(cols[4]);
        __int128 volume = parse_scaled8(cols[5]);

        const bool closed = row % 4 == 3;
        std::int64_t trades = volume == 0 ? 0 : 1 + (open_time / 60'000 * 2'654'435'761LL) % 997;
        std::int64_t event_time = close_time + 1 + row % 50;
        if (!closed) {
            // An update mid-minute: the range so far spans open and the latest price; about half the volume.
            high = std::max(open, close);
            low = std::min(open, close);
            volume /= 2;
            trades = volume == 0 ? 0 : std::max<std::int64_t>(1, trades / 2);
            event_time = open_time + 2'000 * (1 + row % 29);
        }
        const __int128 quote = volume * close / scale8;
        const __int128 taker_base = volume * (20 + (row * 37) % 61) / 100;
        const __int128 taker_quote = taker_base * close / scale8;
        const std::int64_t first_trade = trades == 0 ? -1 : 100'000'000 + row * 1'000;
        const std::int64_t last_trade = trades == 0 ? -1 : first_trade + trades - 1;

        std::string frame;
        frame.reserve(480);
        frame += R"({"stream":")" + stream + R"(","data":{"e":"kline","E":)" + std::to_string(event_time);
        frame += R"(,"s":")" + std::string(event_symbol) + R"(","k":{"t":)" + std::to_string(open_time);
        frame += R"(,"T":)" + std::to_string(close_time) + R"(,"s":")" + std::string(event_symbol);
        frame += R"(","i":"1m","f":)" + std::to_string(first_trade) + R"(,"L":)" + std::to_string(last_trade);
        frame += R"(,"o":")" + format8(open) + R"(","c":")" + format8(close) + R"(","h":")" + format8(high);
        frame += R"(","l":")" + format8(low) + R"(","v":")" + format8(volume) + R"(","n":)" + std::to_string(trades);
        frame += R"(,"x":)" + std::string(closed ? "true" : "false") + R"(,"q":")" + format8(quote);
        frame += R"(","V":")" + format8(taker_base) + R"(","Q":")" + format8(taker_quote) + R"(","B":"0"}}})";
        frames.push_back(std::move(frame));
    }
    return frames;
}

namespace {

using nlohmann::json;

struct reference_failure {
    malformed_reason reason;
    std::string message;
};

const json& member(const json& object, const char* name, const char* field) {
    const auto it = object.find(name);
    if (it == object.end()) throw reference_failure{malformed_reason::missing_field, std::string(field) + ": missing"};
    return *it;
}

std::int64_t int_member(const json& object, const char* name, const char* field) {
    const auto& value = member(object, name, field);
    if (!value.is_number_integer()) {
        throw reference_failure{malformed_reason::wrong_type, std::string(field) + ": expected an integer"};
    }
    return value.get<std::int64_t>();
}

const std::string& string_member(const json& object, const char* name, const char* field) {
    const auto& value = member(object, name, field);
    if (!value.is_string()) {
        throw reference_failure{malformed_reason::wrong_type, std::string(field) + ": expected a string"};
    }
    return value.get_ref<const std::string&>();
}

domain::decimal decimal_member(const json& object, const char* name, const char* field) {
    const auto& value = member(object, name, field);
    if (!value.is_string()) {
        throw reference_failure{malformed_reason::wrong_type, std::string(field) + ": expected a decimal string"};
    }
    auto parsed = domain::decimal::parse(value.get_ref<const std::string&>());
    if (!parsed) throw reference_failure{malformed_reason::bad_decimal, std::string(field) + ": not an exact decimal"};
    return *parsed;
}

void read_kline(const json& event, const frame_context& ctx, frame_result& out) {
    const auto& k = member(event, "k", "k");
    if (!k.is_object()) throw reference_failure{malformed_reason::wrong_type, "k: expected an object"};
    auto& kline = out.kline;
    kline.open_time = int_member(k, "t", "k.t");
    kline.close_time = int_member(k, "T", "k.T");
    const std::string& symbol = string_member(k, "s", "k.s");
    const std::string& interval = string_member(k, "i", "k.i");
    kline.open = decimal_member(k, "o", "k.o");
    kline.close = decimal_member(k, "c", "k.c");
    kline.high = decimal_member(k, "h", "k.h");
    kline.low = decimal_member(k, "l", "k.l");
    kline.base_volume = decimal_member(k, "v", "k.v");
    kline.trade_count = int_member(k, "n", "k.n");
    const auto& closed = member(k, "x", "k.x");
    if (!closed.is_boolean()) throw reference_failure{malformed_reason::wrong_type, "k.x: expected a boolean"};
    kline.is_closed = closed.get<bool>();
    kline.quote_volume = decimal_member(k, "q", "k.q");
    kline.taker_base_volume = decimal_member(k, "V", "k.V");
    kline.taker_quote_volume = decimal_member(k, "Q", "k.Q");
    kline.event_time = int_member(event, "E", "E");

    if (symbol.empty()) throw reference_failure{malformed_reason::empty_symbol, "k.s: empty symbol"};
    std::string_view canonical = symbol;
    if (ctx.symbols != nullptr) {
        canonical = ctx.symbols->canonical(symbol);
        if (canonical.empty()) {
            out.kind = frame_kind::unknown_symbol;
            out.symbol = symbol;
            return;
        }
    }
    kline.exchange = std::string(ctx.exchange);
    kline.symbol = std::string(canonical);
    kline.interval = interval;
    kline.received_ns = ctx.received_ns;
    kline.source = domain::kline_source::ws;
    out.event_time = kline.event_time;
    if (const auto checked = domain::validate(kline); !checked) {
        throw reference_failure{malformed_reason::insane_kline, domain::to_string(checked.error())};
    }
    out.kind = frame_kind::kline;
}

}  // namespace

frame_result reference_parse(std::string_view frame, const frame_context& ctx) {
    // Exceptions as control flow keep this reference short; it is test support, never on a service path.
    frame_result out;
    try {
        if (frame.size() > max_frame_size) throw reference_failure{malformed_reason::oversize, "frame: too large"};
        const json document = json::parse(frame, nullptr, false);
        if (document.is_discarded()) throw reference_failure{malformed_reason::invalid_json, "frame: invalid JSON"};
        if (document.is_array()) {
            out.kind = frame_kind::ignored;
            return out;
        }
        if (!document.is_object()) throw reference_failure{malformed_reason::not_an_object, "frame: not an object"};
        const json* event = &document;
        if (document.contains("stream")) {
            event = &member(document, "data", "data");
            if (event->is_array()) {
                out.kind = frame_kind::ignored;
                return out;
            }
            if (!event->is_object()) throw reference_failure{malformed_reason::wrong_type, "data: expected an object"};
        }
        if (event->contains("e")) {
            const std::string& type = string_member(*event, "e", "e");
            if (type == "kline") {
                read_kline(*event, ctx, out);
            } else if (type == "serverShutdown") {
                out.kind = frame_kind::server_shutdown;
                out.event_time = int_member(*event, "E", "E");
            } else {
                out.kind = frame_kind::ignored;
                out.event_type = type;
            }
        } else if (event->contains("code")) {
            out.kind = frame_kind::error_reply;
            out.error_code = int_member(*event, "code", "code");
            if (event->contains("msg")) out.error_text = string_member(*event, "msg", "msg");
        } else if (event->contains("result")) {
            out.kind = frame_kind::ack;
        } else {
            out.kind = frame_kind::ignored;
        }
        if ((out.kind == frame_kind::ack || out.kind == frame_kind::error_reply) && event->contains("id")) {
            const auto& id = (*event)["id"];
            if (id.is_string()) out.id = id.get<std::string>();
            if (id.is_number_integer()) out.id = std::to_string(id.get<std::int64_t>());
        }
    } catch (const reference_failure& failure) {
        out.kind = frame_kind::malformed;
        out.reason = failure.reason;
        out.message = failure.message;
    }
    return out;
}

}  // namespace hft::exchange::binance::testing
