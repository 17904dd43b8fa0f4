#pragma once

// A minimal std::expected (C++23) for the C++20 toolchain: domain and codec code return business
// outcomes (parse failures, rejects) as values, never as exceptions. The API is the subset of
// std::expected we use, so moving to <expected> later is a rename.

#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace hft {

template <class E>
class unexpected {
public:
    explicit unexpected(E error) : error_(std::move(error)) {}
    const E& error() const& { return error_; }
    E&& error() && { return std::move(error_); }

private:
    E error_;
};

/// Thrown by expected::value() when it holds an error: a programming mistake, not an outcome.
class bad_expected_access : public std::logic_error {
public:
    bad_expected_access() : std::logic_error("expected holds an error; check has_value() first") {}
};

template <class T, class E>
class expected {
public:
    expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    expected(unexpected<E> error) : state_(std::in_place_index<1>, std::move(error).error()) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    const T& value() const& {
        if (!has_value()) throw bad_expected_access{};
        return std::get<0>(state_);
    }
    T&& value() && {
        if (!has_value()) throw bad_expected_access{};
        return std::get<0>(std::move(state_));
    }
    const T& operator*() const& { return std::get<0>(state_); }
    T&& operator*() && { return std::get<0>(std::move(state_)); }
    const T* operator->() const { return &std::get<0>(state_); }
    const E& error() const& { return std::get<1>(state_); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, E> state_;
};

/// expected<void, E>: success carries no value (e.g. a validation that passed).
template <class E>
class expected<void, E> {
public:
    expected() = default;
    expected(unexpected<E> error) : error_(std::in_place, std::move(error).error()) {}

    bool has_value() const noexcept { return !error_.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }

    void value() const {
        if (!has_value()) throw bad_expected_access{};
    }
    const E& error() const& { return *error_; }

private:
    std::optional<E> error_;
};

}  // namespace hft
