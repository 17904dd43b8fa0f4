#include "hft/codec/order_update.hpp"

#include "json_support.hpp"

#include <limits>
#include <utility>

namespace hft::codec {
namespace {

void write_order_fields(detail::object_writer& out, const domain::order_record& order) {
    out.add("order_id", order.order_id);
    out.add("request_id", order.request_id);
    out.add("client_order_id", order.client_order_id);
    if (order.exchange_order_id) out.add("exchange_order_id", *order.exchange_order_id);
    out.add("user_id", order.user_id);
    if (order.strategy_id) out.add("strategy_id", *order.strategy_id);
    out.add("exchange", order.exchange);
    out.add("symbol", order.symbol);
    out.add("side", domain::to_string(order.side));
    out.add("type", domain::to_string(order.type));
    if (order.time_in_force) out.add("time_in_force", domain::to_string(*order.time_in_force));
    if (order.price) out.add("price", *order.price);
    out.add("quantity", order.quantity);
    out.add("status", domain::to_string(order.status));
    out.add("filled_quantity", order.filled_quantity);
    if (order.avg_fill_price) out.add("avg_fill_price", *order.avg_fill_price);
    out.add("fee", order.fee);
    if (order.fee_asset) out.add("fee_asset", *order.fee_asset);
    if (order.reason) out.add("reason", *order.reason);
    out.add("source", order.source);
    out.add("requested_at", order.requested_at);
    if (order.expires_at) out.add("expires_at", *order.expires_at);
    if (order.sent_at) out.add("sent_at", *order.sent_at);
    if (order.acknowledged_at) out.add("acknowledged_at", *order.acknowledged_at);
    if (order.filled_at) out.add("filled_at", *order.filled_at);
    out.add("created_at", order.created_at);
    out.add("updated_at", order.updated_at);
    out.add("version", std::int64_t{order.version});
}

domain::order_record read_order_fields(detail::object_reader& in) {
    domain::order_record order;
    order.order_id = in.string("order_id");
    order.request_id = in.string("request_id");
    order.client_order_id = in.string("client_order_id");
    order.exchange_order_id = in.optional_string("exchange_order_id");
    order.user_id = in.string("user_id");
    order.strategy_id = in.optional_string("strategy_id");
    order.exchange = in.string("exchange");
    order.symbol = in.string("symbol");
    order.side = in.enumeration("side", domain::parse_order_side, "BUY, SELL").value_or(order.side);
    order.type = in.enumeration("type", domain::parse_order_type, "LIMIT, MARKET").value_or(order.type);
    order.time_in_force = in.optional_enumeration("time_in_force", domain::parse_time_in_force, "GTC, IOC, FOK");
    order.price = in.optional_decimal("price");
    order.quantity = in.decimal("quantity");
    order.status = in.enumeration("status", domain::parse_order_status,
                                  "PENDING_NEW, NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, UNKNOWN")
                       .value_or(order.status);
    order.filled_quantity = in.decimal("filled_quantity");
    order.avg_fill_price = in.optional_decimal("avg_fill_price");
    order.fee = in.decimal("fee");
    order.fee_asset = in.optional_string("fee_asset");
    order.reason = in.optional_string("reason");
    order.source = in.string("source");
    order.requested_at = in.integer("requested_at");
    order.expires_at = in.optional_integer("expires_at");
    order.sent_at = in.optional_integer("sent_at");
    order.acknowledged_at = in.optional_integer("acknowledged_at");
    order.filled_at = in.optional_integer("filled_at");
    order.created_at = in.integer("created_at");
    order.updated_at = in.integer("updated_at");
    const auto version = in.integer("version");
    if (!in.error() && (version < 1 || version > std::numeric_limits<int>::max())) {
        in.fail("version", "must be a positive 32-bit integer");
    }
    order.version = static_cast<int>(version);
    return order;
}

std::string encode_fill(const domain::fill& fill) {
    detail::object_writer out{192};
    out.add("trade_id", fill.trade_id);
    out.add("price", fill.price);
    out.add("quantity", fill.quantity);
    out.add("fee", fill.fee);
    out.add("fee_asset", fill.fee_asset);
    out.add("is_maker", fill.is_maker);
    out.add("time", fill.time);
    return std::move(out).finish();
}

domain::fill read_fill(detail::object_reader& in) {
    domain::fill fill;
    fill.trade_id = in.string("trade_id");
    fill.price = in.decimal("price");
    fill.quantity = in.decimal("quantity");
    fill.fee = in.decimal("fee");
    fill.fee_asset = in.string("fee_asset");
    fill.is_maker = in.boolean("is_maker");
    fill.time = in.integer("time");
    return fill;
}

// Parses, checks "v" and hands the reader to `read`; the decoders differ only in what they read.
template <class Read>
auto decode_with(std::string_view json, Read read) noexcept -> expected<decltype(read(std::declval<detail::object_reader&>())), codec_error> {
    try {
        const auto root = detail::parse_object(json);
        if (!root) return unexpected(root.error());
        detail::object_reader in{*root};
        in.version(true);
        auto value = read(in);
        if (in.error()) return unexpected(*in.error());
        return value;
    } catch (const std::exception&) {
        // Only allocation can fail here; a decoder still answers with a value.
        return unexpected(codec_error{"", "message could not be decoded"});
    }
}

}  // namespace

std::string encode(const domain::order_record& order) {
    detail::object_writer out{768};
    out.add("v", std::int64_t{wire_version});
    write_order_fields(out, order);
    return std::move(out).finish();
}

expected<domain::order_record, codec_error> decode_order_record(std::string_view json) noexcept {
    return decode_with(json, [](detail::object_reader& in) { return read_order_fields(in); });
}

std::string encode(const domain::order_update& update) {
    detail::object_writer out{1024};
    out.add("v", std::int64_t{wire_version});
    write_order_fields(out, update.order);
    if (update.fill) out.add_object("fill", encode_fill(*update.fill));
    return std::move(out).finish();
}

expected<domain::order_update, codec_error> decode_order_update(std::string_view json) noexcept {
    return decode_with(json, [](detail::object_reader& in) {
        domain::order_update update;
        update.order = read_order_fields(in);
        update.fill = in.optional_object("fill", read_fill);
        return update;
    });
}

std::string encode(const domain::cancel_order_command& command) {
    detail::object_writer out{192};
    out.add("v", std::int64_t{wire_version});
    out.add("request_id", command.request_id);
    out.add("order_id", command.order_id);
    out.add("user_id", command.user_id);
    out.add("requested_at", command.requested_at);
    return std::move(out).finish();
}

expected<domain::cancel_order_command, codec_error> decode_cancel_order(std::string_view json) noexcept {
    return decode_with(json, [](detail::object_reader& in) {
        domain::cancel_order_command command;
        command.request_id = in.string("request_id");
        command.order_id = in.string("order_id");
        command.user_id = in.string("user_id");
        command.requested_at = in.integer("requested_at");
        return command;
    });
}

}  // namespace hft::codec
