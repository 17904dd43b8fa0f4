// The socket-free half of the order HTTP API: authentication, request decoding and error mapping.

#include "hft/codec/order_update.hpp"
#include "hft/codec/place_order.hpp"
#include "hft/core/risk.hpp"
#include "hft/services/order_http_api.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>

namespace hft::services {
namespace {

using json = nlohmann::json;

constexpr int max_list_limit = 1000;

api_error bad_request(std::string code, std::string message, std::optional<std::string> field = std::nullopt) {
    auto error = make_api_error(400, std::move(code), std::move(message));
    error.field = std::move(field);
    return error;
}

api_error invalid_field(std::string_view field, std::string_view problem) {
    return bad_request("INVALID_FIELD", std::string(field) + ": " + std::string(problem), std::string(field));
}

api_error invalid_field(const domain::field_error& error) { return invalid_field(error.field, error.message); }

api_error unauthorized(std::string code, std::string message) {
    return make_api_error(401, std::move(code), std::move(message));
}


// One JSON object, with nlohmann's silent "last duplicate wins" turned into an error as in the codecs. The
// parser's own message is not passed on: it quotes the input, which may hold an api_key.
expected<json, api_error> parse_object(std::string_view body) {
    const auto invalid = [](std::string message) {
        return unexpected(bad_request("INVALID_JSON", std::move(message)));
    };
    if (body.find('\0') != std::string_view::npos) return invalid("the body is not valid JSON: it contains a NUL byte");
    std::unordered_set<std::string> keys;
    std::optional<std::string> duplicate;
    const auto watch_keys = [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth == 1 && event == json::parse_event_t::key && !keys.insert(parsed.get<std::string>()).second) {
            duplicate = parsed.get<std::string>();
        }
        return true;
    };
    try {
        auto parsed = json::parse(body.begin(), body.end(), watch_keys);
        if (!parsed.is_object()) return invalid("the body must be one JSON object, {...}");
        if (duplicate) return invalid("the body has the key \"" + *duplicate + "\" twice; send each key once");
        return parsed;
    } catch (const json::parse_error& e) {
        return invalid("the body is not valid JSON (error at byte " + std::to_string(e.byte) +
                       "); send one JSON object with Content-Type: application/json");
    } catch (const json::exception&) {
        // out_of_range: a number such as 1e400 that no double holds, in any member, known or not.
        return invalid("the body holds a number out of range (beyond +-1.8e308); send decimals as strings");
    }
}

// A string member: absent or null is nullopt, anything but a string is an error naming the key.
expected<std::optional<std::string>, api_error> string_member(const json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return unexpected(invalid_field(key, "must be a string"));
    return std::optional<std::string>{it->get<std::string>()};
}

expected<std::string, api_error> required_string(const json& object, std::string_view key) {
    auto value = string_member(object, key);
    if (!value) return unexpected(value.error());
    if (!*value || (*value)->empty()) return unexpected(invalid_field(key, "is required"));
    return **value;
}

// Loops over the whole presented key whatever the configured one holds, so the time taken depends only on the
// presented length; no early exit at the first differing byte.
bool same_key(std::string_view presented, std::string_view configured) noexcept {
    unsigned diff = presented.size() == configured.size() ? 0U : 1U;
    for (std::size_t i = 0; i < presented.size(); ++i) {
        diff |=
            static_cast<unsigned char>(presented[i]) ^ static_cast<unsigned char>(configured[i % configured.size()]);
    }
    return diff == 0;
}

std::string_view default_code(order_error_kind kind) {
    switch (kind) {
        case order_error_kind::invalid_request: return "INVALID_REQUEST";
        case order_error_kind::unknown_exchange: return "UNKNOWN_EXCHANGE";
        case order_error_kind::unknown_symbol: return "UNKNOWN_SYMBOL";
        case order_error_kind::no_account: return "NO_ACCOUNT";
        case order_error_kind::filter_failed: return "FILTER_FAILED";
        case order_error_kind::risk_rejected: return "RISK_REJECTED";
        case order_error_kind::duplicate: return "DUPLICATE_ORDER";
        case order_error_kind::not_found: return "ORDER_NOT_FOUND";
        case order_error_kind::not_cancelable: return "ORDER_NOT_CANCELABLE";
        case order_error_kind::unavailable: return "UNAVAILABLE";
    }
    return "INTERNAL_ERROR";
}

unsigned status_of(order_error_kind kind) {
    switch (kind) {
        case order_error_kind::invalid_request:
        case order_error_kind::unknown_exchange:
        case order_error_kind::unknown_symbol:
        case order_error_kind::no_account:
        case order_error_kind::filter_failed: return 400;
        case order_error_kind::risk_rejected: return 422;
        case order_error_kind::duplicate:
        case order_error_kind::not_cancelable: return 409;
        case order_error_kind::not_found: return 404;
        case order_error_kind::unavailable: return 503;
    }
    return 500;
}

// The HTTP body into the wire command's shape: an absent order_id takes the request_id, and the enum
// spellings are upper-cased because existing clients send "buy" and "limit".
void normalize_place_body(json& body) {
    const auto order_id = body.find("order_id");
    const auto request_id = body.find("request_id");
    if ((order_id == body.end() || order_id->is_null()) && request_id != body.end() && request_id->is_string()) {
        body["order_id"] = *request_id;
    }
    for (const char* key : {"type", "side", "time_in_force"}) {
        const auto it = body.find(key);
        if (it != body.end() && it->is_string()) *it = boost::algorithm::to_upper_copy(it->get<std::string>());
    }
}

// "global", or "user:" / "strategy:" followed by an id valid by the rule every id keeps.
bool is_scope(std::string_view scope) {
    if (scope == "global") return true;
    for (std::string_view prefix : {"user:", "strategy:"}) {
        if (scope.starts_with(prefix) && domain::validate_id("scope", scope.substr(prefix.size()))) return true;
    }
    return false;
}

}  // namespace

