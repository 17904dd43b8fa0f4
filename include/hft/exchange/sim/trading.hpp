#pragma once

// The exchange-sim's trading side without sockets: symbol filters, paper accounts with free and locked
// balances, maker/taker fees, one core::order_book per symbol with synthetic liquidity around the simulated
// price, and the orders and trades each account sees. trading_api turns HTTP requests into calls on this. It
// speaks Tokocrypto's vocabulary (exchange/tokocrypto/vocabulary.hpp).

#include "hft/core/order_book.hpp"
#include "hft/core/symbol_rules.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/exchange/tokocrypto/vocabulary.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hft::exchange::sim {

/// The rules a symbol publishes on /open/v1/common/symbols and every order is checked against (core::check_filters).
/// The sim's rules spell the symbol as its engine does: "BTCUSDT".
using core::symbol_rules;
/// Tokocrypto's numeric enums, which the sim's orders carry as they are.
namespace codes = tokocrypto::codes;
namespace errors = tokocrypto::errors;

/// The sim's filters for a symbol: tick 0.01, step 0.00001, notional 5 to 9,000,000 (Tokocrypto's BTC_USDT).
symbol_rules default_rules(const std::string& symbol);
/// The symbol's `filters` array as /open/v1/common/symbols sends it.
nlohmann::ordered_json filters_json(const symbol_rules& rules);

/// A refused request: Tokocrypto's code and message, the inner Binance-style reason when there is one, and
/// the HTTP status to answer with.
struct trading_error {
    int code = 0;
    std::string msg;
    std::optional<std::pair<int, std::string>> inner;
    unsigned http_status = 400;
};

/// A refusal answered with HTTP 400.
trading_error bad_request(int code, std::string msg);
/// -1102: a parameter the request needs was not sent, or was empty.
trading_error mandatory(std::string_view name);

/// `--account KEY:SECRET:USDT=10000,BTC=1`
struct account_spec {
    std::string api_key;
    std::string secret;
    std::vector<std::pair<std::string, domain::decimal>> balances;
};
expected<account_spec, std::string> parse_account_spec(std::string_view text);
/// The account every sim has unless --account is given: paper-key / paper-secret, 100000 of each quote asset
/// the usual symbols use and 10 BTC.
account_spec default_paper_account();

/// Whether a new order may carry the client id of one of the account's open orders.
enum class client_id_uniqueness : std::uint8_t {
    unchecked,          ///< Tokocrypto's documented behaviour: the server does not check client ids for uniqueness
    among_open_orders,  ///< Binance's: -2010 "Duplicate order sent."; a closed order's client id may be used again
};

struct fee_schedule {
    domain::decimal maker = domain::decimal::from_raw(1, 3).value();  ///< 0.001 = 0.1 %
    domain::decimal taker = domain::decimal::from_raw(1, 3).value();
};
/// The fee on `received` (fees are charged in the asset received), rounded up to 8 decimals.
domain::decimal fee_on(const domain::decimal& received, const domain::decimal& rate);

/// Synthetic resting orders on both sides of the simulated price, refreshed whenever the price moves.
struct liquidity_config {
    int levels = 5;                                                  ///< per side; 0 disables
    domain::decimal quantity = domain::decimal::from_integer(1);     ///< base quantity per level
    int spacing_ticks = 1;                                           ///< between levels and from the price
};

struct sim_order {
    std::uint64_t order_id = 0;
    std::string client_id;
    std::string symbol;  ///< "BTCUSDT"
    int side = codes::buy;
    int type = codes::limit;
    int time_in_force = codes::gtc;
    domain::decimal price;            ///< zero for market orders
    domain::decimal orig_quantity;    ///< zero for a market buy sized by quote
    domain::decimal orig_quote_quantity;
    domain::decimal executed_quantity;
    domain::decimal executed_quote;
    int status = codes::status_new;
    std::int64_t create_time = 0;
    std::int64_t update_time = 0;

    bool is_open() const noexcept {
        return status == codes::status_new || status == codes::partially_filled;
    }
};

