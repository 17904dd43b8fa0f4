#include "hft/exchange/binance/symbol_map.hpp"

#include <algorithm>

namespace hft::exchange::binance {

namespace {

constexpr char fold(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c; }

// Folds `in` into `out`; false when it does not fit (such a name cannot be in the map).
bool fold_into(std::string_view in, std::array<char, symbol_map::max_symbol_length>& out) noexcept {
    if (in.size() > out.size()) return false;
    std::transform(in.begin(), in.end(), out.begin(), fold);
    return true;
}

}  // namespace

expected<symbol_map, std::string> symbol_map::build(std::string_view exchange,
                                                    std::span<const symbol_mapping> rows) {
    symbol_map map;
    map.exchange_ = std::string(exchange);
    for (const auto& row : rows) {
        if (row.exchange != exchange) continue;
        const auto index = static_cast<std::uint32_t>(map.rows_.size());
        map.rows_.push_back(row);
        for (std::string_view form : {std::string_view(row.symbol), std::string_view(row.kline_symbol),
                                      std::string_view(row.order_symbol)}) {
            if (form.empty()) {
                return unexpected<std::string>("symbol mapping for '" + row.symbol + "' has an empty form");
            }
            key_entry key;
            if (!fold_into(form, key.folded)) {
                return unexpected<std::string>("symbol form '" + std::string(form) + "' is longer than " +
                                               std::to_string(max_symbol_length) + " characters");
            }
            key.length = static_cast<std::uint8_t>(form.size());
            key.row = index;
            map.keys_.push_back(key);
        }
    }
    std::sort(map.keys_.begin(), map.keys_.end(),
              [](const key_entry& a, const key_entry& b) { return a.view() < b.view(); });
    // A row's forms often fold to the same key (TKOIDR / tkoidr): keep one; two rows sharing a key is ambiguous.
    std::vector<key_entry> unique;
    unique.reserve(map.keys_.size());
    for (const auto& key : map.keys_) {
        if (!unique.empty() && unique.back().view() == key.view()) {
            if (unique.back().row != key.row) {
                return unexpected<std::string>("symbol form '" + std::string(key.view()) + "' names both '" +
                                               map.rows_[unique.back().row].symbol + "' and '" +
                                               map.rows_[key.row].symbol + "'");
            }
            continue;
        }
        unique.push_back(key);
    }
    map.keys_ = std::move(unique);
    return map;
}

const symbol_mapping* symbol_map::find(std::string_view any_form) const noexcept {
    std::array<char, max_symbol_length> folded;
    if (any_form.empty() || !fold_into(any_form, folded)) return nullptr;
    const std::string_view needle(folded.data(), any_form.size());
    const auto it = std::lower_bound(keys_.begin(), keys_.end(), needle,
                                     [](const key_entry& key, std::string_view n) { return key.view() < n; });
    if (it == keys_.end() || it->view() != needle) return nullptr;
    return &rows_[it->row];
}

std::string_view symbol_map::canonical(std::string_view any_form) const noexcept {
    const auto* row = find(any_form);
    return row != nullptr ? std::string_view(row->symbol) : std::string_view{};
}

}  // namespace hft::exchange::binance
