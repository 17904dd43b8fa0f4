#include "json_support.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <unordered_set>
#include <utility>

namespace hft::codec::detail {

object_writer::object_writer(std::size_t expected_size) {
    out_.reserve(expected_size);
    out_ += '{';
}

void object_writer::key(std::string_view name) {
    if (out_.size() > 1) out_ += ',';
    out_ += '"';
    out_ += name;
    out_ += "\":";
}

void object_writer::add(std::string_view key_name, std::string_view value) {
    key(key_name);
    out_ += '"';
    append_escaped(out_, value);
    out_ += '"';
}

void object_writer::add(std::string_view key_name, std::int64_t value) {
    key(key_name);
    std::array<char, 24> digits;
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out_.append(digits.data(), result.ptr);
}

void object_writer::add(std::string_view key_name, bool value) {
    key(key_name);
    out_ += value ? "true" : "false";
}

void object_writer::add(std::string_view key_name, const domain::decimal& value) {
    key(key_name);
    std::array<char, domain::decimal::max_string_length> digits;
    char* end = value.to_chars(digits.data(), digits.data() + digits.size());
    out_ += '"';
    out_.append(digits.data(), end);
    out_ += '"';
}

void object_writer::add_object(std::string_view key_name, std::string_view object_json) {
    key(key_name);
    out_ += object_json;
}

std::string object_writer::finish() && {
    out_ += '}';
    return std::move(out_);
}

void append_escaped(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        } else {
            out += c;
        }
    }
}

std::string quoted_excerpt(std::string_view text) {
    // Error messages end up in logs and HTTP responses: keep them short, single-line and pure ASCII.
    constexpr std::size_t limit = 40;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : text.substr(0, limit)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7F || c == '"' || c == '\\') {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        } else {
            out += c;
        }
    }
    out += text.size() > limit ? "\"..." : "\"";
    return out;
}

expected<nlohmann::json, codec_error> parse_object(std::string_view json) noexcept {
    if (json.size() > max_message_size) {
        return unexpected(codec_error{"", "message is larger than " + std::to_string(max_message_size) + " bytes"});
    }
    // nlohmann stops at a NUL byte as if the input ended there; valid JSON never contains a raw one.
    if (const auto nul = json.find('\0'); nul != std::string_view::npos) {
        return unexpected(codec_error{"", "invalid JSON at byte " + std::to_string(nul + 1)});
    }
    try {
        // nlohmann keeps the last of two equal keys; a strict decoder must not guess which one was meant.
        std::unordered_set<std::string> keys;
        std::optional<std::string> duplicate;
        const auto watch_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            if (event == nlohmann::json::parse_event_t::key && depth == 1 && !duplicate) {
                auto name = parsed.get<std::string>();
                if (!keys.insert(name).second) duplicate = std::move(name);
            }
            return true;
        };
        auto root = nlohmann::json::parse(json.begin(), json.end(), watch_keys);
        if (!root.is_object()) return unexpected(codec_error{"", "message must be a JSON object"});
        if (duplicate) return unexpected(codec_error{"", "duplicate key " + quoted_excerpt(*duplicate)});
        return root;
    } catch (const nlohmann::json::parse_error& error) {
        // Only the position: the library's text quotes the input, which may hold an api_key.
        return unexpected(codec_error{"", "invalid JSON at byte " + std::to_string(error.byte)});
    } catch (const std::exception&) {
        return unexpected(codec_error{"", "message could not be decoded"});
    }
}

void object_reader::fail(std::string_view field, std::string message) {
    if (!error_) error_ = codec_error{std::string(field), std::move(message)};
}

bool object_reader::has(std::string_view key) const {
    const auto it = object_.find(key);
    return it != object_.end() && !it->is_null();
}

const nlohmann::json* object_reader::member(std::string_view key, bool required) {
    if (error_) return nullptr;
    const auto it = object_.find(key);
    if (it == object_.end()) {
        if (required) fail(key, "is required");
        return nullptr;
    }
    if (it->is_null()) {
        if (required) fail(key, "must not be null");
        return nullptr;
    }
    return &*it;
}

std::optional<std::string> object_reader::optional_string(std::string_view key, bool required) {
    const auto* value = member(key, required);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
        fail(key, std::string("must be a string, not ") + value->type_name());
        return std::nullopt;
    }
    return value->get_ref<const std::string&>();
}

std::optional<domain::decimal> object_reader::optional_decimal(std::string_view key, bool required) {
    const auto* value = member(key, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_number()) {
        fail(key, "must be a string: decimals travel as strings, never as JSON numbers");
        return std::nullopt;
    }
    if (!value->is_string()) {
        fail(key, std::string("must be a decimal string, not ") + value->type_name());
        return std::nullopt;
    }
    const auto& text = value->get_ref<const std::string&>();
    auto parsed = domain::decimal::parse(text);
    if (!parsed) {
        fail(key, quoted_excerpt(text) + " is not a decimal: " + std::string(domain::to_string(parsed.error())));
        return std::nullopt;
    }
    return *parsed;
}

std::optional<std::int64_t> object_reader::optional_integer(std::string_view key, bool required) {
    const auto* value = member(key, required);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) {
        const auto number = value->get<std::uint64_t>();
        if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail(key, "is out of the 64-bit integer range");
            return std::nullopt;
        }
        return static_cast<std::int64_t>(number);
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    if (value->is_number_float()) {
        // nlohmann also turns integers beyond 64 bits into floats.
        fail(key, "must be a 64-bit integer, not a fractional or out-of-range number");
        return std::nullopt;
    }
    fail(key, std::string("must be an integer, not ") + value->type_name());
    return std::nullopt;
}

std::string object_reader::string(std::string_view key) { return optional_string(key, true).value_or(std::string{}); }

std::optional<std::string> object_reader::optional_string(std::string_view key) { return optional_string(key, false); }

domain::decimal object_reader::decimal(std::string_view key) {
    return optional_decimal(key, true).value_or(domain::decimal{});
}

std::optional<domain::decimal> object_reader::optional_decimal(std::string_view key) {
    return optional_decimal(key, false);
}

std::int64_t object_reader::integer(std::string_view key) { return optional_integer(key, true).value_or(0); }

std::optional<std::int64_t> object_reader::optional_integer(std::string_view key) {
    return optional_integer(key, false);
}

bool object_reader::boolean(std::string_view key) {
    const auto* value = member(key, true);
    if (value == nullptr) return false;
    if (!value->is_boolean()) {
        fail(key, std::string("must be true or false, not ") + value->type_name());
        return false;
    }
    return value->get<bool>();
}

void object_reader::version(bool required) {
    const auto* value = member("v", required);
    if (value == nullptr) return;
    if (!value->is_number_integer()) {
        fail("v", std::string("must be an integer, not ") + value->type_name());
        return;
    }
    const bool is_current = value->is_number_unsigned() ? value->get<std::uint64_t>() == std::uint64_t{wire_version}
                                                        : value->get<std::int64_t>() == wire_version;
    if (!is_current) fail("v", "unsupported version " + value->dump() + " (this build reads 1)");
}

}  // namespace hft::codec::detail
