#include "hft/codec/strategy_state.hpp"

#include "json_support.hpp"

#include <algorithm>
#include <array>

namespace hft::codec {

using domain::decimal;
using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 4> slot_status_names{"idle", "buying", "holding", "selling"};
/// lazy_level_status spelled like the grid slot statuses it shares.
constexpr std::array<std::string_view, 3> lazy_status_names{"buying", "holding", "selling"};

/// Thrown inside decode only, caught at its boundary and returned as a codec_error.
struct decode_failure {
    std::string field;
    std::string message;
};

decimal decimal_from(const json& value, std::string_view field) {
    if (!value.is_string()) throw decode_failure{std::string(field), "must be a decimal string"};
    const auto parsed = decimal::parse(value.get_ref<const std::string&>());
    if (!parsed) throw decode_failure{std::string(field), std::string(domain::to_string(parsed.error()))};
    return *parsed;
}

const json& member(const json& object, std::string_view key) {
    const auto found = object.find(key);
    if (found == object.end()) throw decode_failure{std::string(key), "is required"};
    return *found;
}

json encode_average(const core::moving_average& average) {
    if (const auto* sma = std::get_if<core::simple_moving_average>(&average.average())) {
        json window = json::array();
        for (const auto& value : sma->window()) window.push_back(value.to_string());
        return {{"window", window}};
    }
    const auto& ema = std::get<core::exponential_moving_average>(average.average());
    return {{"value", ema.running_value() ? json(ema.running_value()->to_string()) : json(nullptr)},
            {"count", ema.count()}};
}

void decode_average(const json& object, std::string_view field, core::moving_average& average) {
    if (auto* sma = std::get_if<core::simple_moving_average>(&average.average())) {
        const auto& window = member(object, "window");
        if (!window.is_array() || window.size() > sma->period()) {
            throw decode_failure{std::string(field), "window must be an array of at most period decimals"};
        }
        for (const auto& value : window) {
            if (!sma->add(decimal_from(value, field))) throw decode_failure{std::string(field), "overflows"};
        }
        return;
    }
    auto& ema = std::get<core::exponential_moving_average>(average.average());
    const auto& value = member(object, "value");
    const auto& count = member(object, "count");
    if (!count.is_number_unsigned()) throw decode_failure{std::string(field), "count must be a whole number"};
    ema = core::exponential_moving_average(
        ema.period(), value.is_null() ? std::nullopt : std::optional<decimal>(decimal_from(value, field)),
        count.get<std::size_t>());
}

json encode_kind(const core::sma_cross_state& state) {
    return {{"fast", encode_average(state.fast)},
            {"slow", encode_average(state.slow)},
            {"fast_above", state.fast_above ? json(*state.fast_above) : json(nullptr)},
            {"position", state.position.to_string()},
            {"open_order_id", state.open_order_id ? json(*state.open_order_id) : json(nullptr)},
            {"open_order_action", core::to_string(state.open_order_action)}};
}

json encode_kind(const core::grid_state& state) {
    json slots = json::array();
    for (const auto& slot : state.slots) {
        slots.push_back({{"status", slot_status_names[static_cast<std::size_t>(slot.status)]},
                         {"order_id", slot.order_id},
                         {"held", slot.held.to_string()}});
    }
    return {{"slots", slots}};
}

json encode_kind(const core::lazy_grid_state& state) {
    json positions = json::array();
    for (const auto& position : state.positions) {
        positions.push_back({{"level", position.level},
                             {"status", lazy_status_names[static_cast<std::size_t>(position.status)]},
                             {"order_id", position.order_id},
                             {"held", position.held.to_string()},
                             {"cost", position.cost.to_string()}});
    }
    return {{"anchor", state.anchor ? json(state.anchor->to_string()) : json(nullptr)},
            {"last_level", state.last_level},
            {"positions", positions}};
}

void decode_kind(const json& object, core::sma_cross_state& state) {
    decode_average(member(object, "fast"), "fast", state.fast);
    decode_average(member(object, "slow"), "slow", state.slow);
    const auto& fast_above = member(object, "fast_above");
    if (!fast_above.is_null()) state.fast_above = fast_above.get<bool>();
    state.position = decimal_from(member(object, "position"), "position");
    const auto& order_id = member(object, "open_order_id");
    if (!order_id.is_null()) state.open_order_id = order_id.get<std::string>();
    const auto action = member(object, "open_order_action").get<std::string>();
    state.open_order_action = action == "BUY"    ? core::trade_action::buy
                              : action == "SELL" ? core::trade_action::sell
                                                 : core::trade_action::hold;
}

void decode_kind(const json& object, core::grid_state& state) {
    const auto& slots = member(object, "slots");
    if (!slots.is_array() || slots.size() != state.slots.size()) {
        throw decode_failure{"slots", "must have one entry per grid slot of the config"};
    }
    for (std::size_t i = 0; i < slots.size(); ++i) {
        auto& slot = state.slots[i];
        const auto status = member(slots[i], "status").get<std::string>();
        const auto* name = std::find(slot_status_names.begin(), slot_status_names.end(), status);
        if (name == slot_status_names.end()) throw decode_failure{"status", "must be idle, buying, holding or selling"};
        slot.status = static_cast<core::grid_slot_status>(name - slot_status_names.begin());
        slot.order_id = member(slots[i], "order_id").get<std::string>();
        slot.held = decimal_from(member(slots[i], "held"), "held");
    }
}

void decode_kind(const json& object, core::lazy_grid_state& state) {
    const auto& anchor = member(object, "anchor");
    if (!anchor.is_null()) state.anchor = decimal_from(anchor, "anchor");
    state.last_level = member(object, "last_level").get<int>();
    const auto& positions = member(object, "positions");
    if (!positions.is_array()) throw decode_failure{"positions", "must be an array"};
    for (const auto& entry : positions) {
        const auto status = member(entry, "status").get<std::string>();
        const auto* name = std::find(lazy_status_names.begin(), lazy_status_names.end(), status);
        if (name == lazy_status_names.end()) throw decode_failure{"status", "must be buying, holding or selling"};
        state.positions.push_back({member(entry, "level").get<int>(),
                                   static_cast<core::lazy_level_status>(name - lazy_status_names.begin()),
                                   member(entry, "order_id").get<std::string>(),
                                   decimal_from(member(entry, "held"), "held"),
                                   decimal_from(member(entry, "cost"), "cost")});
    }
}

}  // namespace

