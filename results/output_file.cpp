#include "results/output_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <system_error>
#include <utility>

namespace genops::results {

namespace fs = std::filesystem;

namespace {

// ---- Partials removed on SIGINT / SIGTERM / SIGHUP / SIGXFSZ ------------------------------------
// A fixed table the handler can walk without allocating: unlink(2) is async-signal-safe.

constexpr std::size_t kCleanupSlots = 16;
constexpr std::size_t kMaxPathBytes = 4096;

struct CleanupSlot {
  std::atomic<bool> used{false};
  char path[kMaxPathBytes] = {};
};

std::array<CleanupSlot, kCleanupSlots> cleanup_slots;
std::mutex cleanup_mutex;  // guards claiming and releasing slots (never taken by the handler)

void remove_partials_and_reraise(int signal_number) {
  for (CleanupSlot& slot : cleanup_slots) {
    if (slot.used.load(std::memory_order_acquire)) {
      ::unlink(slot.path);
    }
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void install_signal_handlers() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGXFSZ}) {
      struct sigaction previous {};
      if (::sigaction(signal_number, nullptr, &previous) != 0 ||
          previous.sa_handler == SIG_IGN) {  // e.g. nohup: keep ignoring
        continue;
      }
      struct sigaction action {};
      action.sa_handler = remove_partials_and_reraise;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESETHAND;
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

int claim_cleanup_slot(const fs::path& partial) {
  const std::string& text = partial.native();
  if (text.size() >= kMaxPathBytes) {
    return -1;  // the destructor still removes it; only a signal would leave it behind
  }
  install_signal_handlers();
  const std::lock_guard lock(cleanup_mutex);
  for (std::size_t index = 0; index < kCleanupSlots; ++index) {
    CleanupSlot& slot = cleanup_slots[index];
    if (!slot.used.load(std::memory_order_relaxed)) {
      std::memcpy(slot.path, text.c_str(), text.size() + 1);
      slot.used.store(true, std::memory_order_release);
      return static_cast<int>(index);
    }
  }
  return -1;
}

void release_cleanup_slot(int index) {
  if (index < 0) {
    return;
  }
  const std::lock_guard lock(cleanup_mutex);
  cleanup_slots[static_cast<std::size_t>(index)].used.store(false, std::memory_order_release);
}

// ---- Checks ------------------------------------------------------------------------------------

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

std::string kind_of(const struct stat& status) {
  switch (status.st_mode & S_IFMT) {
    case S_IFDIR:
      return "a directory";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "not a regular file";
  }
}

std::string random_suffix() {
  std::array<unsigned char, 6> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;  // the pid and O_EXCL still keep names unique
    }
    filled += static_cast<std::size_t>(got);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const unsigned char byte : bytes) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 15];
  }
  return text;
}

// lstat(2) of the target: nullopt when it does not exist.
bool status_of(const fs::path& path, struct stat& status) {
  return ::lstat(path.c_str(), &status) == 0;
}

void check_target(const OutputTarget& output, bool force) {
  const std::string name = output.option + " " + quoted(output.path);
  struct stat status {};
  if (!status_of(output.path, status)) {
    if (errno != ENOENT) {
      throw OutputError(name + ": cannot inspect it: " + std::strerror(errno));
    }
    return;
  }
  if (!S_ISREG(status.st_mode)) {
    throw OutputError(name + " exists and is " + kind_of(status) +
                      "; expected a regular file or a new name (refusing to replace it)");
  }
  if (!force) {
    throw OutputError(name + " exists; refusing to overwrite it (add --force to replace it)");
  }
}

}  // namespace

bool same_file(const fs::path& left, const fs::path& right) {
  struct stat left_status {};
  struct stat right_status {};
  if (::stat(left.c_str(), &left_status) == 0 && ::stat(right.c_str(), &right_status) == 0) {
    return left_status.st_dev == right_status.st_dev && left_status.st_ino == right_status.st_ino;
  }
  std::error_code error;
  const fs::path left_canonical = fs::weakly_canonical(fs::absolute(left, error), error);
  const fs::path right_canonical = fs::weakly_canonical(fs::absolute(right, error), error);
  return !error && left_canonical == right_canonical;
}

bool is_partial_of(const fs::path& candidate, const fs::path& target) {
  const std::string name = candidate.filename().string();
  const std::string prefix = target.filename().string() + ".";
  return name.size() > prefix.size() + 8 && name.starts_with(prefix) && name.ends_with(".partial");
}

