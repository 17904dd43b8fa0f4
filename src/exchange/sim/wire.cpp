#include "hft/exchange/sim/wire.hpp"

#include "hft/domain/decimal.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace hft::exchange::sim {
namespace {

void append_int(std::string& out, std::int64_t value) { out += std::to_string(value); }

void append_units(std::string& out, std::int64_t value) {
    out.push_back('"');
    out += format_units(value);
    out.push_back('"');
}

std::string kline_event_with(const kline_update& u, std::string_view open_text, std::int64_t high,
                             std::int64_t low) {
    std::string out;
    out.reserve(420);
    out += "{\"e\":\"kline\",\"E\":";
    append_int(out, u.event_time);
    out += ",\"s\":\"" + u.symbol + "\",\"k\":{\"t\":";
    append_int(out, u.open_time);
    out += ",\"T\":";
    append_int(out, u.close_time);
    out += ",\"s\":\"" + u.symbol + "\",\"i\":\"" + u.interval + "\",\"f\":";
    append_int(out, u.first_trade_id);
    out += ",\"L\":";
    append_int(out, u.last_trade_id);
    out += ",\"o\":";
    out += open_text;
    out += ",\"c\":";
    append_units(out, u.close);
    out += ",\"h\":";
    append_units(out, high);
    out += ",\"l\":";
    append_units(out, low);
    out += ",\"v\":";
    append_units(out, u.volume);
    out += ",\"n\":";
    append_int(out, u.trade_count);
    out += u.closed ? ",\"x\":true" : ",\"x\":false";
    out += ",\"q\":";
    append_units(out, u.quote_volume);
    out += ",\"V\":";
    append_units(out, u.taker_base_volume);
    out += ",\"Q\":";
    append_units(out, u.taker_quote_volume);
    out += ",\"B\":\"0\"}}";
    return out;
}

std::string error_reply(int code, std::string_view message, const nlohmann::json* id) {
    nlohmann::ordered_json reply{{"code", code}, {"msg", message}};
    if (id != nullptr) reply["id"] = *id;
    return reply.dump();
}

bool valid_id(const nlohmann::json& id) {
    if (id.is_null() || id.is_number_integer()) return true;
    if (!id.is_string()) return false;
    const auto& s = id.get_ref<const std::string&>();
    return s.size() <= 36 && std::all_of(s.begin(), s.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
           });
}

}  // namespace

std::string format_units(std::int64_t units) {
    auto d = domain::decimal::from_raw(units, price_scale);
    // from_raw only fails beyond 38 digits or an invalid scale: impossible for an int64 at scale 8.
    return d->to_string(price_scale).value();
}

std::string kline_event_json(const kline_update& update) {
    std::string open = "\"" + format_units(update.open) + "\"";
    return kline_event_with(update, open, update.high, update.low);
}

std::string combined_json(std::string_view stream, std::string_view data) {
    std::string out;
    out.reserve(stream.size() + data.size() + 22);
    out += "{\"stream\":\"";
    out += stream;
    out += "\",\"data\":";
    out += data;
    out += "}";
    return out;
}

nlohmann::ordered_json rest_kline_row(const kline_update& u) {
    return nlohmann::ordered_json::array({u.open_time, format_units(u.open), format_units(u.high), format_units(u.low),
                                          format_units(u.close), format_units(u.volume), u.close_time,
                                          format_units(u.quote_volume), u.trade_count,
                                          format_units(u.taker_base_volume), format_units(u.taker_quote_volume),
                                          "0"});
}

std::string server_shutdown_json(std::int64_t event_time) {
    return nlohmann::ordered_json{{"e", "serverShutdown"}, {"E", event_time}}.dump();
}

bool subscriptions::has(std::string_view stream) const noexcept {
    return std::find(streams.begin(), streams.end(), stream) != streams.end();
}

void subscriptions::add(const std::string& stream) {
    if (!has(stream)) streams.push_back(stream);
}

void subscriptions::remove(std::string_view stream) {
    streams.erase(std::remove(streams.begin(), streams.end(), stream), streams.end());
}

