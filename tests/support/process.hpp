#pragma once

// Child processes for integration tests: the real `hft` binary, PostgreSQL, nats-server. Output goes to
// a log file the test can read (and print when something fails); nothing here sleeps for a fixed time.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hft::test {

struct spawn_options {
    std::filesystem::path log_file;                 ///< stdout and stderr; /dev/null when empty
    std::filesystem::path working_directory;        ///< inherited when empty
    std::map<std::string, std::string> environment; ///< added to (or replacing in) the inherited environment
    std::optional<std::string> run_as_user;         ///< drop to this user first (PostgreSQL refuses root)
};

/// A running child process; the destructor kills (SIGKILL) and reaps it if it still runs.
class child_process {
public:
    child_process(std::vector<std::string> argv, spawn_options options = {});
    ~child_process();
    child_process(child_process&&) noexcept;
    child_process& operator=(child_process&&) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    int pid() const noexcept { return pid_; }
    bool running();
    void signal(int signo);
    /// Waits for the exit and returns the exit code (128 + signal when killed); nullopt on timeout.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
    const std::filesystem::path& log_file() const noexcept { return log_file_; }

private:
    void reap(int status);

    int pid_ = -1;
    std::optional<int> exit_code_;
    std::filesystem::path log_file_;
};

struct command_result {
    int exit_code = -1;
    std::string output;  ///< stdout and stderr, interleaved
};

/// Runs a command to completion (at most `timeout`, then kills it) and returns its exit code and output.
command_result run_command(const std::vector<std::string>& argv, const spawn_options& options = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(120));

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// A fresh empty directory under the system temp dir (mode 0755, so a dropped-privilege child can reach it).
std::filesystem::path make_temp_dir(const std::string& prefix);

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(30));

std::string read_file(const std::filesystem::path& path);

}  // namespace hft::test

#include <thread>

template <class Condition>
bool hft::test::eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        // A short poll interval: fast enough for tests, light enough not to starve the process under test.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}
