#include "support/postgres_instance.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>

namespace hft::test {
namespace {

constexpr std::string_view pg_bin = "/usr/lib/postgresql/15/bin";

// PostgreSQL refuses to run as root; under root (CI, containers) the server runs as `postgres`.
std::optional<std::string> server_user() {
    if (::geteuid() == 0) return std::string("postgres");
    return std::nullopt;
}

void chown_to_server_user(const std::filesystem::path& path) {
    if (!server_user()) return;
    const auto result = run_command({"chown", "-R", *server_user(), path.string()});
    if (result.exit_code != 0) throw std::runtime_error("chown " + path.string() + ": " + result.output);
}

std::string tail(const std::string& text, std::size_t max_chars = 2000) {
    return text.size() <= max_chars ? text : text.substr(text.size() - max_chars);
}

// initdb takes over a second; it runs once per build tree into a template that every instance copies.
// A file lock makes concurrent test processes wait for the first one instead of racing it, and initdb
// writes next to the template and is renamed into place, so an interrupted run never leaves half a template.
std::filesystem::path template_data_dir() {
    const auto data = std::filesystem::path(HFT_BINARY_DIR) / "test-pg-template";
    const auto lock_path = data.string() + ".lock";
    const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) throw std::runtime_error("cannot open " + lock_path);
    ::flock(lock_fd, LOCK_EX);
    try {
        if (!std::filesystem::exists(data / "PG_VERSION")) {
            const auto scratch = make_temp_dir("hft-test-pg-initdb");
            chown_to_server_user(scratch);
            spawn_options options;
            options.run_as_user = server_user();
            const auto result = run_command({std::string(pg_bin) + "/initdb", "-D", (scratch / "data").string(), "-U",
                                             "hft", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"},
                                            options);
            if (result.exit_code != 0) {
                std::filesystem::remove_all(scratch);
                throw std::runtime_error("initdb failed:\n" + tail(result.output));
            }
            std::filesystem::remove_all(data);
            // /tmp and the build tree may be different file systems: copy, then remove the scratch dir.
            const auto copied = run_command({"cp", "-a", (scratch / "data").string(), data.string() + ".new"});
            std::filesystem::remove_all(scratch);
            if (copied.exit_code != 0) throw std::runtime_error("copying the initdb result failed: " + copied.output);
            std::filesystem::rename(data.string() + ".new", data);
        }
    } catch (...) {
        ::flock(lock_fd, LOCK_UN);
        ::close(lock_fd);
        throw;
    }
    ::flock(lock_fd, LOCK_UN);
    ::close(lock_fd);
    return data;
}

}  // namespace

postgres_instance::postgres_instance() : root_(make_temp_dir("hft-test-pg")), data_dir_(root_ / "data") {
    const auto result = run_command({"cp", "-a", template_data_dir().string(), data_dir_.string()});
    if (result.exit_code != 0) throw std::runtime_error("copying the PostgreSQL template failed: " + result.output);
    chown_to_server_user(root_);
    start();
}

postgres_instance::~postgres_instance() {
    if (server_ && server_->running()) {
        // Immediate shutdown: the data directory is deleted next, so nothing needs flushing.
        server_->signal(SIGQUIT);
        server_->wait_for_exit(std::chrono::seconds(10));
    }
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
}

postgres_instance& postgres_instance::shared() {
    static postgres_instance instance;
    return instance;
}

std::string postgres_instance::dsn(std::string_view dbname) const {
    return fmt::format("postgres://hft@127.0.0.1:{}/{}?sslmode=disable", port_, dbname);
}

std::string postgres_instance::unique_database_name(std::string_view prefix) const {
    static std::atomic<int> counter{0};
    return fmt::format("{}_{}_{}", prefix, ::getpid(), counter++);
}

std::string postgres_instance::create_database(std::string_view prefix) {
    const auto name = unique_database_name(prefix);
    std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(dsn("postgres").c_str()), &PQfinish);
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect to the test PostgreSQL: " + std::string(PQerrorMessage(connection.get())));
    }
    const std::string sql = fmt::format("CREATE DATABASE \"{}\"", name);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
        throw std::runtime_error("CREATE DATABASE " + name + ": " + PQerrorMessage(connection.get()));
    }
    return name;
}

void postgres_instance::start() {
    if (running()) return;
    // The port stays the same across restart(), so DSNs handed out earlier stay valid. On the first start
    // another process may take the free port before the server binds it: then pick another and try again.
    const bool first_start = port_ == 0;
    for (int attempt = 1;; ++attempt) {
        if (first_start) port_ = free_port();
        try {
            launch(first_start);
            return;
        } catch (const std::runtime_error&) {
            const bool port_taken = read_file(root_ / "postgres.log").find("could not bind") != std::string::npos;
            if (!first_start || !port_taken || attempt == 5) throw;
        }
    }
}

void postgres_instance::launch(bool fresh_log) {
    spawn_options options;
    options.run_as_user = server_user();
    options.log_file = root_ / "postgres.log";
    // A fresh log per first-start attempt (so "could not bind" means this attempt); restarts append.
    std::ofstream(options.log_file, fresh_log ? std::ios::trunc : std::ios::app).close();
    chown_to_server_user(options.log_file);
    server_ = std::make_unique<child_process>(
        std::vector<std::string>{std::string(pg_bin) + "/postgres", "-D", data_dir_.string(), "-p",
                                 std::to_string(port_), "-c", "listen_addresses=127.0.0.1", "-c",
                                 "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                                 "-c", "full_page_writes=off", "-c", "max_connections=200"},
        options);
    wait_until_ready();
}

void postgres_instance::stop() {
    if (!running()) return;
    server_->signal(SIGINT);
    if (!server_->wait_for_exit(std::chrono::seconds(30))) {
        server_->signal(SIGKILL);
        server_->wait_for_exit(std::chrono::seconds(10));
    }
}

void postgres_instance::restart() {
    stop();
    start();
}

bool postgres_instance::running() { return server_ && server_->running(); }

std::string postgres_instance::log() const { return read_file(root_ / "postgres.log"); }

void postgres_instance::wait_until_ready() {
    const auto conninfo = dsn("postgres");
    const bool ready = eventually(
        [&] { return !server_->running() || PQping(conninfo.c_str()) == PQPING_OK; }, std::chrono::seconds(60));
    if (!ready || !server_->running()) {
        throw std::runtime_error("PostgreSQL did not become ready on port " + std::to_string(port_) +
                                 "; server log:\n" + tail(read_file(root_ / "postgres.log")));
    }
}

}  // namespace hft::test
