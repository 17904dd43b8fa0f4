#include "hft/exchange/binance/kline_frame.hpp"

#include "hft/domain/interval.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstring>
#include <utility>

namespace hft::exchange::binance {

static_assert(frame_padding >= simdjson::SIMDJSON_PADDING, "frame_padding must cover simdjson's padding");

namespace ondemand = simdjson::ondemand;

std::string_view to_string(frame_kind kind) noexcept {
    switch (kind) {
        case frame_kind::kline: return "kline";
        case frame_kind::ack: return "ack";
        case frame_kind::error_reply: return "error_reply";
        case frame_kind::server_shutdown: return "server_shutdown";
        case frame_kind::ignored: return "ignored";
        case frame_kind::unknown_symbol: return "unknown_symbol";
        case frame_kind::malformed: return "malformed";
    }
    return "unknown";
}

std::string_view to_string(malformed_reason reason) noexcept {
    switch (reason) {
        case malformed_reason::none: return "none";
        case malformed_reason::oversize: return "oversize";
        case malformed_reason::invalid_json: return "invalid_json";
        case malformed_reason::not_an_object: return "not_an_object";
        case malformed_reason::missing_field: return "missing_field";
        case malformed_reason::duplicate_field: return "duplicate_field";
        case malformed_reason::wrong_type: return "wrong_type";
        case malformed_reason::bad_decimal: return "bad_decimal";
        case malformed_reason::bad_integer: return "bad_integer";
        case malformed_reason::unknown_interval: return "unknown_interval";
        case malformed_reason::empty_symbol: return "empty_symbol";
        case malformed_reason::symbol_mismatch: return "symbol_mismatch";
        case malformed_reason::stream_mismatch: return "stream_mismatch";
        case malformed_reason::bad_times: return "bad_times";
        case malformed_reason::insane_kline: return "insane_kline";
    }
    return "unknown";
}

namespace {

// Bits of the fields seen in one object: a second occurrence is a duplicate.
enum field_bit : std::uint32_t {
    // wrapper and event level
    bit_stream = 1U << 0,
    bit_data = 1U << 1,
    bit_e = 1U << 2,
    bit_E = 1U << 3,
    bit_s = 1U << 4,
    bit_k = 1U << 5,
    bit_result = 1U << 6,
    bit_id = 1U << 7,
    bit_code = 1U << 8,
    bit_msg = 1U << 9,
};

enum kline_bit : std::uint32_t {
    kb_t = 1U << 0,
    kb_T = 1U << 1,
    kb_s = 1U << 2,
    kb_i = 1U << 3,
    kb_o = 1U << 4,
    kb_c = 1U << 5,
    kb_h = 1U << 6,
    kb_l = 1U << 7,
    kb_v = 1U << 8,
    kb_n = 1U << 9,
    kb_x = 1U << 10,
    kb_q = 1U << 11,
    kb_V = 1U << 12,
    kb_Q = 1U << 13,
};

// Fields the normalization reads; f, L and B are informational and may be absent.
constexpr std::uint32_t kline_required = kb_t | kb_T | kb_s | kb_i | kb_o | kb_c | kb_h | kb_l | kb_v | kb_n | kb_x |
                                         kb_q | kb_V | kb_Q;

// What one pass over the frame collected; string views point into the parser's buffers.
struct scan {
    std::uint32_t seen = 0;
    std::uint32_t kline_seen = 0;
    std::string_view stream;
    std::string_view event_type;
    std::int64_t event_time = 0;
    std::string_view event_symbol;
    std::int64_t code = 0;
    std::string_view msg;
    std::int64_t open_time = 0;
    std::int64_t close_time = 0;
    std::int64_t trade_count = 0;
    std::string_view symbol;
    std::string_view interval;
    bool is_closed = false;
    bool data_is_array = false;
};

class frame_reader {
public:
    explicit frame_reader(frame_result& out) : out_(out) {}

    // Each returns false after recording why the frame is malformed.
    bool read_top(ondemand::object& object, scan& s);

private:
    bool read_event_field(int key, ondemand::value& value, scan& s);
    bool read_event(ondemand::object& object, scan& s);
    bool read_kline(ondemand::object& object, scan& s);
    bool read_ack_result(ondemand::value& value);
    bool read_id(ondemand::value& value);

