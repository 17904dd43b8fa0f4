#pragma once

// A price-time-priority limit order book for one symbol, in the style of liquibook: orders go in, fills come
// out, nothing else happens (no I/O, no accounts, no clock). Prices and quantities are exact decimals; inside
// the book they are integer counts of 10^-price_scale and 10^-quantity_scale units, so matching never rounds.
//
// Resting orders live in pooled nodes linked into one FIFO list per price level, so adding and cancelling an
// order allocates nothing once the pool and the level maps have grown to their working size.

#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace hft::core {

/// One match between a resting (maker) order and an incoming (taker) order, at the maker's price.
struct book_fill {
    std::uint64_t trade_id = 0;  ///< 1, 2, 3, ... per book
    std::uint64_t maker_order_id = 0;
    std::uint64_t taker_order_id = 0;
    domain::order_side taker_side = domain::order_side::buy;
    domain::decimal price;
    domain::decimal quantity;
    bool maker_done = false;  ///< the maker order has nothing left and left the book
};

/// Why the book refused an order; a refused order changes nothing.
enum class book_error : std::uint8_t {
    duplicate_order_id,
    invalid_price,     ///< not positive, or not a whole number of price units
    invalid_quantity,  ///< not positive, or not a whole number of quantity units
    no_quantity,       ///< a market order with neither a quantity nor a quote budget
};

std::string_view to_string(book_error error) noexcept;

/// What became of an incoming order once matching stopped.
enum class book_outcome : std::uint8_t {
    resting,   ///< part or none of it filled; the rest is on the book (GTC limit)
    filled,    ///< fully filled
    expired,   ///< IOC or market: filled what it could, the rest was dropped
    killed,    ///< FOK that could not fill completely: nothing happened
};

struct book_result {
    book_outcome outcome = book_outcome::resting;
    domain::decimal filled_quantity;
    domain::decimal filled_quote;  ///< sum of price * quantity over the fills, exact
    domain::decimal remaining_quantity;
};

/// A market order's size: a base quantity, a quote budget (spend at most this much quote), or both.
struct market_size {
    std::optional<domain::decimal> quantity;
    std::optional<domain::decimal> quote_budget;
};

struct book_level {
    domain::decimal price;
    domain::decimal quantity;
    std::size_t orders = 0;
};

class order_book {
public:
    /// `price_scale`/`quantity_scale`: the digits after the point a price/quantity may have (0..8).
    order_book(int price_scale, int quantity_scale);

    /// A limit order: matches what it crosses, then rests (GTC), expires (IOC) or, for FOK, fills completely
    /// or does nothing. Fills are appended to `fills`.
    expected<book_result, book_error> add_limit(std::uint64_t order_id, domain::order_side side,
                                                const domain::decimal& price, const domain::decimal& quantity,
                                                domain::time_in_force tif, std::vector<book_fill>& fills);
    /// A market order: matches the best prices until its size is used up or the other side is empty; whatever is
    /// left expires.
    expected<book_result, book_error> add_market(std::uint64_t order_id, domain::order_side side,
                                                 const market_size& size, std::vector<book_fill>& fills);
    /// Removes a resting order; returns its unfilled quantity, nullopt if it is not on the book.
    std::optional<domain::decimal> cancel(std::uint64_t order_id);

    std::optional<domain::decimal> best_bid() const;
    std::optional<domain::decimal> best_ask() const;
    /// The best `levels` price levels of a side, best first.
    std::vector<book_level> depth(domain::order_side side, std::size_t levels) const;
    /// The unfilled quantity of a resting order.
    std::optional<domain::decimal> resting_quantity(std::uint64_t order_id) const;
    std::size_t order_count() const noexcept { return index_.size(); }
    int price_scale() const noexcept { return price_scale_; }
    int quantity_scale() const noexcept { return quantity_scale_; }

private:
    static constexpr std::uint32_t nil = UINT32_MAX;

    struct node {
        std::uint64_t order_id = 0;
        std::int64_t price = 0;
        std::int64_t quantity = 0;  ///< unfilled
        std::uint32_t prev = nil;
        std::uint32_t next = nil;
        domain::order_side side = domain::order_side::buy;
    };
    struct level {
        std::uint32_t head = nil;
        std::uint32_t tail = nil;
        std::int64_t quantity = 0;
        std::size_t orders = 0;
    };
    using bid_levels = std::map<std::int64_t, level, std::greater<>>;
    using ask_levels = std::map<std::int64_t, level, std::less<>>;

    struct taker {
        std::uint64_t order_id;
        domain::order_side side;
        std::optional<std::int64_t> limit_price;  ///< none for a market order
        std::int64_t quantity;                     ///< INT64_MAX when only a budget limits it
        std::optional<domain::int128> budget;     ///< quote units at price_scale + quantity_scale
    };
    struct match_totals {
        std::int64_t quantity = 0;
        domain::int128 quote = 0;
        bool stopped_by_budget = false;  ///< the next unit would have cost more than the budget left
    };

    template <class Levels>
    match_totals match(Levels& levels, const taker& t, std::vector<book_fill>& fills);
    template <class Levels>
    std::int64_t available(const Levels& levels, const taker& t) const;
    /// Takes a node off its level (erasing the level when it empties; returns true then) and frees it.
    template <class Levels>
    bool unlink(Levels& levels, typename Levels::iterator level_it, std::uint32_t index);

    expected<book_result, book_error> execute(const taker& t, bool rest, bool fill_or_kill,
                                              std::vector<book_fill>& fills);
    void rest(const taker& t, std::int64_t quantity);
    domain::decimal price_of(std::int64_t units) const;
    domain::decimal quantity_of(std::int64_t units) const;

    int price_scale_;
    int quantity_scale_;
    bid_levels bids_;
    ask_levels asks_;
    std::vector<node> nodes_;
    std::vector<std::uint32_t> free_;
    std::unordered_map<std::uint64_t, std::uint32_t> index_;
    std::uint64_t next_trade_id_ = 1;
};

}  // namespace hft::core
