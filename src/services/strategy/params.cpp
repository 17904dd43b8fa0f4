// config.yml strategy params (strings) -> core::strategy_config, with messages that name the key and the fix.

#include "hft/services/strategy_params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <span>
#include <string_view>

namespace hft::services {
namespace {

using domain::decimal;

// Thrown inside this file only: one bad param ends the mapping, and the message is complete when thrown.
struct param_failure {
    std::string message;
};

constexpr std::string_view see_example = "see config.yml.example";

// A param key and, for core::validate's field names that differ, the core name it maps to.
struct param_key {
    std::string_view key;
    std::string_view core_field;
};

constexpr std::array lazy_grid_keys{param_key{"step_percent", "step"},   param_key{"base_quantity", "base_quantity"},
                                    param_key{"budget", "budget"},       param_key{"buy_fee_rate", "buy_fee_rate"},
                                    param_key{"sell_fee_rate", "sell_fee_rate"},
                                    param_key{"max_long_levels", "max_long_levels"},
                                    param_key{"tick_size", "tick_size"}, param_key{"step_size", "step_size"}};
constexpr std::array grid_keys{param_key{"lower", "lower"},         param_key{"upper", "upper"},
                               param_key{"levels", "levels"},       param_key{"spacing", "spacing"},
                               param_key{"quantity", "quantity"},   param_key{"tick_size", "tick_size"},
                               param_key{"step_size", "step_size"}};
constexpr std::array sma_cross_keys{param_key{"average", "average"},     param_key{"fast", "fast_period"},
                                    param_key{"slow", "slow_period"},    param_key{"quantity", "quantity"},
                                    param_key{"tick_size", "tick_size"}, param_key{"step_size", "step_size"}};

std::span<const param_key> keys_of(core::strategy_kind kind) {
    switch (kind) {
        case core::strategy_kind::lazy_grid: return lazy_grid_keys;
        case core::strategy_kind::grid: return grid_keys;
        case core::strategy_kind::sma_cross: return sma_cross_keys;
    }
    return {};
}

std::string key_list(std::span<const param_key> keys) {
    std::string list;
    for (const auto& k : keys) {
        if (!list.empty()) list += ", ";
        list += k.key;
    }
    return list;
}

class params_reader {
public:
    params_reader(const app::strategy_instance_config& instance, const instance_site& site)
        : instance_(instance), site_(site) {}

    std::string where(std::string_view key) const { return site_.describe(fmt::format(".params.{}", key)); }

    const std::string* find(std::string_view key) const {
        const auto found = instance_.params.find(std::string(key));
        return found == instance_.params.end() ? nullptr : &found->second;
    }

    [[noreturn]] void fail(std::string_view key, std::string_view problem) const {
        throw param_failure{fmt::format("{} {}", where(key), problem)};
    }

    const std::string& required(std::string_view key, std::string_view example) const {
        const auto* value = find(key);
        if (value == nullptr || value->empty()) {
            fail(key, fmt::format("is missing; {} needs it ({}); {}", instance_.kind, example, see_example));
        }
        return *value;
    }

    decimal to_decimal(std::string_view key, const std::string& text) const {
        const auto parsed = decimal::parse(text);
        if (!parsed) {
            fail(key, fmt::format("\"{}\" is not a decimal; write a plain decimal string such as \"0.001\"", text));
        }
        return *parsed;
    }

    decimal required_decimal(std::string_view key, std::string_view example) const {
        return to_decimal(key, required(key, example));
    }

    decimal optional_decimal(std::string_view key, const decimal& fallback) const {
        const auto* value = find(key);
        return value == nullptr || value->empty() ? fallback : to_decimal(key, *value);
    }

    std::size_t to_count(std::string_view key, const std::string& text) const {
        std::size_t count = 0;
        const auto* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, count);
        if (ec != std::errc{} || ptr != end) {
            fail(key, fmt::format("\"{}\" is not a whole number; write digits only, e.g. \"20\"", text));
        }
        return count;
    }

