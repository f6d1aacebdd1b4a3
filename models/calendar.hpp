#pragma once

#include <array>
#include <vector>

#include "engine/sim_time.hpp"
#include "models/config.hpp"

namespace genops::models {

using engine::SimTime;

// Days since 1970-01-01 of an ISO date "YYYY-MM-DD"; throws std::invalid_argument if malformed.
int days_from_iso_date(const std::string& date);
// Weekday (0 = Monday .. 6 = Sunday) of an ISO date.
int iso_weekday(const std::string& date);
// Calendar month (year * 12 + month - 1) of a day given as days since 1970-01-01.
int month_index_of_day(int days_since_epoch);
// "YYYY-MM" of a month index.
std::string month_name(int month_index);

// An organization's local clock and working calendar. Simulation time 0 is 00:00 UTC of the
// scenario's start date; local time is UTC plus the organization's offset.
class LocalCalendar {
 public:
  LocalCalendar(int start_weekday, int utc_offset_hours, const ReviewerConfig& reviewers,
                std::vector<int> holidays, std::vector<DayRange> freeze_windows);

  SimTime to_local(SimTime t) const { return t + offset_; }
  SimTime from_local(SimTime local) const { return local - offset_; }
  int local_day(SimTime t) const;       // whole local days since day 0 (may be -1 near t=0)
  int weekday(SimTime t) const;         // 0 = Monday
  int hour(SimTime t) const;            // 0..23 local
  double hour_of_day(SimTime t) const;  // fractional local hour
  bool is_holiday(SimTime t) const;
  bool in_freeze_window(SimTime t) const;
  bool is_weekend(SimTime t) const { return weekday(t) >= 5; }

  // Reviewer working time: a working weekday, not a holiday, within working hours.
  bool is_working_time(SimTime t) const;
  // The start of the first working period at or after t (t itself if working).
  SimTime next_working_start(SimTime t) const;
  // The end of the working period containing t (requires is_working_time(t)).
  SimTime working_period_end(SimTime t) const;

  // No-deploy windows for non-hotfix changes: Friday from `friday_cutoff_hour` to Monday
  // 00:00 local, and freeze-window days. Returns t if t is allowed, else the next allowed time.
  bool in_no_deploy_window(SimTime t, int friday_cutoff_hour) const;
  SimTime next_deploy_allowed(SimTime t, int friday_cutoff_hour) const;

 private:
  bool is_working_day(int day) const;
  SimTime local_day_start(int day) const;  // simulation time of local midnight of `day`

  int start_weekday_;
  SimTime offset_;
  ReviewerConfig reviewers_;
  std::vector<int> holidays_;  // sorted
  std::vector<DayRange> freeze_windows_;
};

}  // namespace genops::models
