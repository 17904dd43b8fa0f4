#include "hft/exchange/tokocrypto/wire.hpp"

#include "hft/exchange/signing.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace hft::exchange::tokocrypto {
namespace {

using json = nlohmann::json;
using domain::decimal;

// Binance codes that mean "slow down" (§1.8).
bool is_rate_limit_code(std::int64_t code) {
    return code == errors::too_many_requests || code == errors::too_many_orders;
}
bool is_duplicate_client_id(std::int64_t code, std::string_view message) {
    return code == errors::new_order_rejected && message.find(duplicate_order_message) != std::string_view::npos;
}

std::string message_of(const json& body) {
    for (const char* key : {"msg", "message"}) {
        if (const auto it = body.find(key); it != body.end() && it->is_string()) return it->get<std::string>();
    }
    return {};
}

std::optional<std::int64_t> integer_of(const json& value) {
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::int64_t number = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (ec == std::errc{} && end == text.data() + text.size()) return number;
    }
    return std::nullopt;
}

// Field readers for one JSON object; the first problem names the field.
class reader {
public:
    explicit reader(const json& object) : object_(object) {}

    const json* find(std::initializer_list<const char*> names) const {
        for (const char* name : names) {
            if (const auto it = object_.find(name); it != object_.end() && !it->is_null()) return &*it;
        }
        return nullptr;
    }
    std::string text(std::initializer_list<const char*> names, bool required = true) {
        const auto* value = find(names);
        if (value == nullptr) {
            if (required) fail(*names.begin(), "is missing");
            return {};
        }
        if (value->is_string()) return value->get<std::string>();
        if (value->is_number_integer()) return std::to_string(value->get<std::int64_t>());
        fail(*names.begin(), "is not a string");
        return {};
    }
    std::int64_t integer(std::initializer_list<const char*> names, std::optional<std::int64_t> fallback = {}) {
        const auto* value = find(names);
        if (value == nullptr) {
            if (!fallback) fail(*names.begin(), "is missing");
            return fallback.value_or(0);
        }
        if (auto number = integer_of(*value)) return *number;
        fail(*names.begin(), "is not an integer");
        return 0;
    }
    decimal number(std::initializer_list<const char*> names, bool required = true) {
        const auto* value = find(names);
        if (value == nullptr) {
            if (required) fail(*names.begin(), "is missing");
            return {};
        }
        if (!value->is_string()) {
            fail(*names.begin(), "is not a decimal string");
            return {};
        }
        auto parsed = decimal::parse(value->get_ref<const std::string&>());
        if (!parsed) fail(*names.begin(), "is not an exact decimal");
        return parsed.value_or(decimal{});
    }
    void fail(std::string_view field, std::string_view problem) {
        if (problem_.empty()) problem_ = fmt::format("{} {}", field, problem);
    }
    const std::string& problem() const { return problem_; }

private:
    const json& object_;
    std::string problem_;
};

template <class T, class Parse>
expected<std::vector<T>, std::string> parse_list(std::string_view data, const char* list_key, Parse parse_one) {
    const auto parsed = json::parse(data, nullptr, false);
    if (parsed.is_discarded()) return unexpected<std::string>("data is not JSON");
    const json* list = &parsed;
    if (parsed.is_object()) {
        const auto it = parsed.find(list_key);
        if (it == parsed.end()) return unexpected<std::string>(fmt::format("data.{} is missing", list_key));
        list = &*it;
    }
    if (!list->is_array()) return unexpected<std::string>(fmt::format("data.{} is not an array", list_key));
    std::vector<T> out;
    out.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        if (!(*list)[i].is_object()) return unexpected<std::string>(fmt::format("{}[{}] is not an object", list_key, i));
        auto item = parse_one((*list)[i]);
        if (!item) return unexpected<std::string>(fmt::format("{}[{}]: {}", list_key, i, item.error()));
        out.push_back(std::move(*item));
    }
    return out;
}

expected<exchange_order, std::string> order_from(const json& object) {
    reader r(object);
    exchange_order order;
    order.order_id = r.integer({"orderId"});
    order.client_id = r.text({"clientId", "clientOrderId"}, false);
    order.symbol = r.text({"symbol"});
    const auto side = side_from_code(r.integer({"side"}));
    const auto type = type_from_code(r.integer({"type"}));
    const auto status = status_from_code(r.integer({"status"}));
    if (!side) r.fail("side", "is not a known side code");
    if (!type) r.fail("type", "is not LIMIT (1) or MARKET (2)");
    if (!status) r.fail("status", "is not a known status code");
    order.price = r.number({"price"}, false);
    order.quantity = r.number({"origQty"});
    order.executed_quantity = r.number({"executedQty"}, false);
    order.executed_quote = r.number({"executedQuoteQty"}, false);
    order.create_time = r.integer({"createTime"}, 0);
    order.binance_order_id = r.text({"borderId", "bOrderId"}, false);
    if (!r.problem().empty()) return unexpected<std::string>(r.problem());
    order.side = *side;
    order.type = *type;
    order.status = *status;
    return order;
}

}  // namespace

