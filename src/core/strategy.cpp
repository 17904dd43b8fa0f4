#include "hft/core/strategy.hpp"

#include <array>

namespace hft::core {

namespace {
constexpr std::array<std::string_view, std::variant_size_v<strategy_params>> kind_names{"sma_cross", "grid", "lazy_grid"};
}  // namespace

std::string_view to_string(strategy_kind kind) noexcept { return kind_names[static_cast<std::size_t>(kind)]; }

std::optional<strategy_kind> parse_strategy_kind(std::string_view text) noexcept {
    for (std::size_t i = 0; i < kind_names.size(); ++i) {
        if (kind_names[i] == text) return static_cast<strategy_kind>(i);
    }
    return std::nullopt;
}

expected<void, domain::field_error> validate(const strategy_config& config) {
    const auto fail = [](std::string_view field) {
        return unexpected(domain::field_error{field, "must not be blank"});
    };
    if (auto id = validate_strategy_id(config.id); !id) return id;
    if (config.exchange.empty()) return fail("exchange");
    if (config.symbol.empty()) return fail("symbol");
    if (config.interval.empty()) return fail("interval");
    if (config.user_id.empty()) return fail("user_id");
    return std::visit([](const auto& params) { return validate(params); }, config.params);
}

strategy_state initial_state(const strategy_config& config) {
    return {std::nullopt, std::visit([](const auto& params) -> decltype(strategy_state::kind_state) {
                              return initial_state(params);
                          },
                                     config.params)};
}

expected<kline_outcome, domain::decimal_error> on_kline(const strategy_config& config, strategy_state& state,
                                                        const domain::kline& k, std::vector<decision>& out) {
    if (k.exchange != config.exchange || k.symbol != config.symbol || k.interval != config.interval) {
        return kline_outcome::other_market;
    }
    if (!k.is_closed) return kline_outcome::not_closed;
    if (state.last_open_time && k.open_time <= *state.last_open_time) return kline_outcome::stale;
    decision_sink sink(config.id, k.open_time, out);
    const auto evaluated = std::visit(
        [&](const auto& params) {
            using state_type = decltype(initial_state(params));
            return on_kline(params, std::get<state_type>(state.kind_state), k, sink);
        },
        config.params);
    if (!evaluated) return unexpected(evaluated.error());
    state.last_open_time = k.open_time;
    return kline_outcome::evaluated;
}

expected<bool, domain::decimal_error> on_fill(strategy_state& state, const fill_report& fill) {
    return std::visit([&](auto& kind_state) { return on_fill(kind_state, fill); }, state.kind_state);
}

}  // namespace hft::core
