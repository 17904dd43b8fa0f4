#pragma once

// Private to the codec layer: a small JSON object writer and a reader that records the first decoding error.
// Keeps nlohmann_json out of every public header.

#include "hft/codec/error.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hft::codec::detail {

/// Appends one flat JSON object's members; keys are trusted literals, string values are escaped.
class object_writer {
public:
    explicit object_writer(std::size_t expected_size);

    void add(std::string_view key, std::string_view value);
    void add(std::string_view key, const char* value) { add(key, std::string_view{value}); }
    void add(std::string_view key, std::int64_t value);
    void add(std::string_view key, bool value);
    void add(std::string_view key, const domain::decimal& value);
    /// A nested object, already written by another object_writer.
    void add_object(std::string_view key, std::string_view object_json);

    /// Closes the object and hands over the text.
    std::string finish() &&;

private:
    void key(std::string_view name);

    std::string out_;
};

/// Appends `text` JSON-escaped, without the surrounding quotes.
void append_escaped(std::string& out, std::string_view text);

/// `"text"` escaped and cut to a readable length, for quoting a bad input value inside an error message.
std::string quoted_excerpt(std::string_view text);

/// Parses `json` into a top-level object: size limit, valid JSON (UTF-8 checked), an object, no duplicate key.
expected<nlohmann::json, codec_error> parse_object(std::string_view json) noexcept;

/// Typed access to a parsed object's members. The first failure is kept and later reads become no-ops
/// returning defaults, so a decoder reads every field in wire order and checks error() once at the end.
class object_reader {
public:
    explicit object_reader(const nlohmann::json& object) : object_(object) {}

    std::string string(std::string_view key);
    std::optional<std::string> optional_string(std::string_view key);
    domain::decimal decimal(std::string_view key);
    std::optional<domain::decimal> optional_decimal(std::string_view key);
    std::int64_t integer(std::string_view key);
    std::optional<std::int64_t> optional_integer(std::string_view key);
    bool boolean(std::string_view key);

    /// Reads an enum from its wire spelling with `parse` (returning std::optional); `allowed` lists the
    /// spellings for the error message.
    template <class Parse>
    auto enumeration(std::string_view key, Parse parse, std::string_view allowed) {
        return enumeration(key, parse, allowed, true);
    }

    template <class Parse>
    auto optional_enumeration(std::string_view key, Parse parse, std::string_view allowed) {
        return enumeration(key, parse, allowed, false);
    }

    /// Reads the nested object at `key` with `read(object_reader&)`; a failure inside names "key.field".
    template <class Read>
    auto optional_object(std::string_view key, Read read) -> std::optional<decltype(read(std::declval<object_reader&>()))> {
        const auto* value = member(key, false);
        if (value == nullptr) return std::nullopt;
        if (!value->is_object()) {
            fail(key, "must be an object");
            return std::nullopt;
        }
        object_reader inner{*value};
        auto result = read(inner);
        if (inner.error()) {
            fail(std::string(key) + "." + inner.error()->field, inner.error()->message);
            return std::nullopt;
        }
        return result;
    }

    /// Checks "v": when `required` is false an absent "v" counts as version 1.
    void version(bool required);
    /// True when the object has `key` with a non-null value.
    bool has(std::string_view key) const;

    void fail(std::string_view field, std::string message);
    const std::optional<codec_error>& error() const noexcept { return error_; }

private:
    // The member, or null when absent or JSON null; records "is required" when `required`.
    const nlohmann::json* member(std::string_view key, bool required);
    std::optional<std::string> optional_string(std::string_view key, bool required);
    std::optional<domain::decimal> optional_decimal(std::string_view key, bool required);
    std::optional<std::int64_t> optional_integer(std::string_view key, bool required);

    template <class Parse>
    auto enumeration(std::string_view key, Parse parse, std::string_view allowed, bool required)
        -> decltype(parse(std::string_view{})) {
        const auto text = optional_string(key, required);
        if (!text) return std::nullopt;
        if (auto value = parse(*text)) return value;
        fail(key, quoted_excerpt(*text) + " is not one of " + std::string(allowed));
        return std::nullopt;
    }

    const nlohmann::json& object_;
    std::optional<codec_error> error_;
};

}  // namespace hft::codec::detail
