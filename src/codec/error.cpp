#include "hft/codec/error.hpp"

#include <ostream>

namespace hft::codec {

std::string codec_error::to_string() const {
    if (field.empty()) return message;
    std::string text;
    text.reserve(field.size() + 2 + message.size());
    text.append(field).append(": ").append(message);
    return text;
}

std::ostream& operator<<(std::ostream& out, const codec_error& error) { return out << error.to_string(); }

}  // namespace hft::codec