    bool fail(malformed_reason reason, std::string_view field, std::string_view text) {
        out_.kind = frame_kind::malformed;
        out_.reason = reason;
        out_.message.assign(field);
        out_.message.append(": ");
        out_.message.append(text);
        return false;
    }

    // A value-level simdjson error is either the wrong JSON type or a broken document.
    bool fail_value(simdjson::error_code error, std::string_view field, std::string_view expected) {
        switch (error) {
            case simdjson::INCORRECT_TYPE:
            case simdjson::NUMBER_ERROR:
            case simdjson::NUMBER_OUT_OF_RANGE:
            case simdjson::T_ATOM_ERROR:
            case simdjson::F_ATOM_ERROR:
            case simdjson::N_ATOM_ERROR: return fail(malformed_reason::wrong_type, field, expected);
            default: return fail(malformed_reason::invalid_json, field, simdjson::error_message(error));
        }
    }

    bool once(std::uint32_t& seen, std::uint32_t bit, std::string_view field) {
        if ((seen & bit) != 0) return fail(malformed_reason::duplicate_field, field, "appears twice");
        seen |= bit;
        return true;
    }

    bool read_string(ondemand::value& value, std::string_view field, std::string_view& into) {
        // Names and symbols are plain ASCII: take them in place and let simdjson unescape only when needed.
        const auto quoted = quoted_token(value);
        if (quoted.size() >= 2 && quoted.find('\\') == std::string_view::npos) {
            into = quoted.substr(1, quoted.size() - 2);
            return true;
        }
        const auto error = value.get_string().get(into);
        return !error || fail_value(error, field, "expected a string");
    }

    // The value's raw text if it is a string token (quotes included, trailing whitespace dropped), else empty.
    static std::string_view quoted_token(ondemand::value& value) noexcept {
        std::string_view token = value.raw_json_token();
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                                  token.back() == '\r')) {
            token.remove_suffix(1);
        }
        if (token.size() < 2 || token.front() != '"' || token.back() != '"') return {};
        return token;
    }

    bool read_int(ondemand::value& value, std::string_view field, std::int64_t& into) {
        const auto error = value.get_int64().get(into);
        return !error || fail_value(error, field, "expected an integer");
    }

    bool read_decimal(ondemand::value& value, std::string_view field, domain::decimal& into) {
        // Read in place from the raw token: a decimal has no escapes to undo, and decimal::parse rejects a
        // backslash, so skipping simdjson's unescaping copy loses no check.
        const auto token = quoted_token(value);
        if (token.empty()) return fail(malformed_reason::wrong_type, field, "expected a decimal string");
        auto parsed = domain::decimal::parse(token.substr(1, token.size() - 2));
        if (!parsed) return fail(malformed_reason::bad_decimal, field, "not an exact decimal");
        into = *parsed;
        return true;
    }

    frame_result& out_;
};

// Keys are compared on the raw input (no unescaping): Binance keys are plain ASCII, and an escaped key can only
// be one we do not know. The closing quote and simdjson's padding make these reads safe.
inline int single_char_key(ondemand::raw_json_string key) noexcept {
    const char* raw = key.raw();
    return raw[1] == '"' ? static_cast<unsigned char>(raw[0]) : -1;
}

template <std::size_t N>
inline bool key_is(ondemand::raw_json_string key, const char (&name)[N]) noexcept {
    // N includes the terminator, which stands for the closing quote.
    return std::memcmp(key.raw(), name, N - 1) == 0 && key.raw()[N - 1] == '"';
}

// Long keys are mapped onto codes above the single-character range.
enum long_key : int { key_stream = 256, key_data, key_result, key_code, key_msg, key_id, key_unknown };

inline int classify_key(ondemand::raw_json_string key) noexcept {
    const int c = single_char_key(key);
    if (c >= 0) return c;
    switch (key.raw()[0]) {
        case 's': return key_is(key, "stream") ? key_stream : key_unknown;
        case 'd': return key_is(key, "data") ? key_data : key_unknown;
        case 'r': return key_is(key, "result") ? key_result : key_unknown;
        case 'c': return key_is(key, "code") ? key_code : key_unknown;
        case 'm': return key_is(key, "msg") ? key_msg : key_unknown;
        case 'i': return key_is(key, "id") ? key_id : key_unknown;
        default: return key_unknown;
    }
}

