#include "hft/exchange/sim/market_data.hpp"

#include "hft/domain/decimal.hpp"
#include "hft/domain/interval.hpp"
#include "hft/exchange/sim/clock.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>

namespace hft::exchange::sim {
namespace {

__extension__ using int128 = __int128;

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// A pure hash of (seed, a, b): replay's derived fields depend on the row, not on how far the sim ran.
std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) noexcept {
    std::uint64_t state = seed ^ (a * 0x100000001b3ULL) ^ (b << 32);
    splitmix64(state);
    return splitmix64(state);
}

std::uint64_t fnv1a(std::string_view text) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// price * quantity in 10^-8 units, truncated.
std::int64_t mul_units(std::int64_t a, std::int64_t b) noexcept {
    return static_cast<std::int64_t>(static_cast<int128>(a) * b / units_per_one);
}

std::int64_t part(std::int64_t whole, int j, int n) noexcept {
    return static_cast<std::int64_t>(static_cast<int128>(whole) * j / n);
}

expected<std::int64_t, std::string> parse_units(std::string_view text, std::string_view field) {
    auto d = domain::decimal::parse(text);
    if (!d) return unexpected<std::string>(std::string(field) + ": " + std::string(to_string(d.error())));
    auto u = d->to_units(price_scale);
    if (!u) return unexpected<std::string>(std::string(field) + ": more than 8 decimals or out of range");
    return *u;
}

}  // namespace

std::string make_stream_name(std::string_view symbol, std::string_view interval) {
    std::string name;
    name.reserve(symbol.size() + 7 + interval.size());
    for (char c : symbol) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    name += "@kline_";
    name += interval;
    return name;
}

std::string kline_update::stream_name() const { return make_stream_name(symbol, interval); }

expected<csv_candle, std::string> parse_kline_csv_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view fields[6];
    std::size_t count = 0;
    while (count < 6) {
        auto comma = line.find(',');
        fields[count++] = line.substr(0, comma);
        if (comma == std::string_view::npos) {
            line = {};
            break;
        }
        line.remove_prefix(comma + 1);
        if (count == 6) return unexpected<std::string>("more than 6 columns");
    }
    if (count != 6) return unexpected<std::string>("expected 6 columns");
    csv_candle row;
    auto [ptr, ec] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), row.open_time);
    if (ec != std::errc{} || ptr != fields[0].data() + fields[0].size() || row.open_time < 0)
        return unexpected<std::string>("open_time_ms: not a non-negative integer");
    static constexpr std::string_view names[] = {"open", "high", "low", "close", "volume"};
    std::int64_t* targets[] = {&row.open, &row.high, &row.low, &row.close, &row.volume};
    for (std::size_t i = 0; i < 5; ++i) {
        auto v = parse_units(fields[i + 1], names[i]);
        if (!v) return unexpected<std::string>(v.error());
        *targets[i] = *v;
    }
    if (row.low <= 0 || row.low > std::min(row.open, row.close) || std::max(row.open, row.close) > row.high)
        return unexpected<std::string>("prices violate 0 < low <= open, close <= high");
    if (row.volume < 0) return unexpected<std::string>("negative volume");
    return row;
}

expected<std::vector<csv_candle>, std::string> load_kline_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) return unexpected<std::string>(path + ": cannot open");
    std::string line;
    if (!std::getline(in, line) || line.rfind("open_time_ms,", 0) != 0)
        return unexpected<std::string>(path + ":1: expected the header open_time_ms,open,high,low,close,volume");
    std::vector<csv_candle> rows;
    std::size_t number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line == "\r") continue;
        auto row = parse_kline_csv_line(line);
        if (!row) return unexpected<std::string>(path + ":" + std::to_string(number) + ": " + row.error());
        if (!rows.empty() && row->open_time != rows.back().open_time + 60'000)
            return unexpected<std::string>(path + ":" + std::to_string(number) + ": rows must be consecutive minutes");
        rows.push_back(*row);
    }
    if (rows.empty()) return unexpected<std::string>(path + ": no rows");
    return rows;
}

