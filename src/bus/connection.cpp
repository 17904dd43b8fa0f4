#include "hft/bus/connection.hpp"

#include "hft/bus/callback_registry.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace hft::bus {

struct connection::state {
    boost::asio::any_io_executor executor;
    event_handler handler;
    std::atomic<bool> connected{false};
    std::atomic<bool> stopped{false};
};

namespace {

namespace asio = boost::asio;

callback_registry<connection::state>& registry() { return callback_registry<connection::state>::instance(); }

// What the server or the socket last said, read on nats.c's thread while it is current ("Authorization
// Violation", "Connection refused").
std::string last_error_of(natsConnection* nc) {
    const char* text = nullptr;
    if (nc == nullptr || natsConnection_GetLastError(nc, &text) == NATS_OK || text == nullptr) return {};
    return text;
}

void post_event(void* closure, connection_event event, std::string reason = {}) {
    registry().with(closure, [event, &reason](std::shared_ptr<connection::state> state) {
        asio::post(state->executor, [state, event, reason = std::move(reason)] {
            if (state->stopped) return;
            if (event != connection_event::refused) {
                state->connected = event == connection_event::connected || event == connection_event::reconnected;
            }
            if (state->handler) state->handler(event, reason);
        });
    });
}

void on_connected(natsConnection*, void* closure) { post_event(closure, connection_event::connected); }
void on_disconnected(natsConnection* nc, void* closure) {
    post_event(closure, connection_event::disconnected, last_error_of(nc));
}
void on_reconnected(natsConnection*, void* closure) { post_event(closure, connection_event::reconnected); }
// nats.c reports the server refusing the credentials (on a reconnect or a retried first connect) and permission
// violations here; other asynchronous errors (slow consumers) surface where they matter.
void on_async_error(natsConnection* nc, natsSubscription*, natsStatus status, void* closure) {
    if (status != NATS_CONNECTION_AUTH_FAILED && status != NATS_NOT_PERMITTED) return;
    std::string reason = last_error_of(nc);
    post_event(closure, connection_event::refused, reason.empty() ? natsStatus_GetText(status) : std::move(reason));
}
void on_closed(natsConnection* nc, void* closure) { post_event(closure, connection_event::closed, last_error_of(nc)); }

jsOptions api_options(const connection_options& options) {
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = options.api_timeout.count();
    return js_options;
}

template <class Duration>
long long seconds_of(Duration d) {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

bool is_authorization_failure(std::string_view reason) noexcept {
    // nats-server's -ERR texts: "Authorization Violation", "Authentication Timeout", "User Authentication Expired".
    return boost::algorithm::icontains(reason, "authorization") || boost::algorithm::icontains(reason, "authentication");
}

const char* to_string(connection_event event) noexcept {
    switch (event) {
        case connection_event::connected: return "connected";
        case connection_event::disconnected: return "disconnected";
        case connection_event::reconnected: return "reconnected";
        case connection_event::closed: return "closed";
        case connection_event::refused: return "refused";
    }
    return "unknown";
}

stream_spec kline_stream_spec(std::chrono::nanoseconds max_age, std::chrono::nanoseconds duplicate_window,
                              int replicas) {
    return {"KLINE", {"kline.data.>"}, max_age, duplicate_window, replicas};
}

stream_spec order_engine_stream_spec(int replicas) {
    return {"ORDER_ENGINE", {"order_engine.place_order", "order_engine.cancel_order"}, {}, std::chrono::minutes(2),
            replicas};
}

stream_spec order_update_stream_spec(int replicas) {
    return {"ORDER_UPDATE", {"order_engine.order_update.>"}, {}, std::chrono::minutes(2), replicas};
}

stream_spec dlq_stream_spec(int replicas) { return {"DLQ", {"dlq.>"}, {}, std::chrono::minutes(2), replicas}; }

connection::connection(asio::any_io_executor executor, connection_options options, event_handler on_event)
    : executor_(std::move(executor)), options_(std::move(options)), state_(std::make_shared<state>()) {
    state_->executor = executor_;
    state_->handler = std::move(on_event);
    void* closure = closure_ = registry().add(state_);
    try {
        natsOptions* raw_options = nullptr;
        check(natsOptions_Create(&raw_options), "natsOptions_Create");
        options_ptr nats_options(raw_options);
        check(natsOptions_SetURL(raw_options, options_.url.c_str()), "natsOptions_SetURL");
        check(natsOptions_SetName(raw_options, options_.name.c_str()), "natsOptions_SetName");
        check(natsOptions_SetSendAsap(raw_options, options_.send_asap), "natsOptions_SetSendAsap");
        // Never give up (DESIGN §6): a trading service outlives any NATS outage.
        check(natsOptions_SetMaxReconnect(raw_options, -1), "natsOptions_SetMaxReconnect");
        check(natsOptions_SetReconnectWait(raw_options, options_.reconnect_wait.count()),
              "natsOptions_SetReconnectWait");
        check(natsOptions_SetReconnectJitter(raw_options, options_.reconnect_jitter.count(),
                                             options_.reconnect_jitter.count()),
              "natsOptions_SetReconnectJitter");
        check(natsOptions_SetDisconnectedCB(raw_options, on_disconnected, closure), "natsOptions_SetDisconnectedCB");
        check(natsOptions_SetReconnectedCB(raw_options, on_reconnected, closure), "natsOptions_SetReconnectedCB");
        check(natsOptions_SetClosedCB(raw_options, on_closed, closure), "natsOptions_SetClosedCB");
        check(natsOptions_SetErrorHandler(raw_options, on_async_error, closure), "natsOptions_SetErrorHandler");
        // One plain attempt first: only its answer tells a refused credential apart from a server that is down
        // (nats.c reports no error while it retries a first connect, and gives up on the second refusal with
        // just "No server available").
        natsConnection* raw_connection = nullptr;
        natsStatus status = natsConnection_Connect(&raw_connection, raw_options);
        if (status == NATS_OK) {
            state_->connected = true;  // no callback comes for a connect that succeeded at once
        } else {
            natsStatus ignored = NATS_OK;
            const char* text = nats_GetLastError(&ignored);
            std::string reason = text != nullptr ? text : "";
            if (reason.starts_with('(') && reason.find("): ") != std::string::npos) {
                reason.erase(0, reason.find("): ") + 3);  // nats.c's "(conn.c:1905): " source location
            }
            if (is_authorization_failure(reason)) {
                post_event(closure, connection_event::refused, std::move(reason));
            }
            // Starting while NATS is down is not an error: the first connect is retried like a reconnect.
            check(natsOptions_SetRetryOnFailedConnect(raw_options, true, on_connected, closure),
                  "natsOptions_SetRetryOnFailedConnect");
            status = natsConnection_Connect(&raw_connection, raw_options);
            if (status == NATS_OK) {
                state_->connected = true;
            } else if (status != NATS_NOT_YET_CONNECTED) {
                throw nats_error("natsConnection_Connect", status);
            }
        }
        connection_.reset(raw_connection);
        jsOptions js_options = api_options(options_);
        jsCtx* raw_js = nullptr;
        check(natsConnection_JetStream(&raw_js, raw_connection, &js_options), "natsConnection_JetStream");
        js_.reset(raw_js);
    } catch (...) {
        js_.reset();
        connection_.reset();
        registry().remove(closure);
        throw;
    }
}

connection::~connection() {
    state_->stopped = true;
    registry().remove(closure_);  // first: nats.c's late callbacks (closed, ...) must not post to our executor
    js_.reset();
    connection_.reset();  // natsConnection_Destroy closes it first
}

bool connection::connected() const noexcept { return state_->connected; }

void connection::ensure_stream(const stream_spec& spec) {
    jsOptions js_options = api_options(options_);
    jsErrCode js_code = static_cast<jsErrCode>(0);
    jsStreamInfo* raw_info = nullptr;
    natsStatus status = js_GetStreamInfo(&raw_info, js_.get(), spec.name.c_str(), &js_options, &js_code);
    stream_info_ptr info(raw_info);
    if (status == NATS_NOT_FOUND || js_code == JSStreamNotFoundErr) {
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        std::vector<const char*> subjects;
        for (const auto& subject : spec.subjects) subjects.push_back(subject.c_str());
        config.Name = spec.name.c_str();
        config.Subjects = subjects.data();
        config.SubjectsLen = static_cast<int>(subjects.size());
        config.Storage = js_FileStorage;
        config.MaxAge = spec.max_age.count();
        config.Duplicates = spec.duplicate_window.count();
        config.Replicas = spec.replicas;
        js_code = static_cast<jsErrCode>(0);
        raw_info = nullptr;
        status = js_AddStream(&raw_info, js_.get(), &config, &js_options, &js_code);
        info.reset(raw_info);
        // Another process created it between our lookup and our create: compare against theirs.
        if (js_code == JSStreamNameExistErr) return ensure_stream(spec);
        check(status, "js_AddStream " + spec.name, js_code);
        return;
    }
    check(status, "js_GetStreamInfo " + spec.name, js_code);

    const jsStreamConfig& have = *info->Config;
    std::vector<std::string> have_subjects(have.Subjects, have.Subjects + have.SubjectsLen);
    std::vector<std::string> want_subjects = spec.subjects;
    std::sort(have_subjects.begin(), have_subjects.end());
    std::sort(want_subjects.begin(), want_subjects.end());
    std::string conflicts;
    const auto conflict = [&](const std::string& field, const std::string& existing, const std::string& wanted) {
        conflicts += "\n  " + field + ": existing " + existing + ", wanted " + wanted;
    };
    const auto join = [](const std::vector<std::string>& items) {
        std::string out;
        for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
        return "[" + out + "]";
    };
    if (have_subjects != want_subjects) conflict("subjects", join(have_subjects), join(want_subjects));
    if (have.Storage != js_FileStorage) conflict("storage", "memory", "file");
    if (have.MaxAge != spec.max_age.count())
        conflict("max_age", std::to_string(seconds_of(std::chrono::nanoseconds(have.MaxAge))) + "s",
                 std::to_string(seconds_of(spec.max_age)) + "s");
    if (have.Duplicates != spec.duplicate_window.count())
        conflict("duplicate_window", std::to_string(seconds_of(std::chrono::nanoseconds(have.Duplicates))) + "s",
                 std::to_string(seconds_of(spec.duplicate_window)) + "s");
    if (have.Replicas != spec.replicas)
        conflict("replicas", std::to_string(have.Replicas), std::to_string(spec.replicas));
    if (!conflicts.empty()) {
        throw std::runtime_error("stream " + spec.name +
                                 " exists with a different configuration (not updated; change or delete it by hand):" +
                                 conflicts);
    }
}

void connection::ensure_consumer(const std::string& stream, const consumer_spec& spec) {
    jsOptions js_options = api_options(options_);
    jsErrCode js_code = static_cast<jsErrCode>(0);
    jsConsumerInfo* raw_info = nullptr;
    natsStatus status =
        js_GetConsumerInfo(&raw_info, js_.get(), stream.c_str(), spec.durable.c_str(), &js_options, &js_code);
    consumer_info_ptr info(raw_info);
    const std::string name = stream + "/" + spec.durable;
    if (status == NATS_NOT_FOUND || js_code == JSConsumerNotFoundErr) {
        jsConsumerConfig config;
        jsConsumerConfig_Init(&config);
        config.Durable = spec.durable.c_str();
        config.AckPolicy = js_AckExplicit;
        config.DeliverPolicy = js_DeliverAll;
        config.AckWait = spec.ack_wait.count();
        config.MaxDeliver = spec.max_deliver;
        config.MaxAckPending = spec.max_ack_pending;
        config.FilterSubject = spec.filter_subject.empty() ? nullptr : spec.filter_subject.c_str();
        js_code = static_cast<jsErrCode>(0);
        raw_info = nullptr;
        status = js_AddConsumer(&raw_info, js_.get(), stream.c_str(), &config, &js_options, &js_code);
        info.reset(raw_info);
        check(status, "js_AddConsumer " + name, js_code);
        return;
    }
    check(status, "js_GetConsumerInfo " + name, js_code);

    const jsConsumerConfig& have = *info->Config;
    std::string conflicts;
    const auto conflict = [&](const std::string& field, const std::string& existing, const std::string& wanted) {
        conflicts += "\n  " + field + ": existing " + existing + ", wanted " + wanted;
    };
    const std::string have_filter = have.FilterSubject != nullptr ? have.FilterSubject : "";
    if (have_filter != spec.filter_subject) conflict("filter_subject", have_filter, spec.filter_subject);
    if (have.DeliverSubject != nullptr) conflict("kind", "push", "pull");
    if (have.AckPolicy != js_AckExplicit) conflict("ack_policy", "not explicit", "explicit");
    if (!conflicts.empty()) {
        throw std::runtime_error("consumer " + name +
                                 " exists with a different configuration (not updated; change or delete it by hand):" +
                                 conflicts);
    }

    // The limits follow the service's settings (max_ack_pending from its batch size): JetStream updates them in
    // place, keeping every acked and pending message, so an upgrade or a retuned config.yml just applies.
    jsConsumerConfig updated = have;
    std::string changes;
    const auto apply = [&](const char* field, auto& value, auto wanted, const auto& shown) {
        if (value == wanted) return;
        changes += fmt::format("{}{} {} -> {}", changes.empty() ? "" : ", ", field, shown(value), shown(wanted));
        value = wanted;
    };
    const auto as_is = [](auto value) { return std::to_string(value); };
    const auto as_seconds = [](int64_t nanoseconds) { return fmt::format("{}s", nanoseconds / 1e9); };
    apply("ack_wait", updated.AckWait, static_cast<int64_t>(spec.ack_wait.count()), as_seconds);
    apply("max_deliver", updated.MaxDeliver, static_cast<int64_t>(spec.max_deliver), as_is);
    apply("max_ack_pending", updated.MaxAckPending, static_cast<int64_t>(spec.max_ack_pending), as_is);
    if (changes.empty()) return;
    js_code = static_cast<jsErrCode>(0);
    raw_info = nullptr;
    status = js_UpdateConsumer(&raw_info, js_.get(), stream.c_str(), &updated, &js_options, &js_code);
    const consumer_info_ptr after_update(raw_info);
    check(status, "js_UpdateConsumer " + name, js_code);
    spdlog::info("consumer {} updated to this service's settings: {}", name, changes);
}

}  // namespace hft::bus
