#pragma once

// How store/ talks about a PostgreSQL connection without ever showing its password: the DSN parsed by
// libpq itself, the server described as host:port (database, user), and libpq's failure reason with a hint.

#include <map>
#include <string>
#include <string_view>

namespace hft::store {

/// keyword -> value as libpq reads `dsn` (URI or key=value); throws std::invalid_argument (redacted) when invalid.
std::map<std::string, std::string> parse_dsn(const std::string& dsn);
/// "127.0.0.1:5432 (database market_data, user hft)".
std::string describe_server(const std::map<std::string, std::string>& conninfo);
/// libpq's message without its "connection to server at ... failed:" preamble, first line only, redacted.
std::string connection_failure_reason(std::string_view message);
/// The likely fix for a connection failure `reason`.
std::string connection_failure_hint(std::string_view reason);

}  // namespace hft::store
