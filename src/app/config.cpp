#include "hft/app/config.hpp"

#include "hft/app/redact.hpp"
#include "hft/app/spelling.hpp"
#include "hft/domain/decimal.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/url/pct_string_view.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

namespace hft::app {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view see_example = "see config.yml.example";
constexpr long long int_max = std::numeric_limits<int>::max();

// ---------------------------------------------------------------------------------------------------------
// Text helpers

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string join_path(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

/// HFT_ + the dotted path upper-cased, with every other character turned into `_`:
/// database.market_data.dsn -> HFT_DATABASE_MARKET_DATA_DSN, api_keys[0].key -> HFT_API_KEYS_0_KEY.
std::string env_name_for(std::string_view path) {
    std::string out = "HFT_";
    for (const char c : path) {
        if (c == ']') continue;
        out += is_alnum(c) ? to_upper(c) : '_';
    }
    return out;
}

std::optional<std::string> env_value(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

/// All NAME=VALUE pairs of the environment whose name starts with `prefix`.
std::vector<std::pair<std::string, std::string>> env_with_prefix(std::string_view prefix) {
    std::vector<std::pair<std::string, std::string>> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq == std::string_view::npos || !text.starts_with(prefix)) continue;
        out.emplace_back(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
    return out;
}

std::string describe(const YAML::Node& node) {
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "nothing";
    return "a single value";
}

int line_of(const YAML::Node& node) {
    const int line = node.Mark().line;
    return line >= 0 ? line : -1;
}

std::string format_duration(duration d) {
    const auto ms = d.count();
    if (ms != 0 && ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
    if (ms != 0 && ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
    if (ms != 0 && ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    return fmt::format("{}ms", ms);
}

// ---------------------------------------------------------------------------------------------------------
// Value grammars; each returns a problem description (empty on success) so callers can prefix the location.

constexpr std::array<std::pair<std::string_view, std::int64_t>, 8> duration_units{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // micro sign
    {"\xCE\xBCs", 1'000},  // Greek mu, as Go accepts both
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

std::string duration_problem(std::string_view text, duration& out) {
    const auto not_a_duration = [&] {
        return fmt::format(
            "\"{}\" is not a duration; use Go-style units like 500ms, 5s, 2m, 1h30m (ns, us, ms, s, m, h)", text);
    };
    if (text.empty()) return "is empty; write a duration like 5s or 500ms";
    if (text.front() == '-') return fmt::format("\"{}\" is negative; durations must be 0 or more", text);
    std::string_view rest = text;
    if (rest.front() == '+') rest.remove_prefix(1);
    if (!rest.empty() && std::all_of(rest.begin(), rest.end(), is_digit)) {
        return fmt::format(
            "\"{}\" has no unit, and a plain number is ambiguous (seconds? milliseconds?); write {}s or {}ms", text,
            rest, rest);
    }
    if (rest.empty()) return not_a_duration();

    constexpr std::int64_t limit_ns = std::numeric_limits<std::int64_t>::max();
    const auto too_large = [&] { return fmt::format("\"{}\" is too large", text); };
    __int128 total_ns = 0;
    while (!rest.empty()) {
        std::size_t i = 0;
        bool digits = false;
        __int128 whole = 0;
        while (i < rest.size() && is_digit(rest[i])) {
            whole = whole * 10 + (rest[i] - '0');
            if (whole > limit_ns) return too_large();
            digits = true;
            ++i;
        }
        __int128 fraction = 0;
        __int128 scale = 1;
        if (i < rest.size() && rest[i] == '.') {
            ++i;
            while (i < rest.size() && is_digit(rest[i])) {
                // Digits past nanosecond precision of an hour cannot change the result.
                if (scale < 1'000'000'000'000'000'000) {
                    fraction = fraction * 10 + (rest[i] - '0');
                    scale *= 10;
                }
                digits = true;
                ++i;
            }
        }
        if (!digits) return not_a_duration();
        std::size_t unit_end = i;
        while (unit_end < rest.size() && !is_digit(rest[unit_end]) && rest[unit_end] != '.') ++unit_end;
        const auto unit = rest.substr(i, unit_end - i);
        const auto known = std::find_if(duration_units.begin(), duration_units.end(),
                                        [&](const auto& candidate) { return candidate.first == unit; });
        if (known == duration_units.end()) return not_a_duration();
        const std::int64_t unit_ns = known->second;
        total_ns += whole * unit_ns + fraction * unit_ns / scale;
        if (total_ns > limit_ns) return too_large();
        rest.remove_prefix(unit_end);
    }
    out = duration{static_cast<std::int64_t>((total_ns + 500'000) / 1'000'000)};
    return {};
}

std::string expiry_problem(std::string_view text, std::chrono::sys_seconds& out) {
    const auto invalid = [&] {
        return fmt::format(
            "\"{}\" is not a valid expiry; use RFC 3339 (2099-12-31T23:59:59Z, or with an offset like "
            "2099-12-31T23:59:59+07:00) or YYYY-MM-DD (valid until the end of that day UTC)",
            text);
    };
    const auto number = [&](std::size_t pos, std::size_t len, int& value) {
        if (pos + len > text.size()) return false;
        value = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (!is_digit(text[i])) return false;
            value = value * 10 + (text[i] - '0');
        }
        return true;
    };
    int y = 0;
    int mo = 0;
    int d = 0;
    if (text.size() < 10 || !number(0, 4, y) || text[4] != '-' || !number(5, 2, mo) || text[7] != '-' ||
        !number(8, 2, d)) {
        return invalid();
    }
    const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                           std::chrono::day{static_cast<unsigned>(d)}};
    if (!date.ok()) return invalid();
    const std::chrono::sys_days day_start{date};
    if (text.size() == 10) {
        out = day_start + 23h + 59min + 59s;
        return {};
    }

    int h = 0;
    int mi = 0;
    int s = 0;
    if (text.size() < 19 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !number(11, 2, h) ||
        text[13] != ':' || !number(14, 2, mi) || text[16] != ':' || !number(17, 2, s) || h > 23 || mi > 59 || s > 59) {
        return invalid();
    }
    std::size_t pos = 19;
    // Fractions are dropped: expired_at is the last valid second.
    if (pos < text.size() && text[pos] == '.') {
        const std::size_t start = ++pos;
        while (pos < text.size() && is_digit(text[pos])) ++pos;
        if (pos == start) return invalid();
    }
    std::chrono::seconds offset{0};
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh = 0;
        int om = 0;
        if (!number(pos + 1, 2, oh) || pos + 6 > text.size() || text[pos + 3] != ':' || !number(pos + 4, 2, om) ||
            oh > 23 || om > 59) {
            return invalid();
        }
        offset = std::chrono::hours(oh) + std::chrono::minutes(om);
        if (text[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return invalid();  // RFC 3339 requires a zone; a local time would depend on the host
    }
    if (pos != text.size()) return invalid();
    out = day_start + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s) - offset;
    return {};
}

std::optional<std::string> normalize_log_level(std::string_view text) {
    const auto level = boost::algorithm::to_lower_copy(std::string(text));
    constexpr std::array<std::string_view, 7> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (std::find(levels.begin(), levels.end(), level) != levels.end()) return level;
    // logrus names, so an existing config.yml that uses them carries over.
    if (level == "warning") return "warn";
    if (level == "fatal" || level == "panic") return "critical";
    return std::nullopt;
}

constexpr std::string_view log_level_choices = "trace, debug, info, warn, error, critical, off";

// ---------------------------------------------------------------------------------------------------------
// Credentials inside connection strings

/// The passwords a connection string carries: `user:pw@` of every URI in it, and `password=pw` (key=value or
/// URI query, quoted or not). With `token_userinfo`, a bare `token@` userinfo too (NATS token auth).
std::vector<std::string> embedded_credentials(std::string_view text, bool token_userinfo) {
    std::vector<std::string> out;
    for (auto sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3)) {
        const std::size_t start = sep + 3;
        const auto end = std::min(text.find_first_of("/?#, \t", start), text.size());
        const auto authority = text.substr(start, end - start);
        const auto at = authority.rfind('@');
        if (at == std::string_view::npos) continue;
        const auto userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        if (colon != std::string_view::npos) {
            out.emplace_back(userinfo.substr(colon + 1));
        } else if (token_userinfo) {
            out.emplace_back(userinfo);
        }
    }
    const auto lower = boost::algorithm::to_lower_copy(std::string(text));
    for (auto key = lower.find("password"); key != std::string::npos; key = lower.find("password", key + 8)) {
        std::size_t i = key + 8;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        if (i >= text.size() || text[i] != '=') continue;
        ++i;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::string value;
        if (i < text.size() && text[i] == '\'') {
            // libpq quoting: single quotes, backslash escapes
            for (++i; i < text.size() && text[i] != '\''; ++i) {
                if (text[i] == '\\' && i + 1 < text.size()) ++i;
                value += text[i];
            }
        } else {
            while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '&') value += text[i++];
        }
        out.push_back(std::move(value));
    }
    // A URI's password is percent-encoded; one with an invalid escape reaches no server, so only its text matters.
    std::vector<std::string> decoded;
    for (const auto& value : out) {
        const auto encoded = boost::urls::make_pct_string_view(value);
        if (auto plain = encoded ? encoded->decode() : value; plain != value) decoded.push_back(std::move(plain));
    }
    out.insert(out.end(), decoded.begin(), decoded.end());
    return out;
}

/// True when `raw` is exactly one `${NAME}` or `${NAME:-default}` reference, i.e. the file holds no secret.
bool is_pure_reference(std::string_view raw) {
    return raw.size() > 3 && raw.starts_with("${") && raw.ends_with("}") && raw.find('}') == raw.size() - 1;
}

// ---------------------------------------------------------------------------------------------------------
// Schema reader

enum class sensitivity {
    plain,        ///< may be quoted in error messages
    secret,       ///< never quoted; registered for log redaction
    credentials,  ///< a DSN that may carry a password: never quoted; its password is registered
    nats_url      ///< like credentials, and a bare `token@` userinfo is a secret too (NATS token auth)
};

struct parse_context {
    std::string source;
    config* cfg = nullptr;
    std::set<std::string, std::less<>> env_names_read;  // overrides looked up and ${} references
    bool file_holds_secrets = false;

    std::string where(int line) const { return line >= 0 ? fmt::format("{}:{}", source, line + 1) : source; }

    [[noreturn]] void fail(std::string_view where_text, std::string_view message) const {
        throw config_error(fmt::format("{}: {}", where_text, message));
    }
    [[noreturn]] void fail(int line, std::string_view message) const { fail(where(line), message); }

    void warn(int line, std::string_view message) const {
        cfg->warnings.push_back(fmt::format("{}: {}", where(line), message));
    }
};

struct scalar_value {
    std::string text;   ///< after ${} interpolation, or the override's value
    std::string where;  ///< "config.yml:12", or the HFT_* variable it came from
    std::string key;    ///< dotted path
};

/// A YAML node's place in the file: the node (may be absent), its dotted path and the line of its key.
struct child_node {
    YAML::Node node;
    std::string path;
    int line = -1;
    bool exists = false;
};

/// Reads one YAML map against a schema: every key a caller asks for is known; whatever is left at finish()
/// is misspelled or unsupported. HFT_<PATH> environment variables override scalar values.
class map_reader {
public:
    map_reader(parse_context& ctx, const child_node& where) : ctx_(ctx), path_(where.path), line_(where.line) {
        if (!where.exists || where.node.IsNull()) {
            present_ = where.exists;
            return;
        }
        if (!where.node.IsMap()) {
            ctx_.fail(line_, fmt::format("{} must be a map of settings (indented key: value lines), got {}; {}", path_,
                                         describe(where.node), see_example));
        }
        present_ = true;
        for (const auto& item : where.node) {
            const int key_line = line_of(item.first);
            if (!item.first.IsScalar()) {
                ctx_.fail(key_line,
                          fmt::format("{} has a key that is not a plain name", path_.empty() ? "the file" : path_));
            }
            std::string key = item.first.Scalar();
            if (const auto* first = find(key)) {
                ctx_.fail(key_line, fmt::format("duplicate key \"{}\" (first at line {})", join_path(path_, key),
                                                first->line + 1));
            }
            entries_.push_back(entry{std::move(key), key_line, item.second});
        }
    }

    /// Whether the section is in the file or any of its values came from an HFT_* override.
    bool present() const { return present_ || overridden_; }
    int line() const { return line_; }
    const std::string& path() const { return path_; }

    /// Keys in file order, for maps whose keys are names (venues, user ids) rather than a schema.
    std::vector<child_node> children_by_name() {
        std::vector<child_node> out;
        for (const auto& e : entries_) {
            known_.push_back(e.key);
            out.push_back(child_node{e.value, join_path(path_, e.key), e.line, true});
        }
        return out;
    }

    child_node child(std::string_view key) {
        known_.emplace_back(key);
        if (const auto* e = find(key)) return child_node{e->value, join_path(path_, key), e->line, true};
        return child_node{YAML::Node(), join_path(path_, key), line_, false};
    }

    /// The value of `key`: its HFT_ override if set and non-empty, else the file's value with ${} replaced;
    /// nothing when absent. `expected` names the type for the error about a map or list in its place.
    std::optional<scalar_value> scalar(std::string_view key, std::string_view expected,
                                       sensitivity kind = sensitivity::plain) {
        known_.emplace_back(key);
        std::string path = join_path(path_, key);
        const std::string env = env_name_for(path);
        ctx_.env_names_read.insert(env);
        if (auto value = env_value(env); value && !value->empty()) {
            overridden_ = true;
            auto& overrides = ctx_.cfg->env_overrides;
            if (std::find(overrides.begin(), overrides.end(), env) == overrides.end()) overrides.push_back(env);
            protect(*value, kind);
            return scalar_value{std::move(*value), env, std::move(path)};
        }
        const auto* e = find(key);
        if (e == nullptr) return std::nullopt;
        if (e->value.IsMap() || e->value.IsSequence()) {
            ctx_.fail(e->line, fmt::format("{} must be {}, got {}", path, expected, describe(e->value)));
        }
        if (e->value.IsNull()) return scalar_value{"", ctx_.where(e->line), std::move(path)};
        const std::string& raw = e->value.Scalar();
        std::string text = interpolate(raw, e->line, path, kind);
        if (kind == sensitivity::secret && !raw.empty() && !is_pure_reference(raw)) ctx_.file_holds_secrets = true;
        if (kind == sensitivity::credentials || kind == sensitivity::nats_url) {
            for (const auto& password : embedded_credentials(raw, kind == sensitivity::nats_url)) {
                if (!password.empty() && !is_pure_reference(password)) ctx_.file_holds_secrets = true;
            }
        }
        protect(text, kind);
        return scalar_value{std::move(text), ctx_.where(e->line), std::move(path)};
    }

    /// True when `key` has a value in the file or an HFT_ override (for optional settings without a default).
    bool scalar_present(std::string_view key) const {
        const auto* e = find(key);
        if (e != nullptr && !e->value.IsNull()) return true;
        const auto env = env_value(env_name_for(join_path(path_, key)));
        return env && !env->empty();
    }

    std::string string(std::string_view key, std::string fallback, sensitivity kind = sensitivity::plain) {
        auto value = scalar(key, "a string", kind);
        return value ? std::move(value->text) : std::move(fallback);
    }

    long long integer(std::string_view key, long long fallback, long long min, long long max) {
        const auto value = scalar(key, "a whole number");
        if (!value) return fallback;
        const auto range =
            max == int_max ? fmt::format("at least {}", min) : fmt::format("between {} and {}", min, max);
        if (value->text.empty())
            ctx_.fail(value->where, fmt::format("{} is empty; expected a whole number {}", value->key, range));
        long long out = 0;
        const auto* begin = value->text.data();
        const auto* end = begin + value->text.size();
        const auto [ptr, ec] = std::from_chars(begin, end, out);
        if (ec == std::errc::result_out_of_range) {
            ctx_.fail(value->where, fmt::format("{} must be {}, got {}", value->key, range, value->text));
        }
        if (ec != std::errc{} || ptr != end) {
            ctx_.fail(value->where,
                      fmt::format("{} must be a whole number {}, got \"{}\"", value->key, range, value->text));
        }
        if (out < min || out > max)
            ctx_.fail(value->where, fmt::format("{} must be {}, got {}", value->key, range, out));
        return out;
    }

    double number(std::string_view key, double fallback, double min, double max) {
        const auto value = scalar(key, "a number");
        if (!value) return fallback;
        double out = 0;
        const auto* begin = value->text.data();
        const auto* end = begin + value->text.size();
        const auto [ptr, ec] = std::from_chars(begin, end, out);
        if (value->text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(out)) {
            ctx_.fail(value->where, fmt::format("{} must be a number like 2.0, got \"{}\"", value->key, value->text));
        }
        if (out < min || out > max) {
            ctx_.fail(value->where, fmt::format("{} must be between {} and {}, got {}", value->key, min, max, out));
        }
        return out;
    }

    bool boolean(std::string_view key, bool fallback) {
        const auto value = scalar(key, "true or false");
        if (!value) return fallback;
        const auto text = boost::algorithm::to_lower_copy(value->text);
        if (text == "true" || text == "yes" || text == "on") return true;
        if (text == "false" || text == "no" || text == "off") return false;
        ctx_.fail(value->where, fmt::format("{} must be true or false, got \"{}\"", value->key, value->text));
    }

    /// A Go-style duration of at least `min`.
    duration dur(std::string_view key, duration fallback, duration min) {
        const auto value = scalar(key, "a duration like 5s");
        if (!value) return fallback;
        duration out{};
        if (auto problem = duration_problem(value->text, out); !problem.empty()) {
            ctx_.fail(value->where, fmt::format("{} {}", value->key, problem));
        }
        if (out < min) {
            ctx_.fail(value->where, min == 1ms
                                        ? fmt::format("{} must be more than 0, got \"{}\"", value->key, value->text)
                                        : fmt::format("{} must be at least {}, got \"{}\"", value->key,
                                                      format_duration(min), value->text));
        }
        return out;
    }

    /// Where `key`'s value came from, for messages that relate two keys.
    std::string where_of(std::string_view key) const {
        const std::string env = env_name_for(join_path(path_, key));
        if (auto value = env_value(env); value && !value->empty()) return env;
        if (const auto* e = find(key)) return ctx_.where(e->line);
        return ctx_.where(line_);
    }

    /// A legacy key that hft deliberately does not use: accepted, with a warning, so an existing config.yml loads.
    void ignore(std::string_view key, std::string_view reason) {
        ignored_.emplace_back(key);
        if (const auto* e = find(key)) {
            ctx_.warn(e->line, fmt::format("{} is ignored: {}; {}", join_path(path_, key), reason, see_example));
        }
    }

    /// Fails for the required `key`, which is absent: as the misspelt key when one is a single edit away ("kee"
    /// for "key"; keys read later may still be unread, so nothing further away is taken for a typo), else with
    /// `message`.
    [[noreturn]] void fail_missing(std::string_view key, std::string_view message) const {
        for (const auto& e : entries_) {
            if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
            if (edit_distance(e.key, key) == 1) {
                ctx_.fail(e.line, fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", join_path(path_, e.key), key));
            }
        }
        ctx_.fail(line_, message);
    }

    /// Rejects every key nobody asked for, with the nearest known key as a suggestion.
    void finish() const {
        for (const auto& e : entries_) {
            if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
            if (std::find(ignored_.begin(), ignored_.end(), e.key) != ignored_.end()) continue;
            const auto suggestion = closest(e.key, known_);
            ctx_.fail(e.line, suggestion ? fmt::format("unknown key \"{}\" (did you mean \"{}\"?)",
                                                       join_path(path_, e.key), *suggestion)
                                         : fmt::format("unknown key \"{}\"; {} for the valid keys",
                                                       join_path(path_, e.key), see_example));
        }
    }

private:
    struct entry {
        std::string key;
        int line = -1;
        YAML::Node value;
    };

    const entry* find(std::string_view key) const {
        const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.key == key; });
        return it == entries_.end() ? nullptr : &*it;
    }

    /// Registers secret values for log redaction.
    static void protect(const std::string& text, sensitivity kind) {
        if (kind == sensitivity::secret) register_secret(text);
        if (kind == sensitivity::credentials || kind == sensitivity::nats_url) {
            for (const auto& password : embedded_credentials(text, kind == sensitivity::nats_url)) {
                register_secret(password);
            }
        }
    }

    /// `${NAME}` -> $NAME (unset is an error), `${NAME:-default}` -> $NAME or default when unset or empty,
    /// `$${` -> a literal `${`. Nothing else is special. Error messages never quote the value itself.
    std::string interpolate(const std::string& raw, int line, const std::string& path, sensitivity kind) {
        std::string out;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw.compare(i, 3, "$${") == 0) {
                out += "${";
                i += 2;
                continue;
            }
            if (raw.compare(i, 2, "${") != 0) {
                out += raw[i];
                continue;
            }
            const auto close = raw.find('}', i + 2);
            if (close == std::string::npos) {
                ctx_.fail(line, fmt::format("{} has an unclosed ${{; close it with }} or write $${{ for a literal ${{",
                                            path));
            }
            const std::string_view reference(raw.data() + i + 2, close - i - 2);
            const auto dash = reference.find(":-");
            const auto name = reference.substr(0, dash);
            const bool valid_name =
                !name.empty() && !is_digit(name.front()) &&
                std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; });
            if (!valid_name) {
                ctx_.fail(line, kind == sensitivity::plain
                                    ? fmt::format("{}: \"${{{}}}\" is not a valid variable reference; use ${{NAME}} "
                                                  "or ${{NAME:-default}}, or $${{ for a literal ${{",
                                                  path, reference)
                                    : fmt::format("{} has a ${{...}} that is not a valid variable reference; use "
                                                  "${{NAME}} or ${{NAME:-default}}, or $${{ for a literal ${{",
                                                  path));
            }
            ctx_.env_names_read.insert(std::string(name));
            const auto value = env_value(std::string(name));
            if (dash != std::string_view::npos) {
                out += value && !value->empty() ? *value : std::string(reference.substr(dash + 2));
            } else if (value) {
                out += *value;
            } else {
                ctx_.fail(line,
                          fmt::format("{} uses ${{{}}}, but {} is not set in the environment; export it, or write "
                                      "${{{}:-default}} for a fallback",
                                      path, name, name, name));
            }
            i = close;
        }
        return out;
    }

    parse_context& ctx_;
    std::string path_;
    int line_ = -1;
    bool present_ = false;
    bool overridden_ = false;
    std::vector<entry> entries_;
    std::vector<std::string> known_;
    std::vector<std::string> ignored_;
};

// ---------------------------------------------------------------------------------------------------------
// Sections

void check_jitter(parse_context& ctx, const map_reader& r, duration min_jitter, duration max_jitter) {
    if (max_jitter < min_jitter) {
        ctx.fail(r.where_of("max_jitter"), fmt::format("{}.max_jitter ({}) is smaller than min_jitter ({})", r.path(),
                                                       format_duration(max_jitter), format_duration(min_jitter)));
    }
}

void read_log(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("log"));
    if (auto level = r.scalar("log_level", "a string")) {
        auto normalized = normalize_log_level(level->text);
        if (!normalized) {
            ctx.fail(level->where,
                     fmt::format("{} must be one of {}; got \"{}\"", level->key, log_level_choices, level->text));
        }
        cfg.log.log_level = std::move(*normalized);
    }
    if (auto format = r.scalar("format", "a string")) {
        const auto text = boost::algorithm::to_lower_copy(format->text);
        if (text != "text" && text != "json") {
            ctx.fail(format->where, fmt::format("{} must be text or json; got \"{}\"", format->key, format->text));
        }
        cfg.log.format = text == "json" ? log_format::json : log_format::text;
    } else {
        // Production logs are JSON unless said otherwise, for log shippers.
        cfg.log.format = cfg.env == "production" ? log_format::json : log_format::text;
    }
    cfg.log.show_caller = r.boolean("show_caller", cfg.log.show_caller);
    r.finish();
}

void read_api_keys(parse_context& ctx, map_reader& top, config& cfg) {
    const auto list = top.child("api_keys");
    if (!list.exists || list.node.IsNull()) return;
    if (!list.node.IsSequence()) {
        ctx.fail(list.line, fmt::format("api_keys must be a list (lines starting with \"- name: ...\"), got {}; {}",
                                        describe(list.node), see_example));
    }
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < list.node.size(); ++i) {
        const auto item = list.node[i];
        map_reader r(ctx, child_node{item, fmt::format("api_keys[{}]", i), line_of(item), true});
        api_key_config key;
        key.name = r.string("name", "");
        if (key.name.size() > 64) {
            // The name is what the trading state records as updated_by (64 characters at most).
            ctx.fail(r.where_of("name"), fmt::format("{}.name must be at most 64 characters", r.path()));
        }
        const auto value = r.scalar("key", "a string", sensitivity::secret);
        if (!value) r.fail_missing("key", fmt::format("{}.key is missing; {}", r.path(), see_example));
        key.key = secret(value->text);
        key.active = r.boolean("active", true);
        if (auto expiry = r.scalar("expired_at", "a date")) {
            if (!expiry->text.empty()) {
                std::chrono::sys_seconds at{};
                if (auto problem = expiry_problem(expiry->text, at); !problem.empty()) {
                    ctx.fail(expiry->where, fmt::format("{} {}", expiry->key, problem));
                }
                key.expired_at = at;
            }
        }
        r.finish();
        if (key.key.empty()) {
            // An empty key would match an empty X-API-Key; leaving the entry out is the safe reading.
            ctx.warn(r.line(), fmt::format("{}{} has an empty key and is ignored; set it (or {}) or remove the entry",
                                           r.path(), key.name.empty() ? "" : fmt::format(" ({})", key.name),
                                           env_name_for(r.path() + ".key")));
            continue;
        }
        for (std::size_t j = 0; j < cfg.api_keys.size(); ++j) {
            if (cfg.api_keys[j].key == key.key) {
                ctx.fail(value->where,
                         fmt::format("{}.key is the same as {}.key; give each client its own key", r.path(), paths[j]));
            }
        }
        cfg.api_keys.push_back(std::move(key));
        paths.push_back(r.path());
    }
}

