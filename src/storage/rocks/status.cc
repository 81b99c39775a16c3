#include "storage/rocks/status.h"

#include <string>

#include <rocksdb/status.h>

namespace strata::storage::rocks {

Status ToStatus(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(context) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsBusy() || s.IsTryAgain()) return Status::Unavailable(std::move(msg));
  if (s.IsNoSpace()) return Status::ResourceExhausted(std::move(msg));
  return Status::IoError(std::move(msg));
}

}  // namespace strata::storage::rocks
