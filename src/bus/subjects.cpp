#include "hft/bus/subjects.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace hft::bus {
namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

void validate_token(std::string_view what, std::string_view token) {
    const bool bad = token.empty() || std::any_of(token.begin(), token.end(), [](unsigned char c) {
                         return c == '.' || c == '*' || c == '>' || std::isspace(c) != 0 || c < 0x20;
                     });
    if (bad) throw std::invalid_argument("invalid NATS subject token for " + std::string(what) + ": '" +
                                         std::string(token) + "'");
}

std::string kline_subject(std::string_view exchange, std::string_view symbol, std::string_view interval) {
    validate_token("exchange", exchange);
    validate_token("symbol", symbol);
    validate_token("interval", interval);
    return "kline.data." + std::string(exchange) + "." + upper(symbol) + "." + std::string(interval);
}

std::optional<domain::kline_market> parse_kline_subject(std::string_view subject) noexcept {
    constexpr std::string_view prefix = "kline.data.";
    if (!subject.starts_with(prefix)) return std::nullopt;
    auto rest = subject.substr(prefix.size());
    const auto first_dot = rest.find('.');
    const auto last_dot = rest.rfind('.');
    if (first_dot == std::string_view::npos || first_dot == last_dot) return std::nullopt;
    domain::kline_market market{rest.substr(0, first_dot), rest.substr(first_dot + 1, last_dot - first_dot - 1),
                                rest.substr(last_dot + 1)};
    if (market.exchange.empty() || market.symbol.empty() || market.interval.empty() ||
        market.symbol.find('.') != std::string_view::npos) {
        return std::nullopt;
    }
    return market;
}

std::string place_order_subject() { return "order_engine.place_order"; }

std::string cancel_order_subject() { return "order_engine.cancel_order"; }

std::string order_update_subject(std::string_view exchange, std::string_view symbol) {
    validate_token("exchange", exchange);
    validate_token("symbol", symbol);
    return "order_engine.order_update." + std::string(exchange) + "." + upper(symbol);
}

std::string dlq_subject(std::string_view stream) {
    validate_token("stream", stream);
    return "dlq." + lower(stream);
}

std::string kline_msg_id(std::string_view exchange, std::string_view symbol, std::string_view interval,
                         std::int64_t open_time, bool is_closed, std::int64_t event_time) {
    validate_token("exchange", exchange);
    validate_token("symbol", symbol);
    validate_token("interval", interval);
    std::string id = std::string(exchange) + "." + upper(symbol) + "." + std::string(interval) + "." +
                     std::to_string(open_time) + ".";
    id += is_closed ? std::string("closed") : std::to_string(event_time);
    return id;
}

}  // namespace hft::bus
