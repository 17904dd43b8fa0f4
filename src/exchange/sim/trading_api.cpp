#include "hft/exchange/sim/trading_api.hpp"

#include "hft/exchange/signing.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/url/parse_query.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <memory>

namespace hft::exchange::sim {
namespace {

using domain::decimal;
using json = nlohmann::ordered_json;

constexpr std::int64_t default_recv_window = 5000;
constexpr std::int64_t max_recv_window = 60000;

trading_error illegal(std::string_view name) {
    return bad_request(errors::illegal_characters,
                       "Illegal characters found in parameter '" + std::string(name) + "'.");
}

// One signed request's parameters: the body's pairs take precedence over the query's, as on Tokocrypto.
class params {
public:
    explicit params(const net::http_request& request)
        : body_(parse_form(request.body)), query_(parse_form(request.query)) {}

    const std::string* find(std::string_view name) const {
        for (const auto* list : {&body_, &query_}) {
            for (const auto& [key, value] : *list) {
                if (key == name && !value.empty()) return &value;
            }
        }
        return nullptr;
    }
    std::string text(std::string_view name) const {
        auto value = find(name);
        return value ? *value : std::string{};
    }
    expected<std::optional<std::int64_t>, trading_error> integer(std::string_view name) const {
        auto value = find(name);
        if (!value) return std::optional<std::int64_t>{};
        std::int64_t out = 0;
        auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), out);
        if (ec != std::errc{} || end != value->data() + value->size()) return unexpected(illegal(name));
        return std::optional<std::int64_t>{out};
    }
    expected<std::optional<decimal>, trading_error> amount(std::string_view name) const {
        auto value = find(name);
        if (!value) return std::optional<decimal>{};
        auto parsed = decimal::parse(*value);
        if (!parsed || !parsed->is_positive()) return unexpected(illegal(name));
        return std::optional<decimal>{*parsed};
    }

private:
    std::vector<std::pair<std::string, std::string>> body_;
    std::vector<std::pair<std::string, std::string>> query_;
};

std::string wire_symbol(const symbol_rules& rules) {
    return rules.quote_asset.empty() ? rules.symbol : rules.base_asset + "_" + rules.quote_asset;
}

// "BTC_USDT" (Tokocrypto's REST form) or "BTCUSDT".
std::string engine_symbol(std::string text) {
    std::erase(text, '_');
    return boost::algorithm::to_upper_copy(text);
}

json trade_json(const sim_trade& t, const symbol_rules& rules) {
    return json{{"tradeId", t.trade_id},
                {"matchId", t.trade_id},
                {"orderId", t.order_id},
                {"symbol", wire_symbol(rules)},
                {"price", t.price.to_string()},
                {"qty", t.quantity.to_string()},
                {"quoteQty", t.quote_quantity.to_string()},
                {"commission", t.commission.to_string()},
                {"commissionAsset", t.commission_asset},
                {"isBuyer", t.side == codes::buy ? 1 : 0},
                {"isMaker", t.maker ? 1 : 0},
                {"time", t.time}};
}

class trading_routes {
public:
    trading_routes(trading_engine& engine, trading_api_hooks hooks) : engine_(engine), hooks_(std::move(hooks)) {}

    using account = trading_engine::account;
    using endpoint = expected<json, trading_error> (trading_routes::*)(account&, const params&);

    net::http_handler handler(endpoint method) {
        net::http_handler serve = [this, method](const net::http_request& request) {
            if (hooks_.refresh) hooks_.refresh();
            auto now = hooks_.now_ms();
            auto owner = authenticate(request, now);
            if (!owner) return error_envelope(owner.error(), now);
            params p(request);
            auto data = (this->*method)(**owner, p);
            return data ? envelope(*data, now) : error_envelope(data.error(), now);
        };
        if (!hooks_.around) return serve;
        return [this, serve](const net::http_request& request) { return hooks_.around(request, serve); };
    }

