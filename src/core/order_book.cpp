#include "hft/core/order_book.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace hft::core {
namespace {

using domain::decimal;
using domain::int128;
using domain::order_side;

constexpr std::int64_t unlimited = std::numeric_limits<std::int64_t>::max();

std::optional<std::int64_t> positive_units(const decimal& value, int scale) {
    auto units = value.to_units(scale);
    if (!units || *units <= 0) return std::nullopt;
    return units;
}

}  // namespace

std::string_view to_string(book_error error) noexcept {
    switch (error) {
        case book_error::duplicate_order_id: return "an order with this id is already on the book";
        case book_error::invalid_price: return "price must be positive and a whole number of ticks";
        case book_error::invalid_quantity: return "quantity must be positive and a whole number of steps";
        case book_error::no_quantity: return "a market order needs a quantity or a quote budget";
    }
    return "unknown book error";
}

order_book::order_book(int price_scale, int quantity_scale)
    : price_scale_(price_scale), quantity_scale_(quantity_scale) {
    // Quote amounts are kept at price_scale + quantity_scale digits, which must stay within decimal's 18.
    if (price_scale < 0 || price_scale > 8 || quantity_scale < 0 || quantity_scale > 8)
        throw std::invalid_argument("order_book scales must be within 0..8");
}

decimal order_book::price_of(std::int64_t units) const { return decimal::from_raw(units, price_scale_).value(); }
decimal order_book::quantity_of(std::int64_t units) const {
    return decimal::from_raw(units, quantity_scale_).value();
}

expected<book_result, book_error> order_book::add_limit(std::uint64_t order_id, order_side side, const decimal& price,
                                                        const decimal& quantity, domain::time_in_force tif,
                                                        std::vector<book_fill>& fills) {
    auto price_units = positive_units(price, price_scale_);
    if (!price_units) return unexpected(book_error::invalid_price);
    auto quantity_units = positive_units(quantity, quantity_scale_);
    if (!quantity_units) return unexpected(book_error::invalid_quantity);
    return execute(taker{order_id, side, price_units, *quantity_units, std::nullopt},
                   tif == domain::time_in_force::gtc, tif == domain::time_in_force::fok, fills);
}

expected<book_result, book_error> order_book::add_market(std::uint64_t order_id, order_side side,
                                                         const market_size& size, std::vector<book_fill>& fills) {
    if (!size.quantity && !size.quote_budget) return unexpected(book_error::no_quantity);
    taker t{order_id, side, std::nullopt, unlimited, std::nullopt};
    if (size.quantity) {
        auto units = positive_units(*size.quantity, quantity_scale_);
        if (!units) return unexpected(book_error::invalid_quantity);
        t.quantity = *units;
    }
    if (size.quote_budget) {
        // Spending never exceeds the budget, so digits below the quote scale cannot be spent anyway.
        auto budget = size.quote_budget->quantize(price_scale_ + quantity_scale_, domain::rounding::down);
        if (!budget || !budget->is_positive()) return unexpected(book_error::invalid_quantity);
        t.budget = budget->mantissa();
    }
    return execute(t, false, false, fills);
}

expected<book_result, book_error> order_book::execute(const taker& t, bool rest_remainder, bool fill_or_kill,
                                                      std::vector<book_fill>& fills) {
    if (index_.contains(t.order_id)) return unexpected(book_error::duplicate_order_id);
    bool buying = t.side == order_side::buy;
    if (fill_or_kill && (buying ? available(asks_, t) : available(bids_, t)) < t.quantity) {
        return book_result{book_outcome::killed, decimal{}, decimal{}, quantity_of(t.quantity)};
    }
    auto totals = buying ? match(asks_, t, fills) : match(bids_, t, fills);
    std::int64_t remaining = t.quantity == unlimited ? 0 : t.quantity - totals.quantity;
    book_result result;
    result.filled_quantity = quantity_of(totals.quantity);
    result.filled_quote = decimal::from_raw(totals.quote, price_scale_ + quantity_scale_).value();
    result.remaining_quantity = quantity_of(remaining);
    bool budget_spent = t.budget && totals.stopped_by_budget;
    if (remaining == 0 && (t.quantity != unlimited || budget_spent)) {
        result.outcome = book_outcome::filled;
    } else if (rest_remainder) {
        rest(t, remaining);
        result.outcome = book_outcome::resting;
    } else {
        result.outcome = budget_spent ? book_outcome::filled : book_outcome::expired;
    }
    return result;
}

