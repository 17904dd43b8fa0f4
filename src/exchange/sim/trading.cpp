#include "hft/exchange/sim/trading.hpp"

#include "hft/exchange/signing.hpp"
#include "hft/exchange/sim/exchange_sim.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace hft::exchange::sim {
namespace {

using domain::decimal;

decimal dec(std::string_view text) { return decimal::parse(text).value(); }
// Amounts here are bounded by the filters and the balances given at start-up, far inside decimal's 38 digits,
// so an overflow would be a bug: value() throws rather than letting money go wrong silently.
decimal plus(const decimal& a, const decimal& b) { return a.checked_add(b).value(); }
decimal minus(const decimal& a, const decimal& b) { return a.checked_sub(b).value(); }
decimal times(const decimal& a, const decimal& b) { return a.checked_mul(b).value(); }


trading_error insufficient_balance() { return bad_request(errors::insufficient_balance, "Insufficient balance"); }

trading_error illegal_client_id() {
    return bad_request(errors::illegal_characters,
                       "Illegal characters found in parameter 'clientId'; legal range is '" +
                           std::string(client_order_id_pattern) + "'.");
}

// Tokocrypto's code and wording for a broken filter, with Binance's "Filter failure: <FILTER>" inside.
trading_error broken_filter(int code, std::string msg, std::string_view filter) {
    auto inner = std::pair{errors::filter_failure, "Filter failure: " + std::string(filter)};
    return trading_error{code, std::move(msg), std::move(inner), 400};
}

// How Tokocrypto answers an order that fails core::check_filters.
trading_error filter_error(const core::filter_failure& failure, const symbol_rules& rules) {
    using core::filter_breach;
    switch (failure.filter) {
        case core::symbol_filter::trading: return bad_request(errors::new_order_rejected, "Market is closed.");
        case core::symbol_filter::price_filter:
            if (failure.breach == filter_breach::missing) return mandatory("price");
            if (failure.breach == filter_breach::below_minimum) {
                return broken_filter(errors::price_below_minimum,
                                      "The price is below the minimum " + rules.min_price.to_string(),
                                      core::filter_types::price);
            }
            return broken_filter(errors::filter_failure,
                                  "The price must be at most " + rules.max_price.to_string() + " and a multiple of " +
                                      rules.tick_size.to_string(),
                                  core::filter_types::price);
        case core::symbol_filter::lot_size:
            return broken_filter(errors::quantity_out_of_range,
                                  "Incorrect order quantity: between " + rules.min_qty.to_string() + " and " +
                                      rules.max_qty.to_string() + " in steps of " + rules.step_size.to_string(),
                                  core::filter_types::lot_size);
        case core::symbol_filter::notional:
            if (failure.breach == filter_breach::below_minimum) {
                return broken_filter(errors::volume_too_low, "The total volume is too low",
                                     core::filter_types::notional);
            }
            return broken_filter(errors::filter_failure, "The total volume is too high", core::filter_types::notional);
    }
    return bad_request(errors::filter_failure, failure.message);
}

int price_digits(const symbol_rules& rules) { return rules.tick_size.normalized().scale(); }
int quantity_digits(const symbol_rules& rules) { return rules.step_size.normalized().scale(); }

}  // namespace

trading_error bad_request(int code, std::string msg) { return trading_error{code, std::move(msg), std::nullopt, 400}; }

trading_error mandatory(std::string_view name) {
    return bad_request(errors::mandatory_parameter,
                       "Mandatory parameter '" + std::string(name) + "' was not sent, was empty/null, or malformed.");
}

symbol_rules default_rules(const std::string& symbol) {
    auto parts = split_symbol(symbol);
    return symbol_rules{.symbol = symbol,
                        .base_asset = parts ? parts->first : symbol,
                        .quote_asset = parts ? parts->second : std::string{},
                        .min_price = dec("0.01"),
                        .max_price = dec("1000000"),
                        .tick_size = dec("0.01"),
                        .min_qty = dec("0.00001"),
                        .max_qty = dec("9000"),
                        .step_size = dec("0.00001"),
                        .min_notional = dec("5"),
                        .max_notional = dec("9000000")};
}

nlohmann::ordered_json filters_json(const symbol_rules& r) {
    using json = nlohmann::ordered_json;
    return json::array({json{{"filterType", "PRICE_FILTER"},
                             {"minPrice", r.min_price.to_string()},
                             {"maxPrice", r.max_price.to_string()},
                             {"tickSize", r.tick_size.to_string()}},
                        json{{"filterType", "LOT_SIZE"},
                             {"minQty", r.min_qty.to_string()},
                             {"maxQty", r.max_qty.to_string()},
                             {"stepSize", r.step_size.to_string()}},
                        json{{"filterType", "NOTIONAL"},
                             {"minNotional", r.min_notional.to_string()},
                             {"maxNotional", r.max_notional.to_string()},
                             {"applyToMarket", r.notional_applies_to_market},
                             {"avgPriceMins", 5}}});
}

