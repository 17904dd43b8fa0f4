#pragma once

// nats.c may run a callback after the object that registered it is gone (its async callback queue and
// subscriptions hold their own references). Closures handed to nats.c are therefore ids looked up here,
// never raw pointers to our state: a late callback finds nothing and does nothing.

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace hft::bus {

template <class State>
class callback_registry {
public:
    static callback_registry& instance() {
        static callback_registry registry;
        return registry;
    }
    void* add(const std::shared_ptr<State>& state) {
        std::lock_guard lock(mutex_);
        const auto id = ++next_id_;
        states_.emplace(id, state);
        return reinterpret_cast<void*>(id);
    }
    std::shared_ptr<State> find(void* closure) {
        std::lock_guard lock(mutex_);
        const auto found = states_.find(reinterpret_cast<std::uintptr_t>(closure));
        return found == states_.end() ? nullptr : found->second.lock();
    }
    /// Runs `fn(state)` under the registry lock when the state is alive. A callback posts from inside `fn`, so
    /// once remove() has returned no callback can post to an executor that may be gone.
    template <class Fn>
    void with(void* closure, Fn&& fn) {
        std::lock_guard lock(mutex_);
        const auto found = states_.find(reinterpret_cast<std::uintptr_t>(closure));
        if (found == states_.end()) return;
        if (auto state = found->second.lock()) fn(std::move(state));
    }
    void remove(void* closure) {
        std::lock_guard lock(mutex_);
        states_.erase(reinterpret_cast<std::uintptr_t>(closure));
    }

private:
    std::mutex mutex_;
    std::uintptr_t next_id_ = 0;
    std::unordered_map<std::uintptr_t, std::weak_ptr<State>> states_;
};

}  // namespace hft::bus
