#include "hft/app/logging.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <iterator>
#include <string>

namespace hft::app {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
    case spdlog::level::trace:
        return "trace";
    case spdlog::level::debug:
        return "debug";
    case spdlog::level::info:
        return "info";
    case spdlog::level::warn:
        return "warn";
    case spdlog::level::err:
        return "error";
    case spdlog::level::critical:
        return "critical";
    default:
        return "off";
    }
}

void append(spdlog::memory_buf_t& dest, std::string_view text) { dest.append(text.data(), text.data() + text.size()); }

void append_hex_byte(spdlog::memory_buf_t& dest, unsigned char c) {
    dest.push_back(hex_digits[c >> 4]);
    dest.push_back(hex_digits[c & 0x0f]);
}

/// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no overlongs, no surrogates), or 0.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) low = 0xa0;
        if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) low = 0x90;
        if (lead == 0xf4) high = 0x8f;
    } else {
        return 0;
    }
    if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
    }
    return length;
}

void append_json_string(spdlog::memory_buf_t& dest, std::string_view text) {
    dest.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            // Bytes that are not UTF-8 (a binary frame, a truncated string) would make the line invalid JSON.
            if (const auto length = utf8_sequence_length(text, i); length != 0) {
                append(dest, text.substr(i, length));
                i += length;
            } else {
                append(dest, "\\ufffd");
                ++i;
            }
            continue;
        }
        switch (c) {
        case '"':
            append(dest, "\\\"");
            break;
        case '\\':
            append(dest, "\\\\");
            break;
        case '\n':
            append(dest, "\\n");
            break;
        case '\r':
            append(dest, "\\r");
            break;
        case '\t':
            append(dest, "\\t");
            break;
        case '\b':
            append(dest, "\\b");
            break;
        case '\f':
            append(dest, "\\f");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                append(dest, "\\u00");
                append_hex_byte(dest, c);
            } else {
                dest.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    dest.push_back('"');
}

void append_text_escaped(spdlog::memory_buf_t& dest, std::string_view text) {
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            append(dest, "\\n");
        } else if (c == '\r') {
            append(dest, "\\r");
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            append(dest, "\\x");
            append_hex_byte(dest, c);
        } else {
            dest.push_back(ch);
        }
    }
}

/// Formats one record; owned by one sink, which calls it under its own lock, so the cache needs none.
class line_formatter final : public spdlog::formatter {
public:
    line_formatter(log_format format, bool show_caller, std::string service)
        : format_(format), show_caller_(show_caller), service_(std::move(service)) {}

    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const std::string message = redact_text(std::string_view(msg.payload.data(), msg.payload.size()));
        const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
        const bool other_logger = !logger.empty() && logger != service_;
        const bool caller = show_caller_ && !msg.source.empty();

        if (format_ == log_format::json) {
            append(dest, "{\"ts\":\"");
            append_timestamp(msg.time, dest);
            append(dest, "\",\"level\":\"");
            append(dest, level_name(msg.level));
            append(dest, "\",\"service\":");
            append_json_string(dest, service_);
            append(dest, ",\"msg\":");
            append_json_string(dest, message);
            if (other_logger) {
                append(dest, ",\"logger\":");
                append_json_string(dest, logger);
            }
            if (caller) {
                append(dest, ",\"caller\":");
                append_json_string(dest, fmt::format("{}:{}", basename(msg.source.filename), msg.source.line));
            }
            append(dest, "}\n");
            return;
        }

        append_timestamp(msg.time, dest);
        dest.push_back(' ');
        append(dest, level_name(msg.level));
        dest.push_back(' ');
        append_text_escaped(dest, service_);
        if (other_logger) {
            dest.push_back('/');
            append_text_escaped(dest, logger);
        }
        if (caller) fmt::format_to(std::back_inserter(dest), " {}:{}", basename(msg.source.filename), msg.source.line);
        append(dest, ": ");
        append_text_escaped(dest, message);
        dest.push_back('\n');
    }

    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<line_formatter>(format_, show_caller_, service_);
    }

private:
    static std::string_view basename(const char* path) {
        const char* slash = std::strrchr(path, '/');
        return slash == nullptr ? path : slash + 1;
    }

    /// 2026-11-28T06:13:56.123Z; the part up to the seconds is cached, as most lines share it with the last.
    void append_timestamp(spdlog::log_clock::time_point time, spdlog::memory_buf_t& dest) {
        const auto since_epoch = time.time_since_epoch();
        const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
        const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
        if (seconds.count() != cached_second_ || cached_prefix_.empty()) {
            const std::time_t t = static_cast<std::time_t>(seconds.count());
            std::tm utc{};
            gmtime_r(&t, &utc);
            cached_prefix_ = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", utc.tm_year + 1900, utc.tm_mon + 1,
                                         utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
            cached_second_ = seconds.count();
        }
        append(dest, cached_prefix_);
        fmt::format_to(std::back_inserter(dest), ".{:03}Z", millis);
    }

    log_format format_;
    bool show_caller_;
    std::string service_;
    long long cached_second_ = 0;
    std::string cached_prefix_;
};

}  // namespace

spdlog::level::level_enum to_spdlog_level(std::string_view level) {
    const auto name = parse_log_level(level, "log.log_level");
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    if (name == "critical") return spdlog::level::critical;
    return spdlog::level::off;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(const log_config& config, std::string_view service_name) {
    return std::make_unique<line_formatter>(config.format, config.show_caller, std::string(service_name));
}

void init_logging(const log_config& config, std::string_view service_name) {
    const auto level = to_spdlog_level(config.log_level);
    auto logger =
        std::make_shared<spdlog::logger>(std::string(service_name), std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_level(level);
    spdlog::set_default_logger(logger);
    // Applies to every registered logger (the default included) and to those created later.
    spdlog::set_formatter(make_log_formatter(config, service_name));
    spdlog::set_level(level);
}

}  // namespace hft::app
