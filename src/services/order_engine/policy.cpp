// The order engine's pure decisions: symbol resolution, risk limits from config, the effective kill switch,
// when an order the exchange does not know may be called never placed, and what a command message gets.

#include "hft/services/order_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace hft::services {
namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

int strictness(core::trading_state state) {
    switch (state) {
        case core::trading_state::active: return 0;
        case core::trading_state::reducing: return 1;
        case core::trading_state::halted: return 2;
    }
    return 2;
}

}  // namespace

std::optional<domain::symbol_mapping> resolve_symbol(const std::vector<domain::symbol_mapping>& mappings,
                                                     std::string_view exchange, std::string_view text) {
    for (const auto& m : mappings) {
        if (m.exchange != exchange) continue;
        if (m.symbol == text || m.order_symbol == text || same_ignoring_case(m.kline_symbol, text)) return m;
    }
    return std::nullopt;
}

core::risk_limits parse_risk_limits(const app::risk_limits_config& limits, std::string_view key) {
    const auto parse = [&](const std::optional<std::string>& text, std::string_view name) -> std::optional<domain::decimal> {
        if (!text) return std::nullopt;
        auto value = domain::decimal::parse(*text);
        if (!value || value->is_negative()) {
            throw app::config_error(fmt::format("{}.{} (line {}): \"{}\" is not a decimal >= 0; write it like \"1000.50\"",
                                                key, name, limits.line, *text));
        }
        return *value;
    };
    if (limits.orders_per_second < 0 || limits.order_burst < 1) {
        throw app::config_error(fmt::format("{} (line {}): orders_per_second must be >= 0 and order_burst >= 1", key,
                                            limits.line));
    }
    core::risk_limits parsed;
    parsed.max_order_notional = parse(limits.max_order_notional, "max_order_notional");
    parsed.max_position = parse(limits.max_position, "max_position");
    parsed.max_open_orders = limits.max_open_orders;
    parsed.daily_loss_limit = parse(limits.daily_loss_limit, "daily_loss_limit");
    parsed.orders_per_second = limits.orders_per_second;
    parsed.order_burst = limits.order_burst;
    return parsed;
}

core::trading_state effective_trading_state(const std::vector<trading_state_entry>& states, std::string_view user_id,
                                            const std::optional<std::string>& strategy_id) {
    const auto user_scope = "user:" + std::string(user_id);
    const auto strategy_scope = strategy_id ? "strategy:" + *strategy_id : std::string();
    auto state = core::trading_state::active;
    for (const auto& entry : states) {
        const bool applies = entry.scope == "global" || entry.scope == user_scope ||
                             (strategy_id && entry.scope == strategy_scope);
        if (applies && strictness(entry.state) > strictness(state)) state = entry.state;
    }
    return state;
}

bool never_reached_exchange(std::int64_t sent_at_ms, std::int64_t now_ms, std::chrono::milliseconds recv_window) {
    return now_ms > sent_at_ms + recv_window.count() + unresolved_grace.count();
}

settlement settle_command(const std::optional<order_error>& error, std::uint64_t deliveries, int max_deliver,
                          std::chrono::milliseconds nak_delay) {
    if (!error) return {};
    // A refusal the book already holds (a REJECTED order, published to its sender) is the command's effect.
    if (error->existing && (error->kind == order_error_kind::risk_rejected ||
                            error->kind == order_error_kind::filter_failed)) {
        return {};
    }
    switch (error->kind) {
        case order_error_kind::duplicate:
        case order_error_kind::not_cancelable: return {};  // the effect asked for is already there
        case order_error_kind::unavailable:
            if (deliveries >= static_cast<std::uint64_t>(max_deliver)) {
                return {settlement_kind::dead_letter, {},
                        fmt::format("still failing after {} deliveries: {}", deliveries, error->message)};
            }
            return {settlement_kind::nak, redelivery_delay(nak_delay, deliveries), {}};
        default: return {settlement_kind::dead_letter, {}, error->code + ": " + error->message};
    }
}

}  // namespace hft::services
