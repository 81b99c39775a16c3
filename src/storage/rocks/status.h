// Conversion of rocksdb::Status into strata::Status: the one place where RocksDB error codes
// are interpreted.
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include "strata/base/status.h"

namespace rocksdb { class Status; }

namespace strata::storage::rocks {

// Corruption -> corruption; Busy/TryAgain -> unavailable; NoSpace (IOError subcode) ->
// resource_exhausted; ok -> ok; everything else -> io_error. `context` prefixes the message.
Status ToStatus(const rocksdb::Status& s, std::string_view context);

}  // namespace strata::storage::rocks