    expected<json, trading_error> place_order(account& owner, const params& p) {
        sim::new_order request;
        request.symbol = engine_symbol(p.text("symbol"));
        if (request.symbol.empty()) return unexpected(mandatory("symbol"));
        auto side = p.integer("side");
        if (!side) return unexpected(side.error());
        if (!*side) return unexpected(mandatory("side"));
        if (**side != codes::buy && **side != codes::sell) return unexpected(bad_request(errors::invalid_side,
                                                                                         "Invalid side."));
        auto type = p.integer("type");
        if (!type) return unexpected(type.error());
        if (!*type) return unexpected(mandatory("type"));
        if (**type != codes::limit && **type != codes::market)
            return unexpected(bad_request(errors::invalid_order_type,
                                          "Invalid orderType; the sim supports 1 (LIMIT) and 2 (MARKET)."));
        auto tif = p.integer("timeInForce");
        if (!tif) return unexpected(tif.error());
        if (*tif && (**tif < codes::gtc || **tif > codes::fok))
            return unexpected(bad_request(errors::invalid_time_in_force,
                                          "Invalid timeInForce; the sim supports 1 (GTC), 2 (IOC), 3 (FOK)."));
        request.side = static_cast<int>(**side);
        request.type = static_cast<int>(**type);
        request.time_in_force = static_cast<int>(tif->value_or(codes::gtc));
        for (auto [name, field] : {std::pair{"price", &request.price}, std::pair{"quantity", &request.quantity},
                                   std::pair{"quoteOrderQty", &request.quote_quantity}}) {
            auto value = p.amount(name);
            if (!value) return unexpected(value.error());
            *field = *value;
        }
        request.client_id = p.text("clientId");
        auto placed = engine_.place(owner, request, hooks_.now_ms());
        if (!placed) return unexpected(placed.error());
        return order_json(*placed, *engine_.rules(placed->symbol));
    }

    expected<json, trading_error> order_detail(account& owner, const params& p) {
        auto id = order_id(p);
        if (!id) return unexpected(id.error());
        auto order = engine_.find_order(owner, *id, p.text("clientId"));
        if (!order) return unexpected(not_found());
        return order_json(*order, *engine_.rules(order->symbol));
    }

    expected<json, trading_error> cancel_order(account& owner, const params& p) {
        auto id = order_id(p);
        if (!id) return unexpected(id.error());
        auto cancelled = engine_.cancel(owner, *id, p.text("clientId"), hooks_.now_ms());
        if (!cancelled) return unexpected(cancelled.error());
        return order_json(*cancelled, *engine_.rules(cancelled->symbol));
    }

    expected<json, trading_error> list_orders(account& owner, const params& p) {
        auto rules = symbol_param(p);
        if (!rules) return unexpected(rules.error());
        auto type = p.integer("type");
        if (!type) return unexpected(type.error());
        auto filter = type->value_or(-1);
        if (filter != 1 && filter != 2 && filter != -1)
            return unexpected(bad_request(errors::invalid_parameter,
                                          "Invalid data sent for a parameter: type (1 open, 2 history, -1 all)."));
        auto limit = list_limit(p);
        if (!limit) return unexpected(limit.error());
        auto start = p.integer("startTime");
        if (!start) return unexpected(start.error());
        auto end = p.integer("endTime");
        if (!end) return unexpected(end.error());
        auto orders = engine_.list_orders(owner, (*rules)->symbol,
                                          filter == 1 ? order_filter::open
                                          : filter == 2 ? order_filter::history
                                                        : order_filter::all);
        std::vector<json> items;
        for (const auto& o : orders) {
            if ((*start && o.create_time < **start) || (*end && o.create_time > **end)) continue;
            items.push_back(order_json(o, **rules));
        }
        return list_json(std::move(items), *limit);
    }

    expected<json, trading_error> my_trades(account& owner, const params& p) {
        auto rules = symbol_param(p);
        if (!rules) return unexpected(rules.error());
        auto order = p.integer("orderId");
        if (!order) return unexpected(order.error());
        auto limit = list_limit(p);
        if (!limit) return unexpected(limit.error());
        std::vector<json> items;
        for (const auto& t : owner.trades) {
            if (t.symbol != (*rules)->symbol) continue;
            if (*order && static_cast<std::uint64_t>(**order) != t.order_id) continue;
            items.push_back(trade_json(t, **rules));
        }
        return list_json(std::move(items), *limit);
    }