bool frame_reader::read_top(ondemand::object& object, scan& s) {
    for (auto field_result : object) {
        if (const auto error = field_result.error()) {
            return fail(malformed_reason::invalid_json, "frame", simdjson::error_message(error));
        }
        // A reference, not a copy: copying the field costs a store-forwarding stall per key.
        ondemand::field&& field = std::move(field_result).value_unsafe();
        const int key = classify_key(field.key());
        ondemand::value& value = field.value();
        if (key == key_stream) {
            if (!once(s.seen, bit_stream, "stream") || !read_string(value, "stream", s.stream)) return false;
        } else if (key == key_data) {
            if (!once(s.seen, bit_data, "data")) return false;
            ondemand::json_type type;
            if (const auto error = value.type().get(type)) {
                return fail(malformed_reason::invalid_json, "data", simdjson::error_message(error));
            }
            if (type == ondemand::json_type::array) {
                s.data_is_array = true;  // an all-market stream; skipped like any unknown value
                continue;
            }
            ondemand::object data;
            if (const auto error = value.get_object().get(data)) {
                return fail_value(error, "data", "expected an object");
            }
            if (!read_event(data, s)) return false;
        } else if (!read_event_field(key, value, s)) {
            return false;
        }
    }
    return true;
}

bool frame_reader::read_event(ondemand::object& object, scan& s) {
    for (auto field_result : object) {
        if (const auto error = field_result.error()) {
            return fail(malformed_reason::invalid_json, "data", simdjson::error_message(error));
        }
        // A reference, not a copy: copying the field costs a store-forwarding stall per key.
        ondemand::field&& field = std::move(field_result).value_unsafe();
        if (!read_event_field(classify_key(field.key()), field.value(), s)) return false;
    }
    return true;
}

bool frame_reader::read_event_field(int key, ondemand::value& value, scan& s) {
    switch (key) {
        case 'e': return once(s.seen, bit_e, "e") && read_string(value, "e", s.event_type);
        case 'E': return once(s.seen, bit_E, "E") && read_int(value, "E", s.event_time);
        case 's': return once(s.seen, bit_s, "s") && read_string(value, "s", s.event_symbol);
        case 'k': {
            if (!once(s.seen, bit_k, "k")) return false;
            ondemand::object kline;
            if (const auto error = value.get_object().get(kline)) return fail_value(error, "k", "expected an object");
            return read_kline(kline, s);
        }
        case key_result: return once(s.seen, bit_result, "result") && read_ack_result(value);
        case key_id: return once(s.seen, bit_id, "id") && read_id(value);
        case key_code: return once(s.seen, bit_code, "code") && read_int(value, "code", s.code);
        case key_msg: return once(s.seen, bit_msg, "msg") && read_string(value, "msg", s.msg);
        default: return true;  // unknown fields are skipped by the next iteration step
    }
}

bool frame_reader::read_kline(ondemand::object& object, scan& s) {
    auto& k = out_.kline;
    for (auto field_result : object) {
        if (const auto error = field_result.error()) {
            return fail(malformed_reason::invalid_json, "k", simdjson::error_message(error));
        }
        // A reference, not a copy: copying the field costs a store-forwarding stall per key.
        ondemand::field&& field = std::move(field_result).value_unsafe();
        ondemand::value& value = field.value();
        bool ok = true;
        // Binance's fixed field order makes this a single forward pass; any order works.
        switch (single_char_key(field.key())) {
            case 't': ok = once(s.kline_seen, kb_t, "k.t") && read_int(value, "k.t", s.open_time); break;
            case 'T': ok = once(s.kline_seen, kb_T, "k.T") && read_int(value, "k.T", s.close_time); break;
            case 's': ok = once(s.kline_seen, kb_s, "k.s") && read_string(value, "k.s", s.symbol); break;
            case 'i': ok = once(s.kline_seen, kb_i, "k.i") && read_string(value, "k.i", s.interval); break;
            case 'o': ok = once(s.kline_seen, kb_o, "k.o") && read_decimal(value, "k.o", k.open); break;
            case 'c': ok = once(s.kline_seen, kb_c, "k.c") && read_decimal(value, "k.c", k.close); break;
            case 'h': ok = once(s.kline_seen, kb_h, "k.h") && read_decimal(value, "k.h", k.high); break;
            case 'l': ok = once(s.kline_seen, kb_l, "k.l") && read_decimal(value, "k.l", k.low); break;
            case 'v': ok = once(s.kline_seen, kb_v, "k.v") && read_decimal(value, "k.v", k.base_volume); break;
            case 'n': ok = once(s.kline_seen, kb_n, "k.n") && read_int(value, "k.n", s.trade_count); break;
            case 'x': {
                ok = once(s.kline_seen, kb_x, "k.x");
                if (ok) {
                    if (const auto error = value.get_bool().get(s.is_closed)) {
                        ok = fail_value(error, "k.x", "expected a boolean");
                    }
                }
                break;
            }
            case 'q': ok = once(s.kline_seen, kb_q, "k.q") && read_decimal(value, "k.q", k.quote_volume); break;
            case 'V': ok = once(s.kline_seen, kb_V, "k.V") && read_decimal(value, "k.V", k.taker_base_volume); break;
            case 'Q': ok = once(s.kline_seen, kb_Q, "k.Q") && read_decimal(value, "k.Q", k.taker_quote_volume); break;
            default: break;  // f, L, B and anything new
        }
        if (!ok) return false;
    }
    return true;
}