    std::size_t required_count(std::string_view key, std::string_view example) const {
        return to_count(key, required(key, example));
    }

    std::size_t optional_count(std::string_view key, std::size_t fallback) const {
        const auto* value = find(key);
        return value == nullptr || value->empty() ? fallback : to_count(key, *value);
    }

    /// The index of the value among `choices`; `fallback` when absent.
    std::size_t choice(std::string_view key, std::span<const std::string_view> choices, std::size_t fallback) const {
        const auto* value = find(key);
        if (value == nullptr || value->empty()) return fallback;
        const auto found = std::find(choices.begin(), choices.end(), *value);
        if (found == choices.end()) {
            std::string list;
            for (const auto c : choices) list += (list.empty() ? "" : " or ") + std::string(c);
            fail(key, fmt::format("must be {}; got \"{}\"", list, *value));
        }
        return static_cast<std::size_t>(found - choices.begin());
    }

    /// Every written key must be one of the kind's.
    void refuse_unknown(std::span<const param_key> keys) const {
        for (const auto& [key, value] : instance_.params) {
            const bool known = std::any_of(keys.begin(), keys.end(), [&](const param_key& k) { return k.key == key; });
            if (!known) {
                fail(key, fmt::format("is not a {} parameter; use {} ({})", instance_.kind, key_list(keys),
                                      see_example));
            }
        }
    }

private:
    const app::strategy_instance_config& instance_;
    const instance_site& site_;
};

core::lazy_grid_params lazy_grid_of(const params_reader& p, const core::symbol_rules& rules) {
    core::lazy_grid_params params;
    const auto percent = p.required_decimal("step_percent", "percent between grid levels, e.g. \"0.5\"");
    if (!percent.is_positive() || percent >= decimal::from_integer(100)) {
        p.fail("step_percent", fmt::format("must be between 0 and 100 (a percent: \"0.5\" is 0.5 %); got \"{}\"",
                                           percent.to_string()));
    }
    const auto step = percent.checked_div(decimal::from_integer(100), decimal::max_scale, domain::rounding::half_even);
    if (!step) p.fail("step_percent", "has more digits than 18 decimal places can hold");
    params.step = *step;
    params.base_quantity = p.required_decimal("base_quantity", "base asset bought per level, e.g. \"0.001\"");
    params.budget = p.required_decimal("budget", "most quote currency open buys and holdings may cost, e.g. \"100\"");
    params.buy_fee_rate = p.optional_decimal("buy_fee_rate", {});
    params.sell_fee_rate = p.optional_decimal("sell_fee_rate", {});
    params.max_long_levels = p.optional_count("max_long_levels", 0);
    params.rules = rules;
    return params;
}

core::grid_params grid_of(const params_reader& p, const core::symbol_rules& rules) {
    constexpr std::array<std::string_view, 2> spacings{"arithmetic", "geometric"};
    core::grid_params params;
    params.lower = p.required_decimal("lower", "the lowest level price, e.g. \"20000\"");
    params.upper = p.required_decimal("upper", "the highest level price, e.g. \"30000\"");
    params.levels = p.required_count("levels", "the number of level prices including both bounds, e.g. \"11\"");
    params.spacing = static_cast<core::grid_spacing>(p.choice("spacing", spacings, 0));
    params.quantity = p.required_decimal("quantity", "base asset bought per level, e.g. \"0.001\"");
    params.rules = rules;
    return params;
}

core::sma_cross_params sma_cross_of(const params_reader& p, const core::symbol_rules& rules) {
    constexpr std::array<std::string_view, 2> averages{"sma", "ema"};
    core::sma_cross_params params;
    params.average = p.choice("average", averages, 0) == 0 ? core::average_kind::simple : core::average_kind::exponential;
    params.fast_period = p.required_count("fast", "the fast average's period in klines, e.g. \"9\"");
    params.slow_period = p.required_count("slow", "the slow average's period in klines, e.g. \"21\"");
    params.quantity = p.required_decimal("quantity", "base asset bought on a golden cross, e.g. \"0.001\"");
    params.rules = rules;
    return params;
}

// core::validate names its own fields: say them as the user wrote them.
std::string describe_core_error(const params_reader& p, const instance_site& site, core::strategy_kind kind,
                                const domain::field_error& error) {
    constexpr std::array instance_fields{"id", "exchange", "symbol", "interval", "user_id"};
    if (std::find(instance_fields.begin(), instance_fields.end(), error.field) != instance_fields.end()) {
        return fmt::format("{} {}", site.describe(fmt::format(".{}", error.field)), error.message);
    }
    std::string message(error.message);
    std::string_view key = error.field;
    for (const auto& k : keys_of(kind)) {
        if (k.core_field == error.field) key = k.key;
        // "must be greater than fast_period" speaks of another field: by its param name too.
        if (const auto at = message.find(k.core_field); at != std::string::npos && k.core_field != k.key) {
            message.replace(at, k.core_field.size(), k.key);
        }
    }
    const bool exchange_rule = (key == "tick_size" || key == "step_size") && p.find(key) == nullptr;
    return fmt::format("{} {}{}", p.where(key), message,
                       exchange_rule ? " (the exchange's symbol rules gave it; set tick_size and step_size in params)"
                                     : "");
}

}  // namespace

