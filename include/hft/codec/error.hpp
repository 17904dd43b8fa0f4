#pragma once

// Why a wire message could not be decoded. Decoders return it as a value; they never throw.

#include <cstddef>
#include <iosfwd>
#include <string>

namespace hft::codec {

/// Messages above this size are rejected unread (a kline event is about 500 bytes, an order about 400).
inline constexpr std::size_t max_message_size = 64 * 1024;

/// The wire format version this code writes and reads.
inline constexpr int wire_version = 1;

/// A decoding failure: the offending key (empty for whole-message problems) and what is wrong with it.
struct codec_error {
    std::string field;
    std::string message;

    /// `quantity: "abc" is not a decimal: ...`, or just the message when no field is involved.
    std::string to_string() const;

    friend bool operator==(const codec_error&, const codec_error&) = default;
};

std::ostream& operator<<(std::ostream& out, const codec_error& error);

}  // namespace hft::codec
