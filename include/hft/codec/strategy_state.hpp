#pragma once

// A strategy's state as JSON, the value stored in the strategy key-value bucket after each kline. Level prices
// and periods are not stored: they come from the instance's config, which the state is decoded against.

#include "hft/codec/error.hpp"
#include "hft/core/strategy.hpp"
#include "hft/domain/expected.hpp"

#include <string>
#include <string_view>

namespace hft::codec {

/// {"v":1,"kind":...,"last_open_time":...,...}; decimals as strings, as everywhere on the wire.
std::string encode(const core::strategy_state& state);

/// Refuses a state of another kind, or one that does not fit the config (a window longer than the period,
/// a grid with another number of slots), naming the field.
expected<core::strategy_state, codec_error> decode_strategy_state(const core::strategy_config& config,
                                                                  std::string_view json) noexcept;

}  // namespace hft::codec