std::string instance_site::describe(std::string_view suffix) const {
    return fmt::format("{}:{}: strategies[{}]{}", source.filename().string(), line, index, suffix);
}

expected<std::optional<core::symbol_rules>, std::string> configured_rules(const app::strategy_instance_config& instance,
                                                                          const instance_site& site) {
    const params_reader p(instance, site);
    const auto* tick = p.find("tick_size");
    const auto* step = p.find("step_size");
    if (tick == nullptr && step == nullptr) return std::optional<core::symbol_rules>{};
    if (tick == nullptr || step == nullptr) {
        const std::string_view missing = tick == nullptr ? "tick_size" : "step_size";
        return unexpected(fmt::format("{} is missing while {} is set; give both, or neither to take them from the "
                                      "exchange's symbol rules",
                                      p.where(missing), tick == nullptr ? "step_size" : "tick_size"));
    }
    try {
        core::symbol_rules rules{.tick_size = p.to_decimal("tick_size", *tick),
                                 .step_size = p.to_decimal("step_size", *step)};
        if (auto valid = core::validate_increments(rules); !valid) {
            return unexpected(fmt::format("{} {}", p.where(valid.error().field), valid.error().message));
        }
        return std::optional<core::symbol_rules>{rules};
    } catch (const param_failure& failure) {
        return unexpected(failure.message);
    }
}

expected<core::strategy_config, std::string> to_strategy_config(const app::strategy_instance_config& instance,
                                                                const instance_site& site, std::string symbol,
                                                                core::symbol_rules rules) {
    const auto kind = core::parse_strategy_kind(instance.kind);
    if (!kind) {
        return unexpected(fmt::format("{} must be lazy_grid, grid or sma_cross; got \"{}\"", site.describe(".kind"),
                                      instance.kind));
    }
    const params_reader p(instance, site);
    core::strategy_config config{.id = instance.id,
                                 .exchange = instance.exchange,
                                 .symbol = std::move(symbol),
                                 .interval = instance.interval,
                                 .user_id = instance.user_id,
                                 .params = {},
                                 .enabled = instance.enabled};
    try {
        p.refuse_unknown(keys_of(*kind));
        switch (*kind) {
            case core::strategy_kind::lazy_grid: config.params = lazy_grid_of(p, rules); break;
            case core::strategy_kind::grid: config.params = grid_of(p, rules); break;
            case core::strategy_kind::sma_cross: config.params = sma_cross_of(p, rules); break;
        }
    } catch (const param_failure& failure) {
        return unexpected(failure.message);
    }
    if (auto valid = core::validate(config); !valid) {
        return unexpected(describe_core_error(p, site, *kind, valid.error()));
    }
    return config;
}

}  // namespace hft::services
