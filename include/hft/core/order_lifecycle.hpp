#pragma once

// How an order's state moves when the exchange reports on it (DESIGN §5): PENDING_NEW → NEW →
// PARTIALLY_FILLED → FILLED | CANCELED | REJECTED | EXPIRED, and UNKNOWN while an outcome is ambiguous.
// Reports arrive out of order and more than once (a poll after a fill, a reconnect, a reconciliation), so a
// report may only move an order forward: a terminal status is final, the filled quantity never shrinks,
// and a report that adds nothing is recognised as stale. Pure.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"

#include <optional>
#include <string>

namespace hft::core {

struct order_progress {
    domain::order_status status = domain::order_status::pending_new;
    domain::decimal filled_quantity;

    friend bool operator==(const order_progress&, const order_progress&) = default;
};

/// The order's state after the exchange reported `reported` for an order of `quantity`: nullopt when the
/// report is stale or changes nothing, an error when it contradicts what is known (more filled than ordered,
/// a terminal order reported with another outcome, FILLED without the whole quantity).
expected<std::optional<order_progress>, std::string> advance(const order_progress& current,
                                                             const domain::decimal& quantity,
                                                             const order_progress& reported);

}  // namespace hft::core