expected<market_data_generator, std::string> market_data_generator::create(generator_config config) {
    if (config.symbols.empty()) return unexpected<std::string>("no symbols");
    if (config.updates_per_candle < 1) return unexpected<std::string>("updates_per_candle must be at least 1");
    if (config.tick <= 0) return unexpected<std::string>("tick must be positive");
    market_data_generator g;
    g.next_step_start_ = align_down(config.start_time_ms, step_ms);
    for (const auto& source : config.symbols) {
        if (source.symbol.empty() || source.symbol.size() > 20 ||
            !std::all_of(source.symbol.begin(), source.symbol.end(),
                         [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); }))
            return unexpected<std::string>("symbol '" + source.symbol + "' must be 1-20 uppercase letters or digits");
        for (const auto& other : g.symbols_) {
            if (other.source.symbol == source.symbol) return unexpected<std::string>("duplicate symbol " + source.symbol);
        }
        if (source.replay.empty() && source.start_price < config.tick)
            return unexpected<std::string>("start price of " + source.symbol + " is below one tick");
        symbol_state s;
        s.source = source;
        s.rng = config.seed ^ fnv1a(source.symbol);
        s.price = source.replay.empty() ? source.start_price : source.replay.front().open;
        s.has_price = source.replay.empty();
        s.next_trade_id = 1;
        g.symbols_.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < g.symbols_.size(); ++i) {
        bool replay = !g.symbols_[i].source.replay.empty();
        std::vector<std::string> intervals = replay ? std::vector<std::string>{"1m"} : config.intervals;
        for (const auto& interval : intervals) {
            auto parsed = domain::parse_kline_interval(interval);
            auto length = parsed ? domain::length_ms(*parsed) : std::nullopt;
            if (!length) return unexpected<std::string>("unsupported interval '" + interval + "'");
            if (*length % (config.updates_per_candle * step_ms) != 0)
                return unexpected<std::string>("interval " + interval + " does not divide into " +
                                               std::to_string(config.updates_per_candle) + " updates");
            stream_state st;
            st.symbol = i;
            st.interval = interval;
            st.name = make_stream_name(g.symbols_[i].source.symbol, interval);
            for (const auto& other : g.streams_) {
                if (other.name == st.name) return unexpected<std::string>("duplicate interval " + interval);
            }
            st.length_ms = *length;
            st.candle_open = domain::candle_open_containing(*parsed, g.next_step_start_);
            g.streams_.push_back(std::move(st));
        }
    }
    if (g.streams_.empty()) return unexpected<std::string>("no intervals");
    g.config_ = std::move(config);
    return g;
}