expected<account_spec, std::string> parse_account_spec(std::string_view text) {
    auto fail = [&](std::string why) {
        return unexpected<std::string>("--account '" + std::string(text) + "': " + why +
                                       " (expected KEY:SECRET:ASSET=AMOUNT,...)");
    };
    auto first = text.find(':');
    auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
    if (second == std::string_view::npos) return fail("missing ':'");
    account_spec spec{std::string(text.substr(0, first)), std::string(text.substr(first + 1, second - first - 1)), {}};
    if (spec.api_key.empty() || spec.secret.empty()) return fail("empty key or secret");
    std::string_view rest = text.substr(second + 1);
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) return fail("balance '" + std::string(item) + "' is not ASSET=AMOUNT");
        auto amount = decimal::parse(item.substr(eq + 1));
        if (!amount || amount->is_negative())
            return fail("amount of " + std::string(item.substr(0, eq)) + " is not a non-negative decimal");
        spec.balances.emplace_back(std::string(item.substr(0, eq)), *amount);
    }
    return spec;
}

account_spec default_paper_account() {
    return account_spec{"paper-key",
                        "paper-secret",
                        {{"USDT", dec("100000")}, {"USDC", dec("100000")}, {"BIDR", dec("1000000000")},
                         {"IDR", dec("1000000000")}, {"BTC", dec("10")}}};
}

decimal fee_on(const decimal& received, const decimal& rate) {
    return received.checked_mul(rate, domain::rounding::up).value().quantize(8, domain::rounding::up).value();
}

trading_engine::trading_engine(std::vector<symbol_rules> symbols, fee_schedule fees, liquidity_config liquidity,
                               client_id_uniqueness uniqueness)
    : fees_(std::move(fees)), liquidity_(std::move(liquidity)), uniqueness_(uniqueness) {
    for (auto& rules : symbols) {
        core::order_book book(price_digits(rules), quantity_digits(rules));
        markets_.push_back(std::make_unique<market>(market{std::move(rules), std::move(book), {}, {}}));
    }
}

expected<void, std::string> trading_engine::add_account(const account_spec& spec) {
    if (find_account(spec.api_key)) return unexpected<std::string>("API key " + spec.api_key + " is given twice");
    auto a = std::make_unique<account>();
    a->spec = spec;
    for (const auto& [asset, amount] : spec.balances) a->balances[asset].free = amount;
    accounts_.push_back(std::move(a));
    return {};
}

trading_engine::account* trading_engine::find_account(std::string_view api_key) {
    for (auto& a : accounts_) {
        if (a->spec.api_key == api_key) return a.get();
    }
    return nullptr;
}

trading_engine::market* trading_engine::find_market(std::string_view symbol) const {
    for (const auto& m : markets_) {
        if (m->rules.symbol == symbol) return m.get();
    }
    return nullptr;
}

const symbol_rules* trading_engine::rules(std::string_view symbol) const {
    auto m = find_market(symbol);
    return m ? &m->rules : nullptr;
}

const core::order_book* trading_engine::book(std::string_view symbol) const {
    auto m = find_market(symbol);
    return m ? &m->book : nullptr;
}

std::optional<decimal> trading_engine::last_price(std::string_view symbol) const {
    auto m = find_market(symbol);
    return m ? m->price : std::nullopt;
}

