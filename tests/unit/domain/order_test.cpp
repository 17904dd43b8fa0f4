#include "hft/domain/order.hpp"
#include "hft/domain/order_record.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using hft::domain::decimal;
using hft::domain::field_error;
using hft::domain::order_side;
using hft::domain::order_status;
using hft::domain::order_type;
using hft::domain::place_order_command;
using hft::domain::time_in_force;

using hft::test::dec;
using hft::test::sample_place_command;

namespace {

field_error violation(const place_order_command& command) {
    const auto checked = hft::domain::validate(command);
    REQUIRE_FALSE(checked.has_value());
    return checked.error();
}

}  // namespace

TEST_CASE("order enums print their wire names and parse them back exactly", "[domain][order]") {
    CHECK(hft::domain::to_string(order_side::buy) == "BUY");
    CHECK(hft::domain::to_string(order_side::sell) == "SELL");
    CHECK(hft::domain::to_string(order_type::limit) == "LIMIT");
    CHECK(hft::domain::to_string(order_type::market) == "MARKET");
    CHECK(hft::domain::to_string(time_in_force::gtc) == "GTC");
    CHECK(hft::domain::to_string(time_in_force::ioc) == "IOC");
    CHECK(hft::domain::to_string(time_in_force::fok) == "FOK");
    CHECK(hft::domain::parse_order_side("SELL") == order_side::sell);
    CHECK(hft::domain::parse_order_type("MARKET") == order_type::market);
    CHECK(hft::domain::parse_time_in_force("FOK") == time_in_force::fok);
    CHECK_FALSE(hft::domain::parse_order_side("buy").has_value());
    CHECK_FALSE(hft::domain::parse_order_type("STOP_LOSS").has_value());
    CHECK_FALSE(hft::domain::parse_time_in_force("").has_value());
}

TEST_CASE("order status round-trips every lifecycle state", "[domain][order]") {
    for (const std::string_view text : {"PENDING_NEW", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED",
                                        "EXPIRED", "UNKNOWN"}) {
        INFO(text);
        const auto status = hft::domain::parse_order_status(text);
        REQUIRE(status.has_value());
        CHECK(hft::domain::to_string(*status) == text);
    }
    CHECK(hft::domain::parse_order_status("NEW") == order_status::new_);
    CHECK_FALSE(hft::domain::parse_order_status("CANCELLED").has_value());
}

TEST_CASE("order status is terminal only once it can no longer change", "[domain][order]") {
    CHECK(hft::domain::is_terminal(order_status::filled));
    CHECK(hft::domain::is_terminal(order_status::canceled));
    CHECK(hft::domain::is_terminal(order_status::rejected));
    CHECK(hft::domain::is_terminal(order_status::expired));
    CHECK_FALSE(hft::domain::is_terminal(order_status::pending_new));
    CHECK_FALSE(hft::domain::is_terminal(order_status::new_));
    CHECK_FALSE(hft::domain::is_terminal(order_status::partially_filled));
    CHECK_FALSE(hft::domain::is_terminal(order_status::unknown));
}

TEST_CASE("place order validation accepts the order API's sample limit order", "[domain][order]") {
    CHECK(hft::domain::validate(sample_place_command()).has_value());
}

TEST_CASE("place order validation accepts a market order without a price", "[domain][order]") {
    auto command = sample_place_command();
    command.type = order_type::market;
    command.price.reset();
    command.strategy_id.reset();
    command.time_in_force = time_in_force::ioc;
    CHECK(hft::domain::validate(command).has_value());
}