void read_port(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("port"));
    cfg.port.order_engine_gateway_http = static_cast<std::uint16_t>(
        r.integer("order_engine_gateway_http", cfg.port.order_engine_gateway_http, 1, 65535));
    auto metrics_port = [&](std::string_view key, std::uint16_t fallback) {
        return static_cast<std::uint16_t>(r.integer(key, fallback, 0, 65535));
    };
    cfg.port.market_data_gateway_metrics = metrics_port("market_data_gateway_metrics", cfg.port.market_data_gateway_metrics);
    cfg.port.market_data_worker_metrics = metrics_port("market_data_worker_metrics", cfg.port.market_data_worker_metrics);
    cfg.port.strategy_metrics = metrics_port("strategy_metrics", cfg.port.strategy_metrics);
    cfg.port.order_engine_gateway_metrics =
        metrics_port("order_engine_gateway_metrics", cfg.port.order_engine_gateway_metrics);
    r.ignore("order_engine_gateway_grpc", "hft has no gRPC API (orders come over HTTP and JetStream)");
    r.ignore("http", "it was never used; the HTTP port is port.order_engine_gateway_http");
    r.finish();
}

void read_ops(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("ops"));
    cfg.ops.bind = r.string("bind", cfg.ops.bind);
    if (cfg.ops.bind.empty()) {
        ctx.fail(r.where_of("bind"), "ops.bind is empty; use 127.0.0.1 (loopback, the default) or the address a "
                                     "Prometheus scrapes");
    }
    cfg.ops.postgres_probe_interval = r.dur("postgres_probe_interval", cfg.ops.postgres_probe_interval, 100ms);
    cfg.ops.max_consumer_lag = static_cast<std::uint64_t>(
        r.integer("max_consumer_lag", static_cast<long long>(cfg.ops.max_consumer_lag), 0, 1'000'000'000));
    r.finish();
}

void read_url(parse_context& ctx, const std::optional<scalar_value>& value, std::string& out,
              std::initializer_list<std::string_view> schemes) {
    if (!value || value->text.empty()) return;
    const bool ok =
        std::any_of(schemes.begin(), schemes.end(), [&](std::string_view s) { return value->text.starts_with(s); });
    if (!ok) {
        ctx.fail(value->where, fmt::format("{} must start with {}, got \"{}\"", value->key,
                                           fmt::join(schemes.begin(), schemes.end(), " or "), value->text));
    }
    out = value->text;
}

exchange_account read_account(parse_context& ctx, const child_node& where) {
    map_reader r(ctx, where);
    exchange_account account;
    account.api_key = secret(r.string("api_key", "", sensitivity::secret));
    account.api_secret = secret(r.string("api_secret", "", sensitivity::secret));
    r.finish();
    for (const auto* key : {"api_key", "api_secret"}) {
        const auto& value = std::string_view(key) == "api_key" ? account.api_key : account.api_secret;
        if (value.empty()) {
            ctx.fail(r.where_of(key),
                     fmt::format("{}.{} is missing; an account needs both api_key and api_secret", r.path(), key));
        }
    }
    return account;
}

constexpr std::array venue_kinds{venue_kind::tokocrypto, venue_kind::binance, venue_kind::sim};

std::optional<venue_kind> venue_kind_named(std::string_view name) {
    for (const auto kind : venue_kinds) {
        if (to_string(kind) == name) return kind;
    }
    return std::nullopt;
}

venue_kind read_venue_kind(parse_context& ctx, map_reader& r, std::string_view name) {
    const auto value = r.scalar("kind", "a string");
    if (value) {
        if (const auto kind = venue_kind_named(value->text)) return *kind;
        ctx.fail(value->where, fmt::format("{} must be tokocrypto, binance or sim, got \"{}\"", value->key, value->text));
    } else if (const auto kind = venue_kind_named(name)) {
        return *kind;
    } else {
        ctx.fail(r.where_of("kind"), fmt::format("{}.kind is missing; write tokocrypto, binance or sim: the API the "
                                                 "venue speaks",
                                                 r.path()));
    }
    return venue_kind::tokocrypto;
}

exchange_config read_exchange(parse_context& ctx, const child_node& where, std::string_view name) {
    map_reader r(ctx, where);
    exchange_config ex;
    ex.kind = read_venue_kind(ctx, r, name);
    ex.api_key = secret(r.string("api_key", "", sensitivity::secret));
    ex.api_secret = secret(r.string("api_secret", "", sensitivity::secret));
    read_url(ctx, r.scalar("base_url", "a string"), ex.base_url, {"https://", "http://"});
    read_url(ctx, r.scalar("stream_url", "a string"), ex.stream_url, {"wss://", "ws://"});
    read_url(ctx, r.scalar("market_data_url", "a string"), ex.market_data_url, {"https://", "http://"});
    ex.recv_window_ms = static_cast<int>(r.integer("recv_window", ex.recv_window_ms, 1, 60000));
    ex.http_idle_limit = r.dur("http_idle_limit", ex.http_idle_limit, 100ms);
    ex.order_entry_keep_warm = r.dur("order_entry_keep_warm", ex.order_entry_keep_warm, 0ms);

    map_reader accounts(ctx, r.child("accounts"));
    for (const auto& user : accounts.children_by_name()) {
        const auto user_id = user.path.substr(accounts.path().size() + 1);
        if (user_id.empty()) ctx.fail(user.line, fmt::format("{} has an empty user id", accounts.path()));
        ex.accounts.emplace(user_id, read_account(ctx, user));
    }
    accounts.finish();

    constexpr std::string_view unused = "it was never used; fees come from the exchange's fills";
    r.ignore("name", "the venue is named by its key under exchanges");
    for (const auto* key : {"limit_buy_fee", "limit_sell_fee", "market_buy_fee", "market_sell_fee"})
        r.ignore(key, unused);
    r.finish();

    if (ex.api_key.empty() != ex.api_secret.empty()) {
        const auto* missing = ex.api_key.empty() ? "api_key" : "api_secret";
        ctx.fail(
            r.where_of(missing),
            fmt::format("{}.{} is missing; requests are signed with both api_key and api_secret", r.path(), missing));
    }
    if (ex.order_entry_keep_warm.count() > 0 && ex.order_entry_keep_warm >= ex.http_idle_limit) {
        ctx.fail(r.where_of("order_entry_keep_warm"),
                 fmt::format("{}.order_entry_keep_warm ({}) must be less than http_idle_limit ({}), or 0s to turn it "
                             "off: a connection idle past http_idle_limit is replaced, not kept",
                             r.path(), format_duration(ex.order_entry_keep_warm), format_duration(ex.http_idle_limit)));
    }
    return ex;
}

bool valid_exchange_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(),
                                        [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; });
}

