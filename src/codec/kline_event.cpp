#include "hft/codec/kline_event.hpp"

#include "json_support.hpp"

namespace hft::codec {

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
