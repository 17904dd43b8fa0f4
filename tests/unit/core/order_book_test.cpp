#include "hft/core/order_book.hpp"

#include <catch2/catch.hpp>

using hft::core::book_fill;
using hft::core::book_outcome;
using hft::core::order_book;
using hft::domain::decimal;
using hft::domain::order_side;
using hft::domain::time_in_force;

namespace {

decimal d(const char* text) { return decimal::parse(text).value(); }

struct book_fixture {
    order_book book{2, 5};
    std::vector<book_fill> fills;

    hft::core::book_result limit(std::uint64_t id, order_side side, const char* price, const char* quantity,
                                 time_in_force tif = time_in_force::gtc) {
        return book.add_limit(id, side, d(price), d(quantity), tif, fills).value();
    }
};

}  // namespace

TEST_CASE("a limit order that crosses nothing rests at its price", "[order-book]") {
    book_fixture f;
    auto result = f.limit(1, order_side::buy, "100.00", "1");
    CHECK(result.outcome == book_outcome::resting);
    CHECK(f.fills.empty());
    CHECK(f.book.best_bid() == d("100"));
    CHECK_FALSE(f.book.best_ask());
    CHECK(f.book.resting_quantity(1) == d("1"));
}

TEST_CASE("a buy at the best ask fills against the oldest resting sell first", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::sell, "101", "1");
    f.limit(2, order_side::sell, "101", "1");
    auto result = f.limit(3, order_side::buy, "101", "1.5");
    CHECK(result.outcome == book_outcome::filled);
    REQUIRE(f.fills.size() == 2);
    CHECK(f.fills[0].maker_order_id == 1);
    CHECK(f.fills[0].taker_order_id == 3);
    CHECK(f.fills[0].quantity == d("1"));
    CHECK(f.fills[0].maker_done);
    CHECK(f.fills[1].maker_order_id == 2);
    CHECK(f.fills[1].quantity == d("0.5"));
    CHECK_FALSE(f.fills[1].maker_done);
    CHECK(f.fills[0].trade_id == 1);
    CHECK(f.fills[1].trade_id == 2);
    CHECK(f.book.resting_quantity(2) == d("0.5"));
}

TEST_CASE("a crossing order trades at the maker's price, best price first", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::sell, "102", "1");
    f.limit(2, order_side::sell, "101", "1");
    auto result = f.limit(3, order_side::buy, "105", "2");
    REQUIRE(f.fills.size() == 2);
    CHECK(f.fills[0].price == d("101"));
    CHECK(f.fills[1].price == d("102"));
    CHECK(result.filled_quote == d("203"));
    CHECK(f.book.order_count() == 0);
}

TEST_CASE("the unfilled rest of a crossing GTC order rests on its own side", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::buy, "99", "1");
    auto result = f.limit(2, order_side::sell, "99", "3");
    CHECK(result.outcome == book_outcome::resting);
    CHECK(result.filled_quantity == d("1"));
    CHECK(result.remaining_quantity == d("2"));
    CHECK(f.book.best_ask() == d("99"));
    CHECK_FALSE(f.book.best_bid());
}

TEST_CASE("an IOC order fills what it can and expires the rest", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::sell, "100", "1");
    auto result = f.limit(2, order_side::buy, "100", "2", time_in_force::ioc);
    CHECK(result.outcome == book_outcome::expired);
    CHECK(result.filled_quantity == d("1"));
    CHECK(f.book.order_count() == 0);
}

TEST_CASE("a FOK order that cannot fill completely does nothing", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::sell, "100", "1");
    f.limit(2, order_side::sell, "102", "5");
    auto result = f.limit(3, order_side::buy, "101", "2", time_in_force::fok);
    CHECK(result.outcome == book_outcome::killed);
    CHECK(f.fills.empty());
    CHECK(f.book.resting_quantity(1) == d("1"));
    auto filled = f.limit(4, order_side::buy, "102", "2", time_in_force::fok);
    CHECK(filled.outcome == book_outcome::filled);
    CHECK(f.fills.size() == 2);
}

TEST_CASE("a market order walks the book and expires what the book cannot fill", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::buy, "100", "1");
    f.limit(2, order_side::buy, "99", "1");
    auto result = f.book.add_market(3, order_side::sell, {d("3"), std::nullopt}, f.fills).value();
    CHECK(result.outcome == book_outcome::expired);
    CHECK(result.filled_quantity == d("2"));
    CHECK(result.filled_quote == d("199"));
    CHECK(result.remaining_quantity == d("1"));
    CHECK(f.book.order_count() == 0);
}

TEST_CASE("a market buy with a quote budget never spends more than the budget", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::sell, "100", "1");
    f.limit(2, order_side::sell, "200", "1");
    auto result = f.book.add_market(3, order_side::buy, {std::nullopt, d("150")}, f.fills).value();
    CHECK(result.outcome == book_outcome::filled);
    CHECK(result.filled_quantity == d("1.25"));
    CHECK(result.filled_quote == d("150"));
    CHECK(f.book.resting_quantity(2) == d("0.75"));
}

TEST_CASE("a cancelled order leaves the book and returns its unfilled quantity", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::sell, "100", "2");
    f.limit(2, order_side::sell, "100", "1");
    f.limit(3, order_side::buy, "100", "0.5");
    CHECK(f.book.cancel(1) == d("1.5"));
    CHECK_FALSE(f.book.cancel(1));
    f.fills.clear();
    f.limit(4, order_side::buy, "100", "1");
    REQUIRE(f.fills.size() == 1);
    CHECK(f.fills[0].maker_order_id == 2);
    CHECK(f.book.order_count() == 0);
}

TEST_CASE("the book refuses bad prices, bad quantities and duplicate ids without changing", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::buy, "100", "1");
    CHECK(f.book.add_limit(2, order_side::buy, d("100.001"), d("1"), time_in_force::gtc, f.fills).error() ==
          hft::core::book_error::invalid_price);
    CHECK(f.book.add_limit(2, order_side::buy, d("100"), d("0.000001"), time_in_force::gtc, f.fills).error() ==
          hft::core::book_error::invalid_quantity);
    CHECK(f.book.add_limit(2, order_side::buy, d("-1"), d("1"), time_in_force::gtc, f.fills).error() ==
          hft::core::book_error::invalid_price);
    CHECK(f.book.add_limit(1, order_side::buy, d("100"), d("1"), time_in_force::gtc, f.fills).error() ==
          hft::core::book_error::duplicate_order_id);
    CHECK(f.book.add_market(3, order_side::buy, {}, f.fills).error() == hft::core::book_error::no_quantity);
    CHECK(f.book.order_count() == 1);
    CHECK(f.fills.empty());
}

TEST_CASE("depth lists the best levels first with their total quantity", "[order-book]") {
    book_fixture f;
    f.limit(1, order_side::buy, "99", "1");
    f.limit(2, order_side::buy, "100", "1");
    f.limit(3, order_side::buy, "100", "2");
    auto levels = f.book.depth(order_side::buy, 5);
    REQUIRE(levels.size() == 2);
    CHECK(levels[0].price == d("100"));
    CHECK(levels[0].quantity == d("3"));
    CHECK(levels[0].orders == 2);
    CHECK(levels[1].price == d("99"));
}