void read_exchanges(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("exchanges"));
    for (const auto& venue : r.children_by_name()) {
        const auto name = venue.path.substr(std::string_view("exchanges.").size());
        if (!valid_exchange_name(name)) {
            ctx.fail(
                venue.line,
                fmt::format("exchange name \"{}\" must be lowercase letters, digits and _ (e.g. tokocrypto)", name));
        }
        cfg.exchanges.emplace(name, read_exchange(ctx, venue, name));
    }
    r.finish();

    // A venue may be configured from the environment alone, through its default account's overrides.
    constexpr std::string_view prefix = "HFT_EXCHANGES_";
    for (const auto& [env, value] : env_with_prefix(prefix)) {
        if (value.empty()) continue;
        for (const std::string_view suffix : {"_API_KEY", "_API_SECRET", "_BASE_URL", "_STREAM_URL", "_RECV_WINDOW"}) {
            const std::string_view rest = std::string_view(env).substr(prefix.size());
            if (!rest.ends_with(suffix) || rest.size() == suffix.size()) continue;
            const auto upper_name = rest.substr(0, rest.size() - suffix.size());
            if (upper_name.find("ACCOUNTS") != std::string_view::npos) break;
            const auto name = boost::algorithm::to_lower_copy(std::string(upper_name));
            if (!valid_exchange_name(name) || cfg.exchanges.contains(name)) break;
            cfg.exchanges.emplace(name, read_exchange(ctx, child_node{YAML::Node(), "exchanges." + name, -1, false}, name));
            break;
        }
    }
}

