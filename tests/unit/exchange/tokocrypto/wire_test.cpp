#include "hft/exchange/tokocrypto/wire.hpp"

#include "support/samples.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace hft::exchange::tokocrypto;
using hft::domain::order_side;
using hft::domain::order_status;
using hft::domain::order_type;
using hft::test::dec;

TEST_CASE("a successful envelope hands over its data", "[exchange][tokocrypto]") {
    const auto data = read_envelope(200, R"({"code":0,"msg":"success","data":{"orderId":1},"timestamp":1571921637091})", {});
    REQUIRE(data);
    CHECK(nlohmann::json::parse(*data) == nlohmann::json::parse(R"({"orderId":1})"));
    CHECK(read_envelope(200, R"({"code":0,"message":"Success","timestamp":1})", {}).value() == "null");
}

TEST_CASE("a Tokocrypto code wrapping a Binance code is a definitive reject with both messages", "[exchange][tokocrypto]") {
    // The example in a comment of ccxt's tokocrypto implementation.
    const auto failure = read_envelope(
        200,
        R"({"code":3210,"msg":"The total volume is too low","data":{"code":-1013,"msg":"Filter failure: MIN_NOTIONAL"},"timestamp":1})",
        {});
    REQUIRE_FALSE(failure);
    CHECK(failure.error().kind == failure_kind::rejected);
    CHECK(failure.error().code == -1013);
    CHECK(failure.error().message == "The total volume is too low (Filter failure: MIN_NOTIONAL)");
}

TEST_CASE("HTTP status and code decide between reject, unknown outcome and back-off", "[exchange][tokocrypto]") {
    const auto invalid_symbol = read_envelope(400, R"({"code":-1121,"msg":"Invalid symbol."})", {});
    CHECK(invalid_symbol.error().kind == failure_kind::rejected);
    CHECK(invalid_symbol.error().describe() == "rejected (HTTP 400): code -1121: Invalid symbol.");

    CHECK(read_envelope(502, "<html>Bad Gateway</html>", {}).error().kind == failure_kind::ambiguous);
    CHECK(read_envelope(200, R"({"code":-1007,"msg":"Timeout waiting for response from backend server."})", {})
              .error()
              .kind == failure_kind::ambiguous);
    CHECK(read_envelope(200, "", {}).error().kind == failure_kind::ambiguous);

    const auto too_many = read_envelope(429, R"({"code":-1003,"msg":"Too many requests."})", "7");
    CHECK(too_many.error().kind == failure_kind::rate_limited);
    CHECK(too_many.error().retry_after == std::chrono::seconds(7));
    CHECK(read_envelope(418, "", {}).error().retry_after == std::chrono::seconds(1));
}

TEST_CASE("a client id already in use is an unknown outcome to resolve by client id, plain or wrapped; other -2010 "
          "rejects stay rejects",
          "[exchange][tokocrypto]") {
    const auto plain = read_envelope(400, R"({"code":-2010,"msg":"Duplicate order sent."})", {});
    REQUIRE_FALSE(plain);
    CHECK(plain.error().kind == failure_kind::ambiguous);
    CHECK(plain.error().describe() == "ambiguous (HTTP 400): code -2010: Duplicate order sent.");
    const auto wrapped = read_envelope(
        200, R"({"code":3000,"msg":"Order failed","data":{"code":-2010,"msg":"Duplicate order sent."},"timestamp":1})", {});
    CHECK(wrapped.error().kind == failure_kind::ambiguous);
    CHECK(read_envelope(400, R"({"code":-2010,"msg":"Account has insufficient balance for requested action."})", {})
              .error()
              .kind == failure_kind::rejected);
}

TEST_CASE("numeric enum codes map to the domain's words both ways", "[exchange][tokocrypto]") {
    CHECK(to_code(order_side::buy) == 0);
    CHECK(to_code(order_side::sell) == 1);
    CHECK(to_code(order_type::limit) == 1);
    CHECK(to_code(order_type::market) == 2);
    CHECK(to_code(hft::domain::time_in_force::fok) == 3);
    CHECK(status_from_code(-2) == order_status::new_);
    CHECK(status_from_code(1) == order_status::partially_filled);
    CHECK(status_from_code(2) == order_status::filled);
    CHECK(status_from_code(3) == order_status::canceled);
    CHECK(status_from_code(5) == order_status::rejected);
    CHECK(status_from_code(6) == order_status::expired);
    CHECK_FALSE(status_from_code(9));
    CHECK_FALSE(type_from_code(7));
}