bool frame_reader::read_ack_result(ondemand::value& value) {
    ondemand::json_type type;
    if (const auto error = value.type().get(type)) {
        return fail(malformed_reason::invalid_json, "result", simdjson::error_message(error));
    }
    if (type != ondemand::json_type::array) return true;  // null (SUBSCRIBE) or a property value
    ondemand::array array;
    if (const auto error = value.get_array().get(array)) {
        return fail(malformed_reason::invalid_json, "result", simdjson::error_message(error));
    }
    for (auto element : array) {
        std::string_view text;
        if (const auto error = element.get_string().get(text)) {
            return fail_value(error, "result", "expected an array of strings");
        }
        out_.ack_result.emplace_back(text);
    }
    return true;
}

bool frame_reader::read_id(ondemand::value& value) {
    ondemand::json_type type;
    if (const auto error = value.type().get(type)) {
        return fail(malformed_reason::invalid_json, "id", simdjson::error_message(error));
    }
    switch (type) {
        case ondemand::json_type::null: {
            bool is_null = false;
            if (const auto error = value.is_null().get(is_null); error || !is_null) {
                return fail(malformed_reason::invalid_json, "id", "bad null");
            }
            return true;
        }
        case ondemand::json_type::string: {
            std::string_view text;
            if (!read_string(value, "id", text)) return false;
            out_.id.assign(text);
            return true;
        }
        case ondemand::json_type::number: {
            std::int64_t number = 0;
            if (!read_int(value, "id", number)) return false;
            std::array<char, 24> digits;
            const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
            out_.id.assign(digits.data(), end);
            return true;
        }
        default: return fail(malformed_reason::wrong_type, "id", "expected an integer, a string or null");
    }
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// `<symbol>@kline_<interval>` with an optional `@<timezone>` suffix; the symbol may be any form of the market.
bool stream_matches(std::string_view stream, std::string_view symbol, std::string_view interval,
                    std::string_view canonical, const symbol_map* symbols) noexcept {
    const auto at = stream.find('@');
    if (at == std::string_view::npos) return false;
    const auto stream_symbol = stream.substr(0, at);
    auto rest = stream.substr(at + 1);
    constexpr std::string_view kline_prefix = "kline_";
    if (rest.substr(0, kline_prefix.size()) != kline_prefix) return false;
    rest.remove_prefix(kline_prefix.size());
    if (rest.substr(0, interval.size()) != interval) return false;
    rest.remove_prefix(interval.size());
    if (!rest.empty() && rest.front() != '@') return false;
    if (iequals(stream_symbol, symbol)) return true;
    return symbols != nullptr && symbols->canonical(stream_symbol) == canonical;
}

}  // namespace

struct kline_frame_parser::impl {
    ondemand::parser parser;
    std::string padded;  // scratch copy of the frame plus padding, sized once
    bool preallocated = false;

    impl() {
        // Both buffers are sized for the largest accepted frame so parsing never allocates. Should this fail,
        // iterate() retries the allocation and reports MEMALLOC per frame.
        preallocated = parser.allocate(max_frame_size) == simdjson::SUCCESS;
        padded.resize(max_frame_size + frame_padding);
    }

    void parse(simdjson::padded_string_view frame, const frame_context& ctx, frame_result& out);
    void finish_kline(const scan& s, const frame_context& ctx, frame_result& out);
};

