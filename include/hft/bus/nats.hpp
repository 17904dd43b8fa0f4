#pragma once

// nats.c plumbing shared by the bus layer: RAII owners for nats objects and the one place a failed
// natsStatus becomes an exception that names the operation.

#include <nats/nats.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hft::bus {

/// A failed nats.c call: `what()` names the operation, the status text, the JetStream error code (if any)
/// and nats.c's last error text.
class nats_error : public std::runtime_error {
public:
    nats_error(std::string_view operation, natsStatus status, jsErrCode js_code = static_cast<jsErrCode>(0));
    /// A failure this code detected rather than a failed nats.c call: `detail` replaces nats.c's last error.
    nats_error(std::string_view operation, natsStatus status, std::string_view detail);
    natsStatus status() const noexcept { return status_; }
    jsErrCode js_code() const noexcept { return js_code_; }

private:
    natsStatus status_;
    jsErrCode js_code_;
};

/// Throws nats_error unless `status` is NATS_OK.
inline void check(natsStatus status, std::string_view operation, jsErrCode js_code = static_cast<jsErrCode>(0)) {
    if (status != NATS_OK) throw nats_error(operation, status, js_code);
}

/// Human-readable text for a status and JetStream error code (no exception), e.g. for publish_result.
std::string describe(natsStatus status, jsErrCode js_code = static_cast<jsErrCode>(0), std::string_view text = {});

template <auto destroy>
struct nats_deleter {
    template <class T>
    void operator()(T* object) const noexcept {
        if (object != nullptr) destroy(object);
    }
};

using options_ptr = std::unique_ptr<natsOptions, nats_deleter<&natsOptions_Destroy>>;
using connection_ptr = std::unique_ptr<natsConnection, nats_deleter<&natsConnection_Destroy>>;
using js_ptr = std::unique_ptr<jsCtx, nats_deleter<&jsCtx_Destroy>>;
using msg_ptr = std::unique_ptr<natsMsg, nats_deleter<&natsMsg_Destroy>>;
using stream_info_ptr = std::unique_ptr<jsStreamInfo, nats_deleter<&jsStreamInfo_Destroy>>;
using consumer_info_ptr = std::unique_ptr<jsConsumerInfo, nats_deleter<&jsConsumerInfo_Destroy>>;

}  // namespace hft::bus