TEST_CASE("orders read both spellings of the Binance order id", "[exchange][tokocrypto]") {
    // Fields of Tokocrypto's 2024-07 new-order answer and its order detail answer.
    const auto placed = parse_order(
        R"({"orderId":2,"clientId":"ord-1","symbol":"BTC_USDT","symbolType":1,"side":0,"type":1,"price":"7500",
            "origQty":"0.16","origQuoteQty":"0","executedQty":"0","executedPrice":"0","executedQuoteQty":"0",
            "timeInForce":1,"status":0,"isWorking":1,"createTime":1581720670624,"borderId":"345"})");
    REQUIRE(placed);
    CHECK(placed->order_id == 2);
    CHECK(placed->client_id == "ord-1");
    CHECK(placed->side == order_side::buy);
    CHECK(placed->status == order_status::new_);
    CHECK(placed->price == dec("7500"));
    CHECK(placed->quantity == dec("0.16"));
    CHECK(placed->binance_order_id == "345");

    const auto detail = parse_order(R"({"orderId":2,"symbol":"BTC_USDT","side":1,"type":2,"origQty":"1",
                                        "executedQty":"1","executedQuoteQty":"7501.5","status":2,"bOrderId":"346"})");
    REQUIRE(detail);
    CHECK(detail->status == order_status::filled);
    CHECK(detail->executed_quote == dec("7501.5"));
    CHECK(detail->binance_order_id == "346");

    CHECK(parse_order(R"({"orderId":2,"symbol":"X","side":0,"type":1,"origQty":0.16,"status":0})").error() ==
          "origQty is not a decimal string");
    CHECK(parse_order(R"({"symbol":"X"})").error() == "orderId is missing");
}

TEST_CASE("symbol rules are read from common/symbols with every filter", "[exchange][tokocrypto]") {
    // The BTC_IDR values of ccxt's 2026 fixture.
    const auto symbols = parse_symbols(R"({"list":[{"symbol":"BTC_IDR","type":1,"baseAsset":"BTC","quoteAsset":"IDR",
        "spotTradingEnable":1,"orderTypes":["LIMIT","MARKET"],"filters":[
        {"filterType":"PRICE_FILTER","minPrice":"1.00","maxPrice":"10000000000.00","tickSize":"1.00"},
        {"filterType":"LOT_SIZE","minQty":"0.00001","maxQty":"3","stepSize":"0.00001000"},
        {"filterType":"NOTIONAL","minNotional":"20000.00","maxNotional":"9000000000.00","applyToMarket":true}]}]})");
    REQUIRE(symbols);
    REQUIRE(symbols->size() == 1);
    const auto& btc_idr = symbols->front();
    CHECK(btc_idr.symbol == "BTC_IDR");
    CHECK(btc_idr.base_asset == "BTC");
    CHECK(btc_idr.quote_asset == "IDR");
    CHECK(btc_idr.trading_enabled);
    CHECK(btc_idr.order_types == std::vector<std::string>{"LIMIT", "MARKET"});
    CHECK(btc_idr.min_price == dec("1"));
    CHECK(btc_idr.max_price == dec("10000000000"));
    CHECK(btc_idr.tick_size == dec("1"));
    CHECK(btc_idr.min_qty == dec("0.00001"));
    CHECK(btc_idr.max_qty == dec("3"));
    CHECK(btc_idr.step_size == dec("0.00001"));
    CHECK(btc_idr.min_notional == dec("20000"));
    CHECK(btc_idr.max_notional == dec("9000000000"));
    CHECK(btc_idr.notional_applies_to_market);
}

TEST_CASE("a symbol closed for trading, an old MIN_NOTIONAL filter and a market-exempt notional are read as such",
          "[exchange][tokocrypto]") {
    const auto symbols = parse_symbols(R"({"list":[{"symbol":"TKO_IDR","spotTradingEnable":0,"filters":[
        {"filterType":"MIN_NOTIONAL","minNotional":"10000","applyToMarket":false}]}]})");
    REQUIRE(symbols);
    const auto& tko_idr = symbols->front();
    CHECK_FALSE(tko_idr.trading_enabled);
    CHECK(tko_idr.min_notional == dec("10000"));
    CHECK(tko_idr.max_notional.is_zero());
    CHECK_FALSE(tko_idr.notional_applies_to_market);
    CHECK(tko_idr.tick_size.is_zero());
}

