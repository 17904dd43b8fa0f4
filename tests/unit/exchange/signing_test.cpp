#include "hft/exchange/signing.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <string>

// Vectors from Tokocrypto's and Binance's API documentation, both checked with openssl.

TEST_CASE("signing reproduces Tokocrypto's documented new-order signature", "[exchange][signing]") {
    CHECK(hft::exchange::hmac_sha256_hex(
              "f9AbA6a8AD6bC2a97294a212244dda04ETfl0kc4BSUGOtL7m7rNELpt3Jh25SiP",
              "symbol=BTC_USDT&side=0&type=1&quantity=0.16&price=7500&timestamp=1581720670624&recvWindow=5000") ==
          "33824b5160daefc34257ab9cd3c3db7a0158a446674f896c9fc3b122ae656bfa");
}

TEST_CASE("signing reproduces Tokocrypto's mixed query-and-body example", "[exchange][signing]") {
    // The docs' example joins query and body with no '&': "...&type=1" + "quantity=...".
    CHECK(hft::exchange::sign_request("f9AbA6a8AD6bC2a97294a212244dda04ETfl0kc4BSUGOtL7m7rNELpt3Jh25SiP",
                                      "symbol=BTC_USDT&side=0&type=1",
                                      "quantity=0.16&price=7500&timestamp=1581720670624&recvWindow=5000") ==
          "27dbb813ab6ee7ef61902f88f1a0a6cd4daca0503a5195dbdd3174f49a61ad79");
}

TEST_CASE("signing reproduces Binance's documented SIGNED endpoint example", "[exchange][signing]") {
    CHECK(hft::exchange::hmac_sha256_hex(
              "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
              "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
              "timestamp=1499827319559") == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST_CASE("the client order id check agrees with Binance's regular expression on every byte and on random ids",
          "[exchange][signing]") {
    // As Binance's -1100 error for newClientOrderId quotes it.
    constexpr const char* binance_rule = R"(^[\.A-Z\:/a-z0-9_-]{1,36}$)";
    CHECK(hft::exchange::client_order_id_pattern == binance_rule);
    const std::regex rule{binance_rule};
    const auto agrees = [&](const std::string& id) {
        INFO("client id of " << id.size() << " bytes");
        CHECK(hft::exchange::is_valid_client_order_id(id) == std::regex_match(id, rule));
    };
    agrees("");
    for (int byte = 0; byte < 256; ++byte) agrees(std::string(1, static_cast<char>(byte)));
    std::mt19937 generator{20240607};
    const std::string legal = "abcXYZ019.:/_-";
    for (int i = 0; i < 2000; ++i) {
        // Mostly legal characters, so that ids of every length around the limit pass as well as fail.
        std::string id(generator() % 40, '\0');
        for (auto& c : id) c = generator() % 8 != 0 ? legal[generator() % legal.size()] : static_cast<char>(generator() % 256);
        agrees(id);
    }
}
