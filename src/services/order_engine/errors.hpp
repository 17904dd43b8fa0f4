#pragma once

// The order_error shapes more than one part of the engine answers with.

#include "hft/services/order_service.hpp"

#include <optional>
#include <string>
#include <utility>

namespace hft::services::order_engine_detail {

inline order_error error_of(order_error_kind kind, std::string code, std::string message) {
    return {kind, std::move(code), std::move(message), std::nullopt};
}

inline order_error unavailable(std::string what) {
    return error_of(order_error_kind::unavailable, "UNAVAILABLE", std::move(what) + "; retry later");
}

}  // namespace hft::services::order_engine_detail
