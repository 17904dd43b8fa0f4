#pragma once

// Every message a JetStream stream holds, read back one by one: how tests audit what was published (each
// Nats-Msg-Id once, each command decided once) independently of the services that consume it.

#include <string>
#include <vector>

namespace hft::test {

struct stored_message {
    std::string subject;
    std::string msg_id;  ///< the Nats-Msg-Id header, empty when absent
    std::string data;
};

/// The stream's messages in sequence order, over a connection of its own to `nats_url`.
std::vector<stored_message> stream_contents(const std::string& nats_url, const std::string& stream);

}  // namespace hft::test
