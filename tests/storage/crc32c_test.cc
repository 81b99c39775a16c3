#include "storage/wal/crc32c.h"

#include <string>

// Catch2 last: its CHECK replaces strata's CHECK macro in test code.
#include <catch2/catch.hpp>

using strata::storage::wal::Crc32c;
using strata::storage::wal::Crc32cExtend;

TEST_CASE("Crc32c matches the Castagnoli check value", "[storage][wal]") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32c("") == 0u);
  std::string zeros(32, '\0');
  CHECK(Crc32c(zeros) == 0x8A9136AAu);
}

TEST_CASE("Crc32cExtend over pieces equals the CRC of the whole", "[storage][wal]") {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{500}, size_t{999}}) {
    uint32_t c = Crc32cExtend(Crc32cExtend(0, std::string_view(data).substr(0, cut)),
                              std::string_view(data).substr(cut));
    CHECK(c == Crc32c(data));
  }
}
