#pragma once

// The outcome of a failed domain validation: which field broke which rule. A value, never an exception.

#include "hft/domain/expected.hpp"

#include <cstddef>
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

/// Longest accepted free text (a kill-switch reason), in bytes.
inline constexpr std::size_t max_text_bytes = 512;

/// Free text a person wrote: valid UTF-8 of at most max_text_bytes, without control characters or the
/// bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) that make a log line or a page read
/// differently from what it holds.
expected<void, field_error> validate_text(std::string_view field, std::string_view text) noexcept;

/// "quantity: must be greater than 0".
std::string to_string(const field_error& error);
std::ostream& operator<<(std::ostream& out, const field_error& error);

}  // namespace hft::domain
