// libFuzzer target: the results-file reader (every table) and the /awu export behind
// `conformance results.h5`. The input is written to a file (HDF5 reads files) in $TMPDIR (default
// /tmp), removed at exit; bad input must be a ResultsFileError, never a crash inside libhdf5 or
// ours.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "results/awu_from_results.hpp"
#include "results/results_io.hpp"

namespace {

// The scratch file of this process, removed when the process exits normally.
struct ScratchFile {
  std::string path;
  ScratchFile() {
    const char* directory = std::getenv("TMPDIR");
    path = std::string(directory != nullptr && *directory != '\0' ? directory : "/tmp") +
           "/genops-fuzz-results-" + std::to_string(::getpid()) + ".h5";
  }
  ~ScratchFile() { std::remove(path.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchFile scratch;
  std::FILE* file = std::fopen(scratch.path.c_str(), "wb");
  // A harness that cannot write its input would test nothing: stop loudly instead.
  if (file == nullptr || std::fwrite(data, 1, size, file) != size || std::fclose(file) != 0) {
    std::perror(scratch.path.c_str());
    std::abort();
  }
  try {
    const genops::results::StudyRecords study = genops::results::read_study(scratch.path);
    (void)genops::results::awus_to_otlp_lines(study);
  } catch (const genops::results::ResultsFileError&) {
  }
  return 0;
}