template <class Levels>
std::int64_t order_book::available(const Levels& levels, const taker& t) const {
    std::int64_t total = 0;
    for (const auto& [price, l] : levels) {
        if (levels.key_comp()(*t.limit_price, price)) break;  // beyond the limit
        total += l.quantity;
        if (total >= t.quantity) break;
    }
    return total;
}

template <class Levels>
order_book::match_totals order_book::match(Levels& levels, const taker& t, std::vector<book_fill>& fills) {
    match_totals totals;
    while (totals.quantity < t.quantity && !levels.empty()) {
        auto it = levels.begin();
        std::int64_t price = it->first;
        // Levels are ordered best first for the taker, so the first level past the limit ends the match.
        if (t.limit_price && levels.key_comp()(*t.limit_price, price)) break;
        while (it->second.head != nil && totals.quantity < t.quantity) {
            std::uint32_t index = it->second.head;
            node& maker = nodes_[index];
            std::int64_t quantity = std::min(maker.quantity, t.quantity - totals.quantity);
            if (t.budget) {
                auto affordable = static_cast<std::int64_t>(
                    std::min<int128>((*t.budget - totals.quote) / price, quantity));
                if (affordable == 0) {
                    totals.stopped_by_budget = true;
                    return totals;
                }
                quantity = affordable;
            }
            maker.quantity -= quantity;
            it->second.quantity -= quantity;
            totals.quantity += quantity;
            totals.quote += static_cast<int128>(price) * quantity;
            bool maker_done = maker.quantity == 0;
            fills.push_back(book_fill{next_trade_id_++, maker.order_id, t.order_id, t.side, price_of(price),
                                      quantity_of(quantity), maker_done});
            if (maker_done && unlink(levels, it, index)) break;
        }
    }
    return totals;
}

template <class Levels>
bool order_book::unlink(Levels& levels, typename Levels::iterator level_it, std::uint32_t index) {
    node& n = nodes_[index];
    level& l = level_it->second;
    (n.prev == nil ? l.head : nodes_[n.prev].next) = n.next;
    (n.next == nil ? l.tail : nodes_[n.next].prev) = n.prev;
    l.quantity -= n.quantity;
    --l.orders;
    index_.erase(n.order_id);
    free_.push_back(index);
    if (l.head != nil) return false;
    levels.erase(level_it);
    return true;
}

void order_book::rest(const taker& t, std::int64_t quantity) {
    std::uint32_t index;
    node n{t.order_id, *t.limit_price, quantity, nil, nil, t.side};
    if (free_.empty()) {
        index = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(n);
    } else {
        index = free_.back();
        free_.pop_back();
        nodes_[index] = n;
    }
    auto append = [&](level& l) {
        nodes_[index].prev = l.tail;
        (l.tail == nil ? l.head : nodes_[l.tail].next) = index;
        l.tail = index;
        l.quantity += quantity;
        ++l.orders;
    };
    if (t.side == order_side::buy) {
        append(bids_[n.price]);
    } else {
        append(asks_[n.price]);
    }
    index_.emplace(t.order_id, index);
}

std::optional<decimal> order_book::cancel(std::uint64_t order_id) {
    auto found = index_.find(order_id);
    if (found == index_.end()) return std::nullopt;
    std::uint32_t index = found->second;
    const node& n = nodes_[index];
    auto remaining = quantity_of(n.quantity);
    if (n.side == order_side::buy) {
        unlink(bids_, bids_.find(n.price), index);
    } else {
        unlink(asks_, asks_.find(n.price), index);
    }
    return remaining;
}

std::optional<decimal> order_book::best_bid() const {
    if (bids_.empty()) return std::nullopt;
    return price_of(bids_.begin()->first);
}

std::optional<decimal> order_book::best_ask() const {
    if (asks_.empty()) return std::nullopt;
    return price_of(asks_.begin()->first);
}

std::vector<book_level> order_book::depth(order_side side, std::size_t levels) const {
    std::vector<book_level> out;
    auto collect = [&](const auto& side_levels) {
        for (const auto& [price, l] : side_levels) {
            if (out.size() == levels) break;
            out.push_back(book_level{price_of(price), quantity_of(l.quantity), l.orders});
        }
    };
    if (side == order_side::buy) {
        collect(bids_);
    } else {
        collect(asks_);
    }
    return out;
}

std::optional<decimal> order_book::resting_quantity(std::uint64_t order_id) const {
    auto found = index_.find(order_id);
    if (found == index_.end()) return std::nullopt;
    return quantity_of(nodes_[found->second].quantity);
}

}  // namespace hft::core
