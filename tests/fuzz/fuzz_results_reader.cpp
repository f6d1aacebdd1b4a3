// libFuzzer target: the results-file reader (every table) and the /awu export behind
// `conformance results.h5`. The input is written to a file (HDF5 reads files); bad input must be
// a ResultsFileError, never a crash inside libhdf5 or ours.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "results/awu_from_results.hpp"
#include "results/results_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/genops-fuzz-results-" + std::to_string(::getpid()) + ".h5";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr)
    return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  try {
    const genops::results::StudyRecords study = genops::results::read_study(path);
    (void)genops::results::awus_to_otlp_lines(study);
  } catch (const genops::results::ResultsFileError&) {
  }
  return 0;
}
