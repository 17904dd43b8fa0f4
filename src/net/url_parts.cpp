#include "url_parts.hpp"

#include <charconv>

namespace hft::net::detail {

expected<authority, std::string> parse_authority(std::string_view text, std::string_view default_port,
                                                 std::string_view what) {
    authority parsed;
    const auto colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        const auto port = text.substr(colon + 1);
        unsigned number = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (ec != std::errc{} || end != port.data() + port.size() || number == 0 || number > 65535) {
            return unexpected<std::string>(std::string(what) + " has an invalid port");
        }
        parsed.port = std::string(port);
        text = text.substr(0, colon);
    } else {
        parsed.port = std::string(default_port);
    }
    if (text.empty() || text.find('@') != std::string_view::npos) {
        return unexpected<std::string>(std::string(what) + " needs a host (and no user info)");
    }
    parsed.host = std::string(text);
    return parsed;
}

}  // namespace hft::net::detail
