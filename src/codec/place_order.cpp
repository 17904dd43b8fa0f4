#include "hft/codec/place_order.hpp"

#include "json_support.hpp"

namespace hft::codec {

std::string encode(const domain::place_order_command& command) {
    detail::object_writer out{512};
    out.add("v", std::int64_t{wire_version});
    out.add("request_id", command.request_id);
    out.add("order_id", command.order_id);
    out.add("user_id", command.user_id);
    out.add("exchange", command.exchange);
    out.add("symbol", command.symbol);
    out.add("type", domain::to_string(command.type));
    out.add("side", domain::to_string(command.side));
    if (command.price) out.add("price", *command.price);
    out.add("quantity", command.quantity);
    if (command.time_in_force) out.add("time_in_force", domain::to_string(*command.time_in_force));
    out.add("source", command.source);
    if (command.strategy_id) out.add("strategy_id", *command.strategy_id);
    out.add("requested_at", command.requested_at);
    if (command.expires_at) out.add("expires_at", *command.expires_at);
    if (command.kline_open_time) out.add("kline_open_time", *command.kline_open_time);
    if (command.received_ns) out.add("received_ns", *command.received_ns);
    return std::move(out).finish();
}

expected<domain::place_order_command, codec_error> decode_place_order(std::string_view json) noexcept {
    try {
        const auto root = detail::parse_object(json);
        if (!root) return unexpected(root.error());

        detail::object_reader in{*root};
        // The HTTP API's body has no "v": read it as version 1 (see the header for what that relaxes).
        const bool is_http_body = !in.has("v");
        in.version(false);
        domain::place_order_command command;
        command.request_id = in.string("request_id");
        command.order_id = in.string("order_id");
        command.user_id = in.string("user_id");
        command.exchange = in.string("exchange");
        command.symbol = in.string("symbol");
        command.type = in.enumeration("type", domain::parse_order_type, "LIMIT, MARKET").value_or(command.type);
        command.side = in.enumeration("side", domain::parse_order_side, "BUY, SELL").value_or(command.side);
        command.price = in.optional_decimal("price");
        command.quantity = in.decimal("quantity");
        command.time_in_force = in.optional_enumeration("time_in_force", domain::parse_time_in_force, "GTC, IOC, FOK");
        command.source = in.string("source");
        command.strategy_id = in.optional_string("strategy_id");
        command.requested_at =
            is_http_body ? in.optional_integer("requested_at").value_or(0) : in.integer("requested_at");
        command.expires_at = in.optional_integer("expires_at");
        command.kline_open_time = in.optional_integer("kline_open_time");
        command.received_ns = in.optional_integer("received_ns");
        if (in.error()) return unexpected(*in.error());
        return command;
    } catch (const std::exception&) {
        // Only allocation can fail here; a decoder still answers with a value.
        return unexpected(codec_error{"", "message could not be decoded"});
    }
}

}  // namespace hft::codec
