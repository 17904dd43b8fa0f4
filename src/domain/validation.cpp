#include "hft/domain/validation.hpp"

#include <ostream>

namespace hft::domain {

std::string to_string(const field_error& error) {
    std::string text;
    text.reserve(error.field.size() + 2 + error.message.size());
    text.append(error.field).append(": ").append(error.message);
    return text;
}

std::ostream& operator<<(std::ostream& out, const field_error& error) { return out << to_string(error); }

}  // namespace hft::domain