TEST_CASE("place order validation names the field and the problem", "[domain][order]") {
    auto command = sample_place_command();
    SECTION("blank request id") {
        command.request_id.clear();
        CHECK(violation(command) == field_error{"request_id", "must not be blank"});
    }
    SECTION("whitespace in an id") {
        command.order_id = "abc def";
        CHECK(violation(command) == field_error{"order_id", "may only contain A-Z a-z 0-9 _ - . :"});
    }
    SECTION("unsafe characters in an id") {
        for (const char* id : {"a'b", "a;b", "a\"b", "a/b", "a\nb", "caf\xc3\xa9"}) {
            command.user_id = id;
            CHECK(violation(command).field == "user_id");
        }
    }
    SECTION("an id of 64 characters is fine, 65 is not") {
        command.request_id = std::string(64, 'a');
        CHECK(hft::domain::validate(command).has_value());
        command.request_id = std::string(65, 'a');
        CHECK(violation(command) == field_error{"request_id", "must be at most 64 characters"});
    }
    SECTION("ids may use the whole safe charset") {
        command.order_id = "AZaz09_-.:";
        CHECK(hft::domain::validate(command).has_value());
    }
    SECTION("blank exchange and symbol") {
        command.symbol.clear();
        CHECK(violation(command).field == "symbol");
        command.exchange.clear();
        CHECK(violation(command).field == "exchange");
    }
    SECTION("limit order without a price") {
        command.price.reset();
        CHECK(violation(command) == field_error{"price", "is required for LIMIT orders"});
    }
    SECTION("zero or negative price") {
        command.price = decimal{};
        CHECK(violation(command) == field_error{"price", "must be greater than 0"});
        command.price = dec("-920");
        CHECK(violation(command) == field_error{"price", "must be greater than 0"});
    }
    SECTION("market order with a price") {
        command.type = order_type::market;
        CHECK(violation(command) == field_error{"price", "must be absent for MARKET orders"});
    }
    SECTION("zero or negative quantity") {
        command.quantity = dec("0.000");
        CHECK(violation(command) == field_error{"quantity", "must be greater than 0"});
        command.quantity = dec("-30");
        CHECK(violation(command) == field_error{"quantity", "must be greater than 0"});
    }
    SECTION("blank source") {
        command.source.clear();
        CHECK(violation(command) == field_error{"source", "must not be blank"});
    }
    SECTION("strategy id, when present, is an id") {
        command.strategy_id = "";
        CHECK(violation(command).field == "strategy_id");
        command.strategy_id.reset();
        CHECK(hft::domain::validate(command).has_value());
    }
    SECTION("request time not stamped") {
        command.requested_at = 0;
        CHECK(violation(command) == field_error{"requested_at", "must be set"});
    }
    SECTION("expiry not after the request") {
        command.expires_at = command.requested_at;
        CHECK(violation(command) == field_error{"expires_at", "must be after requested_at"});
        command.expires_at = command.requested_at + 1;
        CHECK(hft::domain::validate(command).has_value());
    }
    SECTION("negative trigger times") {
        command.kline_open_time = -1;
        CHECK(violation(command).field == "kline_open_time");
        command.kline_open_time = 1677628860000;
        command.received_ns = -5;
        CHECK(violation(command).field == "received_ns");
    }
}

TEST_CASE("one id rule refuses a NUL, a space, an empty id and 65 characters, and accepts 64", "[domain][order]") {
    CHECK(hft::domain::validate_id("order_id", "probe-1_a.b:c"));
    CHECK(hft::domain::validate_id("order_id", std::string(64, 'x')));
    CHECK(hft::domain::validate_id("order_id", std::string(65, 'x')).error() ==
          hft::domain::field_error{"order_id", "must be at most 64 characters"});
    CHECK(hft::domain::validate_id("order_id", "").error() == hft::domain::field_error{"order_id", "must not be blank"});
    for (const auto& id : {std::string("probe-1\0junk", 12), std::string("a b"), std::string("a\xff")}) {
        CHECK(hft::domain::validate_id("user_id", id).error() ==
              hft::domain::field_error{"user_id", "may only contain A-Z a-z 0-9 _ - . :"});
    }
}

TEST_CASE("a cancel command whose order_id hides a NUL byte is invalid", "[domain][order]") {
    hft::domain::cancel_order_command command{"c-1", "pn-6", "paper", 1};
    CHECK(hft::domain::validate(command));
    command.order_id = std::string("pn-6\0zz", 7);
    CHECK(hft::domain::validate(command).error().field == "order_id");
    command.order_id = "pn-6";
    command.requested_at = 0;
    CHECK(hft::domain::validate(command).error() == hft::domain::field_error{"requested_at", "must be set"});
}

TEST_CASE("free text refuses control characters, bidi overrides, invalid UTF-8 and more than 512 bytes",
          "[domain][validation]") {
    CHECK(hft::domain::validate_text("reason", "maintenance — back at 14:00 ✓"));
    CHECK(hft::domain::validate_text("reason", std::string(512, 'r')));
    CHECK(hft::domain::validate_text("reason", std::string(513, 'r')).error().message == "must be at most 512 bytes");
    CHECK(hft::domain::validate_text("reason", "a\nb").error().message == "must not contain control characters");
    CHECK(hft::domain::validate_text("reason", std::string("a\0b", 3)).error().message ==
          "must not contain control characters");
    CHECK(hft::domain::validate_text("reason", "evil \u202Etxt.exe").error().field == "reason");
    CHECK(hft::domain::validate_text("reason", "isolate \u2066x\u2069").error().field == "reason");
    for (const char* bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82"}) {
        CHECK(hft::domain::validate_text("reason", bad).error().message == "must be valid UTF-8");
    }
}
