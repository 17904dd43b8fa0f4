// The socket-free parts of the order HTTP API: routes, API keys, request bodies and error mapping.

#include "hft/services/order_http_api.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <vector>

using namespace hft;
using namespace hft::services;
using json = nlohmann::json;

namespace {

using namespace std::chrono;

const system_clock::time_point noon = sys_days{2026y / November / 28} + 12h;
constexpr std::int64_t noon_ms = 1'795'867'200'000;  // 2026-11-28T12:00:00Z

std::vector<app::api_key_config> test_keys() {
    app::api_key_config ops{"ops", app::secret{"ops-key-0123456789abcdef"}, true, std::nullopt};
    app::api_key_config off{"off", app::secret{"off-key-0123456789abcdef"}, false, std::nullopt};
    app::api_key_config old{"old", app::secret{"old-key-0123456789abcdef"}, true,
                            sys_seconds{sys_days{2026y / January / 31} + 23h + 59min + 59s}};
    app::api_key_config blank{"blank", app::secret{}, true, std::nullopt};
    return {blank, ops, off, old};
}

api_error place_error(const json& body) {
    auto decoded = decode_place_request(body.dump(), noon_ms);
    REQUIRE_FALSE(decoded);
    return decoded.error();
}

net::http_request request_with(std::string query, std::string body = {}) {
    net::http_request request;
    request.method = "DELETE";
    request.path = "/order-engine/v1/orders/o-1";
    request.query = std::move(query);
    request.body = std::move(body);
    return request;
}

}  // namespace

TEST_CASE("an active api key authenticates as its name", "[order-http]") {
    const auto keys = test_keys();
    const auto who = authenticate("ops-key-0123456789abcdef", keys, noon);
    REQUIRE(who);
    CHECK(*who == "ops");
}

TEST_CASE("api key failures are 401 with a distinct code each", "[order-http]") {
    const auto keys = test_keys();
    const auto code_for = [&](std::string_view key) {
        const auto who = authenticate(key, keys, noon);
        REQUIRE_FALSE(who);
        CHECK(who.error().status == 401);
        return who.error().code;
    };
    CHECK(code_for("") == "API_KEY_MISSING");
    CHECK(code_for("ops-key-0123456789abcdeX") == "API_KEY_INVALID");
    CHECK(code_for("ops-key-0123456789abcdef0") == "API_KEY_INVALID");
    CHECK(code_for("ops") == "API_KEY_INVALID");
    CHECK(code_for("off-key-0123456789abcdef") == "API_KEY_INACTIVE");
    CHECK(code_for("old-key-0123456789abcdef") == "API_KEY_EXPIRED");
}

TEST_CASE("an api key is valid through its expired_at second and expired after it", "[order-http]") {
    const auto keys = test_keys();
    const auto last_second = sys_days{2026y / January / 31} + 23h + 59min + 59s;
    CHECK(authenticate("old-key-0123456789abcdef", keys, last_second));
    CHECK(authenticate("old-key-0123456789abcdef", keys, last_second + 1s).error().code == "API_KEY_EXPIRED");
}

TEST_CASE("no configured api key rejects every key, and an empty configured key never matches", "[order-http]") {
    CHECK(authenticate("anything", {}, noon).error().code == "API_KEY_INVALID");
    const std::vector<app::api_key_config> blank{{"blank", app::secret{}, true, std::nullopt}};
    CHECK(authenticate("x", blank, noon).error().code == "API_KEY_INVALID");
}

TEST_CASE("api key errors never contain the key", "[order-http]") {
    const auto keys = test_keys();
    for (const auto* key : {"ops-key-wrong", "off-key-0123456789abcdef", "old-key-0123456789abcdef"}) {
        const auto error = authenticate(key, keys, noon).error();
        CHECK_THAT(encode(error), !Catch::Contains(key));
        CHECK_THAT(encode(error), !Catch::Contains("0123456789abcdef"));
    }
}