TEST_CASE("trades and balances are read with exact decimals", "[exchange][tokocrypto]") {
    const auto trades = parse_trades(R"({"list":[{"tradeId":"1001","orderId":2,"symbol":"BTC_USDT","price":"7500",
        "qty":"0.16","commission":"0.00016","commissionAsset":"BTC","isMaker":true,"time":1581720670700}]})");
    REQUIRE(trades);
    CHECK(trades->at(0).trade_id == "1001");
    CHECK(trades->at(0).fee == dec("0.00016"));
    CHECK(trades->at(0).is_maker);

    const auto balances = parse_balances(R"({"accountAssets":[{"asset":"USDT","free":"9998.8","locked":"1.2"}],
        "makerCommission":10,"takerCommission":10,"canTrade":1})");
    REQUIRE(balances);
    CHECK(balances->at(0).asset == "USDT");
    CHECK(balances->at(0).free == dec("9998.8"));
    CHECK(parse_balances(R"({"accountAssets":[{"asset":"USDT","free":1}]})").error() ==
          "accountAssets[0]: free is not a decimal string");
}

TEST_CASE("client order ids derive from order ids: short ones as they are, long ones hashed stably",
          "[exchange][tokocrypto]") {
    CHECK(client_order_id("sma-1-1677628860000-0") == "sma-1-1677628860000-0");
    const auto long_id = std::string(60, 'a');
    CHECK(client_order_id(long_id) == "hft-5a660832611a425e7eea7af189e8c2b4");  // the same in every run and build
    CHECK(client_order_id(long_id).size() <= 36);
    CHECK(client_order_id(long_id) != client_order_id(long_id + "b"));
}

TEST_CASE("every order id, valid or not, gives a client order id the venues accept, distinct per order id",
          "[exchange][tokocrypto]") {
    // Binance's rule for newClientOrderId, which the venues (and the sim) apply to clientId.
    const std::regex venue_rule{R"(^[\.A-Z\:/a-z0-9_-]{1,36}$)"};
    std::vector<std::string> order_ids{"", "-", "a", "sma-1-1677628860000-0", std::string(36, 'z'), std::string(37, 'z'),
                                       std::string(64, '9'), "grid:btc.7/3", "two words", "caf\xc3\xa9", "\xff",
                                       std::string("nul\0inside", 10), std::string(10'240, 'x')};
    for (int byte = 0; byte < 256; ++byte) order_ids.emplace_back(1, static_cast<char>(byte));
    std::mt19937 generator{7};
    const std::string id_characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:";
    for (int i = 0; i < 5000; ++i) {
        // Order ids as the domain allows them (1 to 64 of id_characters), and some with any byte at all.
        std::string id(1 + generator() % 64, ' ');
        const bool any_byte = i % 5 == 0;
        for (auto& c : id) {
            c = any_byte ? static_cast<char>(generator() % 256) : id_characters[generator() % id_characters.size()];
        }
        order_ids.push_back(std::move(id));
    }
    std::map<std::string, std::string> order_id_of;
    for (const auto& order_id : order_ids) {
        const auto client_id = client_order_id(order_id);
        INFO("order id of " << order_id.size() << " bytes gives \"" << client_id << "\"");
        CHECK(std::regex_match(client_id, venue_rule));
        CHECK(client_order_id(order_id) == client_id);
        const auto [known, added] = order_id_of.emplace(client_id, order_id);
        CHECK((added || known->second == order_id));
    }
}

TEST_CASE("new-order parameters are the form fields in a stable order", "[exchange][tokocrypto]") {
    CHECK(new_order_params("BTC_USDT", order_side::buy, order_type::limit, dec("7500"), dec("0.16"), std::nullopt,
                           "ord-1") == "symbol=BTC_USDT&side=0&type=1&quantity=0.16&price=7500&timeInForce=1&clientId=ord-1");
    CHECK(new_order_params("BTC_USDT", order_side::sell, order_type::market, std::nullopt, dec("1"), std::nullopt,
                           "ord-2") == "symbol=BTC_USDT&side=1&type=2&quantity=1&clientId=ord-2");
}
