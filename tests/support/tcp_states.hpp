#pragma once

// What the kernel says about this host's TCP connections (/proc/net/tcp), for tests that must wait for a peer
// to have closed a connection before going on, where nothing else shows it.

#include <cstddef>
#include <cstdint>

namespace hft::test {

enum class tcp_state : int {
    established = 0x01,
    time_wait = 0x06,
    close_wait = 0x08,  ///< the peer closed its side (its FIN arrived); ours is still open
};

/// IPv4 TCP connections of any process on this host whose remote port is `remote_port` and that are in `state`.
std::size_t tcp_connections_to(std::uint16_t remote_port, tcp_state state);

}  // namespace hft::test
