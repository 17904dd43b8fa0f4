#include "support/prometheus_text.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <regex>
#include <sstream>

namespace hft::test {
namespace {

const std::regex metric_name{"[a-zA-Z_:][a-zA-Z0-9_:]*"};
const std::regex label_name{"[a-zA-Z_][a-zA-Z0-9_]*"};

std::optional<double> parse_value(const std::string& text) {
    if (text == "+Inf") return std::numeric_limits<double>::infinity();
    if (text == "-Inf") return -std::numeric_limits<double>::infinity();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
    return v;
}

/// The family a sample belongs to: a histogram's _bucket/_sum/_count samples belong to its base name.
std::string family_of(const std::string& sample, const std::map<std::string, prometheus_family>& families) {
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (sample.size() > suffix.size() && sample.ends_with(suffix)) {
            const auto base = sample.substr(0, sample.size() - suffix.size());
            const auto found = families.find(base);
            if (found != families.end() && found->second.type == "histogram") return base;
        }
    }
    return sample;
}

class line_parser {
public:
    line_parser(std::string_view line, std::size_t number, std::vector<std::string>& errors)
        : line_(line), number_(number), errors_(errors) {}

    std::optional<prometheus_sample> sample() {
        prometheus_sample s;
        while (pos_ < line_.size() && line_[pos_] != '{' && line_[pos_] != ' ') s.name += line_[pos_++];
        if (!std::regex_match(s.name, metric_name)) return fail("invalid metric name '" + s.name + "'");
        if (pos_ < line_.size() && line_[pos_] == '{') {
            ++pos_;
            while (pos_ < line_.size() && line_[pos_] != '}') {
                std::string name;
                while (pos_ < line_.size() && line_[pos_] != '=') name += line_[pos_++];
                if (!std::regex_match(name, label_name)) return fail("invalid label name '" + name + "'");
                if (++pos_ >= line_.size() || line_[pos_] != '"') return fail("label value is not quoted");
                ++pos_;
                std::string value;
                while (pos_ < line_.size() && line_[pos_] != '"') {
                    if (line_[pos_] == '\\') {
                        if (++pos_ >= line_.size()) return fail("dangling escape");
                        const char escaped = line_[pos_];
                        if (escaped == 'n') value += '\n';
                        else if (escaped == '\\' || escaped == '"') value += escaped;
                        else return fail(std::string("invalid escape \\") + escaped);
                    } else {
                        value += line_[pos_];
                    }
                    ++pos_;
                }
                if (pos_ >= line_.size()) return fail("unterminated label value");
                ++pos_;
                if (s.labels.contains(name)) return fail("label " + name + " repeated");
                s.labels[name] = value;
                if (pos_ < line_.size() && line_[pos_] == ',') ++pos_;
            }
            if (pos_ >= line_.size()) return fail("unterminated label set");
            ++pos_;
        }
        if (pos_ >= line_.size() || line_[pos_] != ' ') return fail("no value");
        const auto value = parse_value(std::string(line_.substr(pos_ + 1)));
        if (!value) return fail("value '" + std::string(line_.substr(pos_ + 1)) + "' is not a number");
        s.value = *value;
        return s;
    }

private:
    std::nullopt_t fail(const std::string& why) {
        errors_.push_back("line " + std::to_string(number_) + ": " + why + ": " + std::string(line_));
        return std::nullopt;
    }

    std::string_view line_;
    std::size_t number_;
    std::vector<std::string>& errors_;
    std::size_t pos_ = 0;
};

void check_histograms(prometheus_text& parsed) {
    for (const auto& [name, family] : parsed.families) {
        if (family.type != "histogram") continue;
        // Per label set (without le): buckets ascending by le must be cumulative, and +Inf must equal _count.
        std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
        std::map<std::map<std::string, std::string>, double> counts;
        for (const auto& s : family.samples) {
            auto labels = s.labels;
            if (s.name == name + "_bucket") {
                const auto le = labels.find("le");
                if (le == labels.end()) {
                    parsed.errors.push_back(name + "_bucket without le");
                    continue;
                }
                const auto bound = parse_value(le->second);
                labels.erase(le);
                buckets[labels].emplace_back(bound.value_or(std::nan("")), s.value);
            } else if (s.name == name + "_count") {
                counts[labels] = s.value;
            }
        }
        for (const auto& [labels, series] : buckets) {
            for (std::size_t i = 1; i < series.size(); ++i) {
                if (!(series[i].first > series[i - 1].first) || series[i].second < series[i - 1].second)
                    parsed.errors.push_back(name + ": buckets are not ascending and cumulative");
            }
            if (series.empty() || !std::isinf(series.back().first)) {
                parsed.errors.push_back(name + ": no +Inf bucket");
            } else if (!counts.contains(labels) || counts[labels] != series.back().second) {
                parsed.errors.push_back(name + ": +Inf bucket differs from _count");
            }
        }
    }
}

}  // namespace

double prometheus_text::value(std::string_view name, const std::map<std::string, std::string>& labels) const {
    for (const auto& [family_name, family] : families) {
        for (const auto& s : family.samples) {
            if (s.name != name) continue;
            bool all = true;
            for (const auto& [k, v] : labels) {
                const auto found = s.labels.find(k);
                all = all && found != s.labels.end() && found->second == v;
            }
            if (all) return s.value;
        }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

prometheus_text parse_prometheus_text(std::string_view text) {
    prometheus_text parsed;
    std::istringstream lines{std::string(text)};
    std::string line;
    std::size_t number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (line.empty()) continue;
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            const auto rest = line.substr(7);
            const auto space = rest.find(' ');
            const auto name = rest.substr(0, space);
            const auto payload = space == std::string::npos ? std::string() : rest.substr(space + 1);
            auto& family = parsed.families[name];
            if (line[2] == 'H') {
                family.help = payload;
                continue;
            }
            if (!family.type.empty()) parsed.errors.push_back("line " + std::to_string(number) + ": second TYPE for " + name);
            if (!family.samples.empty())
                parsed.errors.push_back("line " + std::to_string(number) + ": TYPE after samples of " + name);
            if (payload != "counter" && payload != "gauge" && payload != "histogram" && payload != "summary" &&
                payload != "untyped")
                parsed.errors.push_back("line " + std::to_string(number) + ": unknown type " + payload);
            family.type = payload;
            continue;
        }
        if (line.starts_with("#")) continue;
        auto sample = line_parser(line, number, parsed.errors).sample();
        if (!sample) continue;
        const auto family_name = family_of(sample->name, parsed.families);
        auto& family = parsed.families[family_name];
        if (family.type.empty())
            parsed.errors.push_back("line " + std::to_string(number) + ": sample before the TYPE of " + family_name);
        if (family.type == "counter" && sample->value < 0)
            parsed.errors.push_back("line " + std::to_string(number) + ": negative counter");
        family.samples.push_back(std::move(*sample));
    }
    check_histograms(parsed);
    return parsed;
}

}  // namespace hft::test
