#pragma once

// The SQL files under migrations/, compiled into the binary by cmake/EmbedMigrations.cmake.

#include <span>
#include <string_view>

namespace hft::store {

struct embedded_migration_file {
    std::string_view database;  ///< folder name: market_data | order_engine
    std::string_view filename;  ///< e.g. 0001_create_kline_subscriptions.up.sql
    std::string_view content;   ///< exact bytes of the file
};

std::span<const embedded_migration_file> embedded_migration_files();

}  // namespace hft::store
