#include "hft/domain/order_record.hpp"

namespace hft::domain {

expected<void, field_error> validate(const cancel_order_command& command) noexcept {
    for (const auto& [field, id] : {std::pair<std::string_view, std::string_view>{"request_id", command.request_id},
                                    {"order_id", command.order_id},
                                    {"user_id", command.user_id}}) {
        if (auto valid = validate_id(field, id); !valid) return valid;
    }
    if (command.requested_at <= 0) return unexpected(field_error{"requested_at", "must be set"});
    return {};
}

}  // namespace hft::domain
