// A main for a fuzz target without libFuzzer: `replay_<target> PATH...` calls the target's
// LLVMFuzzerTestOneInput once on every input file, so each finding committed under
// tests/data/fuzz/<target>/ is a regression test in the ordinary release (and dev) build.
// A PATH is a file or a folder whose regular files are replayed in name order (not recursively;
// *.py, *.tsv, *.txt, *.md and dot files are skipped, as scripts/fuzz.sh does). A missing path
// or a folder without inputs is an error (exit 1), so the test cannot pass on nothing; a crash,
// a sanitizer report or an exception the target does not expect fails it as it fails the fuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool is_input(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string extension = path.extension().string();
  return !name.empty() && name[0] != '.' && extension != ".py" && extension != ".tsv" &&
         extension != ".txt" && extension != ".md";
}

// The inputs named by `argument`, or an empty list after printing why there are none.
std::vector<fs::path> inputs_of(const fs::path& argument) {
  std::error_code error;
  if (fs::is_regular_file(argument, error))
    return {argument};
  if (!fs::is_directory(argument, error)) {
    std::cerr << "replay: " << argument.string() << ": no such file or folder\n";
    return {};
  }
  std::vector<fs::path> inputs;
  for (const fs::directory_entry& entry : fs::directory_iterator(argument)) {
    if (entry.is_regular_file() && is_input(entry.path()))
      inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty())
    std::cerr << "replay: " << argument.string() << ": no inputs in this folder\n";
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " FILE|FOLDER...\n";
    return 1;
  }
  std::size_t replayed = 0;
  for (int a = 1; a < argc; ++a) {
    const std::vector<fs::path> inputs = inputs_of(argv[a]);
    if (inputs.empty())
      return 1;
    for (const fs::path& input : inputs) {
      std::cout << "replay: " << input.string() << '\n' << std::flush;  // named if it crashes
      std::ifstream stream(input, std::ios::binary);
      const std::vector<char> bytes{std::istreambuf_iterator<char>(stream),
                                    std::istreambuf_iterator<char>()};
      if (!stream.good() && !stream.eof()) {
        std::cerr << "replay: " << input.string() << ": read error\n";
        return 1;
      }
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::cout << "replay: " << replayed << " inputs, no crash\n";
  return 0;
}