TEST_CASE("the order API's sample request, key included, decodes into a stamped place command", "[order-http]") {
    const auto command = decode_place_request(test::sample_place_request("ops-key-0123456789abcdef").dump(), noon_ms);
    REQUIRE(command);
    CHECK(command->request_id == "e1580b74-1af6-47e4-9b90-354875f1f19z");
    CHECK(command->order_id == "1d421596-2ff1-4798-b1b5-5336ed39122z");
    CHECK(command->symbol == "TKO_IDR");
    CHECK(command->type == domain::order_type::limit);
    CHECK(command->side == domain::order_side::buy);
    CHECK(command->price->to_string() == "920");
    CHECK(command->quantity.to_string() == "30");
    CHECK(command->source == "http-hit");
    CHECK(command->requested_at == noon_ms);
}

TEST_CASE("a place body's own requested_at is kept", "[order-http]") {
    auto body = test::sample_place_request();
    body["requested_at"] = 1'700'000'000'000;
    CHECK(decode_place_request(body.dump(), noon_ms)->requested_at == 1'700'000'000'000);
}

TEST_CASE("a place body without order_id uses its request_id as the order id", "[order-http]") {
    auto body = test::sample_place_request();
    body.erase("order_id");
    CHECK(decode_place_request(body.dump(), noon_ms)->order_id == "e1580b74-1af6-47e4-9b90-354875f1f19z");
    body["order_id"] = nullptr;
    CHECK(decode_place_request(body.dump(), noon_ms)->order_id == "e1580b74-1af6-47e4-9b90-354875f1f19z");
}

TEST_CASE("a place body's type, side and time_in_force are read in any case", "[order-http]") {
    auto body = test::sample_place_request();
    body["type"] = "limit";
    body["side"] = "Sell";
    body["time_in_force"] = "ioc";
    const auto command = decode_place_request(body.dump(), noon_ms);
    REQUIRE(command);
    CHECK(command->side == domain::order_side::sell);
    CHECK(command->time_in_force == domain::time_in_force::ioc);
}

TEST_CASE("a place body that is not a JSON object is 400 INVALID_JSON without quoting it", "[order-http]") {
    for (const std::string body : {"{\"api_key\":\"ops-key-0123456789abcdef\" oops}", "[1,2]", "", "\"text\""}) {
        const auto decoded = decode_place_request(body, noon_ms);
        REQUIRE_FALSE(decoded);
        CHECK(decoded.error().status == 400);
        CHECK(decoded.error().code == "INVALID_JSON");
        CHECK_THAT(decoded.error().message, !Catch::Contains("ops-key"));
    }
}

TEST_CASE("a place body with a key written twice is 400 INVALID_JSON naming the key", "[order-http]") {
    const auto decoded = decode_place_request(R"({"quantity":"1","quantity":"2"})", noon_ms);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code == "INVALID_JSON");
    CHECK_THAT(decoded.error().message, Catch::Contains("\"quantity\" twice"));
}

TEST_CASE("each invalid place field is 400 INVALID_FIELD naming the field", "[order-http]") {
    struct invalid_case {
        const char* field;
        json value;  // null removes the field
        const char* message_part;
    };
    const std::vector<invalid_case> cases{
        {"request_id", nullptr, "request_id"},
        {"user_id", nullptr, "user_id: is required"},
        {"user_id", "", "user_id"},
        {"exchange", "toko crypto", "exchange"},
        {"symbol", nullptr, "symbol: is required"},
        {"type", "STOP", "type"},
        {"side", "HOLD", "side"},
        {"price", "abc", "price"},
        {"price", 920, "price"},
        {"price", "0", "price"},
        {"price", nullptr, "price"},
        {"quantity", "-1", "quantity"},
        {"quantity", "0", "quantity"},
        {"quantity", nullptr, "quantity: is required"},
        {"source", nullptr, "source: is required"},
        {"time_in_force", "DAY", "time_in_force"},
        {"expires_at", 1, "expires_at"},
    };
    for (const auto& c : cases) {
        auto body = test::sample_place_request();
        if (c.value.is_null()) {
            body.erase(c.field);
        } else {
            body[c.field] = c.value;
        }
        INFO(c.field << " = " << c.value.dump());
        const auto error = place_error(body);
        CHECK(error.status == 400);
        CHECK(error.code == "INVALID_FIELD");
        CHECK(error.field == std::optional<std::string>{c.field});
        CHECK_THAT(error.message, Catch::Contains(c.message_part));
    }
}

