#pragma once

// What the websocket and HTTP clients share about reaching a server: reading its URL (Boost.URL), writing its
// host the way HTTP does, and a TLS client stream set up to send SNI and verify the peer's certificate.

#include "hft/domain/expected.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url_view.hpp>
#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace hft::net::detail {

struct server_url {
    bool tls = false;
    /// What the resolver and the certificate check take: a name, or an address (an IPv6 one without brackets).
    std::string host;
    std::string port;            ///< the URL's, else the scheme's default (80, 443)
    boost::urls::url_view url;   ///< the whole URL, for its path and query; views the parsed text
};

/// A `plain`:// or `secure`:// URL with a host, an optional port in 1..65535 and no user info. Errors start with
/// `what` ("websocket URL").
expected<server_url, std::string> parse_server_url(std::string_view text, std::string_view what,
                                                   boost::urls::scheme plain, boost::urls::scheme secure);

/// The host as a Host header and a URL write it: an IPv6 address in brackets.
std::string uri_host(const std::string& host);

/// SNI (many hosts behind one address need it to pick the certificate) and host-name verification of the
/// certificate. An IP address gets no SNI (RFC 6066 allows names only) and is checked against the certificate's
/// IP addresses. False when OpenSSL refused the name.
template <class TlsStream>
bool prepare_tls_client(TlsStream& tls, const std::string& host) {
    boost::system::error_code not_an_address;
    boost::asio::ip::make_address(host, not_an_address);
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    if (not_an_address && SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                   const_cast<char*>(host.c_str())) != 1) {
        return false;
    }
    tls.set_verify_callback(boost::asio::ssl::host_name_verification(host));
    return true;
}

}  // namespace hft::net::detail
