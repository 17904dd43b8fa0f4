#pragma once

// One PostgreSQL connection for a long-running service, opened lazily and reopened after it breaks.
// libpqxx is blocking: a service keeps its `database` on an app::blocking_lane and calls it only from
// there, so the io_context never waits on the network.

#include <pqxx/connection>

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hft::store {

/// PostgreSQL is unreachable or the connection broke: retry later. The message names host, port, database
/// and user with a hint, never the password.
class database_unavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Whether retrying the same statements later can succeed: a lost or refused connection, a server that
/// is shutting down or starting, serialization failures and deadlocks. Constraint and data errors are not.
bool is_transient(const std::exception& error) noexcept;

class database {
public:
    /// `conninfo` may carry a password: it is kept, never shown (messages use a redacted form).
    explicit database(std::string conninfo);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    /// The open connection, connecting first when there is none. Throws database_unavailable.
    pqxx::connection& connection();

    /// Runs `work(connection())`. When it throws a transient error the connection is dropped (the next call
    /// reconnects) and database_unavailable is thrown instead; other exceptions pass through unchanged.
    template <class Work>
    auto run(Work&& work) -> decltype(work(std::declval<pqxx::connection&>())) {
        try {
            return work(connection());
        } catch (const database_unavailable&) {
            throw;
        } catch (const std::exception& e) {
            if (!is_transient(e)) throw;
            drop(e);
        }
        throw std::logic_error("unreachable");
    }

    bool is_open() const noexcept { return connection_ != nullptr; }
    /// "host:port/dbname as user", for logs.
    const std::string& target() const noexcept { return target_; }

private:
    [[noreturn]] void drop(const std::exception& cause);

    std::string conninfo_;
    std::string target_;
    std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace hft::store
