#pragma once

#include <chrono>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace genops::scenarios {

// Wall-clock seconds of each named step of a command, in the order the steps ran.
using StepTimes = std::vector<std::pair<std::string, double>>;

// Times the steps of a command that reads top-down: `auto x = steps.time("name", [&] { ... });`.
class StepTimer {
 public:
  template <typename Step>
  decltype(auto) time(std::string name, Step&& step) {
    const auto started = std::chrono::steady_clock::now();
    const auto record = [&] {
      times_.emplace_back(
          std::move(name),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };
    if constexpr (std::is_void_v<std::invoke_result_t<Step>>) {
      std::forward<Step>(step)();
      record();
    } else {
      auto result = std::forward<Step>(step)();
      record();
      return result;
    }
  }
  const StepTimes& times() const { return times_; }

 private:
  StepTimes times_;
};

}  // namespace genops::scenarios
