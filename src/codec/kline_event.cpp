#include "hft/codec/kline_event.hpp"

#include "json_support.hpp"

#include <cctype>
#include <charconv>
#include <optional>

namespace hft::codec {
namespace {

// The worker decodes every kline event on the bus, and nearly all of them are exactly what encode() wrote:
// keys in its order, no whitespace, no escapes. This reads that canonical form in one pass without building
// a DOM. Anything else (other spacing or order, escapes, unknown keys, a bad value) is left to the strict
// decoder below, which then gives the precise error, so the fast path never accepts what it would refuse.
class canonical_reader {
public:
    explicit canonical_reader(std::string_view json) : rest_(json) {}

    bool literal(std::string_view text) {
        if (!rest_.starts_with(text)) return false;
        rest_.remove_prefix(text.size());
        return true;
    }
    // `"key":` after a ',' unless it is the first member.
    bool key(std::string_view name, bool first = false) {
        return (first || literal(",")) && literal("\"") && literal(name) && literal("\":");
    }
    // A quoted string of printable ASCII without escapes.
    std::optional<std::string_view> text() {
        if (!literal("\"")) return std::nullopt;
        for (std::size_t i = 0; i < rest_.size(); ++i) {
            const char c = rest_[i];
            if (c == '"') {
                const auto value = rest_.substr(0, i);
                rest_.remove_prefix(i + 1);
                return value;
            }
            if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) break;
        }
        return std::nullopt;
    }
    bool string(std::string& out) {
        const auto value = text();
        if (value) out.assign(*value);
        return value.has_value();
    }
    bool string(std::string_view& out) {
        const auto value = text();
        if (value) out = *value;
        return value.has_value();
    }
    bool decimal(domain::decimal& out) {
        const auto value = text();
        if (!value) return false;
        const auto parsed = domain::decimal::parse(*value);
        if (parsed) out = *parsed;
        return parsed.has_value();
    }
    // A JSON integer: optional '-', no leading zero, fits in 64 bits.
    bool integer(std::int64_t& out) {
        const char* begin = rest_.data();
        const char* end = begin + rest_.size();
        const char* digits = begin != end && *begin == '-' ? begin + 1 : begin;
        if (digits == end || (*digits == '0' && digits + 1 != end && std::isdigit(static_cast<unsigned char>(digits[1]))))
            return false;
        const auto [stop, error] = std::from_chars(begin, end, out);
        if (error != std::errc{} || (stop != end && (*stop == '.' || *stop == 'e' || *stop == 'E'))) return false;
        rest_.remove_prefix(static_cast<std::size_t>(stop - begin));
        return true;
    }
    bool boolean(bool& out) {
        if (literal("true")) {
            out = true;
        } else if (literal("false")) {
            out = false;
        } else {
            return false;
        }
        return true;
    }
    bool at_end() const noexcept { return rest_.empty(); }

private:
    std::string_view rest_;
};

std::optional<domain::kline> decode_canonical(std::string_view json) {
    canonical_reader in{json};
    domain::kline k;
    std::int64_t version = 0;
    std::string_view source;
    const bool read = in.literal("{") && in.key("v", true) && in.integer(version) && version == wire_version &&
                      in.key("exchange") && in.string(k.exchange) && in.key("symbol") && in.string(k.symbol) &&
                      in.key("interval") && in.string(k.interval) && in.key("open_time") && in.integer(k.open_time) &&
                      in.key("close_time") && in.integer(k.close_time) && in.key("open") && in.decimal(k.open) &&
                      in.key("high") && in.decimal(k.high) && in.key("low") && in.decimal(k.low) &&
                      in.key("close") && in.decimal(k.close) && in.key("base_volume") && in.decimal(k.base_volume) &&
                      in.key("quote_volume") && in.decimal(k.quote_volume) && in.key("taker_base_volume") &&
                      in.decimal(k.taker_base_volume) && in.key("taker_quote_volume") &&
                      in.decimal(k.taker_quote_volume) && in.key("trade_count") && in.integer(k.trade_count) &&
                      in.key("is_closed") && in.boolean(k.is_closed) && in.key("event_time") &&
                      in.integer(k.event_time) && in.key("received_ns") && in.integer(k.received_ns) &&
                      in.key("source") && in.string(source) && in.literal("}") && in.at_end();
    if (!read) return std::nullopt;
    const auto parsed_source = domain::parse_kline_source(source);
    if (!parsed_source) return std::nullopt;
    k.source = *parsed_source;
    if (!domain::validate(k)) return std::nullopt;
    return k;
}

}  // namespace

std::string encode(const domain::kline& kline) {
    detail::object_writer out{512};
    out.add("v", std::int64_t{wire_version});
    out.add("exchange", kline.exchange);
    out.add("symbol", kline.symbol);
    out.add("interval", kline.interval);
    out.add("open_time", kline.open_time);
    out.add("close_time", kline.close_time);
    out.add("open", kline.open);
    out.add("high", kline.high);
    out.add("low", kline.low);
    out.add("close", kline.close);
    out.add("base_volume", kline.base_volume);
    out.add("quote_volume", kline.quote_volume);
    out.add("taker_base_volume", kline.taker_base_volume);
    out.add("taker_quote_volume", kline.taker_quote_volume);
    out.add("trade_count", kline.trade_count);
    out.add("is_closed", kline.is_closed);
    out.add("event_time", kline.event_time);
    out.add("received_ns", kline.received_ns);
    out.add("source", domain::to_string(kline.source));
    return std::move(out).finish();
}

expected<domain::kline, codec_error> decode_kline_event(std::string_view json) noexcept {
    try {
        if (json.size() <= max_message_size) {
            if (auto canonical = decode_canonical(json)) return std::move(*canonical);
        }
        const auto root = detail::parse_object(json);
        if (!root) return unexpected(root.error());

        detail::object_reader in{*root};
        in.version(true);
        domain::kline kline;
        kline.exchange = in.string("exchange");
        kline.symbol = in.string("symbol");
        kline.interval = in.string("interval");
        kline.open_time = in.integer("open_time");
        kline.close_time = in.integer("close_time");
        kline.open = in.decimal("open");
        kline.high = in.decimal("high");
        kline.low = in.decimal("low");
        kline.close = in.decimal("close");
        kline.base_volume = in.decimal("base_volume");
        kline.quote_volume = in.decimal("quote_volume");
        kline.taker_base_volume = in.decimal("taker_base_volume");
        kline.taker_quote_volume = in.decimal("taker_quote_volume");
        kline.trade_count = in.integer("trade_count");
        kline.is_closed = in.boolean("is_closed");
        kline.event_time = in.integer("event_time");
        kline.received_ns = in.integer("received_ns");
        kline.source = in.enumeration("source", domain::parse_kline_source, "ws, backfill").value_or(kline.source);
        if (in.error()) return unexpected(*in.error());

        if (const auto valid = domain::validate(kline); !valid) {
            return unexpected(codec_error{std::string(valid.error().field), std::string(valid.error().message)});
        }
        return kline;
    } catch (const std::exception&) {
        // Only allocation can fail here; a decoder still answers with a value.
        return unexpected(codec_error{"", "message could not be decoded"});
    }
}

}  // namespace hft::codec