TEST_CASE("a MARKET place with a price is 400 naming price", "[order-http]") {
    auto body = test::sample_place_request();
    body["type"] = "MARKET";
    CHECK(place_error(body).field == std::optional<std::string>{"price"});
    body.erase("price");
    CHECK(decode_place_request(body.dump(), noon_ms));
}

TEST_CASE("an order query reads user_id, symbol, status and limit", "[order-http]") {
    net::http_request request;
    request.query = "user_id=u-1&symbol=TKOIDR&status=partially_filled&limit=5";
    const auto query = decode_order_query(request);
    REQUIRE(query);
    CHECK(query->user_id == std::optional<std::string>{"u-1"});
    CHECK(query->symbol == std::optional<std::string>{"TKOIDR"});
    CHECK(query->status == domain::order_status::partially_filled);
    CHECK(query->limit == 5);

    const auto all = decode_order_query(net::http_request{});
    REQUIRE(all);
    CHECK_FALSE(all->user_id);
    CHECK(all->limit == 100);
}

TEST_CASE("an order query with a bad status or limit is 400 naming it", "[order-http]") {
    for (const auto* query : {"limit=0", "limit=1001", "limit=ten", "limit=5x"}) {
        net::http_request request;
        request.query = query;
        CHECK(decode_order_query(request).error().field == std::optional<std::string>{"limit"});
    }
    net::http_request request;
    request.query = "status=OPEN";
    CHECK(decode_order_query(request).error().field == std::optional<std::string>{"status"});
}

TEST_CASE("a cancel takes the owner from the query or the body", "[order-http]") {
    const auto from_query = decode_cancel_request(request_with("user_id=u-1"), "o-1", "http-req", noon_ms);
    REQUIRE(from_query);
    CHECK(*from_query == domain::cancel_order_command{"http-req", "o-1", "u-1", noon_ms});

    const auto from_body =
        decode_cancel_request(request_with("", R"({"user_id":"u-2","request_id":"r-9"})"), "o-1", "http-req", noon_ms);
    REQUIRE(from_body);
    CHECK(*from_body == domain::cancel_order_command{"r-9", "o-1", "u-2", noon_ms});

    CHECK(decode_cancel_request(request_with("user_id=u-2", R"({"user_id":"u-2"})"), "o-1", "r", noon_ms));
}

TEST_CASE("a cancel without an owner, or with two different ones, is 400 naming user_id", "[order-http]") {
    const auto missing = decode_cancel_request(request_with(""), "o-1", "r", noon_ms);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().field == std::optional<std::string>{"user_id"});
    CHECK_THAT(missing.error().message, Catch::Contains("?user_id="));

    const auto conflicting =
        decode_cancel_request(request_with("user_id=a", R"({"user_id":"b"})"), "o-1", "r", noon_ms);
    CHECK(conflicting.error().field == std::optional<std::string>{"user_id"});
    CHECK(decode_cancel_request(request_with("", "{"), "o-1", "r", noon_ms).error().code == "INVALID_JSON");
}

