#include "hft/core/backoff.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using hft::core::backoff;

TEST_CASE("backoff doubles its ceiling per failure and jitters within the upper half", "[core][backoff]") {
    backoff b({100ms, 10s, 2.0}, 42);
    const std::chrono::milliseconds ceilings[] = {100ms, 200ms, 400ms, 800ms, 1600ms};
    for (const auto ceiling : ceilings) {
        const auto delay = b.next();
        CHECK(delay >= ceiling / 2);
        CHECK(delay <= ceiling);
    }
}

TEST_CASE("backoff never waits longer than its maximum", "[core][backoff]") {
    backoff b({100ms, 1s, 3.0}, 7);
    for (int i = 0; i < 200; ++i) {
        const auto delay = b.next();
        REQUIRE(delay <= 1s);
        REQUIRE(delay >= 50ms);
    }
    CHECK(b.next() >= 500ms);
}

TEST_CASE("backoff starts over after a success", "[core][backoff]") {
    backoff b({100ms, 30s, 2.0}, 1);
    for (int i = 0; i < 6; ++i) b.next();
    b.reset();
    CHECK(b.attempts() == 0);
    CHECK(b.next() <= 100ms);
}

TEST_CASE("backoff with one seed repeats its delays and two seeds differ", "[core][backoff]") {
    backoff a({100ms, 30s, 2.0}, 5), same({100ms, 30s, 2.0}, 5), other({100ms, 30s, 2.0}, 6);
    bool differs = false;
    for (int i = 0; i < 8; ++i) {
        const auto delay = a.next();
        CHECK(delay == same.next());
        differs = differs || delay != other.next();
    }
    CHECK(differs);
}

TEST_CASE("backoff refuses a policy that cannot work", "[core][backoff]") {
    CHECK_THROWS_AS(backoff({0ms, 1s, 2.0}, 1), std::invalid_argument);
    CHECK_THROWS_AS(backoff({2s, 1s, 2.0}, 1), std::invalid_argument);
    CHECK_THROWS_AS(backoff({1s, 2s, 0.5}, 1), std::invalid_argument);
}
