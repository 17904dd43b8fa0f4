#include "hft/app/redact.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace hft::app {
namespace {

constexpr std::size_t min_registered_secret_length = 8;

// Words whose value (after `=` or `:`) is a credential. Matched as a case-insensitive suffix of a word,
// so `api_secret`, `X-MBX-APIKEY` and `client_secret` are caught by `secret` and `apikey`.
constexpr std::array<std::string_view, 10> credential_words{"password",     "passwd",       "secret",    "api_key",
                                                            "apikey",       "api-key",      "signature", "passphrase",
                                                            "access_token", "refresh_token"};
constexpr std::array<std::string_view, 1> dsn_credential_words{"password"};

struct secret_registry {
    std::shared_mutex mutex;
    std::vector<std::string> values;  // longest first, so a secret that contains another is masked whole
};

secret_registry& registry() {
    static secret_registry instance;
    return instance;
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool iequals_at(std::string_view text, std::size_t at, std::string_view word) {
    return at + word.size() <= text.size() && boost::algorithm::iequals(text.substr(at, word.size()), word);
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Where the authority of a URI ends; a password with an unencoded `/`, `?` or `#` is not a valid URI anyway.
bool ends_authority(char c) {
    return c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
           c == '\'' || c == '<' || c == '>' || c == '`' || c == ',' || c == ';';
}

bool ends_bare_value(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '&' || c == ',' || c == ';' || c == '"' ||
           c == '\'' || c == '<' || c == '>' || c == ')' || c == '}' || c == ']' || c == '\\';
}

std::string mask_registered(std::string_view text) {
    auto& reg = registry();
    std::shared_lock lock(reg.mutex);
    std::string out(text);
    for (const auto& value : reg.values) {
        for (auto at = out.find(value); at != std::string::npos; at = out.find(value, at + redaction_mask.size())) {
            out.replace(at, value.size(), redaction_mask);
        }
    }
    return out;
}

// `scheme://user:password@host` -> `scheme://user:***@host`. The last `@` of the authority ends the
// password, so an unencoded `@` inside it is still masked.
std::string mask_uri_passwords(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    for (auto sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", pos)) {
        const std::size_t start = sep + 3;
        std::size_t end = start;
        while (end < text.size() && !ends_authority(text[end])) ++end;
        const auto authority = text.substr(start, end - start);
        const auto at = authority.rfind('@');
        const auto colon = authority.find(':');
        if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
            out.append(text.substr(pos, start + colon + 1 - pos));
            out.append(redaction_mask);
            out.append(text.substr(start + at, end - start - at));
        } else {
            out.append(text.substr(pos, end - pos));
        }
        pos = end;
    }
    out.append(text.substr(pos));
    return out;
}

// The value after `<word>=` / `<word>: ` / `"<word>":"` is masked: bare up to a delimiter, or quoted
// (single, double, or JSON-escaped `\"`) up to the closing quote.
template <std::size_t N>
std::string mask_credential_values(std::string_view text, const std::array<std::string_view, N>& words) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto word = std::find_if(words.begin(), words.end(), [&](std::string_view w) {
            return iequals_at(text, i, w) && (i + w.size() == n || !is_word_char(text[i + w.size()]));
        });
        if (word == words.end()) continue;

        std::size_t j = i + word->size();
        // The closing quote of a quoted key: "api_key": or \"api_key\":
        if (j + 1 < n && text[j] == '\\' && text[j + 1] == '"') {
            j += 2;
        } else if (j < n && (text[j] == '"' || text[j] == '\'')) {
            ++j;
        }
        while (j < n && is_space(text[j])) ++j;
        if (j >= n || (text[j] != '=' && text[j] != ':')) continue;
        ++j;
        while (j < n && is_space(text[j])) ++j;

        std::size_t value_start = j;
        std::size_t value_end = j;
        if (j + 1 < n && text[j] == '\\' && text[j + 1] == '"') {
            value_start = j + 2;
            const auto close = text.find("\\\"", value_start);
            value_end = close == std::string_view::npos ? n : close;
        } else if (j < n && (text[j] == '"' || text[j] == '\'')) {
            const char quote = text[j];
            value_start = j + 1;
            value_end = value_start;
            while (value_end < n && text[value_end] != quote) value_end += text[value_end] == '\\' ? 2 : 1;
            value_end = std::min(value_end, n);
        } else {
            while (value_end < n && !ends_bare_value(text[value_end])) ++value_end;
        }
        if (value_end <= value_start || text.substr(value_start, value_end - value_start) == redaction_mask) continue;

        out.append(text.substr(pos, value_start - pos));
        out.append(redaction_mask);
        pos = value_end;
        i = value_end - 1;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace

std::string redact_dsn(std::string_view dsn) {
    return mask_credential_values(mask_uri_passwords(dsn), dsn_credential_words);
}

std::string redact_text(std::string_view text) {
    std::string out = mask_registered(text);
    // Every pattern needs a `:` or `=`; most log lines have neither worth scanning twice.
    if (out.find_first_of(":=") == std::string::npos) return out;
    return mask_credential_values(mask_uri_passwords(out), credential_words);
}

void register_secret(std::string_view value) {
    if (value.size() < min_registered_secret_length) return;
    auto& reg = registry();
    std::unique_lock lock(reg.mutex);
    if (std::find(reg.values.begin(), reg.values.end(), value) != reg.values.end()) return;
    reg.values.emplace_back(value);
    std::stable_sort(reg.values.begin(), reg.values.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

}  // namespace hft::app