void read_nats(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("nats_jetstream"));
    nats_jetstream_config nats;
    nats.url = r.string("url", "", sensitivity::nats_url);
    nats.max_retries = static_cast<int>(r.integer("max_retries", nats.max_retries, 0, int_max));
    nats.reconnect_factor = r.number("reconnect_factor", nats.reconnect_factor, 1.0, 100.0);
    nats.min_jitter = r.dur("min_jitter", nats.min_jitter, 0ms);
    nats.max_jitter = r.dur("max_jitter", nats.max_jitter, 0ms);
    nats.replicas = static_cast<int>(r.integer("replicas", nats.replicas, 1, 5));
    nats.kline_max_age = r.dur("kline_max_age", nats.kline_max_age, 1ms);
    nats.duplicate_window = r.dur("duplicate_window", nats.duplicate_window, 1ms);
    r.ignore("timeout_handler", "hft has no per-handler timeouts (ack wait and max_deliver bound message handling)");
    r.finish();
    if (!r.present()) return;
    if (nats.url.empty()) {
        ctx.fail(r.where_of("url"), fmt::format("nats_jetstream.url is missing; set it (e.g. nats://127.0.0.1:4222) or "
                                                "HFT_NATS_JETSTREAM_URL; {}",
                                                see_example));
    }
    check_jitter(ctx, r, nats.min_jitter, nats.max_jitter);
    if (nats.duplicate_window > nats.kline_max_age) {
        ctx.fail(
            r.where_of("duplicate_window"),
            fmt::format("nats_jetstream.duplicate_window ({}) must not exceed kline_max_age ({}); JetStream rejects "
                        "such a stream",
                        format_duration(nats.duplicate_window), format_duration(nats.kline_max_age)));
    }
    cfg.nats_jetstream = std::move(nats);
}

