#include "hft/net/http.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <nlohmann/json.hpp>

#include <exception>
#include <set>
#include <stdexcept>

namespace hft::net {
namespace {

namespace urls = boost::urls;

using name_values = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string_view> segments_of(std::string_view path) {
    std::vector<std::string_view> out;
    for (std::size_t start = 0;;) {
        const auto slash = path.find('/', start);
        out.push_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos) return out;
        start = slash + 1;
    }
}

// Whether `path` fits `pattern`; `params` gets the `{name}` segments, decoded.
bool matches(std::string_view pattern, std::string_view path, name_values& params) {
    if (pattern.find('{') == std::string_view::npos) return pattern == path;
    const auto wanted = segments_of(pattern);
    const auto given = segments_of(path);
    if (wanted.size() != given.size()) return false;
    params.clear();
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const auto want = wanted[i];
        if (!(want.starts_with('{') && want.ends_with('}'))) {
            if (want != given[i]) return false;
            continue;
        }
        if (given[i].empty()) return false;
        const auto encoded = urls::make_pct_string_view(given[i]);
        params.emplace_back(want.substr(1, want.size() - 2), encoded ? encoded->decode() : std::string(given[i]));
    }
    return true;
}

http_response call(const http_handler& handler, const http_request& request) {
    try {
        return handler(request);
    } catch (const std::exception& e) {
        // A throwing handler is a bug; the client still gets an answer and the connection survives.
        return json_error(500, std::string("Internal error: ") + e.what());
    }
}

}  // namespace

std::optional<std::string> http_request::query_param(std::string_view name) const {
    const auto params = urls::parse_query(query);
    if (!params) return std::nullopt;
    const urls::encoding_opts plus_as_space(true);
    for (const auto& param : *params) {
        if (param.key.decode(plus_as_space) == name) return param.value.decode(plus_as_space);
    }
    return std::nullopt;
}

std::optional<std::string> http_request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (boost::algorithm::iequals(key, name)) return value;
    }
    return std::nullopt;
}

std::optional<std::string> http_request::path_param(std::string_view name) const {
    for (const auto& [key, value] : path_params) {
        if (key == name) return value;
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

void router::add(std::string method, std::string pattern, http_handler handler) {
    add_route(std::move(method), std::move(pattern), std::move(handler));
}

void router::add(std::string method, std::string pattern, async_http_handler handler) {
    add_route(std::move(method), std::move(pattern), std::move(handler));
}

void router::add_route(std::string method, std::string pattern,
                       std::variant<http_handler, async_http_handler> handler) {
    for (auto& existing : routes_) {
        if (existing.method == method && existing.pattern == pattern) {
            existing.handler = std::move(handler);
            return;
        }
    }
    routes_.push_back(route{std::move(method), std::move(pattern), std::move(handler)});
}

void router::on_not_found(http_handler answer) { not_found_ = std::move(answer); }

void router::on_method_not_allowed(method_not_allowed_handler answer) { method_not_allowed_ = std::move(answer); }

std::variant<const router::route*, http_response> router::find(http_request& request) const {
    const route* chosen = nullptr;
    std::set<std::string_view> allowed;  // sorted, so Allow reads the same whatever the order routes were added in
    name_values params;
    for (const auto& candidate : routes_) {
        if (!matches(candidate.pattern, request.path, params)) continue;
        allowed.insert(candidate.method);
        if (chosen == nullptr && candidate.method == request.method) {
            chosen = &candidate;
            request.path_params = std::move(params);
        }
    }
    if (chosen != nullptr) return chosen;
    if (allowed.empty()) return not_found_ ? not_found_(request) : json_error(404, "Not found: " + request.path);
    std::string allow;
    for (const auto method : allowed) allow.append(allow.empty() ? "" : ", ").append(method);
    auto response = method_not_allowed_
                        ? method_not_allowed_(request, allow)
                        : json_error(405, "Method not allowed: " + request.method + " " + request.path);
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
}

boost::asio::awaitable<http_response> router::answer(http_request request) const {
    auto found = find(request);
    if (auto* refusal = std::get_if<http_response>(&found)) co_return std::move(*refusal);
    const auto& handler = std::get<const route*>(found)->handler;
    if (const auto* synchronous = std::get_if<http_handler>(&handler)) co_return call(*synchronous, request);
    co_return co_await std::get<async_http_handler>(handler)(std::move(request));
}

http_response router::dispatch(http_request request) const {
    auto found = find(request);
    if (auto* refusal = std::get_if<http_response>(&found)) return std::move(*refusal);
    const auto* synchronous = std::get_if<http_handler>(&std::get<const route*>(found)->handler);
    if (synchronous == nullptr) {
        throw std::logic_error("router::dispatch reached an asynchronous handler for " + request.path +
                               "; await router::answer instead");
    }
    return call(*synchronous, request);
}

}  // namespace hft::net
