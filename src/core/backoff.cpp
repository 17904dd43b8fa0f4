#include "hft/core/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hft::core {

backoff::backoff(policy p, std::uint64_t seed) : policy_(p), random_(seed) {
    if (policy_.initial.count() <= 0 || policy_.max < policy_.initial || !(policy_.factor >= 1.0)) {
        throw std::invalid_argument("backoff: need 0 < initial <= max and factor >= 1");
    }
}

std::chrono::milliseconds backoff::next() {
    // Delays are not money: a double is fine here, and the cap keeps pow() from overflowing anything.
    const double grown = static_cast<double>(policy_.initial.count()) * std::pow(policy_.factor, attempts_);
    const auto ceiling = static_cast<std::int64_t>(std::min(grown, static_cast<double>(policy_.max.count())));
    if (grown < static_cast<double>(policy_.max.count())) ++attempts_;
    std::uniform_int_distribution<std::int64_t> jitter(ceiling / 2, ceiling);
    return std::chrono::milliseconds(jitter(random_));
}

}  // namespace hft::core
