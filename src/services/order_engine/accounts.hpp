#pragma once

// The engine's exchange accounts: one REST client per account, made on first use, and the locks that keep each
// of its connections' calls one at a time. Readying the connections and symbol rules at start, and keeping them
// fresh off the order path, live here too.

#include "hft/app/config.hpp"
#include "hft/exchange/tokocrypto/rest_client.hpp"
#include "hft/services/order_service.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <memory>
#include <string>
#include <utility>

namespace hft::services::order_engine_detail {

namespace asio = boost::asio;
namespace tk = exchange::tokocrypto;

using lock_channel = asio::experimental::channel<void(boost::system::error_code)>;

// One exchange account: its client and one lock per connection of the client, each keeping that connection's calls
// one at a time (http_client requires it). Order entry (place, cancel) and queries (status sync, trades, rules)
// lock separately, so a new order never queues behind the status poller.
struct account {
    account(asio::any_io_executor executor, net::http_origin origin, tk::credentials credentials, tk::rest_options options)
        : client(executor, std::move(origin), std::move(credentials), std::move(options)),
          entry(executor, 1),
          queries(executor, 1) {}
    tk::rest_client client;
    lock_channel entry;
    lock_channel queries;
};

// Holds a connection's lock until destroyed.
class connection_lock {
public:
    explicit connection_lock(lock_channel& lock) : held_(&lock) {}
    connection_lock(connection_lock&& other) noexcept : held_(std::exchange(other.held_, nullptr)) {}
    connection_lock& operator=(connection_lock&&) = delete;
    ~connection_lock() {
        if (held_) held_->try_receive([](boost::system::error_code) {});
    }

private:
    lock_channel* held_;
};

asio::awaitable<connection_lock> acquire(lock_channel& lock);

// Takes `lock` for the duration of `call`.
template <class T>
asio::awaitable<T> exclusive(lock_channel& lock, asio::awaitable<T> call) {
    const auto held = co_await acquire(lock);
    co_return co_await std::move(call);
}

// The symbol's rules from the client's cache, else fetched over the query connection: order entry takes no lock
// for them while they are fresh.
asio::awaitable<tk::result<core::symbol_rules>> rules_of(account& acct, std::string symbol);

class exchange_accounts {
public:
    // Throws app::config_error for an exchange whose base_url is not one.
    exchange_accounts(asio::any_io_executor executor, std::map<std::string, app::exchange_config> exchanges);

    // The account `user_id` trades through on `exchange`: their own when configured, else the exchange's default.
    expected<account*, order_error> of(const std::string& exchange, const std::string& user_id);
    const std::map<std::string, app::exchange_config>& configured() const { return exchanges_; }

    asio::awaitable<void> warm_up();
    asio::awaitable<void> refresh_due_rules();
    asio::awaitable<void> keep_entries_warm();

private:
    asio::any_io_executor executor_;
    std::map<std::string, app::exchange_config> exchanges_;
    std::map<std::string, std::unique_ptr<account>> accounts_;  // by "<exchange>/<user_id or default>"
};

}  // namespace hft::services::order_engine_detail