    expected<json, trading_error> account_spot(account& owner, const params&) {
        auto assets = json::array();
        for (const auto& [asset, b] : owner.balances) {
            assets.push_back({{"asset", asset}, {"free", b.free.to_string()}, {"locked", b.locked.to_string()}});
        }
        return json{{"makerCommission", engine_.fees().maker.to_string()},
                    {"takerCommission", engine_.fees().taker.to_string()},
                    {"buyerCommission", "0"},
                    {"sellerCommission", "0"},
                    {"canTrade", 1},
                    {"canWithdraw", 0},
                    {"canDeposit", 0},
                    {"accountAssets", std::move(assets)}};
    }

private:
    expected<account*, trading_error> authenticate(const net::http_request& request, std::int64_t now) {
        auto key = request.header("X-MBX-APIKEY");
        if (!key || key->empty()) return unexpected(trading_error{errors::malformed_api_key,
                                                                  "API-key format invalid.", std::nullopt, 401});
        auto owner = engine_.find_account(*key);
        if (!owner)
            return unexpected(trading_error{errors::rejected_api_key,
                                            "Invalid API-key, IP, or permissions for action.", std::nullopt, 401});
        std::string query_signature;
        std::string body_signature;
        auto signed_text = without_signature(request.query, query_signature) + without_signature(request.body, body_signature);
        const auto& signature = body_signature.empty() ? query_signature : body_signature;
        if (signature.empty()) return unexpected(mandatory("signature"));
        // The hex signature is not case-sensitive; ours is lower case.
        if (boost::algorithm::to_lower_copy(signature) != sign_request(owner->spec.secret, signed_text, {}))
            return unexpected(bad_request(errors::invalid_signature, "Signature for this request is not valid."));
        params p(request);
        auto timestamp = p.integer("timestamp");
        if (!timestamp) return unexpected(timestamp.error());
        if (!*timestamp) return unexpected(mandatory("timestamp"));
        auto window = p.integer("recvWindow");
        if (!window) return unexpected(window.error());
        auto recv_window = window->value_or(default_recv_window);
        if (recv_window <= 0 || recv_window > max_recv_window)
            return unexpected(bad_request(errors::invalid_recv_window,
                                          "recvWindow must be greater than 0 and at most 60000."));
        if (**timestamp >= now + 1000 || now - **timestamp > recv_window)
            return unexpected(bad_request(errors::timestamp_outside_recv_window,
                                          "Timestamp for this request is outside of the recvWindow."));
        return owner;
    }

    static expected<std::optional<std::uint64_t>, trading_error> order_id(const params& p) {
        auto id = p.integer(p.find("orderId") ? "orderId" : "order_id");
        if (!id) return unexpected(id.error());
        if (!*id && p.text("clientId").empty()) return unexpected(mandatory("orderId"));
        if (*id && **id <= 0) return unexpected(illegal("orderId"));
        return *id ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(**id)) : std::nullopt;
    }

    expected<const symbol_rules*, trading_error> symbol_param(const params& p) const {
        auto symbol = engine_symbol(p.text("symbol"));
        if (symbol.empty()) return unexpected(mandatory("symbol"));
        auto rules = engine_.rules(symbol);
        if (!rules) return unexpected(bad_request(errors::invalid_symbol, "Invalid symbol."));
        return rules;
    }

    static expected<std::size_t, trading_error> list_limit(const params& p) {
        auto limit = p.integer("limit");
        if (!limit) return unexpected(limit.error());
        auto value = limit->value_or(500);
        if (value < 1 || value > 1000) return unexpected(bad_request(errors::invalid_parameter,
                                                                     "Invalid data sent for a parameter: limit."));
        return static_cast<std::size_t>(value);
    }

    // The newest `limit` items, oldest first.
    static json list_json(std::vector<json> items, std::size_t limit) {
        const auto first = items.size() > limit ? items.size() - limit : 0;
        auto list = json::array();
        for (auto i = first; i < items.size(); ++i) list.push_back(std::move(items[i]));
        return json{{"list", std::move(list)}};
    }

    static trading_error not_found() { return trading_error{errors::order_does_not_exist,
                                                            "Order does not exist", std::nullopt, 400}; }

    trading_engine& engine_;
    trading_api_hooks hooks_;
};

}  // namespace