expected<sim_order, trading_error> trading_engine::place(account& owner, const new_order& request,
                                                         std::int64_t now_ms) {
    if (!request.client_id.empty() && !is_valid_client_order_id(request.client_id)) return unexpected(illegal_client_id());
    market* m = find_market(request.symbol);
    if (!m) return unexpected(bad_request(errors::invalid_symbol, "Invalid symbol."));
    const auto& r = m->rules;
    auto& base = owner.balances[r.base_asset];
    auto& quote = owner.balances[r.quote_asset];
    bool buying = request.side == codes::buy;

    sim_order order;
    order.symbol = r.symbol;
    order.side = request.side;
    order.type = request.type;
    order.time_in_force = request.time_in_force;
    order.create_time = order.update_time = now_ms;
    std::optional<decimal> budget;
    if (request.type == codes::limit) {
        if (!request.price) return unexpected(mandatory("price"));
        if (!request.quantity) return unexpected(mandatory("quantity"));
        if (auto fits = core::check_filters(r, domain::order_type::limit, request.price, *request.quantity); !fits)
            return unexpected(filter_error(fits.error(), r));
        auto cost = times(*request.price, *request.quantity);
        if (buying ? quote.free < cost : base.free < *request.quantity) return unexpected(insufficient_balance());
        order.price = *request.price;
        order.orig_quantity = *request.quantity;
        order.orig_quote_quantity = cost;
    } else if (request.quantity) {
        if (!m->price) return unexpected(bad_request(errors::new_order_rejected, "No price yet for " + r.symbol));
        if (auto fits = core::check_filters(r, domain::order_type::market, std::nullopt, *request.quantity, m->price);
            !fits)
            return unexpected(filter_error(fits.error(), r));
        if (buying ? !quote.free.is_positive() : base.free < *request.quantity)
            return unexpected(insufficient_balance());
        order.orig_quantity = *request.quantity;
        // A market buy may not spend more than the free quote balance.
        if (buying) budget = quote.free;
    } else {
        if (!buying || !request.quote_quantity) return unexpected(mandatory("quantity"));
        if (auto fits = core::check_notional(r, *request.quote_quantity); !fits)
            return unexpected(filter_error(fits.error(), r));
        if (quote.free < *request.quote_quantity) return unexpected(insufficient_balance());
        order.orig_quote_quantity = *request.quote_quantity;
        budget = request.quote_quantity;
    }

    if (uniqueness_ == client_id_uniqueness::among_open_orders && !request.client_id.empty() &&
        std::any_of(owner.orders.begin(), owner.orders.end(), [&](const auto& entry) {
            return entry.second.is_open() && entry.second.client_id == request.client_id;
        })) {
        return unexpected(bad_request(errors::new_order_rejected, std::string(tokocrypto::duplicate_order_message)));
    }

    order.order_id = next_order_id_++;
    order.client_id = request.client_id.empty() ? "sim-" + std::to_string(order.order_id) : request.client_id;
    if (request.type == codes::limit) {
        if (buying) {
            quote.free = minus(quote.free, order.orig_quote_quantity);
            quote.locked = plus(quote.locked, order.orig_quote_quantity);
        } else {
            base.free = minus(base.free, order.orig_quantity);
            base.locked = plus(base.locked, order.orig_quantity);
        }
    }
    auto& stored = owner.orders.emplace(order.order_id, std::move(order)).first->second;
    owners_.emplace(stored.order_id, owner_ref{&owner, stored.order_id});

    fills_.clear();
    auto side = buying ? domain::order_side::buy : domain::order_side::sell;
    auto tif = stored.time_in_force == codes::ioc   ? domain::time_in_force::ioc
               : stored.time_in_force == codes::fok ? domain::time_in_force::fok
                                                    : domain::time_in_force::gtc;
    // The filters already guarantee prices and quantities on the book's grid, so the book cannot refuse.
    auto result = request.type == codes::limit
                      ? m->book.add_limit(stored.order_id, side, stored.price, stored.orig_quantity, tif, fills_)
                      : m->book.add_market(stored.order_id, side,
                                           core::market_size{request.quantity, budget}, fills_);
    settle(*m, fills_, now_ms);
    switch (result.value().outcome) {
        case core::book_outcome::resting: return stored;
        case core::book_outcome::filled: stored.status = codes::filled; break;
        case core::book_outcome::expired:
        case core::book_outcome::killed: stored.status = codes::expired; break;
    }
    owners_.erase(stored.order_id);
    release(owner, stored, r);
    return stored;
}

void trading_engine::release(account& owner, sim_order& order, const symbol_rules& r) {
    if (order.type != codes::limit) return;
    auto unfilled = minus(order.orig_quantity, order.executed_quantity);
    auto& b = owner.balances[order.side == codes::buy ? r.quote_asset : r.base_asset];
    auto amount = order.side == codes::buy ? times(order.price, unfilled) : unfilled;
    b.locked = minus(b.locked, amount);
    b.free = plus(b.free, amount);
}

void trading_engine::settle(market& m, const std::vector<core::book_fill>& fills, std::int64_t now_ms) {
    for (const auto& fill : fills) {
        for (bool maker : {true, false}) {
            auto id = maker ? fill.maker_order_id : fill.taker_order_id;
            auto ref = owners_.find(id);
            if (ref == owners_.end() || ref->second.owner == nullptr) continue;
            auto& owner = *ref->second.owner;
            settle_side(m, owner, owner.orders.at(id), fill, maker, now_ms);
        }
        if (fill.maker_done) owners_.erase(fill.maker_order_id);
    }
}

