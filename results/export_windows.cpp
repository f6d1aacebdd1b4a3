#include "results/export_windows.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <vector>

namespace genops::results {

std::size_t export_in_windows(std::size_t slots,
                              const std::function<std::size_t(std::size_t, std::string&)>& write,
                              const std::function<void(std::string_view)>& sink) {
  constexpr std::size_t kSlotsPerWorker = 2;
  const std::size_t window = kSlotsPerWorker * static_cast<std::size_t>(std::max(
                                                   1, tbb::this_task_arena::max_concurrency()));
  // Two banks of buffers: one is handed to the sink while the next window fills the other.
  std::vector<std::string> buffers(2 * std::min(window, slots));
  std::vector<std::size_t> spans(slots, 0);
  const auto fill = [&](std::size_t first, std::size_t last, std::size_t bank) {
    tbb::parallel_for(first, last, [&, first, bank](std::size_t i) {
      std::string& text = buffers[bank * window + (i - first)];
      text.clear();
      spans[i] = write(i, text);
    });
  };
  std::size_t total = 0;
  tbb::task_group next_window;
  fill(0, std::min(slots, window), 0);
  for (std::size_t first = 0, bank = 0; first < slots; first += window, bank ^= 1) {
    const std::size_t last = std::min(slots, first + window);
    if (last < slots) {
      next_window.run([&fill, slots, last, window, bank] {
        fill(last, std::min(slots, last + window), bank ^ 1);
      });
    }
    try {
      for (std::size_t i = first; i < last; ++i) {
        sink(buffers[bank * window + (i - first)]);
        total += spans[i];
      }
    } catch (...) {
      next_window.wait();  // never leave with the next window still filling
      throw;
    }
    next_window.wait();
  }
  return total;
}

}  // namespace genops::results
