#include "hft/domain/validation.hpp"

#include <optional>
#include <ostream>

namespace hft::domain {
namespace {

// The code point of the UTF-8 sequence at text[at], advancing `at`; nullopt for a malformed, overlong or surrogate
// sequence.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& at) noexcept {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    std::size_t length = 0;
    char32_t point = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
        ++at;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        length = 2, point = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, point = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, point = lead & 0x07, minimum = 0x10000;
    } else {
        return std::nullopt;
    }
    if (at + length > text.size()) return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) return std::nullopt;
        point = (point << 6) | (byte(at + i) & 0x3F);
    }
    if (point < minimum || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return std::nullopt;
    at += length;
    return point;
}

constexpr bool is_control(char32_t point) noexcept { return point < 0x20 || (point >= 0x7F && point <= 0x9F); }

constexpr bool is_bidi_control(char32_t point) noexcept {
    return (point >= 0x202A && point <= 0x202E) || (point >= 0x2066 && point <= 0x2069);
}

}  // namespace

expected<void, field_error> validate_text(std::string_view field, std::string_view text) noexcept {
    static_assert(max_text_bytes == 512, "the message below names the limit");
    if (text.size() > max_text_bytes) return unexpected(field_error{field, "must be at most 512 bytes"});
    for (std::size_t at = 0; at < text.size();) {
        const auto point = next_code_point(text, at);
        if (!point) return unexpected(field_error{field, "must be valid UTF-8"});
        if (is_control(*point)) return unexpected(field_error{field, "must not contain control characters"});
        if (is_bidi_control(*point)) {
            return unexpected(field_error{field, "must not contain bidirectional override characters (U+202A-U+202E, "
                                                 "U+2066-U+2069)"});
        }
    }
    return {};
}

std::string to_string(const field_error& error) {
    std::string text;
    text.reserve(error.field.size() + 2 + error.message.size());
    text.append(error.field).append(": ").append(error.message);
    return text;
}

std::ostream& operator<<(std::ostream& out, const field_error& error) { return out << to_string(error); }

}  // namespace hft::domain
