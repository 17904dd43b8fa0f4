#include "hft/bus/kv_bucket.hpp"

namespace hft::bus {
namespace {

// JetStream's "wrong last sequence": the compare-and-set lost.
constexpr jsErrCode wrong_last_sequence = static_cast<jsErrCode>(10071);

using entry_ptr = std::unique_ptr<kvEntry, nats_deleter<&kvEntry_Destroy>>;

}  // namespace

void kv_bucket::store_deleter::operator()(kvStore* store) const noexcept { kvStore_Destroy(store); }

kv_bucket::kv_bucket(connection& bus, const kv_bucket_spec& spec) {
    kvStore* raw = nullptr;
    natsStatus status = js_KeyValue(&raw, bus.jetstream(), spec.name.c_str());
    if (status == NATS_NOT_FOUND) {
        kvConfig config;
        kvConfig_Init(&config);
        config.Bucket = spec.name.c_str();
        config.History = static_cast<std::uint8_t>(spec.history);
        config.Replicas = spec.replicas;
        config.StorageType = js_FileStorage;
        status = js_CreateKeyValue(&raw, bus.jetstream(), &config);
        // Another process may have created it between our two calls.
        if (status != NATS_OK) status = js_KeyValue(&raw, bus.jetstream(), spec.name.c_str());
    }
    check(status, "key-value bucket " + spec.name);
    store_.reset(raw);
}

kv_bucket::~kv_bucket() = default;

std::optional<kv_entry> kv_bucket::get(std::string_view key) {
    kvEntry* raw = nullptr;
    const std::string name(key);
    const natsStatus status = kvStore_Get(&raw, store_.get(), name.c_str());
    entry_ptr entry(raw);
    if (status == NATS_NOT_FOUND) return std::nullopt;
    check(status, "kvStore_Get " + name);
    const auto* data = static_cast<const char*>(kvEntry_Value(entry.get()));
    return kv_entry{std::string(data, static_cast<std::size_t>(kvEntry_ValueLen(entry.get()))),
                    kvEntry_Revision(entry.get())};
}

expected<std::uint64_t, kv_write_error> kv_bucket::put(std::string_view key, std::string_view value,
                                                       std::uint64_t expected_revision) {
    const std::string name(key);
    std::uint64_t revision = 0;
    const natsStatus status =
        expected_revision == 0
            ? kvStore_Create(&revision, store_.get(), name.c_str(), value.data(), static_cast<int>(value.size()))
            : kvStore_Update(&revision, store_.get(), name.c_str(), value.data(), static_cast<int>(value.size()),
                             expected_revision);
    if (status == NATS_OK) return revision;
    // nats.c reports a lost compare-and-set as a JetStream API error; its text carries the code.
    const std::string last_error = nats_GetLastError(nullptr) != nullptr ? nats_GetLastError(nullptr) : "";
    const bool lost_race = last_error.find(std::to_string(static_cast<int>(wrong_last_sequence))) != std::string::npos ||
                           last_error.find("wrong last sequence") != std::string::npos;
    if (status == NATS_ERR && lost_race) {
        return unexpected(kv_write_error::conflict);
    }
    throw nats_error("kv put " + name, status);
}

void kv_bucket::erase(std::string_view key) {
    const std::string name(key);
    check(kvStore_Delete(store_.get(), name.c_str()), "kvStore_Delete " + name);
}

}  // namespace hft::bus