struct sim_trade {
    std::uint64_t trade_id = 0;  ///< the book's trade id, Tokocrypto's matchId
    std::uint64_t order_id = 0;
    std::string symbol;
    int side = codes::buy;
    domain::decimal price;
    domain::decimal quantity;
    domain::decimal quote_quantity;
    domain::decimal commission;
    std::string commission_asset;
    bool maker = false;
    std::int64_t time = 0;
};

struct balance {
    domain::decimal free;
    domain::decimal locked;
};

struct new_order {
    std::string symbol;  ///< "BTCUSDT"
    int side = codes::buy;
    int type = codes::limit;
    int time_in_force = codes::gtc;
    std::optional<domain::decimal> price;
    std::optional<domain::decimal> quantity;
    std::optional<domain::decimal> quote_quantity;  ///< market buys only
    std::string client_id;                          ///< generated when empty
};

/// Which orders GET /open/v1/orders lists (its `type` parameter).
enum class order_filter : std::uint8_t { open, history, all };

class trading_engine {
public:
    struct account {
        account_spec spec;
        std::map<std::string, balance, std::less<>> balances;
        std::map<std::uint64_t, sim_order> orders;  ///< by id, so listings come out in placement order
        std::vector<sim_trade> trades;
    };

    trading_engine(std::vector<symbol_rules> symbols, fee_schedule fees, liquidity_config liquidity,
                   client_id_uniqueness uniqueness = client_id_uniqueness::unchecked);

    /// Fails on a duplicate API key or an asset no symbol trades.
    expected<void, std::string> add_account(const account_spec& spec);
    account* find_account(std::string_view api_key);
    const symbol_rules* rules(std::string_view symbol) const;

    /// Validates (the client id against exchange::client_order_id_pattern and, when asked, against the account's
    /// open orders),
    /// reserves the balance, matches and settles. Returns the order as it stands afterwards.
    expected<sim_order, trading_error> place(account& owner, const new_order& request, std::int64_t now_ms);
    /// By order id, or else by client id (the newest open order with it).
    expected<sim_order, trading_error> cancel(account& owner, std::optional<std::uint64_t> order_id,
                                              const std::string& client_id, std::int64_t now_ms);
    const sim_order* find_order(const account& owner, std::optional<std::uint64_t> order_id,
                                const std::string& client_id) const;
    std::vector<sim_order> list_orders(const account& owner, std::string_view symbol, order_filter filter) const;

    /// Moves a symbol's synthetic liquidity to `price`; resting account orders it crosses fill at their price.
    void on_price(std::string_view symbol, const domain::decimal& price, std::int64_t now_ms);
    std::optional<domain::decimal> last_price(std::string_view symbol) const;
    const core::order_book* book(std::string_view symbol) const;

    const fee_schedule& fees() const noexcept { return fees_; }

private:
    struct market {
        symbol_rules rules;
        core::order_book book;
        std::vector<std::uint64_t> synthetic;  ///< ids of the synthetic orders resting now
        std::optional<domain::decimal> price;
    };
    struct owner_ref {
        account* owner;  ///< null for synthetic liquidity
        std::uint64_t order_id;
    };

    market* find_market(std::string_view symbol) const;
    void settle(market& m, const std::vector<core::book_fill>& fills, std::int64_t now_ms);
    void settle_side(market& m, account& owner, sim_order& order, const core::book_fill& fill, bool maker,
                     std::int64_t now_ms);
    void release(account& owner, sim_order& order, const symbol_rules& rules);

    std::vector<std::unique_ptr<market>> markets_;
    std::vector<std::unique_ptr<account>> accounts_;
    std::unordered_map<std::uint64_t, owner_ref> owners_;  ///< resting orders' owners, for settling fills
    fee_schedule fees_;
    liquidity_config liquidity_;
    client_id_uniqueness uniqueness_;
    std::uint64_t next_order_id_ = 1;
    std::vector<core::book_fill> fills_;
};

}  // namespace hft::exchange::sim
