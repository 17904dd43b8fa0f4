#include "hft/exchange/binance/kline_frame.hpp"

#include "hft/testing/binance_kline_frames.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace binance = hft::exchange::binance;
using binance::frame_kind;
using binance::malformed_reason;
using hft::domain::decimal;

namespace {

// Built with append: GCC 12 warns falsely (-Warray-bounds) on `std::string(literal) + literal` at -O2.
std::string source_path(std::string_view relative) {
    std::string path(HFT_SOURCE_DIR);
    path.append(relative);
    return path;
}

std::string fixture(std::string_view name) {
    std::ifstream in(source_path("/tests/fixtures/binance/").append(name), std::ios::binary);
    REQUIRE(in.good());
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

decimal dec(std::string_view text) { return decimal::parse(text).value(); }

std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

const std::vector<binance::symbol_mapping> rows{
    {"binance", "BNBBTC", "bnbbtc", "BNBBTC"},
    {"binance", "BTCUSDT", "btcusdt", "BTCUSDT"},
    {"tokocrypto", "TKOIDR", "tkoidr", "TKO_IDR"},
};

const binance::symbol_map& binance_symbols() {
    static const auto map = binance::symbol_map::build("binance", rows).value();
    return map;
}

const binance::symbol_map& tokocrypto_symbols() {
    static const auto map = binance::symbol_map::build("tokocrypto", rows).value();
    return map;
}

const binance::frame_context binance_ctx{"binance", &binance_symbols(), 1'672'515'782'200'000'000};

binance::frame_result parse(std::string_view frame, const binance::frame_context& ctx = binance_ctx) {
    return binance::parse_kline_frame(frame, ctx);
}

void check_malformed(std::string_view frame, malformed_reason reason, std::string_view message) {
    INFO(frame);
    const auto result = parse(frame);
    CHECK(result.kind == frame_kind::malformed);
    CHECK(binance::to_string(result.reason) == binance::to_string(reason));
    CHECK(result.message == message);
}

void check_same(const binance::frame_result& ours, const binance::frame_result& reference) {
    REQUIRE(binance::to_string(ours.kind) == binance::to_string(reference.kind));
    const auto& a = ours.kline;
    const auto& b = reference.kline;
    CHECK(a.exchange == b.exchange);
    CHECK(a.symbol == b.symbol);
    CHECK(a.interval == b.interval);
    CHECK(a.open_time == b.open_time);
    CHECK(a.close_time == b.close_time);
    CHECK(a.open == b.open);
    CHECK(a.high == b.high);
    CHECK(a.low == b.low);
    CHECK(a.close == b.close);
    CHECK(a.base_volume == b.base_volume);
    CHECK(a.quote_volume == b.quote_volume);
    CHECK(a.taker_base_volume == b.taker_base_volume);
    CHECK(a.taker_quote_volume == b.taker_quote_volume);
    CHECK(a.trade_count == b.trade_count);
    CHECK(a.is_closed == b.is_closed);
    CHECK(a.event_time == b.event_time);
    CHECK(a.received_ns == b.received_ns);
    CHECK(a.source == b.source);
}

}  // namespace

TEST_CASE("the documented kline payload is malformed because its open is below its low", "[exchange][binance]") {
    // Binance's own example has o = 0.0010 < l = 0.0015: a feed must not trust even the documentation.
    const auto result = parse(fixture("kline_doc_example.json"));
    CHECK(result.kind == frame_kind::malformed);
    CHECK(result.reason == malformed_reason::insane_kline);
    CHECK(result.message == "k.o: must be between low and high");
}

TEST_CASE("a corrected copy of the documented kline payload becomes a domain kline", "[exchange][binance]") {
    const auto result = parse(fixture("kline_doc_example_corrected.json"));
    REQUIRE(result.kind == frame_kind::kline);
    const auto& k = result.kline;
    CHECK(k.exchange == "binance");
    CHECK(k.symbol == "BNBBTC");
    CHECK(k.interval == "1m");
    CHECK(k.open_time == 1'672'515'780'000);
    CHECK(k.close_time == 1'672'515'839'999);
    CHECK(k.open == dec("0.0010"));
    CHECK(k.close == dec("0.0020"));
    CHECK(k.high == dec("0.0025"));
    CHECK(k.low == dec("0.0010"));
    CHECK(k.base_volume == dec("1000"));
    CHECK(k.quote_volume == dec("1.0000"));
    CHECK(k.taker_base_volume == dec("500"));
    CHECK(k.taker_quote_volume == dec("0.500"));
    CHECK(k.trade_count == 100);
    CHECK_FALSE(k.is_closed);
    CHECK(k.event_time == 1'672'515'782'136);
    CHECK(k.received_ns == binance_ctx.received_ns);
    CHECK(k.source == hft::domain::kline_source::ws);
}

TEST_CASE("a combined-stream kline frame parses like the raw event", "[exchange][binance]") {
    const auto wrapped = parse(fixture("kline_combined_bnbbtc.json"));
    const auto raw = parse(fixture("kline_doc_example_corrected.json"));
    check_same(wrapped, raw);
}

TEST_CASE("a Tokocrypto tkoidr frame resolves to the canonical TKOIDR symbol", "[exchange][binance]") {
    const binance::frame_context ctx{"tokocrypto", &tokocrypto_symbols(), 42};
    const auto result = parse(fixture("kline_tokocrypto_tkoidr.json"), ctx);
    REQUIRE(result.kind == frame_kind::kline);
    CHECK(result.kline.exchange == "tokocrypto");
    CHECK(result.kline.symbol == "TKOIDR");
    CHECK(result.kline.open == dec("3245"));
    CHECK(result.kline.high == dec("3260"));
    CHECK(result.kline.is_closed);
    CHECK(result.kline.received_ns == 42);
}

TEST_CASE("a kline whose stream names another form of the same market is accepted", "[exchange][binance]") {
    const binance::frame_context ctx{"tokocrypto", &tokocrypto_symbols(), 0};
    const auto frame = replaced(fixture("kline_tokocrypto_tkoidr.json"), R"("s":"TKOIDR","k")", R"("s":"TKO_IDR","k")");
    const auto order_form = replaced(replaced(frame, R"("s":"TKOIDR","i")", R"("s":"TKO_IDR","i")"),
                                     "tkoidr@kline_1m", "tkoidr@kline_1m@+08:00");
    const auto result = parse(order_form, ctx);
    REQUIRE(result.kind == frame_kind::kline);
    CHECK(result.kline.symbol == "TKOIDR");
}

TEST_CASE("a kline for a market outside the symbol map is counted as unknown_symbol", "[exchange][binance]") {
    const binance::frame_context ctx{"tokocrypto", &tokocrypto_symbols(), 0};
    const auto result = parse(fixture("kline_combined_bnbbtc.json"), ctx);
    CHECK(result.kind == frame_kind::unknown_symbol);
    CHECK(result.symbol == "BNBBTC");
}

TEST_CASE("without a symbol map the event's symbol is taken as canonical", "[exchange][binance]") {
    const auto result = parse(fixture("kline_combined_bnbbtc.json"), binance::frame_context{"binance", nullptr, 0});
    REQUIRE(result.kind == frame_kind::kline);
    CHECK(result.kline.symbol == "BNBBTC");
}

TEST_CASE("subscription acks carry their id and list result", "[exchange][binance]") {
    const auto subscribed = parse(fixture("ack_subscribe.json"));
    CHECK(subscribed.kind == frame_kind::ack);
    CHECK(subscribed.id == "1");
    CHECK(subscribed.ack_result.empty());

    const auto listed = parse(fixture("ack_list_subscriptions.json"));
    CHECK(listed.kind == frame_kind::ack);
    CHECK(listed.id == "3");
    CHECK(listed.ack_result == std::vector<std::string>{"btcusdt@aggTrade"});

    CHECK(parse(R"({"result":true,"id":"abc-1"})").id == "abc-1");
    CHECK(parse(R"({"result":null,"id":null})").kind == frame_kind::ack);
}

TEST_CASE("error replies carry code, message and id", "[exchange][binance]") {
    const auto invalid = parse(fixture("error_invalid_request.json"));
    CHECK(invalid.kind == frame_kind::error_reply);
    CHECK(invalid.error_code == 2);
    CHECK(invalid.error_text == "Invalid request: property name must be a string");
    CHECK(invalid.id.empty());

    const auto unknown = parse(fixture("error_unknown_property.json"));
    CHECK(unknown.kind == frame_kind::error_reply);
    CHECK(unknown.error_code == 0);
    CHECK(unknown.id == "7");
}

TEST_CASE("serverShutdown is reported raw and wrapped", "[exchange][binance]") {
    const auto raw = parse(fixture("server_shutdown.json"));
    CHECK(raw.kind == frame_kind::server_shutdown);
    CHECK(raw.event_time == 1'672'515'782'136);
    const auto wrapped = parse(R"({"stream":"btcusdt@kline_1m","data":{"e":"serverShutdown","E":5}})");
    CHECK(wrapped.kind == frame_kind::server_shutdown);
    CHECK(wrapped.event_time == 5);
}

TEST_CASE("events other than klines are ignored", "[exchange][binance]") {
    const auto trade = parse(fixture("agg_trade_combined.json"));
    CHECK(trade.kind == frame_kind::ignored);
    CHECK(trade.event_type == "aggTrade");
    CHECK(parse(R"({"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000"})").kind == frame_kind::ignored);
    CHECK(parse(R"([{"e":"24hrMiniTicker"}])").kind == frame_kind::ignored);
    CHECK(parse(R"({"stream":"!miniTicker@arr","data":[]})").kind == frame_kind::ignored);
}

TEST_CASE("each malformed class is reported with a stable reason naming the field", "[exchange][binance]") {
    const std::string good = fixture("kline_doc_example_corrected.json");
    REQUIRE(parse(good).kind == frame_kind::kline);

    check_malformed(replaced(good, R"("o":"0.0010")", R"("o":0.0010)"), malformed_reason::wrong_type,
                    "k.o: expected a decimal string");
    check_malformed(replaced(good, R"("o":"0.0010")", R"("o":1.5)"), malformed_reason::wrong_type,
                    "k.o: expected a decimal string");
    check_malformed(replaced(good, R"("h":"0.0025",)", ""), malformed_reason::missing_field, "k.h: missing");
    check_malformed(replaced(good, R"("E":1672515782136,)", ""), malformed_reason::missing_field, "E: missing");
    check_malformed(replaced(good, R"("o":"0.0010")", R"("o":"NaN")"), malformed_reason::bad_decimal,
                    "k.o: not an exact decimal");
    check_malformed(replaced(good, R"("c":"0.0020")", R"("c":"2e-3")"), malformed_reason::bad_decimal,
                    "k.c: not an exact decimal");
    check_malformed(replaced(good, R"("v":"1000")", R"("v":"-1000")"), malformed_reason::insane_kline,
                    "k.v: must not be negative");
    check_malformed(replaced(good, R"("h":"0.0025")", R"("h":"0.0005")"), malformed_reason::insane_kline,
                    "k.h: must not be below low");
    check_malformed(replaced(good, R"("o":"0.0010")", R"("o":"0.0030")"), malformed_reason::insane_kline,
                    "k.o: must be between low and high");
    check_malformed(replaced(good, R"("l":"0.0010")", R"("l":"0")"), malformed_reason::insane_kline,
                    "k.l: must be greater than 0");
    check_malformed(replaced(good, R"("Q":"0.500")", R"("Q":"-0.500")"), malformed_reason::insane_kline,
                    "k.Q: must not be negative");
    check_malformed(replaced(good, R"("T":1672515839999)", R"("T":1672515780000)"), malformed_reason::bad_times,
                    "k.T: must be after open_time");
    check_malformed(replaced(good, R"("i":"1m")", R"("i":"2m")"), malformed_reason::unknown_interval,
                    "k.i: is not a kline interval");
    check_malformed(replaced(good, R"("s":"BNBBTC","i")", R"("s":"","i")"), malformed_reason::empty_symbol,
                    "k.s: empty symbol");
    check_malformed(replaced(good, R"("s":"BNBBTC","k")", R"("s":"ETHBTC","k")"), malformed_reason::symbol_mismatch,
                    "s: differs from k.s");
    check_malformed(replaced(good, R"("o":"0.0010")", R"("o":"0.0010","o":"0.0011")"),
                    malformed_reason::duplicate_field, "k.o: appears twice");
    check_malformed(replaced(good, R"("x":false)", R"("x":"false")"), malformed_reason::wrong_type,
                    "k.x: expected a boolean");
    check_malformed(replaced(good, R"("n":100)", R"("n":-1)"), malformed_reason::bad_integer,
                    "k.n: must not be negative");
    check_malformed(replaced(good, R"("t":1672515780000)", R"("t":1.5)"), malformed_reason::wrong_type,
                    "k.t: expected an integer");
    check_malformed(replaced(good, R"("t":1672515780000)", R"("t":"1672515780000")"), malformed_reason::wrong_type,
                    "k.t: expected an integer");
    check_malformed(R"({"e":"kline","E":1,"k":[]})", malformed_reason::wrong_type, "k: expected an object");
    check_malformed(R"({"e":"kline","E":1})", malformed_reason::missing_field, "k: missing");
    check_malformed(R"({"e":7})", malformed_reason::wrong_type, "e: expected a string");
    check_malformed(R"({"stream":"bnbbtc@kline_1m"})", malformed_reason::missing_field,
                    "data: combined-stream frame without data");
    check_malformed(R"({"stream":"bnbbtc@kline_1m","data":5})", malformed_reason::wrong_type,
                    "data: expected an object");

    const std::string wrapped = fixture("kline_combined_bnbbtc.json");
    check_malformed(replaced(wrapped, "bnbbtc@kline_1m", "ethbtc@kline_1m"), malformed_reason::stream_mismatch,
                    "stream: does not name this kline");
    check_malformed(replaced(wrapped, "bnbbtc@kline_1m", "bnbbtc@kline_5m"), malformed_reason::stream_mismatch,
                    "stream: does not name this kline");

    CHECK(parse(good.substr(0, good.size() / 2)).reason == malformed_reason::invalid_json);
    CHECK(parse(good + " {}").reason == malformed_reason::invalid_json);
    CHECK(parse(good + "}").reason == malformed_reason::invalid_json);
    CHECK(parse("").reason == malformed_reason::invalid_json);
    CHECK(parse("   ").reason == malformed_reason::invalid_json);
    CHECK(parse("{\"e\":\"kl\xff\"}").reason == malformed_reason::invalid_json);
    CHECK(parse("123").reason == malformed_reason::not_an_object);
    CHECK(parse("\"kline\"").reason == malformed_reason::not_an_object);
    CHECK(parse("null").reason == malformed_reason::not_an_object);
}

TEST_CASE("fields in any order and with whitespace parse the same", "[exchange][binance]") {
    const auto reordered = parse(R"( { "k" : { "B" : "123456" , "Q" : "0.500" , "V" : "500" , "q" : "1.0000" ,
        "x" : false , "n" : 100 , "v" : "1000" , "l" : "0.0010" , "h" : "0.0025" , "c" : "0.0020" , "o" : "0.0010" ,
        "L" : 200 , "f" : 100 , "i" : "1m" , "s" : "BNBBTC" , "T" : 1672515839999 , "t" : 1672515780000 } ,
        "s" : "BNBBTC" , "E" : 1672515782136 , "e" : "kline" } )");
    check_same(reordered, parse(fixture("kline_doc_example_corrected.json")));
}

