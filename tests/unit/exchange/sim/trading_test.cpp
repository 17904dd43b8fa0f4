#include "hft/exchange/sim/trading.hpp"
#include "hft/exchange/sim/trading_api.hpp"

#include "hft/exchange/signing.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>


using namespace hft::exchange::sim;
using hft::domain::decimal;
using nlohmann::json;

namespace {

decimal d(const char* text) { return decimal::parse(text).value(); }

struct engine_fixture {
    trading_engine engine;
    trading_engine::account* alice;
    trading_engine::account* bob;

    explicit engine_fixture(int liquidity_levels = 0,
                            client_id_uniqueness uniqueness = client_id_uniqueness::unchecked)
        : engine({default_rules("BTCUSDT")}, fee_schedule{d("0.001"), d("0.002")},
                 liquidity_config{liquidity_levels, d("1"), 1}, uniqueness) {
        REQUIRE(engine.add_account(parse_account_spec("alice:a-secret:USDT=10000,BTC=1").value()));
        REQUIRE(engine.add_account(parse_account_spec("bob:b-secret:USDT=10000,BTC=1").value()));
        alice = engine.find_account("alice");
        bob = engine.find_account("bob");
    }

    static new_order limit(int side, const char* price, const char* quantity, std::string client_id = {}) {
        return new_order{"BTCUSDT", side, codes::limit, codes::gtc, d(price), d(quantity), std::nullopt,
                         std::move(client_id)};
    }
};

}  // namespace

TEST_CASE("a limit buy locks its cost, and a fill at a better price hands the difference back", "[sim-trading]") {
    engine_fixture f;
    auto resting = f.engine.place(*f.bob, engine_fixture::limit(codes::sell, "100", "0.1"), 1).value();
    CHECK(resting.status == codes::status_new);
    CHECK(f.bob->balances["BTC"].locked == d("0.1"));
    CHECK(f.bob->balances["BTC"].free == d("0.9"));

    auto taker = f.engine.place(*f.alice, engine_fixture::limit(codes::buy, "101", "0.1"), 2).value();
    CHECK(taker.status == codes::filled);
    CHECK(taker.executed_quote == d("10"));
    CHECK(f.alice->balances["USDT"].free == d("9990"));
    CHECK(f.alice->balances["USDT"].locked == d("0"));
    CHECK(f.alice->balances["BTC"].free == d("1.0998"));  // 0.1 less the 0.2 % taker fee
    CHECK(f.bob->balances["BTC"].locked == d("0"));
    CHECK(f.bob->balances["USDT"].free == d("10009.99"));  // 10 less the 0.1 % maker fee
    REQUIRE(f.alice->trades.size() == 1);
    CHECK_FALSE(f.alice->trades[0].maker);
    CHECK(f.alice->trades[0].commission_asset == "BTC");
    CHECK(f.bob->trades[0].maker);
    CHECK(f.bob->trades[0].trade_id == f.alice->trades[0].trade_id);
}

TEST_CASE("a resting limit order fills at its own price when the simulated price moves through it",
          "[sim-trading]") {
    engine_fixture f(2);
    f.engine.on_price("BTCUSDT", d("100"), 1);
    auto order = f.engine.place(*f.alice, engine_fixture::limit(codes::buy, "99.5", "0.5"), 2).value();
    CHECK(order.status == codes::status_new);
    f.engine.on_price("BTCUSDT", d("99"), 3);
    auto filled = *f.engine.find_order(*f.alice, order.order_id, {});
    CHECK(filled.status == codes::filled);
    REQUIRE(f.alice->trades.size() == 1);
    CHECK(f.alice->trades[0].price == d("99.5"));
    CHECK(f.alice->trades[0].maker);
    CHECK(f.alice->balances["USDT"].free == d("9950.25"));
    CHECK(f.alice->balances["BTC"].free == d("1.4995"));
}