TEST_CASE("a trading-state body becomes an entry stamped with the caller and the time", "[order-http]") {
    const auto entry =
        decode_trading_state_request(R"({"scope":"user:u-1","state":"halted","reason":"runaway bot"})", "ops", noon_ms);
    REQUIRE(entry);
    CHECK(entry->scope == "user:u-1");
    CHECK(entry->state == core::trading_state::halted);
    CHECK(entry->reason == "runaway bot");
    CHECK(entry->updated_by == "ops");
    CHECK(entry->updated_at == noon_ms);
}

TEST_CASE("a trading-state body with a bad scope, state or no reason is 400 naming the field", "[order-http]") {
    const auto field_of = [](std::string body) {
        const auto entry = decode_trading_state_request(body, "ops", noon_ms);
        REQUIRE_FALSE(entry);
        CHECK(entry.error().status == 400);
        return entry.error().field.value_or("");
    };
    CHECK(field_of(R"({"state":"HALTED","reason":"r"})") == "scope");
    CHECK(field_of(R"({"scope":"user:","state":"HALTED","reason":"r"})") == "scope");
    CHECK(field_of(R"({"scope":"everyone","state":"HALTED","reason":"r"})") == "scope");
    CHECK(field_of(R"({"scope":"global","state":"PAUSED","reason":"r"})") == "state");
    CHECK(field_of(R"({"scope":"global","state":1,"reason":"r"})") == "state");
    CHECK(field_of(R"({"scope":"global","state":"ACTIVE"})") == "reason");
}

TEST_CASE("order_service failures map to the documented status codes", "[order-http]") {
    const auto status_of = [](order_error_kind kind) {
        return to_api_error(order_error{kind, "", "m", std::nullopt}).status;
    };
    CHECK(status_of(order_error_kind::invalid_request) == 400);
    CHECK(status_of(order_error_kind::unknown_exchange) == 400);
    CHECK(status_of(order_error_kind::unknown_symbol) == 400);
    CHECK(status_of(order_error_kind::no_account) == 400);
    CHECK(status_of(order_error_kind::filter_failed) == 400);
    CHECK(status_of(order_error_kind::risk_rejected) == 422);
    CHECK(status_of(order_error_kind::duplicate) == 409);
    CHECK(status_of(order_error_kind::not_found) == 404);
    CHECK(status_of(order_error_kind::not_cancelable) == 409);
    CHECK(status_of(order_error_kind::unavailable) == 503);
}

TEST_CASE("an order_service failure keeps its own code, or gets the kind's default", "[order-http]") {
    CHECK(to_api_error(order_error{order_error_kind::risk_rejected, "MAX_ORDER_NOTIONAL", "too big", std::nullopt})
              .code == "MAX_ORDER_NOTIONAL");
    CHECK(to_api_error(order_error{order_error_kind::not_found, "", "no such order", std::nullopt}).code ==
          "ORDER_NOT_FOUND");
}

TEST_CASE("a 503 under the exchange's rate limit says when to retry, in whole seconds rounded up", "[order-http]") {
    const auto limited = to_api_error(
        order_error{order_error_kind::unavailable, "RATE_LIMITED", "retry after 2 s", std::nullopt, 1500ms});
    CHECK(limited.status == 503);
    CHECK(limited.retry_after == 2s);
    CHECK(to_api_error(order_error{order_error_kind::unavailable, "", "database down", std::nullopt}).retry_after == 0s);
}

TEST_CASE("an error body is {error:{code,message,field}} and a duplicate's carries the existing order",
          "[order-http]") {
    domain::order_record existing;
    existing.order_id = "o-1";
    existing.request_id = "r-1";
    existing.quantity = domain::decimal::parse("30").value();
    const auto error =
        to_api_error(order_error{order_error_kind::duplicate, "DUPLICATE_ORDER", "already placed", existing});
    const auto body = json::parse(encode(error));
    CHECK(body["error"]["code"] == "DUPLICATE_ORDER");
    CHECK(body["error"]["message"] == "already placed");
    CHECK_FALSE(body["error"].contains("field"));
    CHECK(body["order"]["order_id"] == "o-1");

    const auto field = json::parse(encode(api_error{400, "INVALID_FIELD", "price: bad", "price", std::nullopt, {}}));
    CHECK(field["error"]["field"] == "price");
    CHECK_FALSE(field.contains("order"));
}

