#include "hft/core/indicators.hpp"

namespace hft::core {

using domain::decimal;
using domain::decimal_error;

simple_moving_average::simple_moving_average(std::size_t period) : window_(period) {}

expected<void, decimal_error> simple_moving_average::add(const decimal& value) noexcept {
    auto sum = sum_.checked_add(value);
    if (sum && ready()) sum = sum->checked_sub(window_[next_]);
    if (!sum) return unexpected(sum.error());
    sum_ = *sum;
    window_[next_] = value;
    next_ = (next_ + 1) % window_.size();
    if (count_ < window_.size()) ++count_;
    return {};
}

std::optional<decimal> simple_moving_average::value() const noexcept {
    if (!ready()) return std::nullopt;
    const auto mean = sum_.checked_div(decimal::from_integer(static_cast<std::int64_t>(window_.size())),
                                       average_scale, average_rounding);
    if (!mean) return std::nullopt;
    return *mean;
}

std::vector<decimal> simple_moving_average::window() const {
    std::vector<decimal> values;
    values.reserve(count_);
    const std::size_t oldest = ready() ? next_ : 0;
    for (std::size_t i = 0; i < count_; ++i) values.push_back(window_[(oldest + i) % window_.size()]);
    return values;
}

exponential_moving_average::exponential_moving_average(std::size_t period)
    : exponential_moving_average(period, std::nullopt, 0) {}

exponential_moving_average::exponential_moving_average(std::size_t period, std::optional<decimal> value,
                                                       std::size_t count)
    : period_(period),
      denominator_(decimal::from_integer(static_cast<std::int64_t>(period) + 1)),
      value_(value),
      count_(value ? count : 0) {}

expected<void, decimal_error> exponential_moving_average::add(const decimal& value) noexcept {
    if (!value_) {
        value_ = value;
    } else {
        static constexpr decimal two = decimal::from_integer(2);
        auto next = value.checked_sub(*value_);
        if (next) next = next->checked_mul(two);
        if (next) next = next->checked_div(denominator_, average_scale, average_rounding);
        if (next) next = value_->checked_add(*next);
        if (!next) return unexpected(next.error());
        value_ = *next;
    }
    if (count_ < period_) ++count_;
    return {};
}

moving_average::moving_average(average_kind kind, std::size_t period)
    : average_(kind == average_kind::simple
                   ? std::variant<simple_moving_average, exponential_moving_average>(simple_moving_average(period))
                   : exponential_moving_average(period)) {}

expected<void, decimal_error> moving_average::add(const decimal& value) noexcept {
    return std::visit([&](auto& average) { return average.add(value); }, average_);
}
bool moving_average::ready() const noexcept {
    return std::visit([](const auto& average) { return average.ready(); }, average_);
}
std::optional<decimal> moving_average::value() const noexcept {
    return std::visit([](const auto& average) { return average.value(); }, average_);
}
average_kind moving_average::kind() const noexcept {
    return average_.index() == 0 ? average_kind::simple : average_kind::exponential;
}

std::optional<std::weak_ordering> compare_averages(const moving_average& a, const moving_average& b) noexcept {
    if (!a.ready() || !b.ready()) return std::nullopt;
    const auto* simple_a = std::get_if<simple_moving_average>(&a.average());
    const auto* simple_b = std::get_if<simple_moving_average>(&b.average());
    if (simple_a && simple_b) {
        return decimal::compare_multiples(simple_a->sum(), simple_b->period(), simple_b->sum(), simple_a->period());
    }
    const auto value_a = a.value();
    const auto value_b = b.value();
    if (!value_a || !value_b) return std::nullopt;
    return *value_a <=> *value_b;
}

}  // namespace hft::core
