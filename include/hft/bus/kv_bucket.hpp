#pragma once

// A JetStream key-value bucket (DESIGN §2: strategy state lives here, so a restarted strategy resumes where
// it stopped). Writes are compare-and-set on the revision the writer last saw: two processes that both think
// they own a key cannot overwrite each other silently; the loser gets a conflict and must re-read.
//
// BLOCKING: every call is a request/reply round trip to the server. Call from an app::blocking_lane, never
// on the io_context.

#include "hft/bus/connection.hpp"
#include "hft/domain/expected.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hft::bus {

struct kv_entry {
    std::string value;
    std::uint64_t revision = 0;
};

struct kv_bucket_spec {
    std::string name;       ///< [A-Za-z0-9_-]+
    int history = 1;        ///< values kept per key
    int replicas = 1;
};

enum class kv_write_error {
    conflict,  ///< someone else wrote the key since `expected_revision` (or it exists when creating)
};

class kv_bucket {
public:
    /// Binds the bucket, creating it when missing. Throws nats_error when NATS cannot be reached.
    kv_bucket(connection& bus, const kv_bucket_spec& spec);
    ~kv_bucket();
    kv_bucket(const kv_bucket&) = delete;
    kv_bucket& operator=(const kv_bucket&) = delete;

    /// The current value of `key`, or nullopt when it was never written or was deleted.
    std::optional<kv_entry> get(std::string_view key);

    /// Writes `value` if the key is still at `expected_revision` (0: the key must not exist yet); returns the
    /// new revision, or conflict. Throws nats_error for anything else (e.g. NATS unreachable).
    expected<std::uint64_t, kv_write_error> put(std::string_view key, std::string_view value,
                                                std::uint64_t expected_revision);

    void erase(std::string_view key);

private:
    struct store_deleter {
        void operator()(kvStore* store) const noexcept;
    };
    std::unique_ptr<kvStore, store_deleter> store_;
};

}  // namespace hft::bus
