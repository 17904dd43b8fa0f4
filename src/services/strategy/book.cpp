// The strategy service's pure bookkeeping: the saved state with its applied fills, warm-up, stale klines and
// idempotent order updates.

#include "hft/codec/strategy_state.hpp"
#include "hft/services/strategy_runner.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace hft::services {

using domain::decimal;
using nlohmann::json;

std::string encode(const saved_strategy& saved) {
    json fills = json::object();
    for (const auto& [order_id, quantity] : saved.applied_fills) fills[order_id] = quantity.to_string();
    json doc = json::object();
    doc["v"] = 1;
    doc["state"] = json::parse(codec::encode(saved.state));
    doc["applied_fills"] = std::move(fills);
    return doc.dump();
}

expected<saved_strategy, std::string> decode_saved_strategy(const core::strategy_config& config, std::string_view text) {
    const auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return unexpected(std::string("not a JSON object"));
    if (doc.value("v", 0) != 1) return unexpected(std::string("\"v\" must be 1"));
    const auto state = doc.find("state");
    if (state == doc.end() || !state->is_object()) return unexpected(std::string("\"state\" must be an object"));
    auto decoded = codec::decode_strategy_state(config, state->dump());
    if (!decoded) return unexpected("state: " + decoded.error().to_string());
    saved_strategy saved{std::move(*decoded), {}};
    const auto fills = doc.find("applied_fills");
    if (fills == doc.end()) return saved;
    if (!fills->is_object()) return unexpected(std::string("\"applied_fills\" must be an object"));
    for (const auto& [order_id, quantity] : fills->items()) {
        const auto parsed = decimal::parse(quantity.is_string() ? quantity.get_ref<const std::string&>() : "");
        if (!parsed) return unexpected("applied_fills." + order_id + " must be a decimal string");
        saved.applied_fills.emplace(order_id, *parsed);
    }
    return saved;
}

expected<void, domain::decimal_error> warm_up(const core::strategy_config&, core::strategy_state& state,
                                              std::span<const domain::kline> klines) {
    for (const auto& k : klines) {
        if (!k.is_closed || (state.last_open_time && k.open_time <= *state.last_open_time)) continue;
        if (auto* sma = std::get_if<core::sma_cross_state>(&state.kind_state)) {
            if (auto added = sma->fast.add(k.close); !added) return added;
            if (auto added = sma->slow.add(k.close); !added) return added;
            const auto fast = sma->fast.value();
            const auto slow = sma->slow.value();
            // The relation the next live kline is compared with: a cross during warm-up is history, not a signal.
            if (fast && slow && *fast != *slow) sma->fast_above = *fast > *slow;
        }
        state.last_open_time = k.open_time;
    }
    return {};
}

bool is_stale(std::int64_t received_ns, std::int64_t now_ns, std::chrono::milliseconds max_age) noexcept {
    if (max_age.count() <= 0) return false;
    return now_ns - received_ns > std::chrono::duration_cast<std::chrono::nanoseconds>(max_age).count();
}

std::optional<std::int64_t> order_kline_open_time(std::string_view strategy_id, std::string_view order_id) noexcept {
    if (order_id.size() <= strategy_id.size() + 1 || !order_id.starts_with(strategy_id) ||
        order_id[strategy_id.size()] != '-') {
        return std::nullopt;
    }
    const auto rest = order_id.substr(strategy_id.size() + 1);
    std::int64_t open_time = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), open_time);
    if (ec != std::errc{} || end == rest.data() + rest.size() || *end != '-') return std::nullopt;
    return open_time;
}

namespace {

// What the account holds from an order so far: a buy's fee charged in the bought (base) asset is not received,
// so a strategy never tries to sell more than it got.
expected<decimal, domain::decimal_error> received_quantity(const domain::order_record& order) {
    const bool fee_in_base = order.side == domain::order_side::buy && order.fee_asset &&
                             !order.fee_asset->empty() && order.symbol.starts_with(*order.fee_asset);
    if (!fee_in_base || order.fee > order.filled_quantity) return order.filled_quantity;
    return order.filled_quantity.checked_sub(order.fee);
}

}  // namespace

expected<update_effect, domain::decimal_error> apply_order_update(const core::strategy_config& config,
                                                                  saved_strategy& saved,
                                                                  const domain::order_update& update) {
    const auto& order = update.order;
    if (!order.strategy_id || *order.strategy_id != config.id) return update_effect::not_ours;
    const auto applied_before = saved.applied_fills.find(order.order_id);
    const decimal before = applied_before == saved.applied_fills.end() ? decimal{} : applied_before->second;
    const bool closed = domain::is_terminal(order.status);
    const auto received = received_quantity(order);
    if (!received) return unexpected(received.error());
    decimal increase;
    if (*received > before) {
        const auto difference = received->checked_sub(before);
        if (!difference) return unexpected(difference.error());
        increase = *difference;
    }
    if (increase.is_zero() && !closed) return update_effect::nothing_new;

    const bool fill_is_the_increase = update.fill && before.is_zero() && update.fill->quantity == order.filled_quantity;
    const decimal price = fill_is_the_increase ? update.fill->price
                                               : order.avg_fill_price.value_or(order.price.value_or(decimal{}));
    auto state = saved.state;
    const auto took = core::on_fill(state, core::fill_report{order.order_id, increase, price, closed});
    if (!took) return unexpected(took.error());
    if (!*took) {
        // Not open in this state: either already closed (an older update arriving late), or decided on a kline
        // this state has not evaluated yet (a crash after publishing, before saving): that kline comes again.
        const auto open_time = order_kline_open_time(config.id, order.order_id);
        const auto& last = saved.state.last_open_time;
        if (open_time && (!last || *open_time > *last)) return update_effect::not_yet_decided;
        saved.applied_fills.erase(order.order_id);
        return update_effect::not_ours;
    }
    saved.state = std::move(state);
    if (closed) {
        saved.applied_fills.erase(order.order_id);
    } else {
        saved.applied_fills.insert_or_assign(order.order_id, *received);
    }
    return update_effect::applied;
}

}  // namespace hft::services
