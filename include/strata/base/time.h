// Timestamps and durations: int64 milliseconds since the Unix epoch, as Prometheus uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata {

using Timestamp = int64_t;  // ms since 1970-01-01T00:00:00Z
using Duration = int64_t;   // ms

inline constexpr Duration kSecond = 1000;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;
inline constexpr Duration kDay = 24 * kHour;

// Wall-clock now in ms.
Timestamp NowMs();

// Parses a Prometheus duration ("1h30m", "5m", "7d", "1y", "250ms"); nullopt if malformed.
std::optional<Duration> ParseDuration(std::string_view s);

// Formats a duration the way Prometheus prints it ("1h30m", "0s").
std::string FormatDuration(Duration d);

// Parses an RFC 3339 timestamp ("2024-01-02T03:04:05.123Z", "+02:00" offsets); nullopt if malformed.
std::optional<Timestamp> ParseRfc3339(std::string_view s);

}  // namespace strata