std::int64_t market_data_generator::replay_base_time() const noexcept {
    return align_down(config_.start_time_ms, 60'000);
}

market_data_generator::step market_data_generator::next_step(symbol_state& s) {
    const auto tick = config_.tick;
    step st;
    st.open = s.price;
    auto r1 = splitmix64(s.rng);
    auto r2 = splitmix64(s.rng);
    auto r3 = splitmix64(s.rng);
    auto delta = static_cast<std::int64_t>(r1 % 21) - 10;
    st.close = std::max(tick, st.open + delta * tick);
    st.high = std::max(st.open, st.close) + static_cast<std::int64_t>(r2 % 4) * tick;
    st.low = std::max(tick, std::min(st.open, st.close) - static_cast<std::int64_t>((r2 >> 8) % 4) * tick);
    st.trades = 1 + static_cast<std::int64_t>(r3 % 5);
    st.volume = st.trades * (1 + static_cast<std::int64_t>((r3 >> 8) % 2'000'000));
    st.taker_base = part(st.volume, static_cast<int>((r3 >> 32) % 101), 100);
    st.quote = mul_units(st.close, st.volume);
    st.taker_quote = mul_units(st.close, st.taker_base);
    st.first_id = s.next_trade_id;
    s.next_trade_id += st.trades;
    s.price = st.close;
    return st;
}

void market_data_generator::remember(stream_state& st, const kline_update& closed) {
    st.history.push_back(closed);
    while (st.history.size() > config_.history_limit) st.history.pop_front();
}

void market_data_generator::emit_random(stream_state& st, std::int64_t at, bool closed,
                                        std::vector<kline_update>& out) {
    if (st.empty) return;  // the sim started after this point of the candle
    kline_update u = st.candle;
    u.event_time = at;
    u.closed = closed;
    out.push_back(u);
    if (closed) remember(st, u);
}

void market_data_generator::emit_replay(stream_state& st, std::int64_t at, std::vector<kline_update>& out) {
    auto& sym = symbols_[st.symbol];
    const auto& rows = sym.source.replay;
    const auto k = (st.candle_open - replay_base_time()) / 60'000;
    if (k < 0 || static_cast<std::size_t>(k) >= rows.size()) return;  // the file has ended: the symbol goes quiet
    const auto& row = rows[static_cast<std::size_t>(k)];
    const int n = config_.updates_per_candle;
    const int j = static_cast<int>((at - st.candle_open) / (st.length_ms / n));
    const auto uk = static_cast<std::uint64_t>(k);

    const std::int64_t trades_full = row.volume == 0 ? 0 : 1 + static_cast<std::int64_t>(mix(config_.seed, uk, 1) % 200);
    const int taker_pct = static_cast<int>(mix(config_.seed, uk, 2) % 101);
    const std::int64_t quote_full = mul_units((row.open + row.close) / 2, row.volume);

    kline_update u;
    u.symbol = sym.source.symbol;
    u.interval = st.interval;
    u.event_time = at;
    u.open_time = st.candle_open;
    u.close_time = st.candle_open + st.length_ms - 1;
    u.open = row.open;
    if (j >= n) {
        // The closing frame is the file's row, exactly.
        u.high = row.high;
        u.low = row.low;
        u.close = row.close;
        u.volume = row.volume;
        u.quote_volume = quote_full;
        u.trade_count = trades_full;
        u.closed = true;
    } else {
        // On the way from open to close (both inside [low, high]), on the tick grid.
        auto moved = part(row.close - row.open, j, n);
        u.close = row.open + moved / config_.tick * config_.tick;
        u.high = std::max(row.open, u.close);
        u.low = std::min(row.open, u.close);
        u.volume = part(row.volume, j, n);
        u.quote_volume = part(quote_full, j, n);
        u.trade_count = u.volume == 0 ? 0 : std::max<std::int64_t>(1, part(trades_full, j, n));
    }
    u.taker_base_volume = part(u.volume, taker_pct, 100);
    u.taker_quote_volume = part(u.quote_volume, taker_pct, 100);
    if (u.trade_count > 0) {
        u.first_trade_id = sym.next_trade_id;
        u.last_trade_id = sym.next_trade_id + u.trade_count - 1;
    }
    sym.price = u.close;
    sym.has_price = true;
    out.push_back(u);
    if (u.closed) {
        sym.next_trade_id += trades_full;
        remember(st, u);
    }
}

void market_data_generator::advance(std::int64_t market_now_ms, std::vector<kline_update>& out) {
    std::vector<step> steps(symbols_.size());
    while (next_step_start_ + step_ms <= market_now_ms) {
        const auto end = next_step_start_ + step_ms;
        for (std::size_t i = 0; i < symbols_.size(); ++i) {
            if (symbols_[i].source.replay.empty()) steps[i] = next_step(symbols_[i]);
        }
        for (auto& st : streams_) {
            auto& sym = symbols_[st.symbol];
            const bool replay = !sym.source.replay.empty();
            if (!replay) {
                const auto& s = steps[st.symbol];
                auto& c = st.candle;
                if (st.empty) {
                    c = kline_update{};
                    c.symbol = sym.source.symbol;
                    c.interval = st.interval;
                    c.open_time = st.candle_open;
                    c.close_time = st.candle_open + st.length_ms - 1;
                    c.open = s.open;
                    c.high = s.high;
                    c.low = s.low;
                    c.first_trade_id = s.first_id;
                    st.empty = false;
                }
                c.high = std::max(c.high, s.high);
                c.low = std::min(c.low, s.low);
                c.close = s.close;
                c.volume += s.volume;
                c.quote_volume += s.quote;
                c.taker_base_volume += s.taker_base;
                c.taker_quote_volume += s.taker_quote;
                c.trade_count += s.trades;
                c.last_trade_id = s.first_id + s.trades - 1;
            }
            const auto spacing = st.length_ms / config_.updates_per_candle;
            if ((end - st.candle_open) % spacing != 0) continue;
            const bool closed = end == st.candle_open + st.length_ms;
            if (replay) {
                emit_replay(st, end, out);
            } else {
                emit_random(st, end, closed, out);
            }
            if (closed) {
                st.candle_open += st.length_ms;
                st.empty = true;
            }
        }
        next_step_start_ = end;
    }
}

bool market_data_generator::has_stream(std::string_view stream_name) const noexcept {
    return std::any_of(streams_.begin(), streams_.end(), [&](const stream_state& s) { return s.name == stream_name; });
}

std::vector<std::string> market_data_generator::stream_names() const {
    std::vector<std::string> names;
    for (const auto& s : streams_) names.push_back(s.name);
    return names;
}

bool market_data_generator::serves(std::string_view symbol, std::string_view interval) const noexcept {
    return std::any_of(streams_.begin(), streams_.end(), [&](const stream_state& s) {
        return symbols_[s.symbol].source.symbol == symbol && s.interval == interval;
    });
}

std::vector<kline_update> market_data_generator::closed_klines(std::string_view symbol, std::string_view interval,
                                                               std::optional<std::int64_t> start,
                                                               std::optional<std::int64_t> end,
                                                               std::size_t limit) const {
    std::vector<kline_update> out;
    for (const auto& s : streams_) {
        if (symbols_[s.symbol].source.symbol != symbol || s.interval != interval) continue;
        auto in_range = [&](const kline_update& k) {
            return (!start || k.open_time >= *start) && (!end || k.open_time <= *end);
        };
        if (start) {
            for (const auto& k : s.history) {
                if (out.size() >= limit) break;
                if (in_range(k)) out.push_back(k);
            }
        } else {
            for (auto it = s.history.rbegin(); it != s.history.rend() && out.size() < limit; ++it) {
                if (in_range(*it)) out.push_back(*it);
            }
            std::reverse(out.begin(), out.end());
        }
    }
    return out;
}

std::optional<std::int64_t> market_data_generator::last_price(std::string_view symbol) const noexcept {
    for (const auto& s : symbols_) {
        if (s.source.symbol == symbol && s.has_price) return s.price;
    }
    return std::nullopt;
}

}  // namespace hft::exchange::sim