namespace {

void reset(frame_result& out) {
    // Keep the strings' capacity: a reused result makes steady-state parsing allocation-free.
    out.kind = frame_kind::malformed;
    out.id.clear();
    out.ack_result.clear();
    out.error_code = 0;
    out.error_text.clear();
    out.event_time = 0;
    out.event_type.clear();
    out.symbol.clear();
    out.reason = malformed_reason::none;
    out.message.clear();
}

// The wire field behind each domain::kline field, so a log line points at the offending value.
std::string_view wire_field(std::string_view domain_field) noexcept {
    struct name {
        std::string_view domain;
        std::string_view wire;
    };
    static constexpr std::array<name, 15> names{{{"open", "k.o"},
                                                 {"high", "k.h"},
                                                 {"low", "k.l"},
                                                 {"close", "k.c"},
                                                 {"base_volume", "k.v"},
                                                 {"quote_volume", "k.q"},
                                                 {"taker_base_volume", "k.V"},
                                                 {"taker_quote_volume", "k.Q"},
                                                 {"trade_count", "k.n"},
                                                 {"open_time", "k.t"},
                                                 {"close_time", "k.T"},
                                                 {"interval", "k.i"},
                                                 {"symbol", "k.s"},
                                                 {"event_time", "E"},
                                                 {"exchange", "exchange"}}};
    for (const auto& n : names) {
        if (n.domain == domain_field) return n.wire;
    }
    return domain_field;
}

// domain::validate owns the rules; this only sorts its verdict into the parser's stable reasons.
malformed_reason reason_for(std::string_view domain_field) noexcept {
    if (domain_field == "interval") return malformed_reason::unknown_interval;
    if (domain_field == "open_time" || domain_field == "close_time" || domain_field == "event_time") {
        return malformed_reason::bad_times;
    }
    if (domain_field == "trade_count") return malformed_reason::bad_integer;
    return malformed_reason::insane_kline;
}

void set_malformed(frame_result& out, malformed_reason reason, std::string_view field, std::string_view text) {
    out.kind = frame_kind::malformed;
    out.reason = reason;
    out.message.assign(field);
    out.message.append(": ");
    out.message.append(text);
}

}  // namespace

void kline_frame_parser::impl::parse(simdjson::padded_string_view frame, const frame_context& ctx,
                                     frame_result& out) {
    ondemand::document doc;
    if (const auto error = parser.iterate(frame).get(doc)) {
        return set_malformed(out, malformed_reason::invalid_json, "frame", simdjson::error_message(error));
    }
    ondemand::json_type type;
    if (const auto error = doc.type().get(type)) {
        return set_malformed(out, malformed_reason::invalid_json, "frame", simdjson::error_message(error));
    }
    if (type == ondemand::json_type::array) {
        // All-market streams (!miniTicker@arr) send arrays: valid Binance frames that carry no kline.
        out.kind = frame_kind::ignored;
        return;
    }
    if (type != ondemand::json_type::object) {
        return set_malformed(out, malformed_reason::not_an_object, "frame", "expected a JSON object");
    }
    ondemand::object object;
    if (const auto error = doc.get_object().get(object)) {
        return set_malformed(out, malformed_reason::invalid_json, "frame", simdjson::error_message(error));
    }
    scan s;
    frame_reader reader(out);
    if (!reader.read_top(object, s)) return;
    // Anything but "out of bounds" means the object was followed by more JSON.
    const char* position = nullptr;
    if (doc.current_location().get(position) != simdjson::OUT_OF_BOUNDS) {
        return set_malformed(out, malformed_reason::invalid_json, "frame", "trailing content after the object");
    }

    if ((s.seen & bit_stream) != 0 && (s.seen & bit_data) == 0) {
        return set_malformed(out, malformed_reason::missing_field, "data", "combined-stream frame without data");
    }
    if (s.data_is_array) {
        out.kind = frame_kind::ignored;
        return;
    }
    if ((s.seen & bit_e) != 0) {
        if (s.event_type == "kline") return finish_kline(s, ctx, out);
        if (s.event_type == "serverShutdown") {
            out.kind = frame_kind::server_shutdown;
            out.event_time = s.event_time;
            return;
        }
        out.kind = frame_kind::ignored;
        out.event_type.assign(s.event_type);
        return;
    }
    if ((s.seen & (bit_code | bit_msg)) != 0) {
        if ((s.seen & bit_code) == 0) return set_malformed(out, malformed_reason::missing_field, "code", "missing");
        out.kind = frame_kind::error_reply;
        out.error_code = s.code;
        out.error_text.assign(s.msg);
        return;
    }
    if ((s.seen & bit_result) != 0) {
        out.kind = frame_kind::ack;
        return;
    }
    out.kind = frame_kind::ignored;
}