api_error make_api_error(unsigned status, std::string code, std::string message) {
    api_error error;
    error.status = status;
    error.code = std::move(code);
    error.message = std::move(message);
    return error;
}

std::string encode(const api_error& error) {
    json inner = {{"code", error.code}, {"message", error.message}};
    if (error.field) inner["field"] = *error.field;
    // Messages may quote what a client sent; invalid UTF-8 there must not make the error itself fail.
    std::string out = "{\"error\":" + inner.dump(-1, ' ', false, json::error_handler_t::replace);
    if (error.order) out.append(",\"order\":").append(codec::encode(*error.order));
    out.push_back('}');
    return out;
}

expected<std::string, api_error> decode_order_id(std::string order_id) {
    if (auto valid = domain::validate_id("order_id", order_id); !valid) return unexpected(invalid_field(valid.error()));
    return order_id;
}

expected<std::string, api_error> authenticate(std::string_view presented, std::span<const app::api_key_config> keys,
                                              std::chrono::system_clock::time_point now) {
    if (presented.empty()) {
        return unexpected(unauthorized(
            "API_KEY_MISSING", "an API key is required: send it in the X-API-Key header or as the body's api_key"));
    }
    std::size_t matched = keys.size();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto& configured = keys[i].key.reveal();
        if (configured.empty()) continue;  // depends on config only, never on the presented key
        const bool same = same_key(presented, configured);
        matched = same ? i : matched;
    }
    if (matched == keys.size()) {
        return unexpected(unauthorized("API_KEY_INVALID", "the API key is not valid: use a key listed in api_keys"));
    }
    const auto& key = keys[matched];
    if (!key.active) {
        return unexpected(unauthorized(
            "API_KEY_INACTIVE", "the API key is inactive: use an active key, or set active: true for it in api_keys"));
    }
    if (key.expired_at && now > *key.expired_at) {
        return unexpected(unauthorized(
            "API_KEY_EXPIRED", "the API key has expired: use a current key, or move its expired_at in api_keys"));
    }
    return key.name;
}

api_error to_api_error(order_error error) {
    auto out = make_api_error(status_of(error.kind),
                              error.code.empty() ? std::string(default_code(error.kind)) : std::move(error.code),
                              std::move(error.message));
    out.order = std::move(error.existing);
    out.retry_after = std::chrono::ceil<std::chrono::seconds>(error.retry_after);
    return out;
}

expected<domain::place_order_command, api_error> decode_place_request(std::string_view body, std::int64_t now_ms) {
    auto parsed = parse_object(body);
    if (!parsed) return unexpected(parsed.error());
    json object = *std::move(parsed);
    normalize_place_body(object);
    auto decoded = codec::decode_place_order(object.dump());
    if (!decoded) {
        const auto& error = decoded.error();
        return unexpected(bad_request("INVALID_FIELD", error.to_string(),
                                      error.field.empty() ? std::nullopt : std::optional<std::string>{error.field}));
    }
    domain::place_order_command command = *std::move(decoded);
    if (command.requested_at == 0) command.requested_at = now_ms;
    if (auto valid = domain::validate(command); !valid)
        return unexpected(invalid_field(valid.error().field, valid.error().message));
    return command;
}

