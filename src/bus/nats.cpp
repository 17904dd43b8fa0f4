#include "hft/bus/nats.hpp"

namespace hft::bus {

std::string describe(natsStatus status, jsErrCode js_code, std::string_view text) {
    std::string out = natsStatus_GetText(status);
    if (js_code != 0) out += " (JetStream error " + std::to_string(static_cast<int>(js_code)) + ")";
    if (!text.empty()) out += ": " + std::string(text);
    return out;
}

namespace {

std::string format_error(std::string_view operation, natsStatus status, jsErrCode js_code) {
    // nats_GetLastError is per thread: it belongs to the call that just failed on this thread.
    natsStatus last_status = NATS_OK;
    const char* last = nats_GetLastError(&last_status);
    return std::string(operation) + " failed: " + describe(status, js_code, last != nullptr ? last : "");
}

}  // namespace

nats_error::nats_error(std::string_view operation, natsStatus status, jsErrCode js_code)
    : std::runtime_error(format_error(operation, status, js_code)), status_(status), js_code_(js_code) {}

nats_error::nats_error(std::string_view operation, natsStatus status, std::string_view detail)
    : std::runtime_error(std::string(operation) + " failed: " + describe(status, {}, detail)),
      status_(status),
      js_code_(static_cast<jsErrCode>(0)) {}

}  // namespace hft::bus
