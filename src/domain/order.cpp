#include "hft/domain/order.hpp"

#include <array>
#include <utility>

namespace hft::domain {

namespace {

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) noexcept {
    const auto index = static_cast<std::size_t>(value);
    return index < N ? names[index] : std::string_view{"UNKNOWN_ENUM_VALUE"};
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::string_view, N>& names, std::string_view text) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) return static_cast<Enum>(i);
    }
    return std::nullopt;
}

// Each table is indexed by its enum.
constexpr std::array<std::string_view, 2> side_names{"BUY", "SELL"};
constexpr std::array<std::string_view, 2> type_names{"LIMIT", "MARKET"};
constexpr std::array<std::string_view, 3> tif_names{"GTC", "IOC", "FOK"};
constexpr std::array<std::string_view, 8> status_names{"PENDING_NEW", "NEW",      "PARTIALLY_FILLED", "FILLED",
                                                       "CANCELED",    "REJECTED", "EXPIRED",          "UNKNOWN"};

constexpr bool is_id_character(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
}

}  // namespace

// A small safe charset keeps every place an id goes free of quoting, truncation and injection concerns.
expected<void, field_error> validate_id(std::string_view field, std::string_view id) noexcept {
    if (id.empty()) return unexpected(field_error{field, "must not be blank"});
    if (id.size() > max_id_length) return unexpected(field_error{field, "must be at most 64 characters"});
    for (const char c : id) {
        if (!is_id_character(c)) return unexpected(field_error{field, "may only contain A-Z a-z 0-9 _ - . :"});
    }
    return {};
}

std::string_view to_string(order_side side) noexcept { return name_of(side_names, side); }
std::string_view to_string(order_type type) noexcept { return name_of(type_names, type); }
std::string_view to_string(time_in_force tif) noexcept { return name_of(tif_names, tif); }
std::string_view to_string(order_status status) noexcept { return name_of(status_names, status); }

std::optional<order_side> parse_order_side(std::string_view text) noexcept {
    return value_of<order_side>(side_names, text);
}
std::optional<order_type> parse_order_type(std::string_view text) noexcept {
    return value_of<order_type>(type_names, text);
}
std::optional<time_in_force> parse_time_in_force(std::string_view text) noexcept {
    return value_of<time_in_force>(tif_names, text);
}
std::optional<order_status> parse_order_status(std::string_view text) noexcept {
    return value_of<order_status>(status_names, text);
}

bool is_terminal(order_status status) noexcept {
    switch (status) {
        case order_status::filled:
        case order_status::canceled:
        case order_status::rejected:
        case order_status::expired: return true;
        case order_status::pending_new:
        case order_status::new_:
        case order_status::partially_filled:
        case order_status::unknown: return false;
    }
    return false;
}

expected<void, field_error> validate(const place_order_command& command) noexcept {
    const auto fail = [](std::string_view field, std::string_view message) {
        return unexpected(field_error{field, message});
    };
    const std::pair<std::string_view, std::string_view> ids[] = {
        {"request_id", command.request_id}, {"order_id", command.order_id}, {"user_id", command.user_id},
        {"exchange", command.exchange},     {"symbol", command.symbol},
    };
    for (const auto& [field, id] : ids) {
        if (auto valid = validate_id(field, id); !valid) return valid;
    }
    if (command.type == order_type::limit) {
        if (!command.price) return fail("price", "is required for LIMIT orders");
        if (!command.price->is_positive()) return fail("price", "must be greater than 0");
    } else if (command.price) {
        // A MARKET order with a price is ambiguous (did the sender mean LIMIT?): refuse rather than guess.
        return fail("price", "must be absent for MARKET orders");
    }
    if (!command.quantity.is_positive()) return fail("quantity", "must be greater than 0");
    if (auto valid = validate_id("source", command.source); !valid) return valid;
    if (command.strategy_id) {
        if (auto valid = validate_id("strategy_id", *command.strategy_id); !valid) return valid;
    }
    if (command.requested_at <= 0) return fail("requested_at", "must be set");
    if (command.expires_at && *command.expires_at <= command.requested_at) {
        return fail("expires_at", "must be after requested_at");
    }
    if (command.kline_open_time && *command.kline_open_time < 0) return fail("kline_open_time", "must not be negative");
    if (command.received_ns && *command.received_ns < 0) return fail("received_ns", "must not be negative");
    return {};
}

}  // namespace hft::domain
