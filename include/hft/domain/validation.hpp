#pragma once

// The outcome of a failed domain validation: which field broke which rule. A value, never an exception.

#include <iosfwd>
#include <string>
#include <string_view>

namespace hft::domain {

/// A field that broke a rule, e.g. {"quantity", "must be greater than 0"}. Both views refer to static text.
struct field_error {
    std::string_view field;
    std::string_view message;

    friend bool operator==(const field_error&, const field_error&) = default;
};

/// "quantity: must be greater than 0".
std::string to_string(const field_error& error);
std::ostream& operator<<(std::ostream& out, const field_error& error);

}  // namespace hft::domain
