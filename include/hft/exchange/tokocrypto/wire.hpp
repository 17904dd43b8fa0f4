#pragma once

// Tokocrypto open API v1 on the wire (its public documentation): numeric enum codes, the {code,msg,data,timestamp}
// envelope read leniently (msg or message; borderId or bOrderId), symbol rules, orders, trades and
// balances, and the classification every caller needs first: did the exchange refuse the request for good,
// is the outcome unknown (never resend blindly: reconcile), or must we back off. Pure: no sockets.

#include "hft/core/symbol_rules.hpp"
#include "hft/domain/decimal.hpp"
#include "hft/domain/expected.hpp"
#include "hft/domain/order.hpp"
#include "hft/exchange/tokocrypto/vocabulary.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::tokocrypto {

// ---- enum codes (§1.4, spelled in vocabulary.hpp) ----

int to_code(domain::order_side side) noexcept;         ///< 0 BUY, 1 SELL
int to_code(domain::order_type type) noexcept;         ///< 1 LIMIT, 2 MARKET
int to_code(domain::time_in_force tif) noexcept;       ///< 1 GTC, 2 IOC, 3 FOK
std::optional<domain::order_side> side_from_code(std::int64_t code) noexcept;
std::optional<domain::order_type> type_from_code(std::int64_t code) noexcept;
/// -2 SYSTEM_PROCESSING and 4 PENDING_CANCEL are still open orders: NEW.
std::optional<domain::order_status> status_from_code(std::int64_t code) noexcept;

// ---- outcomes ----

enum class failure_kind {
    rejected,      ///< the exchange refused the request for good (4xx, or a non-zero code): do not retry as is
    ambiguous,     ///< 5xx, timeout, an answer cut or unreadable, a client id already in use ("Duplicate order
                   ///< sent."): the order may exist; reconcile by client id
    rate_limited,  ///< 429/418, or codes -1003/-1015: wait retry_after before any further request
    /// The request never reached the exchange whole (connecting, TLS or the write failed, on a new connection
    /// too): nothing happened there, so the order does not exist and may be sent again.
    not_sent,
};

struct api_failure {
    failure_kind kind = failure_kind::ambiguous;
    unsigned http_status = 0;  ///< 0 when no answer came
    std::int64_t code = 0;     ///< the exchange's code (inner Binance code when the envelope wraps one)
    std::string message;       ///< the exchange's message, or what went wrong on the way
    std::chrono::seconds retry_after{0};

    std::string describe() const;
};

const char* to_string(failure_kind kind) noexcept;

/// Reads an HTTP answer: on success the envelope's `data` as JSON text ("null" when absent). `retry_after`
/// is the Retry-After header's value, when there was one.
expected<std::string, api_failure> read_envelope(unsigned http_status, std::string_view body,
                                                 std::optional<std::string_view> retry_after);

// ---- symbols (§1.7) ----

/// `data.list[]` of GET /open/v1/common/symbols: each symbol's rules, its filters read into core::symbol_rules (which
/// core::check_filters checks orders against).
expected<std::vector<core::symbol_rules>, std::string> parse_symbols(std::string_view data);

// ---- orders, trades, balances ----

struct exchange_order {
    std::int64_t order_id = 0;
    std::string client_id;
    std::string symbol;
    domain::order_side side = domain::order_side::buy;
    domain::order_type type = domain::order_type::limit;
    domain::order_status status = domain::order_status::new_;
    domain::decimal price;
    domain::decimal quantity;           ///< origQty
    domain::decimal executed_quantity;  ///< executedQty
    domain::decimal executed_quote;     ///< executedQuoteQty
    std::int64_t create_time = 0;
    std::string binance_order_id;  ///< borderId / bOrderId, when the exchange routes to Binance
};

/// One order object (new-order, detail and list answers all share it, with their spelling differences).
expected<exchange_order, std::string> parse_order(std::string_view data);
/// `data.list[]` of GET /open/v1/orders.
expected<std::vector<exchange_order>, std::string> parse_order_list(std::string_view data);

struct exchange_trade {
    std::string trade_id;  ///< unique per exchange and symbol
    std::int64_t order_id = 0;
    std::string symbol;
    domain::decimal price;
    domain::decimal quantity;
    domain::decimal fee;
    std::string fee_asset;
    bool is_maker = false;
    std::int64_t time = 0;
};

/// `data.list[]` of GET /open/v1/orders/trades.
expected<std::vector<exchange_trade>, std::string> parse_trades(std::string_view data);

struct asset_balance {
    std::string asset;
    domain::decimal free;
    domain::decimal locked;
};

/// `data.accountAssets[]` of GET /open/v1/account/spot.
expected<std::vector<asset_balance>, std::string> parse_balances(std::string_view data);

// ---- requests ----

/// A client order id derived from our order id (DESIGN §5 rule 2): the same order always gets the same one.
std::string client_order_id(std::string_view order_id);

/// Form parameters of POST /open/v1/orders, in a stable order, without timestamp and signature.
std::string new_order_params(std::string_view order_symbol, domain::order_side side, domain::order_type type,
                             const std::optional<domain::decimal>& price, const domain::decimal& quantity,
                             std::optional<domain::time_in_force> tif, std::string_view client_id);

}  // namespace hft::exchange::tokocrypto
