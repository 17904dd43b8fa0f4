#include "hft/bus/publisher.hpp"

#include "hft/bus/callback_registry.hpp"

#include "bus_metrics.hpp"

#include <boost/asio/post.hpp>

#include <atomic>
#include <map>
#include <unordered_map>
#include <utility>

namespace hft::bus {

struct publisher::state {
    boost::asio::any_io_executor executor;
    std::size_t max_in_flight = 0;
    std::chrono::milliseconds ack_timeout{0};
    // Keyed by the natsMsg address: nats.c hands the same message back to the ack handler, and the message is
    // destroyed only after its entry is removed here, so an address cannot be reused while it is a key.
    struct outstanding {
        done_handler on_done;
        std::chrono::steady_clock::time_point started;
        const detail::publish_metrics* metrics;
    };
    std::unordered_map<const natsMsg*, outstanding> pending;
    std::map<std::string, detail::publish_metrics, std::less<>> metrics_by_prefix;
    std::atomic<std::size_t> in_flight{0};
    bool was_full = false;
    std::function<void()> capacity_handler;
    bool stopped = false;

    const detail::publish_metrics& metrics_for(std::string_view subject) {
        const auto prefix = subject.substr(0, subject.find('.'));
        auto found = metrics_by_prefix.find(prefix);
        if (found == metrics_by_prefix.end())
            found = metrics_by_prefix.emplace(std::string(prefix), detail::publish_metrics_for(prefix)).first;
        return found->second;
    }

    void complete(const natsMsg* key, publish_result result) {
        if (stopped) return;
        const auto found = pending.find(key);
        if (found == pending.end()) return;
        auto [handler, started, metrics] = std::move(found->second);
        pending.erase(found);
        --in_flight;
        if (!result.ok()) {
            metrics->failures->inc();
        } else {
            metrics->acks->inc();
            if (result.duplicate) metrics->duplicates->inc();
            metrics->ack_seconds->observe(std::chrono::steady_clock::now() - started);
        }
        if (handler) handler(std::move(result));
        if (was_full && in_flight < max_in_flight && !stopped) {
            was_full = false;
            if (capacity_handler) capacity_handler();
        }
    }
};

namespace {

namespace asio = boost::asio;

callback_registry<publisher::state>& registry() { return callback_registry<publisher::state>::instance(); }

void on_ack(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* ack_error, void* closure) {
    // The ack objects die when this returns, so the result is copied out; everything else happens on the executor.
    std::shared_ptr<natsMsg> owned(msg, [](natsMsg* m) { natsMsg_Destroy(m); });
    publish_result result;
    if (ack != nullptr) {
        result.sequence = ack->Sequence;
        result.duplicate = ack->Duplicate;
    } else if (ack_error != nullptr) {
        const char* text = ack_error->ErrText != nullptr ? ack_error->ErrText : "";
        result.error = describe(ack_error->Err, ack_error->ErrCode, text);
    } else {
        result.error = "publish failed without an ack or an error";
    }
    registry().with(closure, [&](std::shared_ptr<publisher::state> state) {
        asio::post(state->executor, [state, owned = std::move(owned), result = std::move(result)]() mutable {
            state->complete(owned.get(), std::move(result));
        });
    });
}

}  // namespace

publisher::publisher(connection& bus, publisher_options options)
    : state_(std::make_shared<state>()), connection_(bus.native()) {
    state_->executor = bus.executor();
    state_->max_in_flight = options.max_in_flight;
    state_->ack_timeout = options.ack_timeout;
    closure_ = registry().add(state_);
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = options.ack_timeout.count();
    js_options.PublishAsync.MaxPending = static_cast<std::int64_t>(options.max_in_flight);
    js_options.PublishAsync.AckHandler = on_ack;
    js_options.PublishAsync.AckHandlerClosure = closure_;
    jsCtx* raw_js = nullptr;
    const natsStatus status = natsConnection_JetStream(&raw_js, bus.native(), &js_options);
    if (status != NATS_OK) {
        registry().remove(closure_);
        throw nats_error("natsConnection_JetStream (publisher)", status);
    }
    js_.reset(raw_js);
}

publisher::~publisher() {
    state_->stopped = true;
    registry().remove(closure_);  // first: late acks must not post to our executor
    js_.reset();
}

void publisher::publish(std::string_view subject, std::string_view payload, std::string_view msg_id,
                        done_handler on_done) {
    publish(subject, payload, msg_id, {}, std::move(on_done));
}

void publisher::publish(std::string_view subject, std::string_view payload, std::string_view msg_id,
                        const message_headers& headers, done_handler on_done) {
    const auto& metrics = state_->metrics_for(subject);
    metrics.publishes->inc();
    const auto fail = [&](std::string error) {
        metrics.failures->inc();
        asio::post(state_->executor, [on_done = std::move(on_done), error = std::move(error)]() mutable {
            if (on_done) on_done(publish_result{0, false, std::move(error)});
        });
    };
    if (!can_publish()) {
        state_->was_full = true;
        return fail("publisher at capacity (" + std::to_string(state_->max_in_flight) + " un-acked messages)");
    }
    const std::string subject_text(subject);
    natsMsg* raw = nullptr;
    natsStatus status = natsMsg_Create(&raw, subject_text.c_str(), nullptr, payload.data(),
                                       static_cast<int>(payload.size()));
    msg_ptr message(raw);
    if (status != NATS_OK) return fail(nats_error("natsMsg_Create", status).what());
    for (const auto& [name, value] : headers) {
        status = natsMsgHeader_Add(raw, name.c_str(), value.c_str());
        if (status != NATS_OK) return fail(nats_error("natsMsgHeader_Add " + name, status).what());
    }
    const std::string id(msg_id);
    jsPubOptions pub_options;
    jsPubOptions_Init(&pub_options);
    if (!id.empty()) pub_options.MsgId = id.c_str();
    // Per message: nats.c times out an async publish only when its own options carry MaxWait, so an ack lost
    // in a server restart fails the publish instead of holding its in-flight slot forever.
    pub_options.MaxWait = state_->ack_timeout.count();

    const natsMsg* key = message.get();
    state_->pending.emplace(key, state::outstanding{std::move(on_done), std::chrono::steady_clock::now(), &metrics});
    ++state_->in_flight;
    raw = message.release();
    status = js_PublishMsgAsync(js_.get(), &raw, &pub_options);
    if (status != NATS_OK) {
        message.reset(raw);  // still ours: nats.c only clears the pointer when it takes the message
        auto handler = std::move(state_->pending[key].on_done);
        state_->pending.erase(key);
        --state_->in_flight;
        on_done = std::move(handler);
        return fail(nats_error("js_PublishMsgAsync " + subject_text, status).what());
    }
    if (state_->in_flight >= state_->max_in_flight) state_->was_full = true;
}

std::size_t publisher::max_payload() const noexcept {
    constexpr std::int64_t nats_default = 1024 * 1024;
    const auto announced = natsConnection_GetMaxPayload(connection_);
    return static_cast<std::size_t>(announced > 0 ? announced : nats_default);
}

bool publisher::can_publish() const noexcept { return state_->in_flight < state_->max_in_flight; }

std::size_t publisher::in_flight() const noexcept { return state_->in_flight; }

void publisher::on_capacity(std::function<void()> handler) { state_->capacity_handler = std::move(handler); }

bool publisher::flush(std::chrono::milliseconds timeout) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = timeout.count();
    return js_PublishAsyncComplete(js_.get(), &options) == NATS_OK;
}

}  // namespace hft::bus