void read_market_data_gateway(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("market_data_gateway"));
    auto& g = cfg.market_data_gateway;
    g.idle_timeout = r.dur("idle_timeout", g.idle_timeout, 1ms);
    g.reconnect_min = r.dur("reconnect_min", g.reconnect_min, 1ms);
    g.reconnect_max = r.dur("reconnect_max", g.reconnect_max, 1ms);
    g.max_connection_age = r.dur("max_connection_age", g.max_connection_age, 1ms);
    g.max_in_flight = static_cast<int>(r.integer("max_in_flight", g.max_in_flight, 1, 1'000'000));
    g.reload_interval = r.dur("reload_interval", g.reload_interval, 1ms);
    g.backfill_limit = static_cast<int>(r.integer("backfill_limit", g.backfill_limit, 1, 1000));
    g.stats_interval = r.dur("stats_interval", g.stats_interval, 0ms);
    r.finish();
    if (g.reconnect_max < g.reconnect_min) {
        ctx.fail(r.where_of("reconnect_max"),
                 fmt::format("market_data_gateway.reconnect_max ({}) is smaller than reconnect_min ({})",
                             format_duration(g.reconnect_max), format_duration(g.reconnect_min)));
    }
}

/// JetStream durable, KV bucket and prefix names (`<section>.<key>`): letters, digits, '-' and '_'.
void require_jetstream_name(parse_context& ctx, const map_reader& r, std::string_view key, const std::string& name) {
    const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return is_alnum(c) || c == '-' || c == '_';
    });
    if (!valid) {
        ctx.fail(r.where_of(key),
                 fmt::format("{}.{} must be letters, digits, '-' or '_'; got \"{}\"", r.path(), key, name));
    }
}

