#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace genops::engine {

// Simulated time: an integer count of milliseconds since the start of the run.
// Never a floating-point clock, so event order is exact and portable.
class SimTime {
 public:
  using Rep = std::int64_t;

  constexpr SimTime() = default;
  static constexpr SimTime from_ticks(Rep ticks) { return SimTime(ticks); }
  static constexpr SimTime milliseconds(Rep ms) { return SimTime(ms); }
  static constexpr SimTime seconds(Rep s) { return SimTime(s * kTicksPerSecond); }
  static constexpr SimTime minutes(Rep m) { return SimTime(m * kTicksPerMinute); }
  static constexpr SimTime hours(Rep h) { return SimTime(h * kTicksPerHour); }
  static constexpr SimTime days(Rep d) { return SimTime(d * kTicksPerDay); }
  // Rounds a duration in (fractional) minutes to the nearest tick.
  static constexpr SimTime from_minutes(double minutes) {
    const double ticks = minutes * static_cast<double>(kTicksPerMinute);
    return SimTime(static_cast<Rep>(ticks < 0 ? ticks - 0.5 : ticks + 0.5));
  }
  static constexpr SimTime zero() { return SimTime(0); }
  static constexpr SimTime max() { return SimTime(std::numeric_limits<Rep>::max()); }

  constexpr Rep ticks() const { return ticks_; }
  constexpr double to_seconds() const {
    return static_cast<double>(ticks_) / static_cast<double>(kTicksPerSecond);
  }
  constexpr double to_minutes() const {
    return static_cast<double>(ticks_) / static_cast<double>(kTicksPerMinute);
  }
  constexpr double to_hours() const {
    return static_cast<double>(ticks_) / static_cast<double>(kTicksPerHour);
  }

  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(SimTime other) const { return SimTime(ticks_ + other.ticks_); }
  constexpr SimTime operator-(SimTime other) const { return SimTime(ticks_ - other.ticks_); }
  constexpr SimTime& operator+=(SimTime other) {
    ticks_ += other.ticks_;
    return *this;
  }
  constexpr SimTime& operator-=(SimTime other) {
    ticks_ -= other.ticks_;
    return *this;
  }

  static constexpr Rep kTicksPerSecond = 1000;
  static constexpr Rep kTicksPerMinute = 60 * kTicksPerSecond;
  static constexpr Rep kTicksPerHour = 60 * kTicksPerMinute;
  static constexpr Rep kTicksPerDay = 24 * kTicksPerHour;

 private:
  constexpr explicit SimTime(Rep ticks) : ticks_(ticks) {}
  Rep ticks_ = 0;
};

}  // namespace genops::engine
