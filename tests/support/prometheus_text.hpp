#pragma once

// A strict reader of the Prometheus text exposition format (0.0.4), so tests assert that /metrics is something a
// Prometheus server would accept, not just that some substring appears.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hft::test {

struct prometheus_sample {
    std::string name;                           ///< as written: hft_x_total, hft_y_seconds_bucket, ...
    std::map<std::string, std::string> labels;  ///< unescaped values
    double value = 0;
};

struct prometheus_family {
    std::string type;  ///< counter, gauge, histogram, summary or untyped
    std::string help;
    std::vector<prometheus_sample> samples;
};

struct prometheus_text {
    std::map<std::string, prometheus_family> families;
    std::vector<std::string> errors;  ///< every rule the text broke, with its line number; empty when valid

    /// The value of the sample `name` whose labels include `labels`; NaN when there is none.
    double value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
};

/// Parses `text` and checks: HELP/TYPE precede their samples, one TYPE per family, metric and label names are
/// valid, label values are properly quoted and escaped, values are numbers, counters are not negative, and a
/// histogram's buckets are cumulative with a +Inf bucket equal to its _count.
prometheus_text parse_prometheus_text(std::string_view text);

}  // namespace hft::test
