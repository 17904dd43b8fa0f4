#pragma once

// Jittered exponential backoff for every reconnect loop (exchange websocket, NATS, PostgreSQL): the delay
// grows by `factor` per failed attempt up to `max`, and half of it is random, so many clients that lost the
// same server do not come back in lockstep.

#include <chrono>
#include <cstdint>
#include <random>

namespace hft::core {

class backoff {
public:
    struct policy {
        std::chrono::milliseconds initial{100};
        std::chrono::milliseconds max{std::chrono::seconds(30)};
        double factor = 2.0;  ///< growth per attempt; must be >= 1
    };

    /// `seed` makes the jitter reproducible in tests; services seed it from std::random_device.
    explicit backoff(policy p, std::uint64_t seed);

    /// The delay before the next attempt: in [ceiling / 2, ceiling], ceiling = min(max, initial * factor^n).
    std::chrono::milliseconds next();
    /// After a success: the next failure starts from `initial` again.
    void reset() noexcept { attempts_ = 0; }
    int attempts() const noexcept { return attempts_; }

private:
    policy policy_;
    int attempts_ = 0;
    std::mt19937_64 random_;
};

}  // namespace hft::core
