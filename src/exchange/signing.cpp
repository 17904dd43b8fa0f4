#include "hft/exchange/signing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace hft::exchange {

bool is_valid_client_order_id(std::string_view client_id) noexcept {
    constexpr std::size_t max_length = 36;
    const auto legal = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == ':' ||
               c == '/' || c == '_' || c == '-';
    };
    return !client_id.empty() && client_id.size() <= max_length && std::all_of(client_id.begin(), client_id.end(), legal);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest.data(), &length) ==
        nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    static constexpr char hex_digits[] = "0123456789abcdef";
    std::string hex(2 * length, '0');
    for (unsigned int i = 0; i < length; ++i) {
        hex[2 * i] = hex_digits[digest[i] >> 4];
        hex[2 * i + 1] = hex_digits[digest[i] & 0x0f];
    }
    return hex;
}

}  // namespace hft::exchange