// A form that is not valid percent-encoding has no parameters, so its fields are reported missing.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto form = boost::urls::parse_query(text);
    if (!form) return out;
    const boost::urls::encoding_opts plus_as_space(true);
    for (const auto& param : *form) {
        if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2"
        out.emplace_back(param.key.decode(plus_as_space), param.value.decode(plus_as_space));
    }
    return out;
}

std::string without_signature(std::string_view text, std::string& signature) {
    std::string out;
    while (!text.empty()) {
        auto amp = text.find('&');
        auto pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.rfind("signature=", 0) == 0) {
            signature = std::string(pair.substr(10));
            continue;
        }
        if (!out.empty()) out += '&';
        out += pair;
    }
    return out;
}

net::http_response envelope(const json& data, std::int64_t now_ms) {
    const json body{{"code", 0}, {"msg", "success"}, {"data", data}, {"timestamp", now_ms}};
    return net::http_response::json(200, body.dump());
}

net::http_response error_envelope(const trading_error& error, std::int64_t now_ms) {
    json body{{"code", error.code}, {"msg", error.msg}};
    if (error.inner) body["data"] = json{{"code", error.inner->first}, {"msg", error.inner->second}};
    body["timestamp"] = now_ms;
    return net::http_response::json(error.http_status, body.dump());
}

json order_json(const sim_order& o, const symbol_rules& rules) {
    auto average = o.executed_quantity.is_zero()
                       ? decimal{}
                       : o.executed_quote.checked_div(o.executed_quantity, o.price.scale() > 2 ? o.price.scale() : 8,
                                                      domain::rounding::half_even)
                             .value_or(decimal{});
    return json{{"orderId", o.order_id},
                {"clientId", o.client_id},
                {"symbol", wire_symbol(rules)},
                {"symbolType", 1},
                {"side", o.side},
                {"type", o.type},
                {"price", o.price.to_string()},
                {"origQty", o.orig_quantity.to_string()},
                {"origQuoteQty", o.orig_quote_quantity.to_string()},
                {"executedQty", o.executed_quantity.to_string()},
                {"executedPrice", average.to_string()},
                {"executedQuoteQty", o.executed_quote.to_string()},
                {"timeInForce", o.time_in_force},
                {"stopPrice", "0"},
                {"icebergQty", "0"},
                {"status", o.status},
                {"isWorking", o.is_open() ? 1 : 0},
                {"createTime", o.create_time},
                {"updateTime", o.update_time}};
}

void add_trading_routes(net::router& routes, trading_engine& engine, trading_api_hooks hooks) {
    // The router copies handlers; they share one trading_routes that lives as long as the router's handlers.
    auto shared = std::make_shared<trading_routes>(engine, std::move(hooks));
    auto add = [&](const char* method, const char* path, trading_routes::endpoint e) {
        routes.add(method, path, [shared, h = shared->handler(e)](const net::http_request& r) { return h(r); });
    };
    add("POST", "/open/v1/orders", &trading_routes::place_order);
    add("GET", "/open/v1/orders/detail", &trading_routes::order_detail);
    add("POST", "/open/v1/orders/cancel", &trading_routes::cancel_order);
    add("GET", "/open/v1/orders", &trading_routes::list_orders);
    add("GET", "/open/v1/orders/trades", &trading_routes::my_trades);
    add("GET", "/open/v1/account/spot", &trading_routes::account_spot);
}

}  // namespace hft::exchange::sim