void kline_frame_parser::impl::finish_kline(const scan& s, const frame_context& ctx, frame_result& out) {
    if ((s.seen & bit_k) == 0) return set_malformed(out, malformed_reason::missing_field, "k", "missing");
    if ((s.seen & bit_E) == 0) return set_malformed(out, malformed_reason::missing_field, "E", "missing");
    if (const auto missing = kline_required & ~s.kline_seen; missing != 0) {
        static constexpr std::array<std::string_view, 14> names{"k.t", "k.T", "k.s", "k.i", "k.o", "k.c", "k.h",
                                                                "k.l", "k.v", "k.n", "k.x", "k.q", "k.V", "k.Q"};
        const auto bit = static_cast<std::size_t>(__builtin_ctz(missing));
        return set_malformed(out, malformed_reason::missing_field, names[bit], "missing");
    }
    // The symbol is checked before the lookup so an empty one is malformed rather than an unknown market.
    if (s.symbol.empty()) return set_malformed(out, malformed_reason::empty_symbol, "k.s", "empty symbol");
    if ((s.seen & bit_s) != 0 && s.event_symbol != s.symbol) {
        return set_malformed(out, malformed_reason::symbol_mismatch, "s", "differs from k.s");
    }

    std::string_view canonical = s.symbol;
    if (ctx.symbols != nullptr) {
        canonical = ctx.symbols->canonical(s.symbol);
        if (canonical.empty()) {
            out.kind = frame_kind::unknown_symbol;
            out.symbol.assign(s.symbol);
            return;
        }
    }
    if ((s.seen & bit_stream) != 0 && !stream_matches(s.stream, s.symbol, s.interval, canonical, ctx.symbols)) {
        return set_malformed(out, malformed_reason::stream_mismatch, "stream", "does not name this kline");
    }

    auto& k = out.kline;
    k.exchange.assign(ctx.exchange);
    k.symbol.assign(canonical);
    k.interval.assign(s.interval);
    k.open_time = s.open_time;
    k.close_time = s.close_time;
    k.trade_count = s.trade_count;
    k.is_closed = s.is_closed;
    k.event_time = s.event_time;
    k.received_ns = ctx.received_ns;
    k.source = domain::kline_source::ws;
    out.event_time = s.event_time;

    if (const auto checked = domain::validate(k); !checked) {
        const auto& error = checked.error();
        return set_malformed(out, reason_for(error.field), wire_field(error.field), error.message);
    }
    out.kind = frame_kind::kline;
}

kline_frame_parser::kline_frame_parser() : impl_(std::make_unique<impl>()) {}
kline_frame_parser::~kline_frame_parser() = default;
kline_frame_parser::kline_frame_parser(kline_frame_parser&&) noexcept = default;
kline_frame_parser& kline_frame_parser::operator=(kline_frame_parser&&) noexcept = default;

void kline_frame_parser::parse(std::string_view frame, const frame_context& ctx, frame_result& out) {
    reset(out);
    if (frame.size() > max_frame_size) {
        return set_malformed(out, malformed_reason::oversize, "frame", "larger than 64 KiB");
    }
    auto& padded = impl_->padded;
    if (!frame.empty()) std::memcpy(padded.data(), frame.data(), frame.size());
    // A stale '}' right after the frame makes simdjson rescan the whole document for balance (simdjson#1834).
    padded[frame.size()] = '\0';
    impl_->parse(simdjson::padded_string_view(padded.data(), frame.size(), padded.size()), ctx, out);
}

void kline_frame_parser::parse_padded(std::string_view frame, const frame_context& ctx, frame_result& out) {
    reset(out);
    if (frame.size() > max_frame_size) {
        return set_malformed(out, malformed_reason::oversize, "frame", "larger than 64 KiB");
    }
    impl_->parse(simdjson::padded_string_view(frame.data(), frame.size(), frame.size() + frame_padding), ctx, out);
}

frame_result parse_kline_frame(std::string_view frame, const frame_context& ctx) {
    thread_local kline_frame_parser parser;
    return parser.parse(frame, ctx);
}

}  // namespace hft::exchange::binance
