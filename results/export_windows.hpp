#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace genops::results {

// The one windowed exporter of AWU telemetry, for runs in memory (`run --telemetry`) and runs
// read back from a results file alike. Slot i is one (run, organization): `write(i, text)`
// appends its OTLP/JSON lines to `text` and returns its span count. Slots are serialised on
// oneTBB workers a window at a time into two banks of reused buffers, and each slot's text is
// handed to `sink` in slot order on the calling thread while the next window fills: memory stays
// bounded however long the study, and the bytes do not depend on the thread count. Returns the
// total span count.
std::size_t export_in_windows(std::size_t slots,
                              const std::function<std::size_t(std::size_t, std::string&)>& write,
                              const std::function<void(std::string_view)>& sink);

}  // namespace genops::results
