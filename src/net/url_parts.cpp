#include "url_parts.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace hft::net::detail {

namespace urls = boost::urls;

expected<server_url, std::string> parse_server_url(std::string_view text, std::string_view what, urls::scheme plain,
                                                   urls::scheme secure) {
    const auto problem = [&](std::string_view message) {
        return unexpected<std::string>(std::string(what) + " " + std::string(message));
    };
    const auto parsed = urls::parse_uri(text);
    // Named even when the rest does not parse: "127.0.0.1:9000" lacks a scheme more than anything else.
    const auto scheme = parsed ? parsed->scheme_id() : urls::string_to_scheme(text.substr(0, text.find("://")));
    if (scheme != plain && scheme != secure) {
        return problem("must start with " + std::string(urls::to_string(plain)) + ":// or " +
                       std::string(urls::to_string(secure)) + "://");
    }
    if (!parsed) return problem("is malformed (" + parsed.error().message() + ")");
    if (parsed->has_userinfo() || parsed->encoded_host().empty()) return problem("needs a host (and no user info)");
    unsigned port = urls::default_port(scheme);
    if (parsed->has_port()) {
        // Read here, not with port_number(): Boost 1.81 wraps some numbers past 65535 (99999 reads as 34463).
        const auto digits = parsed->port();
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (error != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) {
            return problem("has an invalid port");
        }
    }

    server_url out;
    out.tls = scheme == secure;
    out.host = parsed->host_address();
    out.port = std::to_string(port);
    out.url = *parsed;
    return out;
}

std::string uri_host(const std::string& host) {
    boost::system::error_code not_an_address;
    const auto address = boost::asio::ip::make_address(host, not_an_address);
    return !not_an_address && address.is_v6() ? "[" + host + "]" : host;
}

}  // namespace hft::net::detail
