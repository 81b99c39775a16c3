// Resource figures of another process, read from /proc.
#pragma once

#include <optional>
#include <sys/types.h>

namespace strata::bench {

// utime + stime of `pid` in seconds (all threads), or nullopt if it cannot be read.
std::optional<double> ProcessCpuSeconds(pid_t pid);

// Peak resident set size (VmHWM) of `pid` in bytes, or nullopt if it cannot be read.
std::optional<double> ProcessPeakRssBytes(pid_t pid);

}  // namespace strata::bench