TEST_CASE("escaped strings are unescaped before they are compared", "[exchange][binance]") {
    // "\\u0042" is 'B' once unescaped: the symbol is still BNBBTC, but a decimal must be plain digits.
    const auto escaped = replaced(fixture("kline_doc_example_corrected.json"), R"("s":"BNBBTC","i")",
                                  "\"s\":\"BNB\\u0042TC\",\"i\"");
    REQUIRE(escaped.find("BNB\\u0042TC") != std::string::npos);
    const auto result = parse(escaped);
    REQUIRE(result.kind == frame_kind::kline);
    CHECK(result.kline.symbol == "BNBBTC");
    check_malformed(replaced(escaped, R"("o":"0.0010")", "\"o\":\"0.00\\u00310\""), malformed_reason::bad_decimal,
                    "k.o: not an exact decimal");
}

TEST_CASE("a closing brace in the caller's padding does not complete a truncated frame", "[exchange][binance]") {
    // simdjson peeks past the end; a '}' there must not let an unbalanced document through (simdjson#1834).
    binance::kline_frame_parser parser;
    binance::frame_result result;
    for (const std::string_view frame : {R"({"a":{"b":1})", R"({"e":"kline","k":{"t":1})", R"({"result":null)"}) {
        std::string buffer(frame);
        buffer.append(binance::frame_padding, '}');
        parser.parse_padded(std::string_view(buffer.data(), frame.size()), binance_ctx, result);
        CHECK(result.reason == malformed_reason::invalid_json);
        parser.parse(frame, binance_ctx, result);
        CHECK(result.reason == malformed_reason::invalid_json);
    }
}

