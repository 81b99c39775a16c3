// CRC-32C (Castagnoli), the checksum of WAL records. Uses the SSE4.2 instruction when the CPU
// has it, else a table.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::storage::wal {

// Extends `crc` (0 to start) over `data`.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace strata::storage::wal
