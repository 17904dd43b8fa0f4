// The real `hft exchange-sim` binary trading over real sockets: Tokocrypto's signed open API v1, filters,
// fills against the synthetic book as the simulated price moves, exact balances and fees, and each trading fault.

#include "hft/domain/decimal.hpp"
#include "hft/exchange/signing.hpp"
#include "hft/testing/sync_client.hpp"
#include "support/hft_processes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace hft;
using namespace std::chrono_literals;
using nlohmann::json;

using test::sim_process;

namespace {

domain::decimal d(const std::string& text) { return domain::decimal::parse(text).value(); }

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const std::vector<std::string> trader_flags{"--symbols",    "BTCUSDT",     "--seed",      "7",
                                            "--speed",      "60",          "--account",   "trader:trader-secret:USDT=10000,BTC=1",
                                            "--maker-fee",  "0.001",       "--taker-fee", "0.002"};

// Signs like ccxt does: timestamp and recvWindow appended, HMAC over the parameters, POSTs in a form body.
struct trader {
    std::uint16_t port;
    std::string key = "trader";
    std::string secret = "trader-secret";

    test::sync_http_result call(std::string_view method, std::string_view path, std::string params,
                                std::int64_t timestamp = now_ms(), std::chrono::milliseconds timeout = 5s) const {
        params += (params.empty() ? "" : "&") + std::string("timestamp=") + std::to_string(timestamp) + "&recvWindow=5000";
        params += "&signature=" + exchange::sign_request(secret, params, {});
        test::http_headers headers{{"X-MBX-APIKEY", key}};
        if (method == "GET") return test::http_request_sync("127.0.0.1", port, method, std::string(path) + "?" + params, {}, timeout, headers);
        headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        return test::http_request_sync("127.0.0.1", port, method, path, params, timeout, headers);
    }
    json ok(std::string_view method, std::string_view path, std::string params) const {
        auto result = call(method, path, std::move(params));
        INFO(result.status << " " << result.body << " " << result.error);
        REQUIRE(result.status == 200);
        auto body = json::parse(result.body);
        REQUIRE(body["code"] == 0);
        return body["data"];
    }
    json refused(std::string params) const {
        auto result = call("POST", "/open/v1/orders", std::move(params));
        INFO(result.body);
        CHECK(result.status == 400);
        return json::parse(result.body);
    }
    domain::decimal balance(const std::string& asset, const char* part = "free") const {
        auto account = ok("GET", "/open/v1/account/spot", "");
        for (const auto& a : account["accountAssets"]) {
            if (a["asset"] == asset) return d(a[part].get<std::string>());
        }
        return {};
    }
};

}  // namespace