int to_code(domain::order_side side) noexcept { return side == domain::order_side::buy ? codes::buy : codes::sell; }
int to_code(domain::order_type type) noexcept { return type == domain::order_type::limit ? codes::limit : codes::market; }
int to_code(domain::time_in_force tif) noexcept {
    switch (tif) {
        case domain::time_in_force::gtc: return codes::gtc;
        case domain::time_in_force::ioc: return codes::ioc;
        case domain::time_in_force::fok: return codes::fok;
    }
    return codes::gtc;
}

std::optional<domain::order_side> side_from_code(std::int64_t code) noexcept {
    if (code == codes::buy) return domain::order_side::buy;
    if (code == codes::sell) return domain::order_side::sell;
    return std::nullopt;
}

std::optional<domain::order_type> type_from_code(std::int64_t code) noexcept {
    if (code == codes::limit) return domain::order_type::limit;
    if (code == codes::market) return domain::order_type::market;
    return std::nullopt;
}

std::optional<domain::order_status> status_from_code(std::int64_t code) noexcept {
    switch (code) {
        case codes::system_processing:
        case codes::status_new:
        case codes::pending_cancel:  // still open until the exchange says otherwise
            return domain::order_status::new_;
        case codes::partially_filled: return domain::order_status::partially_filled;
        case codes::filled: return domain::order_status::filled;
        case codes::canceled: return domain::order_status::canceled;
        case codes::rejected: return domain::order_status::rejected;
        case codes::expired: return domain::order_status::expired;
        default: return std::nullopt;
    }
}

const char* to_string(failure_kind kind) noexcept {
    switch (kind) {
        case failure_kind::rejected: return "rejected";
        case failure_kind::ambiguous: return "ambiguous";
        case failure_kind::rate_limited: return "rate limited";
        case failure_kind::not_sent: return "not sent";
    }
    return "unknown";
}

std::string api_failure::describe() const {
    std::string text = to_string(kind);
    if (http_status != 0) text += fmt::format(" (HTTP {})", http_status);
    if (code != 0) text += fmt::format(": code {}", code);
    if (!message.empty()) text += ": " + message;
    if (retry_after.count() > 0) text += fmt::format("; retry after {} s", retry_after.count());
    return text;
}

expected<std::string, api_failure> read_envelope(unsigned http_status, std::string_view body,
                                                 std::optional<std::string_view> retry_after) {
    api_failure failure;
    failure.http_status = http_status;
    const auto parsed = json::parse(body, nullptr, false);
    const bool object = !parsed.is_discarded() && parsed.is_object();
    if (object) {
        failure.message = message_of(parsed);
        if (const auto it = parsed.find("code"); it != parsed.end()) failure.code = integer_of(*it).value_or(0);
        // A Tokocrypto code may wrap a Binance one: {"code":3210,"msg":..,"data":{"code":-1013,"msg":..}}
        if (const auto data = parsed.find("data"); data != parsed.end() && data->is_object() && data->contains("code") &&
                                                   failure.code != 0) {
            if (const auto inner = integer_of((*data)["code"]); inner && *inner != 0) {
                failure.code = *inner;
                if (const auto inner_message = message_of(*data); !inner_message.empty()) {
                    failure.message += " (" + inner_message + ")";
                }
            }
        }
    } else {
        failure.message = body.empty() ? "empty answer" : "answer is not a JSON object";
    }
    if (http_status == 429 || http_status == 418 || is_rate_limit_code(failure.code)) {
        failure.kind = failure_kind::rate_limited;
        std::int64_t seconds = 0;
        if (retry_after) std::from_chars(retry_after->data(), retry_after->data() + retry_after->size(), seconds);
        failure.retry_after = std::chrono::seconds(std::max<std::int64_t>(seconds, 1));
        return unexpected(std::move(failure));
    }
    if (http_status >= 500 || failure.code == errors::unknown_execution) {
        failure.kind = failure_kind::ambiguous;  // "5XX means the execution status is UNKNOWN" (§1.8)
        return unexpected(std::move(failure));
    }
    if (is_duplicate_client_id(failure.code, failure.message)) {
        // The order with this client id exists: it may be this very order, sent before and then forgotten (a
        // database restored from a backup). Only a lookup by client id can say, as for any unknown outcome.
        failure.kind = failure_kind::ambiguous;
        return unexpected(std::move(failure));
    }
    if (http_status >= 400) {
        failure.kind = failure_kind::rejected;
        return unexpected(std::move(failure));
    }
    if (!object) {
        failure.kind = failure_kind::ambiguous;  // a 2xx we cannot read may still have placed the order
        return unexpected(std::move(failure));
    }
    // Success is code 0 (or "200", which ccxt also accepts); anything else is the exchange saying no.
    if (failure.code != errors::success && failure.code != errors::success_http) {
        failure.kind = failure_kind::rejected;
        return unexpected(std::move(failure));
    }
    const auto data = parsed.find("data");
    return data == parsed.end() ? std::string("null") : data->dump();
}