std::string encode(const core::strategy_state& state) {
    json out = std::visit([](const auto& kind_state) { return encode_kind(kind_state); }, state.kind_state);
    out["v"] = wire_version;
    out["kind"] = core::to_string(static_cast<core::strategy_kind>(state.kind_state.index()));
    out["last_open_time"] = state.last_open_time ? json(*state.last_open_time) : json(nullptr);
    return out.dump();
}

expected<core::strategy_state, codec_error> decode_strategy_state(const core::strategy_config& config,
                                                                  std::string_view text) noexcept {
    try {
        const auto root = detail::parse_object(text);
        if (!root) return unexpected(root.error());
        if (member(*root, "kind").get<std::string>() != core::to_string(config.kind())) {
            return unexpected(codec_error{"kind", "does not match the strategy's kind"});
        }
        auto state = core::initial_state(config);
        const auto& last_open_time = member(*root, "last_open_time");
        if (!last_open_time.is_null()) state.last_open_time = last_open_time.get<std::int64_t>();
        std::visit([&](auto& kind_state) { decode_kind(*root, kind_state); }, state.kind_state);
        return state;
    } catch (const decode_failure& failure) {
        return unexpected(codec_error{failure.field, failure.message});
    } catch (const std::exception& error) {
        return unexpected(codec_error{"", error.what()});
    }
}

}  // namespace hft::codec