TEST_CASE("market orders fill against the synthetic book at its prices", "[sim-trading]") {
    engine_fixture f(2);
    f.engine.on_price("BTCUSDT", d("100"), 1);
    auto sell = f.engine.place(*f.alice, new_order{"BTCUSDT", codes::sell, codes::market, codes::gtc, std::nullopt,
                                                   d("0.5"), std::nullopt, {}},
                               2)
                    .value();
    CHECK(sell.status == codes::filled);
    CHECK(sell.executed_quote == d("49.995"));  // 0.5 at the best bid 99.99
    auto buy = f.engine.place(*f.alice, new_order{"BTCUSDT", codes::buy, codes::market, codes::gtc, std::nullopt,
                                                  std::nullopt, d("50.005"), {}},
                              3)
                   .value();
    CHECK(buy.status == codes::filled);
    CHECK(buy.executed_quantity == d("0.5"));  // 50.005 at the best ask 100.01
    auto sweep = f.engine.place(*f.alice, new_order{"BTCUSDT", codes::sell, codes::market, codes::gtc, std::nullopt,
                                                    d("0.9"), std::nullopt, {}},
                                4)
                     .value();
    CHECK(sweep.status == codes::filled);
    auto too_much = f.engine.place(*f.bob, new_order{"BTCUSDT", codes::sell, codes::market, codes::gtc,
                                                     std::nullopt, d("1"), std::nullopt, {}},
                                   5)
                        .value();
    CHECK(too_much.status == codes::expired);  // only 0.6 was left on the bid side
    CHECK(too_much.executed_quantity == d("0.6"));
}

TEST_CASE("orders breaking a filter or the balance are refused with Tokocrypto's codes and change nothing",
          "[sim-trading]") {
    engine_fixture f;
    auto refuse = [&](const new_order& o) { return f.engine.place(*f.alice, o, 1).error(); };
    auto off_tick = refuse(engine_fixture::limit(codes::buy, "100.005", "0.1"));
    CHECK(off_tick.code == -1013);
    CHECK(off_tick.inner->second == "Filter failure: PRICE_FILTER");
    CHECK(refuse(engine_fixture::limit(codes::buy, "0.001", "0.1")).code == 3207);
    CHECK(refuse(engine_fixture::limit(codes::buy, "100", "0.000001")).code == 3203);
    CHECK(refuse(engine_fixture::limit(codes::buy, "100", "10000")).code == 3203);
    auto low = refuse(engine_fixture::limit(codes::buy, "100", "0.01"));
    CHECK(low.code == 3210);
    CHECK(low.inner->second == "Filter failure: NOTIONAL");
    CHECK(refuse(engine_fixture::limit(codes::buy, "100", "200")).code == 2202);
    CHECK(refuse(engine_fixture::limit(codes::sell, "100", "2")).code == 2202);
    CHECK(refuse(new_order{"ETHUSDT", codes::buy, codes::limit, codes::gtc, d("1"), d("1"), std::nullopt, {}}).code ==
          -1121);
    CHECK(f.alice->balances["USDT"].free == d("10000"));
    CHECK(f.alice->balances["USDT"].locked == d("0"));
    CHECK(f.alice->orders.empty());
}

TEST_CASE("cancelling by order id or client id releases what the order had locked", "[sim-trading]") {
    engine_fixture f;
    auto first = f.engine.place(*f.alice, engine_fixture::limit(codes::buy, "100", "1", "mine-1"), 1).value();
    f.engine.place(*f.alice, engine_fixture::limit(codes::sell, "200", "0.5", "mine-2"), 1).value();
    CHECK(f.alice->balances["USDT"].locked == d("100"));
    auto cancelled = f.engine.cancel(*f.alice, first.order_id, {}, 2).value();
    CHECK(cancelled.status == codes::canceled);
    CHECK(f.engine.cancel(*f.alice, std::nullopt, "mine-2", 2).value().status == codes::canceled);
    CHECK(f.alice->balances["USDT"].free == d("10000"));
    CHECK(f.alice->balances["USDT"].locked == d("0"));
    CHECK(f.alice->balances["BTC"].free == d("1"));
    CHECK(f.engine.cancel(*f.alice, first.order_id, {}, 3).error().code == -2011);
    CHECK(f.engine.cancel(*f.alice, 999, {}, 3).error().code == 3218);
    CHECK(f.engine.cancel(*f.bob, first.order_id, {}, 3).error().code == 3218);
    CHECK(f.engine.book("BTCUSDT")->order_count() == 0);
    CHECK(f.engine.list_orders(*f.alice, "BTCUSDT", order_filter::open).empty());
    CHECK(f.engine.list_orders(*f.alice, "BTCUSDT", order_filter::history).size() == 2);
}