// The same two keys in the worker's and the strategy's section.
void read_kline_plausibility(map_reader& r, kline_plausibility_config& plausibility) {
    plausibility.max_open_time_ahead = r.dur("max_open_time_ahead", plausibility.max_open_time_ahead, 0ms);
    plausibility.max_open_time_behind = r.dur("max_open_time_behind", plausibility.max_open_time_behind, 1ms);
}

void read_market_data_worker(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("market_data_worker"));
    auto& w = cfg.market_data_worker;
    w.durable = r.string("durable", w.durable);
    w.batch_size = static_cast<int>(r.integer("batch_size", w.batch_size, 1, 100'000));
    w.connections = static_cast<int>(r.integer("connections", w.connections, 1, 16));
    w.batch_timeout = r.dur("batch_timeout", w.batch_timeout, 1ms);
    w.ack_wait = r.dur("ack_wait", w.ack_wait, 1ms);
    w.max_deliver = static_cast<int>(r.integer("max_deliver", w.max_deliver, 1, 1000));
    w.nak_delay = r.dur("nak_delay", w.nak_delay, 0ms);
    w.stats_interval = r.dur("stats_interval", w.stats_interval, 0ms);
    read_kline_plausibility(r, w.plausibility);
    r.finish();
    require_jetstream_name(ctx, r, "durable", w.durable);
    if (w.batch_timeout >= w.ack_wait) {
        ctx.fail(r.where_of("batch_timeout"),
                 fmt::format("market_data_worker.batch_timeout ({}) must be shorter than ack_wait ({}), or every "
                             "batch would be redelivered before it is committed",
                             format_duration(w.batch_timeout), format_duration(w.ack_wait)));
    }
}

std::optional<std::string> read_positive_decimal(parse_context& ctx, map_reader& r, std::string_view key) {
    auto value = r.scalar(key, "a decimal string");
    if (!value) return std::nullopt;
    const auto parsed = domain::decimal::parse(value->text);
    if (!parsed || !parsed->is_positive()) {
        ctx.fail(value->where, fmt::format("{} must be a decimal above 0 written as a string (\"1000\", \"0.5\"), got \"{}\"",
                                           value->key, value->text));
    }
    return std::move(value->text);
}

risk_limits_config read_risk_limits(parse_context& ctx, const child_node& where, const risk_limits_config& base) {
    map_reader r(ctx, where);
    risk_limits_config limits = base;
    limits.line = r.line();
    if (auto v = read_positive_decimal(ctx, r, "max_order_notional")) limits.max_order_notional = std::move(v);
    if (auto v = read_positive_decimal(ctx, r, "max_position")) limits.max_position = std::move(v);
    if (r.scalar_present("max_open_orders")) {
        limits.max_open_orders = static_cast<int>(r.integer("max_open_orders", 0, 0, 1'000'000));
    }
    if (auto v = read_positive_decimal(ctx, r, "daily_loss_limit")) limits.daily_loss_limit = std::move(v);
    limits.orders_per_second = r.number("orders_per_second", limits.orders_per_second, 0, 1e6);
    limits.order_burst = static_cast<int>(r.integer("order_burst", limits.order_burst, 1, 1'000'000));
    r.finish();
    return limits;
}

std::map<std::string, risk_limits_config> read_risk_overrides(parse_context& ctx, const child_node& where,
                                                              const risk_limits_config& base) {
    std::map<std::string, risk_limits_config> out;
    map_reader overrides(ctx, where);
    for (const auto& entry : overrides.children_by_name()) {
        auto name = entry.path.substr(overrides.path().size() + 1);
        out.emplace(std::move(name), read_risk_limits(ctx, entry, base));
    }
    overrides.finish();
    return out;
}

void read_order_engine_gateway(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("order_engine_gateway"));
    auto& g = cfg.order_engine_gateway;
    g.http_bind = r.string("http_bind", g.http_bind);
    g.max_body_bytes = static_cast<std::size_t>(r.integer("max_body_bytes", static_cast<long long>(g.max_body_bytes),
                                                          256, 16 * 1024 * 1024));
    g.max_connections = static_cast<int>(r.integer("max_connections", g.max_connections, 1, 100'000));
    g.max_connections_per_peer =
        static_cast<int>(r.integer("max_connections_per_peer", g.max_connections_per_peer, 0, 100'000));
    g.first_request_timeout = r.dur("first_request_timeout", g.first_request_timeout, 100ms);
    g.request_timeout = r.dur("request_timeout", g.request_timeout, 1ms);
    g.durable = r.string("durable", g.durable);
    g.ack_wait = r.dur("ack_wait", g.ack_wait, 1ms);
    g.max_deliver = static_cast<int>(r.integer("max_deliver", g.max_deliver, 1, 1000));
    g.poll_interval = r.dur("poll_interval", g.poll_interval, 10ms);
    g.unknown_retry = r.dur("unknown_retry", g.unknown_retry, 10ms);
    g.trading_state_refresh = r.dur("trading_state_refresh", g.trading_state_refresh, 10ms);
    g.stats_interval = r.dur("stats_interval", g.stats_interval, 0ms);
    g.risk = read_risk_limits(ctx, r.child("risk"), g.risk);
    g.user_risk = read_risk_overrides(ctx, r.child("risk_users"), g.risk);
    g.strategy_risk = read_risk_overrides(ctx, r.child("risk_strategies"), risk_limits_config{});
    r.finish();
    if (g.http_bind.empty()) {
        ctx.fail(r.where_of("http_bind"), "order_engine_gateway.http_bind is empty; use 127.0.0.1 (loopback, the "
                                          "default) or the address to listen on");
    }
    require_jetstream_name(ctx, r, "durable", g.durable);
}

void read_strategy_service(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader r(ctx, top.child("strategy"));
    auto& s = cfg.strategy;
    s.kv_bucket = r.string("kv_bucket", s.kv_bucket);
    s.durable_prefix = r.string("durable_prefix", s.durable_prefix);
    s.warmup_klines = static_cast<int>(r.integer("warmup_klines", s.warmup_klines, 0, 100'000));
    s.max_kline_age = r.dur("max_kline_age", s.max_kline_age, 0ms);
    s.ack_wait = r.dur("ack_wait", s.ack_wait, 1ms);
    s.max_deliver = static_cast<int>(r.integer("max_deliver", s.max_deliver, 1, 1000));
    s.stats_interval = r.dur("stats_interval", s.stats_interval, 0ms);
    read_kline_plausibility(r, s.plausibility);
    // The legacy strategy.lazy_grid section: its one key has no meaning here.
    map_reader lazy_grid(ctx, r.child("lazy_grid"));
    lazy_grid.ignore("reset_state_on_start", "hft keeps strategy state in a JetStream key-value bucket");
    lazy_grid.finish();
    r.finish();
    require_jetstream_name(ctx, r, "kv_bucket", s.kv_bucket);
    require_jetstream_name(ctx, r, "durable_prefix", s.durable_prefix);
}

void read_strategies(parse_context& ctx, map_reader& top, config& cfg) {
    const auto list = top.child("strategies");
    if (!list.exists || list.node.IsNull()) return;
    if (!list.node.IsSequence()) {
        ctx.fail(list.line, fmt::format("strategies must be a list (lines starting with \"- id: ...\"), got {}; {}",
                                        describe(list.node), see_example));
    }
    for (std::size_t i = 0; i < list.node.size(); ++i) {
        const auto item = list.node[i];
        map_reader r(ctx, child_node{item, fmt::format("strategies[{}]", i), line_of(item), true});
        strategy_instance_config s;
        s.line = r.line();
        const auto required = [&](std::string_view key) {
            auto value = r.string(key, "");
            if (value.empty()) r.fail_missing(key, fmt::format("{}.{} is missing; {}", r.path(), key, see_example));
            return value;
        };
        s.id = required("id");
        s.kind = required("kind");
        s.exchange = required("exchange");
        s.symbol = required("symbol");
        s.interval = required("interval");
        s.user_id = required("user_id");
        s.enabled = r.boolean("enabled", true);
        map_reader params(ctx, r.child("params"));
        for (const auto& param : params.children_by_name()) {
            const auto key = param.path.substr(params.path().size() + 1);
            s.params.emplace(key, params.string(key, ""));
        }
        params.finish();
        r.finish();
        constexpr std::array kinds{"lazy_grid", "grid", "sma_cross"};
        if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) {
            ctx.fail(r.where_of("kind"), fmt::format("{}.kind must be lazy_grid, grid or sma_cross; got \"{}\"",
                                                     r.path(), s.kind));
        }
        for (const auto& other : cfg.strategies) {
            if (other.id == s.id) {
                ctx.fail(r.where_of("id"), fmt::format("{}.id \"{}\" is used twice; every strategy needs its own id "
                                                       "(its orders and its state are keyed by it)",
                                                       r.path(), s.id));
            }
        }
        cfg.strategies.push_back(std::move(s));
    }
}

bool looks_like_dsn(std::string_view dsn) {
    return dsn.starts_with("postgres://") || dsn.starts_with("postgresql://") ||
           dsn.find('=') != std::string_view::npos;
}

void read_databases(parse_context& ctx, map_reader& top, config& cfg) {
    map_reader dbs(ctx, top.child("database"));
    for (const std::string_view name : {"market_data", "order_engine"}) {
        map_reader r(ctx, dbs.child(name));
        database_config db;
        const auto dsn = r.scalar("dsn", "a string", sensitivity::credentials);
        if (dsn) db.dsn = dsn->text;
        db.ping_interval = r.dur("ping_interval", db.ping_interval, 1ms);
        db.reconnect_factor = r.number("reconnect_factor", db.reconnect_factor, 1.0, 100.0);
        db.min_jitter = r.dur("min_jitter", db.min_jitter, 0ms);
        db.max_jitter = r.dur("max_jitter", db.max_jitter, 0ms);
        db.max_retry = static_cast<int>(r.integer("max_retry", db.max_retry, 0, int_max));
        db.max_idle_conns = static_cast<int>(r.integer("max_idle_conns", db.max_idle_conns, 0, int_max));
        db.max_active_conns = static_cast<int>(r.integer("max_active_conns", db.max_active_conns, 1, int_max));
        db.max_conn_lifetime = r.dur("max_conn_lifetime", db.max_conn_lifetime, 0ms);
        r.finish();
        if (!r.present()) continue;
        if (db.dsn.empty()) {
            ctx.fail(r.where_of("dsn"),
                     fmt::format("{}.dsn is missing; set it (e.g. postgres://hft@127.0.0.1:5432/{}) or "
                                 "{}; {}",
                                 r.path(), name, env_name_for(r.path() + ".dsn"), see_example));
        }
        if (!looks_like_dsn(db.dsn)) {
            // The value is not quoted: it may hold a password.
            ctx.fail(dsn->where, fmt::format("{}.dsn is not a PostgreSQL connection string; write "
                                             "postgres://user@host:5432/dbname or host=... dbname=...",
                                             r.path()));
        }
        check_jitter(ctx, r, db.min_jitter, db.max_jitter);
        (name == "market_data" ? cfg.database.market_data : cfg.database.order_engine) = std::move(db);
    }
    dbs.finish();
}

void read_obsolete_sections(map_reader& top) {
    top.ignore("redis", "hft has no Redis (strategy state lives in JetStream, klines in PostgreSQL)");
}

/// HFT_* variables that look like overrides of a section but matched no key: almost always a typo.
void warn_unused_overrides(parse_context& ctx) {
    // Not HFT_NATS_ alone: scripts/infra's HFT_NATS_PORT and HFT_PG_PORT are not config keys.
    constexpr std::array<std::string_view, 10> section_prefixes{
        "HFT_ENV",   "HFT_LOG_",       "HFT_GRACEFUL_",       "HFT_API_KEYS_",   "HFT_PORT_",
        "HFT_OPS_",  "HFT_EXCHANGES_", "HFT_NATS_JETSTREAM_", "HFT_DATABASE_",   "HFT_MARKET_DATA_"};
    const std::vector<std::string> known(ctx.env_names_read.begin(), ctx.env_names_read.end());
    for (const auto& [env, value] : env_with_prefix("HFT_")) {
        if (value.empty() || ctx.env_names_read.contains(env)) continue;
        const bool looks_like_override = std::any_of(section_prefixes.begin(), section_prefixes.end(),
                                                     [&](std::string_view p) { return env.starts_with(p); });
        if (!looks_like_override) continue;
        const auto suggestion = closest(env, known);
        ctx.cfg->warnings.push_back(
            fmt::format("environment variable {} is set but overrides no config key{}", env,
                        suggestion ? fmt::format(" (did you mean {}?)", *suggestion) : std::string()));
    }
}

struct parse_result {
    config cfg;
    bool file_holds_secrets = false;
};

parse_result parse(std::string_view yaml_text, const std::filesystem::path& source) {
    parse_result result;
    config& cfg = result.cfg;
    cfg.source = source;
    cfg.database.source = source;
    parse_context ctx{source.string(), &cfg, {}, false};

    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::ParserException& e) {
        // e.msg, not e.what(): the latter repeats the position, and neither quotes the document.
        ctx.fail(e.mark.line, fmt::format("YAML syntax error: {}; check the indentation and quoting", e.msg));
    }
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
        ctx.fail(line_of(root),
                 fmt::format("expected key: value settings at the top level, got {}; {}", describe(root), see_example));
    }

    map_reader top(ctx, child_node{root, "", -1, true});
    cfg.env = top.string("env", cfg.env);
    if (cfg.env.empty()) ctx.fail(top.where_of("env"), "env is empty; write development or production");
    read_log(ctx, top, cfg);
    cfg.graceful_shutdown_timeout = top.dur("graceful_shutdown_timeout", cfg.graceful_shutdown_timeout, 1ms);
    read_api_keys(ctx, top, cfg);
    read_port(ctx, top, cfg);
    read_ops(ctx, top, cfg);
    read_exchanges(ctx, top, cfg);
    read_nats(ctx, top, cfg);
    read_market_data_gateway(ctx, top, cfg);
    read_market_data_worker(ctx, top, cfg);
    read_order_engine_gateway(ctx, top, cfg);
    read_strategy_service(ctx, top, cfg);
    read_strategies(ctx, top, cfg);
    read_databases(ctx, top, cfg);
    read_obsolete_sections(top);
    top.finish();
    warn_unused_overrides(ctx);

    result.file_holds_secrets = ctx.file_holds_secrets;
    return result;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------

const database_config& databases_config::get(std::string_view name) const {
    const std::optional<database_config>* db = nullptr;
    if (name == "market_data") {
        db = &market_data;
    } else if (name == "order_engine") {
        db = &order_engine;
    } else {
        throw config_error(fmt::format("unknown database \"{}\"; valid names are market_data, order_engine", name));
    }
    if (!db->has_value()) {
        throw config_error(fmt::format("{}: database.{}.dsn is missing; set it or {}; {}", source.string(), name,
                                       env_name_for(fmt::format("database.{}.dsn", name)), see_example));
    }
    return **db;
}

const nats_jetstream_config& config::require_nats_jetstream() const {
    if (!nats_jetstream) {
        throw config_error(
            fmt::format("{}: nats_jetstream.url is missing; set it (e.g. nats://127.0.0.1:4222) or "
                        "HFT_NATS_JETSTREAM_URL; {}",
                        source.string(), see_example));
    }
    return *nats_jetstream;
}

std::string_view to_string(venue_kind kind) noexcept {
    switch (kind) {
        case venue_kind::tokocrypto: return "tokocrypto";
        case venue_kind::binance: return "binance";
        case venue_kind::sim: return "sim";
    }
    return "unknown";
}

bool has_order_adapter(venue_kind kind) noexcept {
    return kind == venue_kind::tokocrypto || kind == venue_kind::sim;
}

const exchange_config& config::exchange(std::string_view name) const {
    const auto it = exchanges.find(std::string(name));
    if (it == exchanges.end()) {
        throw config_error(fmt::format("{}: exchanges.{} is not configured; add it (or set {}); {}", source.string(),
                                       name, env_name_for(fmt::format("exchanges.{}.api_key", name)), see_example));
    }
    return it->second;
}

config parse_config(std::string_view yaml_text, const std::filesystem::path& source) {
    return parse(yaml_text, source).cfg;
}

config load_config(const std::filesystem::path& path) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(path, ec);
    const auto shown = ec ? path : absolute;
    if (!std::filesystem::exists(path, ec)) {
        throw config_error(fmt::format("{} not found at {}; copy config.yml.example to {} or pass --config PATH",
                                       path.filename().string(), shown.string(), path.string()));
    }
    if (std::filesystem::is_directory(path, ec)) {
        throw config_error(
            fmt::format("{} is a directory; pass the config file itself with --config PATH", shown.string()));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error(
            fmt::format("cannot read {}: {}; check its permissions", shown.string(), std::strerror(errno)));
    }
    std::ostringstream text;
    text << in.rdbuf();

    auto result = parse(text.str(), path);
    struct stat info {};
    if (result.file_holds_secrets && ::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
        result.cfg.warnings.push_back(fmt::format("{} is readable by group/others and holds secrets; run chmod 600 {}",
                                                  path.string(), path.string()));
    }
    return std::move(result.cfg);
}

duration parse_duration(std::string_view text, std::string_view key) {
    duration out{};
    if (auto problem = duration_problem(text, out); !problem.empty()) {
        throw config_error(fmt::format("{} {}", key, problem));
    }
    return out;
}

std::chrono::sys_seconds parse_expiry(std::string_view text, std::string_view key) {
    std::chrono::sys_seconds out{};
    if (auto problem = expiry_problem(text, out); !problem.empty())
        throw config_error(fmt::format("{} {}", key, problem));
    return out;
}

std::string parse_log_level(std::string_view text, std::string_view key) {
    auto level = normalize_log_level(text);
    if (!level) throw config_error(fmt::format("{} must be one of {}; got \"{}\"", key, log_level_choices, text));
    return std::move(*level);
}

log_format parse_log_format(std::string_view text, std::string_view key) {
    const auto format = boost::algorithm::to_lower_copy(std::string(text));
    if (format == "text") return log_format::text;
    if (format == "json") return log_format::json;
    throw config_error(fmt::format("{} must be text or json; got \"{}\"", key, text));
}

}  // namespace hft::app
