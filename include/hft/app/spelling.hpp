#pragma once

// "Did you mean ...?" for names a user types: config keys, environment overrides, subcommands.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hft::app {

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring ASCII case, so "ulr" is
/// one edit from "url".
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The closest candidate within two edits, or nothing; two edits of a two-letter word is any word.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hft::app
