#include "models/calendar.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "engine/error.hpp"

namespace genops::models {

namespace {

int floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return static_cast<int>(q);
}

}  // namespace

int days_from_iso_date(const std::string& date) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char dash1 = 0;
  char dash2 = 0;
  if (date.size() != 10 ||
      std::sscanf(date.c_str(), "%4d%c%2u%c%2u", &year, &dash1, &month, &dash2, &day) != 5 ||
      dash1 != '-' || dash2 != '-' || month < 1 || month > 12 || day < 1 || day > 31) {
    throw std::invalid_argument("expected an ISO date YYYY-MM-DD, got '" + date + "'");
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr unsigned kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDaysInMonth[month - 1] + (month == 2 && leap ? 1U : 0U)) {
    throw std::invalid_argument("expected an ISO date YYYY-MM-DD, got '" + date +
                                "' (no such day)");
  }
  // Howard Hinnant's days_from_civil.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

int iso_weekday(const std::string& date) {
  const int days = days_from_iso_date(date);
  // 1970-01-01 was a Thursday (3 when Monday = 0).
  return ((days % 7) + 7 + 3) % 7;
}

int month_index_of_day(int days_since_epoch) {
  // Howard Hinnant's civil_from_days.
  const int z = days_since_epoch + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + static_cast<int>(month) - 1;
}

std::string month_name(int month_index) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d", month_index / 12, month_index % 12 + 1);
  return buffer;
}

LocalCalendar::LocalCalendar(int start_weekday, int utc_offset_hours,
                             const ReviewerConfig& reviewers, std::vector<int> holidays,
                             std::vector<DayRange> freeze_windows)
    : start_weekday_(start_weekday),
      offset_(SimTime::hours(utc_offset_hours)),
      reviewers_(reviewers),
      holidays_(std::move(holidays)),
      freeze_windows_(std::move(freeze_windows)) {
  std::sort(holidays_.begin(), holidays_.end());
}

int LocalCalendar::local_day(SimTime t) const {
  return floor_div(to_local(t).ticks(), SimTime::kTicksPerDay);
}

int LocalCalendar::weekday(SimTime t) const {
  return ((start_weekday_ + local_day(t)) % 7 + 7) % 7;
}

int LocalCalendar::hour(SimTime t) const {
  const std::int64_t in_day =
      to_local(t).ticks() - static_cast<std::int64_t>(local_day(t)) * SimTime::kTicksPerDay;
  return static_cast<int>(in_day / SimTime::kTicksPerHour);
}

double LocalCalendar::hour_of_day(SimTime t) const {
  const std::int64_t in_day =
      to_local(t).ticks() - static_cast<std::int64_t>(local_day(t)) * SimTime::kTicksPerDay;
  return static_cast<double>(in_day) / static_cast<double>(SimTime::kTicksPerHour);
}

bool LocalCalendar::is_holiday(SimTime t) const {
  return std::binary_search(holidays_.begin(), holidays_.end(), local_day(t));
}

bool LocalCalendar::in_freeze_window(SimTime t) const {
  const int day = local_day(t);
  return std::any_of(freeze_windows_.begin(), freeze_windows_.end(),
                     [day](const DayRange& r) { return day >= r.first_day && day <= r.last_day; });
}

bool LocalCalendar::is_working_day(int day) const {
  const int wd = ((start_weekday_ + day) % 7 + 7) % 7;
  return reviewers_.working_days[static_cast<std::size_t>(wd)] &&
         !std::binary_search(holidays_.begin(), holidays_.end(), day);
}

SimTime LocalCalendar::local_day_start(int day) const {
  return from_local(SimTime::days(day));
}

bool LocalCalendar::is_working_time(SimTime t) const {
  if (!is_working_day(local_day(t)))
    return false;
  const int h = hour(t);
  return h >= reviewers_.work_start_hour && h < reviewers_.work_end_hour;
}

SimTime LocalCalendar::next_working_start(SimTime t) const {
  if (is_working_time(t))
    return t;
  int day = local_day(t);
  // Today's start if still ahead, else the next working day's.
  const SimTime today_start = local_day_start(day) + SimTime::hours(reviewers_.work_start_hour);
  if (is_working_day(day) && t < today_start)
    return today_start;
  for (int step = 1; step <= 400; ++step) {
    if (is_working_day(day + step)) {
      return local_day_start(day + step) + SimTime::hours(reviewers_.work_start_hour);
    }
  }
  throw std::invalid_argument("the reviewers' calendar has no working day within 400 days");
}

SimTime LocalCalendar::working_period_end(SimTime t) const {
  GENOPS_ASSERT(is_working_time(t), "working_period_end outside working time");
  return local_day_start(local_day(t)) + SimTime::hours(reviewers_.work_end_hour);
}

bool LocalCalendar::in_no_deploy_window(SimTime t, int friday_cutoff_hour) const {
  if (in_freeze_window(t))
    return true;
  const int wd = weekday(t);
  if (wd == 4 && hour(t) >= friday_cutoff_hour)
    return true;
  return wd == 5 || wd == 6;
}

SimTime LocalCalendar::next_deploy_allowed(SimTime t, int friday_cutoff_hour) const {
  SimTime candidate = t;
  for (int step = 0; step < 400 && in_no_deploy_window(candidate, friday_cutoff_hour); ++step) {
    candidate = local_day_start(local_day(candidate) + 1);
  }
  return candidate;
}

}  // namespace genops::models
