#pragma once

// Masking of credentials in text that is about to be logged or shown. The config knows which values are
// secret and registers them; the patterns catch the rest (a DSN or URL someone logs whole, a signed
// query string, an API-key header) as a last line of defence.

#include <string>
#include <string_view>

namespace hft::app {

/// The mask that replaces every secret value.
inline constexpr std::string_view redaction_mask = "***";

/// Masks the password of a PostgreSQL DSN, in URI form (`postgres://user:pw@host/db` ->
/// `postgres://user:***@host/db`, and `?password=pw`) and key=value form (`password=pw`, `password = 'p w'`).
std::string redact_dsn(std::string_view dsn);

/// Masks every registered secret and everything that looks like a credential: URI passwords
/// (`://user:pw@`), and the value after `password`, `passwd`, `secret`, `api_key`, `apiKey`, `api-key`,
/// `signature`, `passphrase`, `access_token`, `refresh_token` followed by `=` or `:` (case-insensitive,
/// so `X-MBX-APIKEY: ...` and `"api_secret":"..."` are caught too).
std::string redact_text(std::string_view text);

/// Adds a known secret value to the process-wide set that redact_text() masks wherever it appears.
/// Values shorter than 8 characters are ignored: masking them would garble ordinary words.
void register_secret(std::string_view value);

}  // namespace hft::app
