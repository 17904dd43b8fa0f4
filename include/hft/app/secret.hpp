#pragma once

// A credential that cannot be logged by accident: formatting it prints a mask, and the raw value
// is only reachable through reveal(), which is easy to find in review.

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>

namespace hft::app {

class secret {
public:
    secret() = default;
    explicit secret(std::string value) : value_(std::move(value)) {}

    bool empty() const noexcept { return value_.empty(); }
    /// The raw value, for signing and authentication only; never for logs or errors.
    const std::string& reveal() const noexcept { return value_; }

    friend bool operator==(const secret&, const secret&) = default;
    friend std::ostream& operator<<(std::ostream& out, const secret& s) { return out << s.masked(); }

    std::string_view masked() const noexcept { return value_.empty() ? "<empty>" : "***"; }

private:
    std::string value_;
};

}  // namespace hft::app

template <>
struct fmt::formatter<hft::app::secret> : fmt::formatter<std::string_view> {
    template <class Context>
    auto format(const hft::app::secret& s, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(s.masked(), ctx);
    }
};
