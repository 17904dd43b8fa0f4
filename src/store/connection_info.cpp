#include "connection_info.hpp"

#include "hft/app/redact.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cctype>
#include <memory>
#include <stdexcept>

namespace hft::store {

// The parsed DSN as keyword -> value (libpq's own parser, so every form libpq accepts is understood).
std::map<std::string, std::string> parse_dsn(const std::string& dsn) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(dsn.c_str(), &error),
                                                                         &PQconninfoFree);
    if (!options) {
        std::string reason = error != nullptr ? app::redact_text(error) : "out of memory";
        PQfreemem(error);
        while (!reason.empty() && std::isspace(static_cast<unsigned char>(reason.back()))) reason.pop_back();
        throw std::invalid_argument(fmt::format("the database DSN is not valid: {}", reason));
    }
    std::map<std::string, std::string> values;
    for (auto* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr && *option->val != '\0') values[option->keyword] = option->val;
    }
    return values;
}

// "127.0.0.1:5432 (database market_data, user hft)": where a connection went, never with its password.
std::string describe_server(const std::map<std::string, std::string>& conninfo) {
    const auto value = [&](const char* key, std::string fallback) {
        const auto it = conninfo.find(key);
        return it == conninfo.end() ? fallback : it->second;
    };
    std::string where = fmt::format("{}:{}", value("host", value("hostaddr", "localhost")), value("port", "5432"));
    std::string who = fmt::format("database {}", value("dbname", "(default)"));
    if (conninfo.contains("user")) who += ", user " + conninfo.at("user");
    return fmt::format("{} ({})", where, who);
}

// libpq's message without its "connection to server at ... failed:" preamble and second-line hints.
std::string connection_failure_reason(std::string_view message) {
    std::string reason(message.substr(0, message.find('\n')));
    if (const auto failed = reason.rfind("failed: "); failed != std::string::npos) reason.erase(0, failed + 8);
    while (!reason.empty() && std::isspace(static_cast<unsigned char>(reason.back()))) reason.pop_back();
    return app::redact_text(reason);
}

std::string connection_failure_hint(std::string_view reason) {
    if (reason.find("does not exist") != std::string_view::npos && reason.find("database") != std::string_view::npos) {
        return "hft migrate --action up creates it";
    }
    if (reason.find("authentication") != std::string_view::npos || reason.find("password") != std::string_view::npos ||
        reason.find("no pg_hba.conf entry") != std::string_view::npos) {
        return "check the user and password in the DSN and the server's pg_hba.conf";
    }
    return "is it running? try scripts/infra up";
}

}  // namespace hft::store
