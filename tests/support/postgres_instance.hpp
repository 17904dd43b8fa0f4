#pragma once

// A throwaway PostgreSQL 15 server for integration tests: its own data directory under the temp dir,
// 127.0.0.1 on a free port, trust authentication, durability off for speed. One test binary shares one
// server (shared()); every test creates its own database, so tests stay independent. initdb runs once per
// build tree (into <build>/test-pg-template); each instance starts from a copy of it. Under root the server
// runs as the `postgres` user, since PostgreSQL refuses to run as root.

#include "support/process.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace hft::test {

class postgres_instance {
public:
    postgres_instance();
    ~postgres_instance();
    postgres_instance(const postgres_instance&) = delete;
    postgres_instance& operator=(const postgres_instance&) = delete;

    /// The process-wide server, started on first use and stopped at exit.
    static postgres_instance& shared();

    int port() const noexcept { return port_; }
    /// A libpq URI for `dbname` as the superuser `hft` (no password: trust on loopback).
    std::string dsn(std::string_view dbname) const;
    /// A unique database name starting with `prefix`, not yet created (hft migrate creates it).
    std::string unique_database_name(std::string_view prefix) const;
    /// Creates a database with a unique name starting with `prefix` and returns the name.
    std::string create_database(std::string_view prefix);

    void start();
    /// Fast shutdown (SIGINT): clients are disconnected, committed data stays.
    void stop();
    /// stop() then start() on the same port and data: for tests that a service survives a server restart.
    void restart();
    bool running();
    /// The server's log (stdout and stderr), for failure messages.
    std::string log() const;

private:
    void launch(bool fresh_log);
    void wait_until_ready();

    std::filesystem::path root_;
    std::filesystem::path data_dir_;
    int port_ = 0;
    std::unique_ptr<child_process> server_;
};

}  // namespace hft::test
