#pragma once

// Content digests: a migration's checksum, the fingerprint of a dead letter's payload that had to be cut.

#include <string>
#include <string_view>

namespace hft::app {

/// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

}  // namespace hft::app
