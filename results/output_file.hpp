#pragma once

// Output safety, the one module every writer goes through (`run --out`, `run --telemetry`,
// `report --html`). Before any work, check_outputs() refuses an empty path, an existing target
// that is not a regular file (a device, a directory, a FIFO), an output that is one of the
// command's inputs or another of its outputs (same device and inode, or the same canonical
// path), and an existing file unless --force. An OutputFile then writes a uniquely named partial
// file next to the target (`<target>.<pid>-<random>.partial`), fsyncs it and renames it over the
// target only when complete; the partial is removed on failure, on destruction without commit()
// and on SIGINT/SIGTERM.

#include <cstddef>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace genops::results {

// Bad output request or failed write (exit 2). what() is one line naming the option, the path
// and the reason (strerror for system errors).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One output of a command: the option that names it ("--out") and its path.
struct OutputTarget {
  std::string option;
  std::filesystem::path path;
};

// Whether two paths name the same file: same device and inode when both exist, else the same
// weakly canonical path.
bool same_file(const std::filesystem::path& left, const std::filesystem::path& right);

// Checks every output against the rules above; OutputError naming the first offending option.
void check_outputs(std::span<const OutputTarget> outputs,
                   std::span<const std::filesystem::path> inputs, bool force);

// A partial file next to `target`, published by commit(). Move-only.
class OutputFile {
 public:
  // Creates the partial (O_EXCL, mode 0644); OutputError when the directory refuses it.
  OutputFile(OutputTarget target, bool force);
  ~OutputFile();
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::filesystem::path& target() const { return target_.path; }
  const std::filesystem::path& partial_path() const { return partial_; }
  // The open descriptor of the partial (-1 after close_descriptor()).
  int descriptor() const { return descriptor_; }
  // Closes the descriptor so another library (HDF5) can reopen the partial by name.
  void close_descriptor();
  // Appends bytes; OutputError with strerror on a short or failed write (ENOSPC, EIO, ...).
  void write(std::string_view bytes);
  // fsyncs the partial, re-checks the target (still not a non-regular file, not created
  // meanwhile unless force) and renames the partial over it, then fsyncs the directory.
  void commit();
  // Removes the partial (idempotent); called on failure and by the destructor.
  void discard() noexcept;
  bool committed() const { return committed_; }

 private:
  [[noreturn]] void fail(const std::string& what, int error_number);

  OutputTarget target_;
  std::filesystem::path partial_;
  bool force_ = false;
  int descriptor_ = -1;
  int cleanup_slot_ = -1;  // index in the signal handler's table of partials
  bool committed_ = false;
};

// The partial-name pattern of `target`: files `<target name>.*.partial` in its directory.
bool is_partial_of(const std::filesystem::path& candidate, const std::filesystem::path& target);

}  // namespace genops::results
