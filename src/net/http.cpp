#include "hft/net/http.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <exception>

namespace hft::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> http_request::query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        if (url_decode(key) != name) continue;
        return eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

std::optional<std::string> http_request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

http_response http_response::json(unsigned status, std::string body) {
    http_response response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

http_response json_error(unsigned status, std::string_view message) {
    // The message may quote the request (its path): invalid UTF-8 becomes U+FFFD rather than an exception.
    const nlohmann::ordered_json body{{"code", status}, {"msg", message}};
    return http_response::json(status, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

std::pair<std::string, std::string> split_target(std::string_view target) {
    auto q = target.find('?');
    if (q == std::string_view::npos) return {std::string(target), {}};
    return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::string url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void router::add(std::string method, std::string path, http_handler handler) {
    routes_[std::move(path)][std::move(method)] = std::move(handler);
}

http_response router::dispatch(const http_request& request) const {
    auto by_path = routes_.find(request.path);
    if (by_path == routes_.end()) return json_error(404, "Not found: " + request.path);
    auto by_method = by_path->second.find(request.method);
    if (by_method == by_path->second.end()) {
        auto response = json_error(405, "Method not allowed: " + request.method + " " + request.path);
        std::string allow;
        for (const auto& [method, handler] : by_path->second) allow += (allow.empty() ? "" : ", ") + method;
        response.headers.emplace_back("Allow", allow);
        return response;
    }
    try {
        return by_method->second(request);
    } catch (const std::exception& e) {
        // A throwing handler is a bug; the client still gets an answer and the connection survives.
        return json_error(500, std::string("Internal error: ") + e.what());
    }
}

}  // namespace hft::net
