#include "support/tcp_states.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace hft::test {

std::size_t tcp_connections_to(std::uint16_t remote_port, tcp_state state) {
    // Lines read "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT, the state in hex.
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // the header
    std::size_t count = 0;
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, st;
        if (!(fields >> slot >> local >> remote >> st)) continue;
        const auto colon = remote.rfind(':');
        if (colon == std::string::npos) continue;
        const auto port = std::stoul(remote.substr(colon + 1), nullptr, 16);
        if (port == remote_port && std::stoi(st, nullptr, 16) == static_cast<int>(state)) ++count;
    }
    return count;
}

}  // namespace hft::test
