#pragma once

// The config_error message parse_config throws for a YAML text, for tests of config mistakes.

#include "hft/app/config.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace hft::test {

/// The message; fails the test when parse_config accepts `yaml`.
inline std::string config_error_of(const std::string& yaml) {
    try {
        app::parse_config(yaml);
    } catch (const app::config_error& e) {
        return e.what();
    }
    FAIL("expected a config_error for:\n" << yaml);
    return {};
}

}  // namespace hft::test
