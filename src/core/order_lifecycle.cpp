#include "hft/core/order_lifecycle.hpp"

namespace hft::core {
namespace {

using domain::order_status;

// Position along the lifecycle; UNKNOWN and PENDING_NEW are "not known to be open yet".
int rank(order_status status) noexcept {
    switch (status) {
        case order_status::pending_new:
        case order_status::unknown: return 0;
        case order_status::new_: return 1;
        case order_status::partially_filled: return 2;
        case order_status::filled:
        case order_status::canceled:
        case order_status::rejected:
        case order_status::expired: return 3;
    }
    return 0;
}

std::string name(order_status status) { return std::string(domain::to_string(status)); }

}  // namespace

expected<std::optional<order_progress>, std::string> advance(const order_progress& current,
                                                             const domain::decimal& quantity,
                                                             const order_progress& reported) {
    if (reported.filled_quantity > quantity) {
        return unexpected<std::string>("the exchange reports " + reported.filled_quantity.to_string() +
                                       " filled of an order for " + quantity.to_string());
    }
    if (reported.status == order_status::filled && reported.filled_quantity != quantity) {
        return unexpected<std::string>("the exchange reports FILLED with " + reported.filled_quantity.to_string() +
                                       " of " + quantity.to_string());
    }
    if (domain::is_terminal(current.status)) {
        if (reported.status == current.status && reported.filled_quantity == current.filled_quantity) {
            return std::optional<order_progress>{};
        }
        if (rank(reported.status) < 3 && reported.filled_quantity <= current.filled_quantity) {
            return std::optional<order_progress>{};  // an older report of a finished order
        }
        return unexpected<std::string>("the order is " + name(current.status) + " with " +
                                       current.filled_quantity.to_string() + " filled, but the exchange reports " +
                                       name(reported.status) + " with " + reported.filled_quantity.to_string());
    }
    if (reported.filled_quantity < current.filled_quantity) return std::optional<order_progress>{};  // stale
    order_progress next = reported;
    // A fill reported on an order the exchange still calls NEW makes it partially filled, and a report older
    // than what we know never moves the status back.
    if (next.status == order_status::new_ && next.filled_quantity.is_positive()) {
        next.status = order_status::partially_filled;
    }
    if (rank(next.status) < rank(current.status)) next.status = current.status;
    if (next == current) return std::optional<order_progress>{};
    return std::optional<order_progress>{next};
}

}  // namespace hft::core