TEST_CASE("a client id outside the venues' rule is refused with -1100 naming the rule, and places nothing",
          "[sim-trading]") {
    engine_fixture f;
    for (const std::string& bad : {std::string("a\0b", 3), std::string("caf\xc3\xa9"), std::string("\xff\xfe"),
                                   std::string(10'240, 'x'), std::string(37, 'a'), std::string("two words"),
                                   std::string("semi;colon"), std::string("quote\"d")}) {
        auto refused = f.engine.place(*f.alice, engine_fixture::limit(codes::buy, "100", "1", bad), 1);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == -1100);
        CHECK(refused.error().http_status == 400);
        CHECK(refused.error().msg ==
              "Illegal characters found in parameter 'clientId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
    }
    CHECK(f.alice->orders.empty());
    CHECK(f.alice->balances["USDT"].locked == d("0"));
    const std::string longest = "sma.cross:1/" + std::string(20, 'Z') + "_-09";
    REQUIRE(longest.size() == 36);
    CHECK(f.engine.place(*f.alice, engine_fixture::limit(codes::buy, "100", "1", longest), 1).value().client_id == longest);
    CHECK(f.engine.place(*f.alice, engine_fixture::limit(codes::buy, "100", "1"), 1).value().client_id == "sim-2");
}

TEST_CASE("a client id may repeat by default, as on Tokocrypto; with uniqueness among open orders a duplicate is "
          "refused with -2010 until the first order closes",
          "[sim-trading]") {
    engine_fixture tokocrypto;
    tokocrypto.engine.place(*tokocrypto.alice, engine_fixture::limit(codes::buy, "100", "1", "same"), 1).value();
    tokocrypto.engine.place(*tokocrypto.alice, engine_fixture::limit(codes::buy, "100", "1", "same"), 1).value();
    CHECK(tokocrypto.engine.list_orders(*tokocrypto.alice, "BTCUSDT", order_filter::open).size() == 2);

    engine_fixture binance(0, client_id_uniqueness::among_open_orders);
    auto first = binance.engine.place(*binance.alice, engine_fixture::limit(codes::buy, "100", "1", "same"), 1).value();
    auto duplicate = binance.engine.place(*binance.alice, engine_fixture::limit(codes::sell, "200", "0.5", "same"), 2);
    REQUIRE_FALSE(duplicate);
    CHECK(duplicate.error().code == -2010);
    CHECK(duplicate.error().msg == "Duplicate order sent.");
    CHECK(duplicate.error().http_status == 400);
    CHECK(binance.alice->orders.size() == 1);
    CHECK(binance.alice->balances["BTC"].locked == d("0"));
    // Another account's open order with the same client id is no duplicate.
    CHECK(binance.engine.place(*binance.bob, engine_fixture::limit(codes::buy, "100", "1", "same"), 2));
    binance.engine.cancel(*binance.alice, first.order_id, {}, 3).value();
    CHECK(binance.engine.place(*binance.alice, engine_fixture::limit(codes::buy, "100", "1", "same"), 4));
}

TEST_CASE("fees are charged in the received asset, rounded up to 8 decimals", "[sim-trading]") {
    CHECK(fee_on(d("0.00001"), d("0.001")) == d("0.00000001"));
    CHECK(fee_on(d("10"), d("0.001")) == d("0.01"));
    CHECK(fee_on(d("10"), d("0")) == d("0"));
}

TEST_CASE("exchange-sim --account takes KEY:SECRET:ASSET=AMOUNT pairs and refuses anything else", "[sim-trading]") {
    auto spec = parse_account_spec("k:s:USDT=10000.5,BTC=1").value();
    CHECK(spec.api_key == "k");
    CHECK(spec.secret == "s");
    REQUIRE(spec.balances.size() == 2);
    CHECK(spec.balances[0].second == d("10000.5"));
    CHECK_FALSE(parse_account_spec("k:s"));
    CHECK_FALSE(parse_account_spec(":s:USDT=1"));
    CHECK_FALSE(parse_account_spec("k:s:USDT"));
    CHECK_FALSE(parse_account_spec("k:s:USDT=-1"));
    CHECK_FALSE(parse_account_spec("k:s:USDT=1e5"));
}

namespace {

// Tokocrypto's documented signing example, served at a clock just after its timestamp.
constexpr const char* doc_secret = "f9AbA6a8AD6bC2a97294a212244dda04ETfl0kc4BSUGOtL7m7rNELpt3Jh25SiP";
constexpr const char* doc_payload =
    "symbol=BTC_USDT&side=0&type=1&quantity=0.16&price=7500&timestamp=1581720670624&recvWindow=5000";
constexpr const char* doc_signature = "33824b5160daefc34257ab9cd3c3db7a0158a446674f896c9fc3b122ae656bfa";

struct api_fixture {
    trading_engine engine{{default_rules("BTCUSDT")}, fee_schedule{}, liquidity_config{0, d("1"), 1}};
    std::int64_t now = 1581720670624 + 100;
    hft::net::router routes;

    api_fixture() {
        REQUIRE(engine.add_account(account_spec{"doc-key", doc_secret, {{"USDT", d("10000")}}}));
        add_trading_routes(routes, engine, trading_api_hooks{[this] { return now; }, nullptr, nullptr});
    }

    json post(std::string body, std::string key = "doc-key", unsigned* status = nullptr) {
        hft::net::http_request request{"POST", "/open/v1/orders", "/open/v1/orders", "", std::move(body), {}, {}};
        if (!key.empty()) request.headers.emplace_back("X-MBX-APIKEY", key);
        auto response = routes.dispatch(request);
        if (status) *status = response.status;
        return json::parse(response.body);
    }
};

}  // namespace

TEST_CASE("the documented signed order is accepted into the envelope with numeric enums", "[sim-trading]") {
    api_fixture f;
    auto answer = f.post(std::string(doc_payload) + "&signature=" + doc_signature);
    CHECK(answer["code"] == 0);
    CHECK(answer["msg"] == "success");
    CHECK(answer["timestamp"] == f.now);
    CHECK(answer["data"]["symbol"] == "BTC_USDT");
    CHECK(answer["data"]["side"] == 0);
    CHECK(answer["data"]["type"] == 1);
    CHECK(answer["data"]["status"] == 0);
    CHECK(answer["data"]["price"] == "7500");
    CHECK(answer["data"]["origQty"] == "0.16");
    CHECK(f.engine.find_account("doc-key")->balances["USDT"].locked == d("1200"));
}

TEST_CASE("a missing key, an unknown key, a bad signature and a stale timestamp are refused", "[sim-trading]") {
    api_fixture f;
    auto signed_body = std::string(doc_payload) + "&signature=" + doc_signature;
    unsigned status = 0;
    CHECK(f.post(signed_body, "", &status)["code"] == -2014);
    CHECK(status == 401);
    CHECK(f.post(signed_body, "someone-else", &status)["code"] == -2015);
    CHECK(f.post(std::string(doc_payload) + "&signature=" + std::string(64, '0'), "doc-key", &status)["code"] == -1022);
    CHECK(status == 400);
    CHECK(f.post(doc_payload)["code"] == -1102);
    f.now += 5000;  // 5100 ms after the timestamp, beyond the 5000 ms recvWindow
    CHECK(f.post(signed_body)["code"] == -1021);
    f.now = 1581720670624 - 1500;  // the request claims to come from the future
    CHECK(f.post(signed_body)["code"] == -1021);
    CHECK(f.engine.find_account("doc-key")->orders.empty());
}

TEST_CASE("a signed order whose percent-encoded clientId decodes to a NUL or to invalid UTF-8 is refused, not echoed",
          "[sim-trading]") {
    api_fixture f;
    for (const char* encoded : {"a%00b", "%FF%FE", "caf%C3%A9"}) {
        const auto payload = std::string(doc_payload) + "&clientId=" + encoded;
        unsigned status = 0;
        auto answer = f.post(payload + "&signature=" + hft::exchange::sign_request(doc_secret, payload, {}), "doc-key",
                             &status);
        CHECK(status == 400);
        CHECK(answer["code"] == -1100);
        CHECK_FALSE(answer.contains("data"));
    }
    CHECK(f.engine.find_account("doc-key")->orders.empty());
}

TEST_CASE("form parameters decode, and the signature pair is cut out of what was signed", "[sim-trading]") {
    auto pairs = parse_form("a=1&b=x%20y&&c=");
    REQUIRE(pairs.size() == 3);
    CHECK(pairs[1].second == "x y");
    CHECK(pairs[2].second.empty());
    std::string signature;
    CHECK(without_signature("a=1&signature=abc&b=2", signature) == "a=1&b=2");
    CHECK(signature == "abc");
}
