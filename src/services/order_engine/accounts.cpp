#include "accounts.hpp"

#include "errors.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <set>
#include <string>

namespace hft::services::order_engine_detail {

asio::awaitable<connection_lock> acquire(lock_channel& lock) {
    co_await lock.async_send(boost::system::error_code{}, asio::use_awaitable);
    co_return connection_lock{lock};
}

asio::awaitable<tk::result<core::symbol_rules>> rules_of(account& acct, std::string symbol) {
    if (auto cached = acct.client.cached_rules(symbol)) co_return std::move(*cached);
    co_return co_await exclusive(acct.queries, acct.client.rules(std::move(symbol)));
}

namespace {

// Credentials say orders are meant to go to the venue.
bool has_credentials(const app::exchange_config& venue) { return !venue.api_key.empty() || !venue.accounts.empty(); }

// Where a venue's orders go: its base_url, else Tokocrypto's own host for a tokocrypto venue. A sim venue has no
// default host, so without base_url it has none.
std::optional<std::string> order_base_url(const app::exchange_config& venue) {
    if (!venue.base_url.empty()) return venue.base_url;
    if (venue.kind == app::venue_kind::tokocrypto) return std::string(tk::default_base_url);
    return std::nullopt;
}

}  // namespace

exchange_accounts::exchange_accounts(asio::any_io_executor executor,
                                     std::map<std::string, app::exchange_config> exchanges)
    : executor_(std::move(executor)), exchanges_(std::move(exchanges)) {
    for (const auto& [name, venue] : exchanges_) {
        if (!app::has_order_adapter(venue.kind)) {
            // Refuse now rather than speak another venue's API to it.
            if (has_credentials(venue)) {
                throw app::config_error(fmt::format(
                    "exchanges.{}.kind is {}, which hft cannot place orders on yet (order entry speaks tokocrypto and "
                    "sim); remove exchanges.{}.api_key, api_secret and accounts to use it for market data only",
                    name, app::to_string(venue.kind), name));
            }
            continue;
        }
        const auto url = order_base_url(venue);
        if (!url) {
            if (has_credentials(venue)) {
                throw app::config_error(fmt::format("exchanges.{}.base_url is missing; a {} venue has no default host, "
                                                    "so set it to the exchange's URL, e.g. http://127.0.0.1:14800",
                                                    name, app::to_string(venue.kind)));
            }
            continue;
        }
        if (auto origin = net::http_origin::parse(*url); !origin) {
            throw app::config_error(fmt::format("exchanges.{}.base_url: {}; write it like https://www.tokocrypto.com",
                                                name, origin.error()));
        }
    }
}

expected<account*, order_error> exchange_accounts::of(const std::string& exchange, const std::string& user_id) {
    const auto venue = exchanges_.find(exchange);
    if (venue == exchanges_.end()) {
        std::string known;
        for (const auto& [name, ignored] : exchanges_) known += (known.empty() ? "" : ", ") + name;
        return unexpected(error_of(order_error_kind::unknown_exchange, "UNKNOWN_EXCHANGE",
                                   fmt::format("exchange \"{}\" is not configured (configured: {}); use one of those or "
                                               "add exchanges.{} to the config",
                                               exchange, known.empty() ? "none" : known, exchange)));
    }
    if (!app::has_order_adapter(venue->second.kind)) {
        return unexpected(error_of(order_error_kind::unknown_exchange, "UNKNOWN_EXCHANGE",
                                   fmt::format("exchange \"{}\" is kind {}, which hft cannot place orders on yet; order "
                                               "entry speaks tokocrypto and sim",
                                               exchange, app::to_string(venue->second.kind))));
    }
    const auto own = venue->second.accounts.find(user_id);
    const bool per_user = own != venue->second.accounts.end();
    const auto& key = per_user ? own->second.api_key : venue->second.api_key;
    const auto& secret = per_user ? own->second.api_secret : venue->second.api_secret;
    if (key.empty() || secret.empty()) {
        return unexpected(error_of(order_error_kind::no_account, "NO_ACCOUNT",
                                   fmt::format("no credentials for user \"{}\" on {}; set exchanges.{}.accounts.{}.api_key "
                                               "and api_secret (or the exchange's default api_key and api_secret)",
                                               user_id, exchange, exchange, user_id)));
    }
    const auto name = exchange + "/" + (per_user ? user_id : std::string("default"));
    auto& slot = accounts_[name];
    if (!slot) {
        // The constructor refused a venue with credentials but no host, so this one has a host.
        const auto url = order_base_url(venue->second).value();
        tk::rest_options options;
        options.recv_window = std::chrono::milliseconds(venue->second.recv_window_ms);
        options.idle_limit = venue->second.http_idle_limit;
        options.entry_keep_warm = venue->second.order_entry_keep_warm;
        slot = std::make_unique<account>(executor_, *net::http_origin::parse(url),
                                         tk::credentials{key.reveal(), secret.reveal()}, std::move(options));
    }
    return slot.get();
}

// Each configured account's order-entry connection to the exchange opens and its symbol rules are cached as the
// engine starts, so the first order pays neither a TCP (and TLS) set-up nor a rules fetch. It runs beside the
// loops: an exchange that does not answer delays nothing, and an order that comes first waits for the lock.
asio::awaitable<void> exchange_accounts::warm_up() {
    for (const auto& [exchange, venue] : exchanges_) {
        std::set<std::string> users{""};  // "": the exchange's default account
        for (const auto& [user, ignored] : venue.accounts) users.insert(user);
        for (const auto& user : users) {
            auto acct = of(exchange, user);
            if (!acct) continue;  // no default credentials: only users' own accounts
            if (const auto opened = co_await exclusive((*acct)->entry, (*acct)->client.open_entry()); !opened) {
                spdlog::warn("{}: could not open the order-entry connection at start ({}); the first order connects "
                             "itself",
                             exchange, opened.error().describe());
            }
        }
    }
    co_await refresh_due_rules();  // every account just made is due
}

// Symbol rules are refreshed here before they go stale, so order entry never fetches them.
asio::awaitable<void> exchange_accounts::refresh_due_rules() {
    for (auto& [name, acct] : accounts_) {
        if (!acct->client.rules_due()) continue;
        if (const auto refreshed = co_await exclusive(acct->queries, acct->client.refresh_rules()); !refreshed) {
            spdlog::warn("{}: refreshing the symbol rules failed: {}; trying again at the next poll", name,
                         refreshed.error().describe());
        }
    }
}

// An order-entry connection unused for the exchange's order_entry_keep_warm gets a GET of the server time, so the
// exchange does not close it for idleness and an order after a quiet spell pays no TCP (and TLS) set-up. One busy
// with an order is in use already: it is left alone rather than waited for.
asio::awaitable<void> exchange_accounts::keep_entries_warm() {
    for (auto& [name, acct] : accounts_) {
        if (!acct->client.entry_warm_due() || !acct->entry.try_send(boost::system::error_code{})) continue;
        const connection_lock held{acct->entry};
        if (const auto kept = co_await acct->client.open_entry(); !kept) {
            spdlog::debug("{}: keeping the order-entry connection open failed: {}", name, kept.error().describe());
        }
    }
}

}  // namespace hft::services::order_engine_detail