TEST_CASE("frames above 64 KiB are rejected unread", "[exchange][binance]") {
    std::string big = fixture("kline_doc_example_corrected.json");
    big.insert(1, R"("pad":")" + std::string(binance::max_frame_size, 'x') + R"(",)");
    const auto result = parse(big);
    CHECK(result.kind == frame_kind::malformed);
    CHECK(result.reason == malformed_reason::oversize);
}

TEST_CASE("random bytes and mutated frames never crash the parser", "[exchange][binance]") {
    // Deterministic: a failure reproduces. ASan/UBSan builds turn any overread into a failure here.
    std::mt19937_64 random(20'260'222);
    const std::string good = fixture("kline_combined_bnbbtc.json");
    const std::string alphabet = "{}[]\":,.-0123456789eEtTsSkxnfalrun \\\x80\xff";
    binance::kline_frame_parser parser;
    binance::frame_result result;
    std::size_t klines = 0;
    for (int i = 0; i < 10'000; ++i) {
        std::string frame;
        switch (i % 4) {
            case 0: {  // uniformly random bytes
                frame.resize(random() % 512);
                for (auto& c : frame) c = static_cast<char>(random());
                break;
            }
            case 1: {  // random JSON-ish tokens
                frame.resize(random() % 256);
                for (auto& c : frame) c = alphabet[random() % alphabet.size()];
                break;
            }
            case 2: {  // a valid frame with a few bytes flipped
                frame = good;
                for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
                    frame[random() % frame.size()] = alphabet[random() % alphabet.size()];
                }
                break;
            }
            default: frame = good.substr(0, random() % good.size()); break;  // truncated
        }
        parser.parse(frame, binance_ctx, result);
        if (result.kind == frame_kind::kline) ++klines;
        if (result.kind == frame_kind::malformed) CHECK(result.reason != malformed_reason::none);
        // The zero-copy path must agree with the copying one.
        std::string padded = frame;
        padded.resize(frame.size() + binance::frame_padding, ' ');
        const auto copied_kind = result.kind;
        parser.parse_padded(std::string_view(padded.data(), frame.size()), binance_ctx, result);
        CHECK(result.kind == copied_kind);
    }
    // Flipping a byte inside a value can still leave a valid kline; most mutations must not.
    CHECK(klines < 2'500);
}