TEST_CASE("an order id from a path that hides a NUL byte or invalid UTF-8 is 400 naming order_id", "[order-http]") {
    for (const auto& order_id : {std::string("probe-1\0junk", 12), std::string("\xff"), std::string("a b")}) {
        const auto decoded = decode_order_id(order_id);
        REQUIRE_FALSE(decoded);
        CHECK(decoded.error().status == 400);
        CHECK(decoded.error().code == "INVALID_FIELD");
        CHECK(decoded.error().field == std::optional<std::string>{"order_id"});
    }
    CHECK(decode_order_id("o:1").value() == "o:1");
}

TEST_CASE("a list query's user_id and symbol follow the one id rule", "[order-http]") {
    for (const auto* query : {"user_id=paper%00x", "user_id=%ff", "symbol=BTC%00USDT"}) {
        net::http_request request;
        request.query = query;
        const auto decoded = decode_order_query(request);
        REQUIRE_FALSE(decoded);
        CHECK(decoded.error().status == 400);
        CHECK(std::string(query).starts_with(decoded.error().field.value_or("?")));
    }
}

TEST_CASE("a cancel whose owner or request id hides a NUL byte is 400 naming the field", "[order-http]") {
    CHECK(decode_cancel_request(request_with("user_id=paper%00x"), "o-1", "r", noon_ms).error().field ==
          std::optional<std::string>{"user_id"});
    CHECK(decode_cancel_request(request_with("", R"({"user_id":"paper","request_id":"r\u0000x"})"), "o-1", "r",
                                noon_ms)
              .error()
              .field == std::optional<std::string>{"request_id"});
}

TEST_CASE("a trading-state scope names a valid id and its reason is bounded plain text", "[order-http]") {
    const auto field_of = [](const json& body) {
        const auto entry = decode_trading_state_request(body.dump(), "ops", noon_ms);
        REQUIRE_FALSE(entry);
        CHECK(entry.error().status == 400);
        return entry.error().field.value_or("");
    };
    CHECK(field_of({{"scope", std::string("user:a\0b", 8)}, {"state", "HALTED"}, {"reason", "r"}}) == "scope");
    CHECK(field_of({{"scope", "user:" + std::string(200, 'a')}, {"state", "HALTED"}, {"reason", "r"}}) == "scope");
    CHECK(field_of({{"scope", "strategy:a b"}, {"state", "HALTED"}, {"reason", "r"}}) == "scope");
    CHECK(field_of({{"scope", "global"}, {"state", "HALTED"}, {"reason", "evil \u202Etxt"}}) == "reason");
    CHECK(field_of({{"scope", "global"}, {"state", "HALTED"}, {"reason", std::string(600, 'r')}}) == "reason");
    CHECK(decode_trading_state_request(R"({"scope":"user:a-1","state":"HALTED","reason":"ok"})", "ops", noon_ms));
}

TEST_CASE("a number no double holds is 400 INVALID_JSON, even in an unknown member", "[order-http]") {
    for (const auto* body : {R"({"quantity":1e400})", R"({"whatever":-1e400,"request_id":"r"})"}) {
        const auto decoded = decode_place_request(body, noon_ms);
        REQUIRE_FALSE(decoded);
        CHECK(decoded.error().status == 400);
        CHECK(decoded.error().code == "INVALID_JSON");
    }
    CHECK(decode_trading_state_request(R"({"scope":"global","x":1e999})", "ops", noon_ms).error().code ==
          "INVALID_JSON");
    CHECK(decode_cancel_request(request_with("user_id=u", R"({"n":1e400})"), "o-1", "r", noon_ms).error().code ==
          "INVALID_JSON");
}
