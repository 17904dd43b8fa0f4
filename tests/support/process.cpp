#include "support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

extern char** environ;

namespace hft::test {
namespace {

[[noreturn]] void throw_errno(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& additions) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq == std::string_view::npos) continue;
        merged[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
    }
    for (const auto& [key, value] : additions) merged[key] = value;
    std::vector<std::string> result;
    result.reserve(merged.size());
    for (const auto& [key, value] : merged) result.push_back(key + "=" + value);
    return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

child_process::child_process(std::vector<std::string> argv, spawn_options options) : log_file_(options.log_file) {
    if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
    // Everything the child needs is prepared before fork: between fork and exec only async-signal-safe
    // calls are allowed, since the test process may have other threads.
    auto environment = merged_environment(options.environment);
    auto env_pointers = c_strings(environment);
    auto arg_pointers = c_strings(argv);
    const std::string log_path = options.log_file.empty() ? "/dev/null" : options.log_file.string();
    const std::string cwd = options.working_directory.string();
    uid_t uid = 0;
    gid_t gid = 0;
    if (options.run_as_user) {
        const passwd* user = ::getpwnam(options.run_as_user->c_str());
        if (user == nullptr) throw std::runtime_error("child_process: no such user " + *options.run_as_user);
        uid = user->pw_uid;
        gid = user->pw_gid;
    }

    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
        // New process group, so a test can signal the child without hitting itself.
        ::setpgid(0, 0);
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        const int null_in = ::open("/dev/null", O_RDONLY);
        if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
        if (options.run_as_user && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
            ::_exit(126);
        }
        // A test binary that aborts must not leave servers behind: the child dies with it. Set after setuid,
        // which clears the parent-death signal.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(126);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
        ::execvpe(arg_pointers[0], arg_pointers.data(), env_pointers.data());
        ::_exit(127);
    }
}

child_process::~child_process() {
    if (pid_ > 0 && !exit_code_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(other.exit_code_), log_file_(std::move(other.log_file_)) {}

child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        this->~child_process();
        pid_ = std::exchange(other.pid_, -1);
        exit_code_ = other.exit_code_;
        log_file_ = std::move(other.log_file_);
    }
    return *this;
}

void child_process::reap(int status) { exit_code_ = decode_status(status); }

bool child_process::running() {
    if (exit_code_ || pid_ <= 0) return false;
    int status = 0;
    const int result = ::waitpid(pid_, &status, WNOHANG);
    if (result == pid_) {
        reap(status);
        return false;
    }
    return true;
}

void child_process::signal(int signo) {
    if (running()) ::kill(pid_, signo);
}

std::optional<int> child_process::wait_for_exit(std::chrono::milliseconds timeout) {
    if (!eventually([this] { return !running(); }, timeout)) return std::nullopt;
    return exit_code_;
}

command_result run_command(const std::vector<std::string>& argv, const spawn_options& options,
                           std::chrono::milliseconds timeout) {
    const auto dir = make_temp_dir("hft-cmd");
    spawn_options with_log = options;
    with_log.log_file = dir / "output.log";
    child_process child(argv, with_log);
    const auto code = child.wait_for_exit(timeout);
    command_result result;
    result.exit_code = code.value_or(-1);
    if (!code) child.signal(SIGKILL);
    result.output = read_file(with_log.log_file);
    std::filesystem::remove_all(dir);
    return result;
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        throw_errno("bind 127.0.0.1:0");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp " + pattern);
    ::chmod(pattern.c_str(), 0755);
    return pattern;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace hft::test