void trading_engine::settle_side(market& m, account& owner, sim_order& order, const core::book_fill& fill, bool maker,
                                 std::int64_t now_ms) {
    const auto& r = m.rules;
    auto& base = owner.balances[r.base_asset];
    auto& quote = owner.balances[r.quote_asset];
    auto quote_amount = times(fill.price, fill.quantity);
    const auto& rate = maker ? fees_.maker : fees_.taker;
    sim_trade trade{fill.trade_id, order.order_id, r.symbol, order.side, fill.price, fill.quantity, quote_amount,
                    {}, {}, maker, now_ms};
    if (order.side == codes::buy) {
        if (order.type == codes::limit) {
            // The quote was locked at the limit price; a better fill price hands the difference back.
            auto reserved = times(order.price, fill.quantity);
            quote.locked = minus(quote.locked, reserved);
            quote.free = plus(quote.free, minus(reserved, quote_amount));
        } else {
            quote.free = minus(quote.free, quote_amount);
        }
        trade.commission = fee_on(fill.quantity, rate);
        trade.commission_asset = r.base_asset;
        base.free = plus(base.free, minus(fill.quantity, trade.commission));
    } else {
        auto& source = order.type == codes::limit ? base.locked : base.free;
        source = minus(source, fill.quantity);
        trade.commission = fee_on(quote_amount, rate);
        trade.commission_asset = r.quote_asset;
        quote.free = plus(quote.free, minus(quote_amount, trade.commission));
    }
    order.executed_quantity = plus(order.executed_quantity, fill.quantity);
    order.executed_quote = plus(order.executed_quote, quote_amount);
    order.status = order.executed_quantity == order.orig_quantity ? codes::filled : codes::partially_filled;
    order.update_time = now_ms;
    owner.trades.push_back(std::move(trade));
}

expected<sim_order, trading_error> trading_engine::cancel(account& owner, std::optional<std::uint64_t> order_id,
                                                          const std::string& client_id, std::int64_t now_ms) {
    auto found = const_cast<sim_order*>(find_order(owner, order_id, client_id));
    if (!found) {
        return unexpected(trading_error{errors::order_does_not_exist, "Order does not exist",
                                        std::pair{errors::no_such_order, "Order does not exist."}, 400});
    }
    if (!found->is_open()) return unexpected(bad_request(errors::cancel_rejected, "Unknown order sent."));
    auto m = find_market(found->symbol);
    m->book.cancel(found->order_id);
    owners_.erase(found->order_id);
    found->status = codes::canceled;
    found->update_time = now_ms;
    release(owner, *found, m->rules);
    return *found;
}

const sim_order* trading_engine::find_order(const account& owner, std::optional<std::uint64_t> order_id,
                                            const std::string& client_id) const {
    if (order_id) {
        auto it = owner.orders.find(*order_id);
        return it == owner.orders.end() ? nullptr : &it->second;
    }
    // Client ids need not be unique (Tokocrypto does not check them; see client_id_uniqueness): the newest open one
    // wins, else the newest.
    const sim_order* newest = nullptr;
    for (auto it = owner.orders.rbegin(); it != owner.orders.rend(); ++it) {
        if (it->second.client_id != client_id) continue;
        if (it->second.is_open()) return &it->second;
        if (!newest) newest = &it->second;
    }
    return newest;
}

std::vector<sim_order> trading_engine::list_orders(const account& owner, std::string_view symbol,
                                                   order_filter filter) const {
    std::vector<sim_order> out;
    for (const auto& [id, order] : owner.orders) {
        if (!symbol.empty() && order.symbol != symbol) continue;
        if (filter == order_filter::open && !order.is_open()) continue;
        if (filter == order_filter::history && order.is_open()) continue;
        out.push_back(order);
    }
    return out;
}

void trading_engine::on_price(std::string_view symbol, const decimal& raw_price, std::int64_t now_ms) {
    market* m = find_market(symbol);
    if (!m) return;
    auto price = raw_price.quantize_to_step(m->rules.tick_size, domain::rounding::half_even);
    if (!price || !price->is_positive() || (m->price && *m->price == *price)) return;
    m->price = *price;
    for (auto id : m->synthetic) {
        m->book.cancel(id);
        owners_.erase(id);
    }
    m->synthetic.clear();
    auto spacing = times(m->rules.tick_size, decimal::from_integer(liquidity_.spacing_ticks));
    for (int k = 1; k <= liquidity_.levels; ++k) {
        auto offset = times(spacing, decimal::from_integer(k));
        for (auto side : {domain::order_side::buy, domain::order_side::sell}) {
            auto level = side == domain::order_side::buy ? minus(*price, offset) : plus(*price, offset);
            if (!level.is_positive()) continue;
            auto id = next_order_id_++;
            owners_.emplace(id, owner_ref{nullptr, id});
            fills_.clear();
            auto result = m->book.add_limit(id, side, level, liquidity_.quantity, domain::time_in_force::gtc, fills_);
            // Crossing a resting account order is how "the price moved through my limit" turns into a fill.
            settle(*m, fills_, now_ms);
            if (result && result->outcome == core::book_outcome::resting) {
                m->synthetic.push_back(id);
            } else {
                owners_.erase(id);
            }
        }
    }
}

}  // namespace hft::exchange::sim