void check_outputs(std::span<const OutputTarget> outputs, std::span<const fs::path> inputs,
                   bool force) {
  for (std::size_t index = 0; index < outputs.size(); ++index) {
    const OutputTarget& output = outputs[index];
    if (output.path.empty()) {
      throw OutputError(output.option + ": expected a file path, got an empty one");
    }
    if (!output.path.has_filename()) {
      throw OutputError(output.option + " " + quoted(output.path) +
                        " names a directory; expected a file path");
    }
    const fs::path directory =
        output.path.has_parent_path() ? output.path.parent_path() : fs::path(".");
    struct stat directory_status {};
    if (::stat(directory.c_str(), &directory_status) != 0 || !S_ISDIR(directory_status.st_mode)) {
      throw OutputError(output.option + " " + quoted(output.path) + ": directory " +
                        quoted(directory) + " does not exist");
    }
    for (const fs::path& input : inputs) {
      if (same_file(output.path, input)) {
        throw OutputError(output.option + " " + quoted(output.path) + " is the input " +
                          quoted(input) + "; expected a different file");
      }
    }
    for (std::size_t other = 0; other < index; ++other) {
      if (same_file(output.path, outputs[other].path)) {
        throw OutputError(output.option + " " + quoted(output.path) + " is the same file as " +
                          outputs[other].option + " " + quoted(outputs[other].path) +
                          "; expected different files");
      }
    }
    check_target(output, force);
  }
}

// ---- OutputFile --------------------------------------------------------------------------------

OutputFile::OutputFile(OutputTarget target, bool force)
    : target_(std::move(target)), force_(force) {
  fs::path partial = target_.path;
  partial += "." + std::to_string(::getpid()) + "-" + random_suffix() + ".partial";
  partial_ = std::move(partial);
  descriptor_ = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (descriptor_ < 0) {
    const int error_number = errno;
    throw OutputError(target_.option + " " + quoted(target_.path) + ": cannot create " +
                      quoted(partial_) + ": " + std::strerror(error_number));
  }
  cleanup_slot_ = claim_cleanup_slot(partial_);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : target_(std::move(other.target_)),
      partial_(std::move(other.partial_)),
      force_(other.force_),
      descriptor_(std::exchange(other.descriptor_, -1)),
      cleanup_slot_(std::exchange(other.cleanup_slot_, -1)),
      committed_(std::exchange(other.committed_, true)) {}

OutputFile::~OutputFile() {
  if (!committed_) {
    discard();
  }
}

void OutputFile::close_descriptor() {
  if (descriptor_ >= 0) {
    ::close(descriptor_);
    descriptor_ = -1;
  }
}

void OutputFile::fail(const std::string& what, int error_number) {
  const std::string message = target_.option + " " + quoted(target_.path) + ": " + what + ": " +
                              std::strerror(error_number);
  discard();
  throw OutputError(message);
}

void OutputFile::write(std::string_view bytes) {
  if (descriptor_ < 0) {
    throw OutputError(target_.option + " " + quoted(target_.path) + ": write after close");
  }
  while (!bytes.empty()) {
    const ssize_t written = ::write(descriptor_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("writing failed", errno);
    }
    if (written == 0) {
      fail("writing failed", EIO);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void OutputFile::commit() {
  if (committed_) {
    return;
  }
  if (descriptor_ < 0) {
    descriptor_ = ::open(partial_.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor_ < 0) {
      fail("cannot reopen " + quoted(partial_), errno);
    }
  }
  if (::fsync(descriptor_) != 0) {
    fail("fsync failed", errno);
  }
  if (::close(std::exchange(descriptor_, -1)) != 0) {
    fail("closing failed", errno);
  }
  try {
    check_target(target_, force_);
  } catch (const OutputError&) {
    discard();
    throw;
  }
  int renamed = -1;
  if (!force_) {
    // No-clobber even if the target appeared since the check.
    renamed =
        ::renameat2(AT_FDCWD, partial_.c_str(), AT_FDCWD, target_.path.c_str(), RENAME_NOREPLACE);
    if (renamed != 0 && errno == EEXIST) {
      fail("appeared while writing; refusing to overwrite it (add --force to replace it)", EEXIST);
    }
  }
  if (renamed != 0 && ::rename(partial_.c_str(), target_.path.c_str()) != 0) {
    fail("cannot rename " + quoted(partial_) + " to it", errno);
  }
  committed_ = true;
  release_cleanup_slot(std::exchange(cleanup_slot_, -1));
  const fs::path directory =
      target_.path.has_parent_path() ? target_.path.parent_path() : fs::path(".");
  const int directory_descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_descriptor >= 0) {
    ::fsync(directory_descriptor);  // best effort: the rename itself has happened
    ::close(directory_descriptor);
  }
}

void OutputFile::discard() noexcept {
  close_descriptor();
  if (!partial_.empty() && !committed_) {
    ::unlink(partial_.c_str());
  }
  release_cleanup_slot(std::exchange(cleanup_slot_, -1));
}

}  // namespace genops::results
