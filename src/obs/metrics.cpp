#include "hft/obs/metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

namespace hft::obs {
namespace {

enum family_kind : int { counter_kind, gauge_kind, histogram_kind };

constexpr std::string_view kind_name(int kind) {
    switch (kind) {
        case counter_kind: return "counter";
        case gauge_kind: return "gauge";
        default: return "histogram";
    }
}

constexpr std::array<double, 19> latency_bounds{0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                0.005,    0.01,    0.025,  0.05,    0.1,    0.25,  0.5,
                                                1,        2.5,     5,      10,      30};
constexpr std::array<double, 10> size_bounds{1, 5, 10, 50, 100, 250, 500, 1000, 2500, 10000};

/// Prometheus' float text: integers without a fraction, +Inf/-Inf/NaN spelled its way.
std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);
}

enum class escaping { help_text, label_value };

/// `text` with backslash and newline escaped, and for a label value the double quote too (the format's rules).
std::string escape(std::string_view text, escaping rules) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '"' && rules == escaping::label_value) out += "\\\"";
        else out += c;
    }
    return out;
}

std::string render_labels(const labels& series, std::string_view extra_name = {}, std::string_view extra_value = {}) {
    if (series.empty() && extra_name.empty()) return {};
    std::string out = "{";
    auto append = [&](std::string_view name, std::string_view value) {
        if (out.size() > 1) out += ',';
        out += name;
        out += "=\"";
        out += escape(value, escaping::label_value);
        out += '"';
    };
    for (const auto& [name, value] : series) append(name, value);
    if (!extra_name.empty()) append(extra_name, extra_value);
    out += '}';
    return out;
}

}  // namespace

// ---- histogram ----

histogram::histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_.size() + 1)) {
    if (!std::is_sorted(upper_bounds_.begin(), upper_bounds_.end()))
        throw std::logic_error("histogram bounds must be ascending");
}

void histogram::observe(double value) noexcept {
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
    snapshot s{.upper_bounds = upper_bounds_, .cumulative = {}, .sum = sum_.load(std::memory_order_relaxed),
               .count = 0};
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    s.count = running;  // consistent with the buckets even while another thread observes
    return s;
}

double histogram::snapshot::quantile(double q) const {
    if (count == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
    for (std::size_t i = 0; i < upper_bounds.size(); ++i)
        if (cumulative[i] >= std::max<std::uint64_t>(rank, 1)) return upper_bounds[i];
    return std::numeric_limits<double>::infinity();
}

std::span<const double> latency_buckets_seconds() { return latency_bounds; }
std::span<const double> size_buckets() { return size_bounds; }

// ---- registry ----

struct callback_series {
    const void* owner = nullptr;
    std::function<double()> read;
};

struct registry::family {
    int kind = counter_kind;
    std::string help;
    // Keyed by rendered labels, so the exposition is sorted and a series registered twice is found again.
    std::map<std::string, std::unique_ptr<class counter>, std::less<>> counters;
    std::map<std::string, std::unique_ptr<class gauge>, std::less<>> gauges;
    std::map<std::string, std::pair<labels, std::unique_ptr<class histogram>>, std::less<>> histograms;
    std::map<std::string, callback_series, std::less<>> callbacks;
};

registry::registry() = default;
registry::~registry() = default;

registry::family& registry::family_for(std::string_view name, std::string_view help, int kind) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        auto created = std::make_unique<family>();
        created->kind = kind;
        created->help = help;
        it = families_.emplace(std::string(name), std::move(created)).first;
    } else if (it->second->kind != kind || it->second->help != help) {
        throw std::logic_error(fmt::format("metric {} registered again as a different {} ({})", name,
                                           kind_name(kind), help));
    }
    return *it->second;
}

counter& registry::counter(std::string_view name, std::string_view help, labels series) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, counter_kind).counters[render_labels(series)];
    if (!slot) slot = std::make_unique<class counter>();
    return *slot;
}

gauge& registry::gauge(std::string_view name, std::string_view help, labels series) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, gauge_kind).gauges[render_labels(series)];
    if (!slot) slot = std::make_unique<class gauge>();
    return *slot;
}

histogram& registry::histogram(std::string_view name, std::string_view help, std::span<const double> upper_bounds,
                               labels series) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, histogram_kind).histograms[render_labels(series)];
    if (!slot.second) {
        slot.first = std::move(series);
        slot.second = std::make_unique<class histogram>(std::vector<double>(upper_bounds.begin(), upper_bounds.end()));
    }
    return *slot.second;
}

void registry::add_callback(const void* owner, std::string_view name, std::string_view help, int kind,
                            labels series, read_fn read) {
    std::lock_guard lock(mutex_);
    family_for(name, help, kind).callbacks[render_labels(series)] = callback_series{owner, std::move(read)};
}

void registry::remove_callbacks(const void* owner) {
    std::lock_guard lock(mutex_);
    for (auto it = families_.begin(); it != families_.end();) {
        auto& callbacks = it->second->callbacks;
        std::erase_if(callbacks, [owner](const auto& entry) { return entry.second.owner == owner; });
        const auto& f = *it->second;
        const bool empty = f.counters.empty() && f.gauges.empty() && f.histograms.empty() && f.callbacks.empty();
        it = empty ? families_.erase(it) : std::next(it);
    }
}

std::string registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    out.reserve(families_.size() * 256);
    for (const auto& [name, f] : families_) {
        fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name,
                       escape(f->help, escaping::help_text), name, kind_name(f->kind));
        for (const auto& [rendered, c] : f->counters)
            fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, rendered, c->value());
        for (const auto& [rendered, g] : f->gauges)
            fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, rendered, format_value(g->value()));
        for (const auto& [rendered, cb] : f->callbacks)
            fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, rendered, format_value(cb.read()));
        for (const auto& [rendered, entry] : f->histograms) {
            const auto& [series, h] = entry;
            const auto s = h->read();
            for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
                const auto le = i < s.upper_bounds.size() ? format_value(s.upper_bounds[i]) : std::string("+Inf");
                fmt::format_to(std::back_inserter(out), "{}_bucket{} {}\n", name, render_labels(series, "le", le),
                               s.cumulative[i]);
            }
            fmt::format_to(std::back_inserter(out), "{}_sum{} {}\n{}_count{} {}\n", name, rendered,
                           format_value(s.sum), name, rendered, s.count);
        }
    }
    return out;
}

registry& default_registry() {
    static registry instance;
    return instance;
}

// ---- scrape_callbacks ----

scrape_callbacks::scrape_callbacks(registry& target) : target_(target) {}

scrape_callbacks::~scrape_callbacks() { target_.remove_callbacks(this); }

void scrape_callbacks::gauge(std::string_view name, std::string_view help, labels series, std::function<double()> read) {
    target_.add_callback(this, name, help, gauge_kind, std::move(series), std::move(read));
}

void scrape_callbacks::counter(std::string_view name, std::string_view help, labels series,
                               std::function<double()> read) {
    target_.add_callback(this, name, help, counter_kind, std::move(series), std::move(read));
}

}  // namespace hft::obs
