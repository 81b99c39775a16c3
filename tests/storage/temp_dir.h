// TempDir: a fresh directory under the system temp dir, removed with its contents on
// destruction. For storage tests that need a real filesystem.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace strata::storage::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("strata-storage-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                .string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace strata::storage::testing
