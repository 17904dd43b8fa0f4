#pragma once

// What the websocket and HTTP clients share about reaching a server: the host and port of a URL, and a TLS
// client stream set up to send SNI and verify that the peer's certificate names the host.

#include "hft/domain/expected.hpp"

#include <boost/asio/ssl.hpp>
#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace hft::net::detail {

struct authority {
    std::string host;
    std::string port;
};

/// `host[:port]` (no user info); `default_port` when none is given. Errors start with `what` ("websocket URL").
expected<authority, std::string> parse_authority(std::string_view text, std::string_view default_port,
                                                 std::string_view what);

/// SNI (many hosts behind one address need it to pick the certificate) and host-name verification of the
/// certificate. False when OpenSSL refused the name.
template <class TlsStream>
bool prepare_tls_client(TlsStream& tls, const std::string& host) {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    if (SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())) != 1) {
        return false;
    }
    tls.set_verify_callback(boost::asio::ssl::host_name_verification(host));
    return true;
}

}  // namespace hft::net::detail