expected<order_query, api_error> decode_order_query(const net::http_request& request) {
    order_query query;
    const auto text = [&](std::string_view name) -> std::optional<std::string> {
        auto value = request.query_param(name);
        if (value && value->empty()) return std::nullopt;
        return value;
    };
    query.user_id = text("user_id");
    query.symbol = text("symbol");
    for (const auto& [field, id] : {std::pair{"user_id", &query.user_id}, std::pair{"symbol", &query.symbol}}) {
        if (!*id) continue;
        if (auto valid = domain::validate_id(field, **id); !valid) return unexpected(invalid_field(valid.error()));
    }
    if (const auto status = text("status")) {
        query.status = domain::parse_order_status(boost::algorithm::to_upper_copy(*status));
        if (!query.status) {
            return unexpected(invalid_field(
                "status",
                "must be one of PENDING_NEW, NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, UNKNOWN"));
        }
    }
    if (const auto limit = text("limit")) {
        const auto* end = limit->data() + limit->size();
        const auto [stop, ec] = std::from_chars(limit->data(), end, query.limit);
        if (ec != std::errc{} || stop != end || query.limit < 1 || query.limit > max_list_limit) {
            return unexpected(invalid_field("limit", "must be a whole number from 1 to 1000"));
        }
    }
    return query;
}

expected<domain::cancel_order_command, api_error> decode_cancel_request(const net::http_request& request,
                                                                        std::string order_id,
                                                                        std::string fallback_request_id,
                                                                        std::int64_t now_ms) {
    domain::cancel_order_command command;
    command.order_id = std::move(order_id);
    command.request_id = std::move(fallback_request_id);
    command.requested_at = now_ms;
    std::optional<std::string> user_id = request.query_param("user_id");
    if (!request.body.empty()) {
        auto parsed = parse_object(request.body);
        if (!parsed) return unexpected(parsed.error());
        auto body_user = string_member(*parsed, "user_id");
        if (!body_user) return unexpected(body_user.error());
        if (*body_user && user_id && **body_user != *user_id) {
            return unexpected(invalid_field("user_id", "the query and the body name different users; send one"));
        }
        if (*body_user) user_id = **body_user;
        auto request_id = string_member(*parsed, "request_id");
        if (!request_id) return unexpected(request_id.error());
        if (*request_id && !(*request_id)->empty()) command.request_id = **request_id;
    }
    if (!user_id || user_id->empty()) {
        return unexpected(invalid_field(
            "user_id", "is required: the owner of the order, as ?user_id=<id> or {\"user_id\":\"<id>\"}"));
    }
    command.user_id = std::move(*user_id);
    if (auto valid = domain::validate(command); !valid) return unexpected(invalid_field(valid.error()));
    return command;
}

expected<trading_state_entry, api_error> decode_trading_state_request(std::string_view body, std::string updated_by,
                                                                      std::int64_t now_ms) {
    auto parsed = parse_object(body);
    if (!parsed) return unexpected(parsed.error());
    auto scope = required_string(*parsed, "scope");
    if (!scope) return unexpected(scope.error());
    if (!is_scope(*scope)) {
        return unexpected(invalid_field("scope", "must be \"global\", \"user:<id>\" or \"strategy:<id>\", the id at "
                                                 "most 64 characters of A-Z a-z 0-9 _ - . :"));
    }
    auto state_text = required_string(*parsed, "state");
    if (!state_text) return unexpected(state_text.error());
    const auto state = core::parse_trading_state(boost::algorithm::to_upper_copy(*state_text));
    if (!state) return unexpected(invalid_field("state", "must be ACTIVE, REDUCING or HALTED"));
    auto reason = required_string(*parsed, "reason");
    if (!reason) return unexpected(reason.error());
    if (auto valid = domain::validate_text("reason", *reason); !valid) return unexpected(invalid_field(valid.error()));
    return trading_state_entry{*std::move(scope), *state, *std::move(reason), std::move(updated_by), now_ms};
}

}  // namespace hft::services