TEST_CASE("a signed limit order rests, is listed and found, and is cancelled by order id and by client id",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    INFO(sim.log());
    trader t{sim.port};
    auto placed = t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000&clientId=far-1");
    CHECK(placed["status"] == 0);
    CHECK(placed["clientId"] == "far-1");
    CHECK(t.balance("USDT", "locked") == d("10"));
    CHECK(t.balance("USDT") == d("9990"));
    auto id = placed["orderId"].get<std::uint64_t>();
    CHECK(t.ok("GET", "/open/v1/orders/detail", "orderId=" + std::to_string(id))["price"] == "1000");
    CHECK(t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=1")["list"].size() == 1);

    auto cancelled = t.ok("POST", "/open/v1/orders/cancel", "orderId=" + std::to_string(id));
    CHECK(cancelled["status"] == 3);
    t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=1&type=1&quantity=0.01&price=900000&clientId=far-2");
    CHECK(t.balance("BTC", "locked") == d("0.01"));
    CHECK(t.ok("POST", "/open/v1/orders/cancel", "clientId=far-2")["status"] == 3);
    CHECK(t.balance("USDT") == d("10000"));
    CHECK(t.balance("BTC") == d("1"));
    CHECK(t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=1")["list"].empty());
    CHECK(t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=2")["list"].size() == 2);
    auto again = t.call("POST", "/open/v1/orders/cancel", "orderId=" + std::to_string(id));
    CHECK(json::parse(again.body)["code"] == -2011);
}

TEST_CASE("GET /open/v1/orders lists only the orders created between startTime and endTime",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    auto placed = t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000&clientId=dated-1");
    const auto created = placed["createTime"].get<std::int64_t>();
    const auto listed = [&](const std::string& range) {
        return t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=-1&" + range)["list"].size();
    };
    CHECK(listed("startTime=" + std::to_string(created)) == 1);
    CHECK(listed("startTime=" + std::to_string(created + 1)) == 0);
    CHECK(listed("endTime=" + std::to_string(created)) == 1);
    CHECK(listed("endTime=" + std::to_string(created - 1)) == 0);
    CHECK(t.call("GET", "/open/v1/orders", "symbol=BTC_USDT&startTime=yesterday").status == 400);
}

TEST_CASE("a missing key, a bad signature and a stale timestamp are refused with their codes",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    const std::string order = "symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000";
    auto missing = test::http_request_sync("127.0.0.1", sim.port, "POST", "/open/v1/orders",
                                           order + "&timestamp=" + std::to_string(now_ms()) + "&signature=00");
    CHECK(missing.status == 401);
    CHECK(json::parse(missing.body)["code"] == -2014);
    trader forger{sim.port, "trader", "not-the-secret"};
    CHECK(json::parse(forger.call("POST", "/open/v1/orders", order).body)["code"] == -1022);
    auto stale = t.call("POST", "/open/v1/orders", order, now_ms() - 6000);
    CHECK(stale.status == 400);
    CHECK(json::parse(stale.body)["code"] == -1021);
    CHECK(t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=-1")["list"].empty());
}

TEST_CASE("orders breaking PRICE_FILTER, LOT_SIZE, NOTIONAL or the balance are refused with their codes",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    auto off_tick = t.refused("symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000.001");
    CHECK(off_tick["code"] == -1013);
    CHECK(off_tick["data"]["msg"] == "Filter failure: PRICE_FILTER");
    CHECK(t.refused("symbol=BTC_USDT&side=0&type=1&quantity=0.000001&price=1000")["code"] == 3203);
    CHECK(t.refused("symbol=BTC_USDT&side=0&type=1&quantity=0.001&price=1000")["code"] == 3210);
    CHECK(t.refused("symbol=BTC_USDT&side=0&type=1&quantity=20&price=1000")["code"] == 2202);
    CHECK(t.refused("symbol=BTC_USDT&side=0&type=1&quantity=abc&price=1000")["code"] == -1100);
    CHECK(t.refused("symbol=DOGE_USDT&side=0&type=1&quantity=1&price=1000")["code"] == -1121);
    CHECK(t.balance("USDT") == d("10000"));
    CHECK(t.balance("USDT", "locked") == d("0"));
}

TEST_CASE("a clientId with a NUL, invalid UTF-8 or 10 KB is refused with -1100 naming the rule, and nothing is placed",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    const std::string order = "symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000&clientId=";
    for (const auto& client_id : {std::string("a%00b"), std::string("%C3%28"), std::string(10'240, 'x')}) {
        auto refused = t.refused(order + client_id);
        CHECK(refused["code"] == -1100);
        CHECK(refused["msg"] == R"(Illegal characters found in parameter 'clientId'; legal range is '^[\.A-Z\:/a-z0-9_-]{1,36}$'.)");
        CHECK_FALSE(refused.contains("data"));
    }
    CHECK(t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=-1")["list"].empty());
    CHECK(t.balance("USDT", "locked") == d("0"));
    CHECK(t.ok("POST", "/open/v1/orders", order + "sma.cross:1/2_x-0")["clientId"] == "sma.cross:1/2_x-0");
}

TEST_CASE("with --unique-client-ids an open order's clientId is refused with -2010 until that order is cancelled; "
          "without it the same clientId is placed twice, as on Tokocrypto",
          "[integration][exchange-sim-trading]") {
    const std::string order = "symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000&clientId=once-1";
    auto unique_flags = trader_flags;
    unique_flags.push_back("--unique-client-ids");
    sim_process sim(unique_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    auto first = t.ok("POST", "/open/v1/orders", order);
    auto duplicate = t.refused(order);
    CHECK(duplicate["code"] == -2010);
    CHECK(duplicate["msg"] == "Duplicate order sent.");
    CHECK(t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=-1")["list"].size() == 1);
    CHECK(t.balance("USDT", "locked") == d("10"));
    t.ok("POST", "/open/v1/orders/cancel", "orderId=" + std::to_string(first["orderId"].get<std::uint64_t>()));
    CHECK(t.ok("POST", "/open/v1/orders", order)["status"] == 0);  // a closed order's clientId may be used again

    sim_process tokocrypto(trader_flags);
    REQUIRE(tokocrypto.ready);
    trader unchecked{tokocrypto.port};
    unchecked.ok("POST", "/open/v1/orders", order);
    unchecked.ok("POST", "/open/v1/orders", order);
    CHECK(unchecked.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=1")["list"].size() == 2);
}

TEST_CASE("a market buy fills at once and moves the balances by exactly the trade and its taker fee",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    auto order = t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=0&type=2&quantity=0.01");
    CHECK(order["status"] == 2);
    CHECK(order["executedQty"] == "0.01");
    auto trades = t.ok("GET", "/open/v1/orders/trades", "symbol=BTC_USDT&orderId=" + std::to_string(order["orderId"].get<std::uint64_t>()))["list"];
    REQUIRE(trades.size() == 1);
    CHECK(trades[0]["isMaker"] == 0);
    CHECK(trades[0]["commission"] == "0.00002");
    CHECK(trades[0]["commissionAsset"] == "BTC");
    auto quote = d(trades[0]["quoteQty"].get<std::string>());
    CHECK(t.balance("BTC") == d("1.00998"));
    CHECK(t.balance("USDT") == d("10000").checked_sub(quote).value());
}

TEST_CASE("a limit order rests beside the book and fills at its own price once the simulated price moves through it",
          "[integration][exchange-sim-trading]") {
    sim_process sim(trader_flags);
    REQUIRE(sim.ready);
    trader t{sim.port};
    // The best ask, found by buying a little at it.
    auto probe = t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=0&type=2&quantity=0.001");
    auto ask = d(probe["executedPrice"].get<std::string>());
    auto below = ask.checked_sub(d("1")).value().to_string();
    auto above = ask.checked_add(d("1")).value().to_string();
    auto buy = t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=0&type=1&quantity=0.001&price=" + below);
    auto sell = t.ok("POST", "/open/v1/orders", "symbol=BTC_USDT&side=1&type=1&quantity=0.001&price=" + above);
    CHECK(buy["status"] == 0);
    CHECK(sell["status"] == 0);
    // A random walk moves either way; one of the two is crossed within seconds at speed 60.
    json filled;
    for (int i = 0; i < 300 && filled.is_null(); ++i) {
        auto history = t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=2");
        for (const auto& o : history["list"]) {
            if (o["status"] == 2 && o["type"] == 1) filled = o;
        }
        std::this_thread::sleep_for(100ms);
    }
    INFO(sim.log());
    REQUIRE_FALSE(filled.is_null());
    CHECK(filled["executedPrice"] == filled["price"]);
    auto trades = t.ok("GET", "/open/v1/orders/trades",
                       "symbol=BTC_USDT&orderId=" + std::to_string(filled["orderId"].get<std::uint64_t>()))["list"];
    REQUIRE(trades.size() == 1);
    CHECK(trades[0]["isMaker"] == 1);
    CHECK(trades[0]["price"] == filled["price"]);
}

TEST_CASE("exchange-sim --error-rate 1 answers every trading request 503 and --rate-limit-rate 1 answers 429 with Retry-After",
          "[integration][exchange-sim-trading]") {
    sim_process failing({"--error-rate", "1"});
    REQUIRE(failing.ready);
    auto answer = trader{failing.port, "paper-key", "paper-secret"}.call("GET", "/open/v1/account/spot", "");
    CHECK(answer.status == 503);
    CHECK(json::parse(answer.body)["code"] == -1001);
    CHECK(test::http_get("127.0.0.1", failing.port, "/open/v1/common/symbols").status == 200);

    sim_process limited({"--rate-limit-rate", "1", "--retry-after", "7"});
    REQUIRE(limited.ready);
    auto refused = trader{limited.port, "paper-key", "paper-secret"}.call("POST", "/open/v1/orders",
                                                                         "symbol=BTC_USDT&side=0&type=2&quantity=0.01");
    CHECK(refused.status == 429);
    CHECK(refused.header("Retry-After") == "7");
    CHECK(json::parse(refused.body)["code"] == -1003);
}

TEST_CASE("exchange-sim --slow-rate 1 delays every trading answer by --slow-for", "[integration][exchange-sim-trading]") {
    sim_process sim({"--slow-rate", "1", "--slow-for", "1.5"});
    REQUIRE(sim.ready);
    trader t{sim.port, "paper-key", "paper-secret"};
    auto started = std::chrono::steady_clock::now();
    CHECK(t.call("GET", "/open/v1/account/spot", "").status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= 1400ms);
    CHECK(t.call("GET", "/open/v1/account/spot", "", now_ms(), 500ms).status == 0);  // the client gave up first
}

TEST_CASE("exchange-sim --lost-answer-rate 1 places the order but closes the connection without an answer",
          "[integration][exchange-sim-trading]") {
    sim_process sim({"--lost-answer-rate", "1"});
    REQUIRE(sim.ready);
    trader t{sim.port, "paper-key", "paper-secret"};
    auto lost = t.call("POST", "/open/v1/orders", "symbol=BTC_USDT&side=0&type=1&quantity=0.01&price=1000&clientId=lost-1");
    CHECK(lost.status == 0);
    CHECK_FALSE(lost.error.empty());
    auto open = t.ok("GET", "/open/v1/orders", "symbol=BTC_USDT&type=1")["list"];
    REQUIRE(open.size() == 1);
    CHECK(open[0]["clientId"] == "lost-1");
}
