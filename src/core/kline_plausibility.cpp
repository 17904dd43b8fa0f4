#include "hft/core/kline_plausibility.hpp"

#include "hft/domain/decimal.hpp"
#include "hft/domain/interval.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

namespace hft::core {
namespace {

using domain::int128;

constexpr std::int64_t year_10000_ms = 253'402'300'800'000;  // 10000-01-01T00:00:00Z

// NUMERIC(38,18) keeps 20 digits before the decimal point; a decimal never has more than 18 after it.
const domain::decimal numeric_38_18_limit =
    *domain::decimal::from_raw(static_cast<int128>(10'000'000'000ULL) * 10'000'000'000ULL, 0);

// "1677628860000 (2023-03-01T00:01:00.000Z)"; only the number outside years 1970 to 9999.
std::string time_text(std::int64_t ms) {
    std::string text = std::to_string(ms);
    if (ms < 0 || ms >= year_10000_ms) return text;
    using namespace std::chrono;
    const sys_time<milliseconds> at{milliseconds{ms}};
    const auto day = floor<days>(at);
    const year_month_day date{day};
    const hh_mm_ss time{at - day};
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), " (%04d-%02u-%02uT%02d:%02d:%02d.%03dZ)", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text + buffer.data();
}

// A window limit as config.yml writes it: "5m", "87600h", "1500ms".
std::string duration_text(std::chrono::milliseconds limit) {
    constexpr std::array<std::pair<std::int64_t, const char*>, 3> units{
        {{3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}}};
    const auto ms = limit.count();
    for (const auto& [length, unit] : units) {
        if (ms != 0 && ms % length == 0) return std::to_string(ms / length) + unit;
    }
    return std::to_string(ms) + "ms";
}

std::string differs(std::string_view field, std::string_view value, std::string_view subject_value) {
    return std::string(field) + " \"" + std::string(value) + "\" is not the subject's \"" +
           std::string(subject_value) + "\"";
}

}  // namespace

expected<void, std::string> check_plausible(const domain::kline& k, const domain::kline_market& subject,
                                            std::int64_t now_ms, const kline_time_window& window) {
    using failure = unexpected<std::string>;
    if (const auto valid = domain::validate(k); !valid) return failure(domain::to_string(valid.error()));

    if (k.exchange != subject.exchange) return failure(differs("exchange", k.exchange, subject.exchange));
    if (k.symbol != subject.symbol) return failure(differs("symbol", k.symbol, subject.symbol));
    if (k.interval != subject.interval) return failure(differs("interval", k.interval, subject.interval));

    // In 128 bits: both times are arbitrary 64-bit values here.
    const int128 ahead = static_cast<int128>(k.open_time) - now_ms;
    if (ahead > window.max_ahead.count()) {
        return failure("open_time " + time_text(k.open_time) + " is more than " + duration_text(window.max_ahead) +
                       " ahead of the clock");
    }
    if (-ahead > window.max_behind.count()) {
        return failure("open_time " + time_text(k.open_time) + " is more than " + duration_text(window.max_behind) +
                       " behind the clock");
    }

    const auto interval = *domain::parse_kline_interval(k.interval);  // validate accepted it
    const auto close_time = domain::candle_close_time(interval, k.open_time);
    if (!close_time || k.close_time != *close_time) {
        const auto expected_close = close_time ? std::to_string(*close_time) + ", " : std::string();
        return failure("close_time " + std::to_string(k.close_time) + " is not " + expected_close +
                       "the last millisecond of the " + k.interval + " candle opening at " + time_text(k.open_time));
    }
    if (!domain::is_candle_open(interval, k.open_time)) {
        return failure("open_time " + time_text(k.open_time) + " is not where a " + k.interval + " candle opens");
    }

    const std::array<std::pair<const char*, const domain::decimal*>, 8> amounts{{
        {"open", &k.open},
        {"high", &k.high},
        {"low", &k.low},
        {"close", &k.close},
        {"base_volume", &k.base_volume},
        {"quote_volume", &k.quote_volume},
        {"taker_base_volume", &k.taker_base_volume},
        {"taker_quote_volume", &k.taker_quote_volume},
    }};
    for (const auto& [field, amount] : amounts) {
        if (amount->abs() >= numeric_38_18_limit) {
            return failure(std::string(field) + " " + amount->to_string() +
                           " has more than 20 digits before the point, more than NUMERIC(38,18) holds");
        }
    }
    return {};
}

}  // namespace hft::core