TEST_CASE("the parser agrees with the nlohmann reference on the generated corpus", "[exchange][binance]") {
    const auto corpus = binance::testing::make_kline_corpus(
        source_path("/data/klines/binanceus-BTCUSDT-1m-2023-03-01-to-21.csv"), "BTCUSDT", 1'000);
    REQUIRE(corpus.size() == 1'000);
    binance::kline_frame_parser parser;
    binance::frame_result ours;
    std::size_t closed = 0;
    for (const auto& frame : corpus) {
        parser.parse(frame, binance_ctx, ours);
        const auto reference = binance::testing::reference_parse(frame, binance_ctx);
        INFO(frame);
        REQUIRE(ours.kind == frame_kind::kline);
        check_same(ours, reference);
        if (ours.kline.is_closed) ++closed;
    }
    CHECK(closed == 250);
}

TEST_CASE("the parser agrees with the nlohmann reference on every fixture", "[exchange][binance]") {
    for (const char* name : {"kline_doc_example.json", "kline_doc_example_corrected.json", "kline_combined_bnbbtc.json",
                             "ack_subscribe.json", "ack_list_subscriptions.json", "error_invalid_request.json",
                             "error_unknown_property.json", "server_shutdown.json", "agg_trade_combined.json"}) {
        INFO(name);
        const std::string frame = fixture(name);
        const auto ours = parse(frame);
        const auto reference = binance::testing::reference_parse(frame, binance_ctx);
        CHECK(binance::to_string(ours.kind) == binance::to_string(reference.kind));
        CHECK(ours.id == reference.id);
        CHECK(ours.error_text == reference.error_text);
        CHECK(ours.event_time == reference.event_time);
    }
}
