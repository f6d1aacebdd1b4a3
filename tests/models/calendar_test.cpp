#include "models/calendar.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace genops::models {
namespace {

using engine::SimTime;

constexpr int kMonday = 0;
constexpr int kFridayCutoffHour = 16;

// Simulation time of local `day` (0 = the start date, a Monday here) at hh:mm.
SimTime local(const LocalCalendar& calendar, int day, int hour, int minute = 0) {
  return calendar.from_local(SimTime::days(day) + SimTime::hours(hour) + SimTime::minutes(minute));
}

LocalCalendar office(int utc_offset_hours, std::vector<int> holidays = {},
                     std::vector<DayRange> freezes = {}) {
  ReviewerConfig reviewers;  // 09:00-18:00, Monday to Friday
  return LocalCalendar(kMonday, utc_offset_hours, reviewers, std::move(holidays),
                       std::move(freezes));
}

TEST(IsoDate, DaysAndWeekdaysOfKnownDates) {
  EXPECT_EQ(days_from_iso_date("1970-01-01"), 0);
  EXPECT_EQ(days_from_iso_date("2000-03-01"), 11017);
  EXPECT_EQ(days_from_iso_date("2024-03-04"), 19786);
  EXPECT_EQ(iso_weekday("1970-01-01"), 3);  // Thursday
  EXPECT_EQ(iso_weekday("2024-03-04"), 0);  // Monday (paper.toml's start date)
  EXPECT_EQ(iso_weekday("2025-01-06"), 0);  // Monday
  EXPECT_EQ(iso_weekday("2024-03-10"), 6);  // Sunday
  EXPECT_EQ(iso_weekday("1969-12-31"), 2);  // before the epoch: Wednesday
}

TEST(IsoDate, RejectsMalformedDates) {
  for (const char* bad : {"2024-13-01", "2024-00-10", "2024-01-32", "2024-1-01", "20240101",
                          "2024/01/01", "abcd-ef-gh", ""}) {
    EXPECT_THROW(days_from_iso_date(bad), std::invalid_argument) << bad;
  }
}

TEST(IsoDate, RejectsDaysBeyondTheEndOfTheMonth) {
  for (const char* bad : {"2024-02-30", "2023-02-29", "2024-04-31", "2024-06-31"}) {
    EXPECT_THROW(days_from_iso_date(bad), std::invalid_argument) << bad;
  }
  EXPECT_NO_THROW(days_from_iso_date("2024-02-29"));  // leap year
}

TEST(LocalCalendar, LocalClockFollowsTheUtcOffset) {
  const LocalCalendar utc = office(0);
  const LocalCalendar new_york = office(-5);
  const LocalCalendar singapore = office(8);
  const SimTime monday_noon_utc = SimTime::hours(12);
  EXPECT_EQ(utc.hour(monday_noon_utc), 12);
  EXPECT_EQ(new_york.hour(monday_noon_utc), 7);
  EXPECT_EQ(singapore.hour(monday_noon_utc), 20);
  EXPECT_DOUBLE_EQ(new_york.hour_of_day(monday_noon_utc + SimTime::minutes(30)), 7.5);
  // 02:00 UTC on day 0 is still Sunday evening (day -1) west of Greenwich.
  const SimTime early = SimTime::hours(2);
  EXPECT_EQ(new_york.local_day(early), -1);
  EXPECT_EQ(new_york.weekday(early), 6);
  EXPECT_EQ(new_york.hour(early), 21);
  EXPECT_EQ(singapore.local_day(SimTime::hours(20)), 1);
  EXPECT_EQ(singapore.weekday(SimTime::hours(20)), 1);  // Tuesday 04:00 local
  EXPECT_EQ(new_york.to_local(new_york.from_local(SimTime::hours(33))), SimTime::hours(33));
}

TEST(LocalCalendar, WorkingTimeIsWorkingDaysWithinWorkingHours) {
  const LocalCalendar calendar = office(-5);
  EXPECT_FALSE(calendar.is_working_time(local(calendar, 0, 8, 59)));
  EXPECT_TRUE(calendar.is_working_time(local(calendar, 0, 9, 0)));
  EXPECT_TRUE(calendar.is_working_time(local(calendar, 4, 17, 59)));  // Friday 17:59
  EXPECT_FALSE(calendar.is_working_time(local(calendar, 4, 18, 0)));  // end is exclusive
  EXPECT_FALSE(calendar.is_working_time(local(calendar, 5, 10, 0)));  // Saturday
  EXPECT_FALSE(calendar.is_working_time(local(calendar, 6, 10, 0)));  // Sunday
  EXPECT_TRUE(calendar.is_weekend(local(calendar, 5, 0, 0)));
  EXPECT_FALSE(calendar.is_weekend(local(calendar, 4, 23, 59)));
}

TEST(LocalCalendar, FridayEveningWaitsForMondaysFirstWorkingHour) {
  for (int offset : {-5, 0, 1, 8}) {
    const LocalCalendar calendar = office(offset);
    const SimTime friday_1759 = local(calendar, 4, 17, 59);
    const SimTime monday_0900 = local(calendar, 7, 9, 0);
    // 17:59 is still working time, but the working period ends a minute later; the pipeline
    // then waits for the next working start, which is Monday 09:00 local.
    EXPECT_EQ(calendar.next_working_start(friday_1759), friday_1759) << offset;
    EXPECT_EQ(calendar.working_period_end(friday_1759), local(calendar, 4, 18, 0)) << offset;
    EXPECT_EQ(calendar.next_working_start(calendar.working_period_end(friday_1759)), monday_0900)
        << offset;
    EXPECT_EQ(calendar.next_working_start(local(calendar, 5, 11, 0)), monday_0900) << offset;
    EXPECT_EQ(calendar.next_working_start(local(calendar, 7, 3, 0)), monday_0900) << offset;
    EXPECT_EQ(calendar.hour(monday_0900), 9);
    EXPECT_EQ(calendar.weekday(monday_0900), 0);
  }
}

TEST(LocalCalendar, HolidaysHaveNoReviewers) {
  // Day 7 is the second Monday.
  const LocalCalendar calendar = office(1, {7, 21});
  EXPECT_TRUE(calendar.is_holiday(local(calendar, 7, 12, 0)));
  EXPECT_FALSE(calendar.is_holiday(local(calendar, 8, 12, 0)));
  EXPECT_FALSE(calendar.is_working_time(local(calendar, 7, 12, 0)));
  // Friday evening before a holiday Monday: Tuesday 09:00.
  EXPECT_EQ(calendar.next_working_start(local(calendar, 4, 18, 0)), local(calendar, 8, 9, 0));
  EXPECT_EQ(calendar.next_working_start(local(calendar, 7, 8, 0)), local(calendar, 8, 9, 0));
  // Early on a working day: that day's start.
  EXPECT_EQ(calendar.next_working_start(local(calendar, 8, 6, 30)), local(calendar, 8, 9, 0));
}

TEST(LocalCalendar, CustomWorkingDaysAndHours) {
  ReviewerConfig reviewers;
  reviewers.work_start_hour = 7;
  reviewers.work_end_hour = 15;
  reviewers.working_days = {false, true, true, true, true, true, false};  // Tue..Sat
  const LocalCalendar calendar(kMonday, 8, reviewers, {}, {});
  EXPECT_FALSE(calendar.is_working_time(local(calendar, 0, 10, 0)));  // Monday
  EXPECT_TRUE(calendar.is_working_time(local(calendar, 5, 14, 59)));  // Saturday
  EXPECT_EQ(calendar.next_working_start(local(calendar, 5, 15, 0)), local(calendar, 8, 7, 0));
  EXPECT_EQ(calendar.next_working_start(local(calendar, 0, 10, 0)), local(calendar, 1, 7, 0));
}

TEST(LocalCalendar, NoDeployWindowFromFridayCutoffUntilMondayMidnight) {
  const LocalCalendar calendar = office(-5);
  EXPECT_FALSE(calendar.in_no_deploy_window(local(calendar, 4, 15, 59), kFridayCutoffHour));
  EXPECT_TRUE(calendar.in_no_deploy_window(local(calendar, 4, 16, 0), kFridayCutoffHour));
  EXPECT_TRUE(calendar.in_no_deploy_window(local(calendar, 5, 12, 0), kFridayCutoffHour));
  EXPECT_TRUE(calendar.in_no_deploy_window(local(calendar, 6, 23, 59), kFridayCutoffHour));
  EXPECT_FALSE(calendar.in_no_deploy_window(local(calendar, 7, 0, 0), kFridayCutoffHour));
  EXPECT_FALSE(calendar.in_no_deploy_window(local(calendar, 3, 23, 0), kFridayCutoffHour));

  const SimTime monday = local(calendar, 7, 0, 0);
  EXPECT_EQ(calendar.next_deploy_allowed(local(calendar, 4, 16, 0), kFridayCutoffHour), monday);
  EXPECT_EQ(calendar.next_deploy_allowed(local(calendar, 6, 9, 30), kFridayCutoffHour), monday);
  const SimTime thursday = local(calendar, 3, 22, 0);
  EXPECT_EQ(calendar.next_deploy_allowed(thursday, kFridayCutoffHour), thursday);
  // A later cutoff moves the start of the window; the weekend stays closed.
  EXPECT_FALSE(calendar.in_no_deploy_window(local(calendar, 4, 17, 0), 18));
  EXPECT_TRUE(calendar.in_no_deploy_window(local(calendar, 4, 18, 0), 18));
  EXPECT_TRUE(calendar.in_no_deploy_window(local(calendar, 5, 1, 0), 24));
}

TEST(LocalCalendar, FreezeWindowsCloseWholeLocalDays) {
  // Days 9..10 are Wednesday and Thursday of the second week.
  const LocalCalendar calendar = office(8, {}, {{9, 10}});
  EXPECT_FALSE(calendar.in_freeze_window(local(calendar, 8, 23, 59)));
  EXPECT_TRUE(calendar.in_freeze_window(local(calendar, 9, 0, 0)));
  EXPECT_TRUE(calendar.in_freeze_window(local(calendar, 10, 23, 59)));
  EXPECT_TRUE(calendar.in_no_deploy_window(local(calendar, 9, 10, 0), kFridayCutoffHour));
  EXPECT_EQ(calendar.next_deploy_allowed(local(calendar, 9, 10, 0), kFridayCutoffHour),
            local(calendar, 11, 0, 0));
  // A freeze that runs into the Friday window: Thursday..Friday, then the weekend, then Monday.
  const LocalCalendar long_freeze = office(-5, {}, {{10, 11}});
  EXPECT_EQ(long_freeze.next_deploy_allowed(local(long_freeze, 10, 9, 0), kFridayCutoffHour),
            local(long_freeze, 14, 0, 0));
}

}  // namespace
}  // namespace genops::models