std::string handle_control_message(std::string_view text, subscriptions& subs,
                                   const std::function<bool(std::string_view)>& stream_exists) {
    auto request = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (request.is_discarded()) return error_reply(3, "Invalid JSON: the message is not valid JSON", nullptr);
    if (!request.is_object()) return error_reply(2, "Invalid request: the message must be a JSON object", nullptr);

    const nlohmann::json null_id;
    const nlohmann::json* id = &null_id;
    if (auto it = request.find("id"); it != request.end()) {
        if (!valid_id(*it))
            return error_reply(2, "Invalid request: 'id' must be an integer, a string of up to 36 characters or null",
                               nullptr);
        id = &*it;
    }
    auto method_it = request.find("method");
    if (method_it == request.end() || !method_it->is_string())
        return error_reply(2, "Invalid request: 'method' must be a string", id);
    const auto& method = method_it->get_ref<const std::string&>();
    const nlohmann::json empty_params = nlohmann::json::array();
    const nlohmann::json* params = &empty_params;
    if (auto it = request.find("params"); it != request.end()) params = &*it;

    // ordered_json: Binance puts "result" before "id", and clients may compare bytes.
    nlohmann::ordered_json reply{{"result", nullptr}, {"id", *id}};
    if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
        if (!params->is_array() || params->empty())
            return error_reply(2, "Invalid request: 'params' must be a non-empty array of stream names", id);
        std::vector<std::string> names;
        for (const auto& p : *params) {
            if (!p.is_string()) return error_reply(2, "Invalid request: stream names must be strings", id);
            const auto& name = p.get_ref<const std::string&>();
            if (method == "SUBSCRIBE" && !stream_exists(name))
                return error_reply(2, "Invalid request: unknown stream '" + name + "'", id);
            names.push_back(name);
        }
        if (method == "SUBSCRIBE") {
            std::size_t added = 0;
            for (const auto& n : names) added += subs.has(n) ? 0 : 1;
            if (subs.streams.size() + added > max_streams_per_connection)
                return error_reply(2, "Invalid request: too many streams on one connection", id);
            for (const auto& n : names) subs.add(n);
        } else {
            for (const auto& n : names) subs.remove(n);
        }
        return reply.dump();
    }
    if (method == "LIST_SUBSCRIPTIONS") {
        reply["result"] = subs.streams;
        return reply.dump();
    }
    if (method == "SET_PROPERTY") {
        if (!params->is_array() || params->size() != 2 || (*params)[0] != "combined" || !(*params)[1].is_boolean())
            return error_reply(2, "Invalid request: SET_PROPERTY takes [\"combined\", true|false]", id);
        subs.combined = (*params)[1].get<bool>();
        return reply.dump();
    }
    if (method == "GET_PROPERTY") {
        if (!params->is_array() || params->size() != 1 || (*params)[0] != "combined")
            return error_reply(2, "Invalid request: GET_PROPERTY takes [\"combined\"]", id);
        reply["result"] = subs.combined;
        return reply.dump();
    }
    return error_reply(2, "Invalid request: unknown method '" + method + "'", id);
}

std::string malformed_frame(const kline_update& update, malformed_kind kind, bool combined) {
    std::string data;
    switch (kind) {
        case malformed_kind::truncated: {
            auto full = kline_event_json(update);
            data = full.substr(0, full.size() / 2);
            // Cut before wrapping: the wrapper would otherwise close what the cut left open.
            return combined ? "{\"stream\":\"" + update.stream_name() + "\",\"data\":" + data : data;
        }
        case malformed_kind::wrong_type:
            data = kline_event_with(update, "1.5", update.high, update.low);
            break;
        case malformed_kind::high_below_low: {
            auto high = std::min(update.high, update.low);
            auto low = std::max(update.high, update.low);
            if (high == low) low = high + 1;  // flat candles still need h < l
            data = kline_event_with(update, "\"" + format_units(update.open) + "\"", high, low);
            break;
        }
        case malformed_kind::unknown_event:
            data = nlohmann::ordered_json{{"e", "simUnknownEvent"}, {"E", update.event_time}, {"s", update.symbol}}
                       .dump();
            break;
    }
    return combined ? combined_json(update.stream_name(), data) : data;
}

}  // namespace hft::exchange::sim
