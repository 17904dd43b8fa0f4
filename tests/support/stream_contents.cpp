#include "support/stream_contents.hpp"

#include "hft/bus/connection.hpp"
#include "hft/bus/nats.hpp"
#include "support/process.hpp"

#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <string_view>

namespace hft::test {

std::vector<stored_message> stream_contents(const std::string& nats_url, const std::string& stream) {
    boost::asio::io_context io;
    bus::connection bus(io.get_executor(), {.url = nats_url, .name = "stream-contents"});
    if (!eventually([&] { io.poll(); return bus.connected(); }, std::chrono::seconds(10))) {
        throw std::runtime_error("cannot connect to " + nats_url + " to read stream " + stream);
    }
    jsStreamInfo* info = nullptr;
    bus::check(js_GetStreamInfo(&info, bus.jetstream(), stream.c_str(), nullptr, nullptr), "js_GetStreamInfo");
    const auto last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    std::vector<stored_message> messages;
    for (std::uint64_t seq = 1; seq <= last; ++seq) {
        natsMsg* msg = nullptr;
        if (js_GetMsg(&msg, bus.jetstream(), stream.c_str(), seq, nullptr, nullptr) != NATS_OK) continue;  // deleted
        stored_message m;
        m.subject = natsMsg_GetSubject(msg);
        const char* id = nullptr;
        if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK) m.msg_id = id;
        m.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
        messages.push_back(std::move(m));
        natsMsg_Destroy(msg);
    }
    return messages;
}

}  // namespace hft::test