expected<std::vector<core::symbol_rules>, std::string> parse_symbols(std::string_view data) {
    using core::symbol_rules;
    return parse_list<symbol_rules>(data, "list", [](const json& object) -> expected<symbol_rules, std::string> {
        reader r(object);
        symbol_rules rules;
        rules.symbol = r.text({"symbol"});
        rules.base_asset = r.text({"baseAsset"}, false);
        rules.quote_asset = r.text({"quoteAsset"}, false);
        rules.trading_enabled = r.integer({"spotTradingEnable"}, 1) == 1;
        if (const auto* types = r.find({"orderTypes"}); types != nullptr && types->is_array()) {
            for (const auto& t : *types) {
                if (t.is_string()) rules.order_types.push_back(t.get<std::string>());
            }
        }
        if (const auto* filters = r.find({"filters"}); filters != nullptr && filters->is_array()) {
            for (const auto& filter : *filters) {
                if (!filter.is_object()) continue;
                reader f(filter);
                const auto kind = f.text({"filterType"});
                if (kind == core::filter_types::price) {
                    rules.min_price = f.number({"minPrice"});
                    rules.max_price = f.number({"maxPrice"});
                    rules.tick_size = f.number({"tickSize"});
                } else if (kind == core::filter_types::lot_size) {
                    rules.min_qty = f.number({"minQty"});
                    rules.max_qty = f.number({"maxQty"});
                    rules.step_size = f.number({"stepSize"});
                } else if (kind == core::filter_types::notional || kind == "MIN_NOTIONAL") {
                    rules.min_notional = f.number({"minNotional"});
                    rules.max_notional = f.number({"maxNotional"}, false);
                    if (const auto* apply = f.find({"applyToMarket"}); apply != nullptr && apply->is_boolean()) {
                        rules.notional_applies_to_market = apply->get<bool>();
                    }
                }
                if (!f.problem().empty()) return unexpected<std::string>(kind + ": " + f.problem());
            }
        }
        if (!r.problem().empty()) return unexpected<std::string>(r.problem());
        return rules;
    });
}

expected<exchange_order, std::string> parse_order(std::string_view data) {
    const auto parsed = json::parse(data, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return unexpected<std::string>("order is not a JSON object");
    return order_from(parsed);
}

expected<std::vector<exchange_order>, std::string> parse_order_list(std::string_view data) {
    return parse_list<exchange_order>(data, "list", order_from);
}

expected<std::vector<exchange_trade>, std::string> parse_trades(std::string_view data) {
    return parse_list<exchange_trade>(data, "list", [](const json& object) -> expected<exchange_trade, std::string> {
        reader r(object);
        exchange_trade trade;
        trade.trade_id = r.text({"tradeId", "id"});
        trade.order_id = r.integer({"orderId"});
        trade.symbol = r.text({"symbol"});
        trade.price = r.number({"price"});
        trade.quantity = r.number({"qty"});
        trade.fee = r.number({"commission"}, false);
        trade.fee_asset = r.text({"commissionAsset"}, false);
        if (const auto* maker = r.find({"isMaker"}); maker != nullptr) {
            trade.is_maker = maker->is_boolean() ? maker->get<bool>() : integer_of(*maker).value_or(0) == 1;
        }
        trade.time = r.integer({"time"}, 0);
        if (!r.problem().empty()) return unexpected<std::string>(r.problem());
        return trade;
    });
}

expected<std::vector<asset_balance>, std::string> parse_balances(std::string_view data) {
    return parse_list<asset_balance>(data, "accountAssets",
                                     [](const json& object) -> expected<asset_balance, std::string> {
                                         reader r(object);
                                         asset_balance balance{r.text({"asset"}), r.number({"free"}),
                                                               r.number({"locked"})};
                                         if (!r.problem().empty()) return unexpected<std::string>(r.problem());
                                         return balance;
                                     });
}

std::string client_order_id(std::string_view order_id) {
    // An order id the venues accept as a client id is used as it is; any other is hashed into one (stable, so a
    // resend of the same order is recognised).
    if (is_valid_client_order_id(order_id)) return std::string(order_id);
    return "hft-" + hmac_sha256_hex("hft client order id", order_id).substr(0, 32);
}

std::string new_order_params(std::string_view order_symbol, domain::order_side side, domain::order_type type,
                             const std::optional<decimal>& price, const decimal& quantity,
                             std::optional<domain::time_in_force> tif, std::string_view client_id) {
    std::string params = fmt::format("symbol={}&side={}&type={}&quantity={}", order_symbol, to_code(side), to_code(type),
                                     quantity.to_string());
    if (type == domain::order_type::limit && price) {
        params += "&price=" + price->to_string();
        params += fmt::format("&timeInForce={}", to_code(tif.value_or(domain::time_in_force::gtc)));
    }
    params += "&clientId=";
    params += client_id;
    return params;
}

}  // namespace hft::exchange::tokocrypto
