#pragma once

// One venue's symbol forms (the `symbol_mappings` table): canonical `TKOIDR`, stream `tkoidr`, order
// `TKO_IDR`. Built once at start-up, then looked up on the hot path without allocating.

#include "hft/domain/expected.hpp"
#include "hft/domain/symbol.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hft::exchange::binance {

using domain::symbol_mapping;

/// Resolves any of a market's three symbol forms to its row. Comparison ignores ASCII case: stream names
/// are lowercase while events carry the uppercase form, and no two markets differ only by case.
class symbol_map {
public:
    /// `symbol_mappings` columns are VARCHAR(30).
    static constexpr std::size_t max_symbol_length = 30;

    symbol_map() = default;

    /// Keeps the rows of `exchange` and ignores the others. Fails when a form is empty or too long, or
    /// when one form would name two different markets.
    static expected<symbol_map, std::string> build(std::string_view exchange, std::span<const symbol_mapping> rows);

    /// The row whose canonical, stream or order form equals `any_form` (ASCII case-insensitive), or null.
    const symbol_mapping* find(std::string_view any_form) const noexcept;

    /// The canonical symbol for `any_form`, or an empty view when the market is unknown.
    std::string_view canonical(std::string_view any_form) const noexcept;

    const std::string& exchange() const noexcept { return exchange_; }
    std::size_t size() const noexcept { return rows_.size(); }
    bool empty() const noexcept { return rows_.empty(); }

private:
    // Folded (uppercased) key stored inline so a lookup touches one contiguous sorted array.
    struct key_entry {
        std::array<char, max_symbol_length> folded{};
        std::uint8_t length = 0;
        std::uint32_t row = 0;

        std::string_view view() const noexcept { return {folded.data(), length}; }
    };

    std::string exchange_;
    std::vector<symbol_mapping> rows_;
    std::vector<key_entry> keys_;
};

}  // namespace hft::exchange::binance
