#include "sim/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/text.hpp"

namespace cimsim::sim {

namespace fs = std::filesystem;

namespace {

std::string shown(const std::string& path) { return common::printable(path, 160); }

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw OutputError(shown(path) + ": " + why);
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& doing, int err) {
  fail(path, doing + ": " + std::strerror(err));
}

// Writes all of `text` to `fd`, retrying short writes and EINTR. Returns 0 or the errno.
int write_all(int fd, const std::string& text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISFIFO(m)) return "a FIFO";
  return "a regular file";
}

// Why `st` (from lstat) cannot be an output target, or nullptr if it can.
std::string refusal(const struct stat& st) {
  if (S_ISLNK(st.st_mode))
    return "is a symbolic link; cimsim does not write through links (give the path it points to)";
  if (S_ISDIR(st.st_mode)) return "is a directory; give a file path";
  if (S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
    return std::string("is ") + kind_of(st.st_mode) + "; give a regular file, a character device or a FIFO";
  return {};
}

// Devices and FIFOs are written in place: replacing /dev/null with a regular file is never what was meant.
void write_through(const std::string& path, const struct stat& before, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail_errno(path, "cannot open", errno);
  struct stat after {};
  if (::fstat(fd, &after) != 0 || after.st_ino != before.st_ino || after.st_dev != before.st_dev) {
    ::close(fd);
    fail(path, "changed while being opened; not written");
  }
  const int err = write_all(fd, text);
  const int cerr = ::close(fd) != 0 ? errno : 0;
  if (err) fail_errno(path, "write failed", err);
  if (cerr && cerr != EINTR) fail_errno(path, "write failed", cerr);
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ (std::uint64_t(::getpid()) << 32)};
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(8, 'x');
  for (char& c : s) c = alphabet[rng() % 36];
  return s;
}

void replace_atomically(const std::string& path, const struct stat* existing, const std::string& text) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string base = target.filename().string();
  if (base.size() > 200) base.resize(200);  // keep the temporary's name under NAME_MAX
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = (dir / ("." + base + ".cimsim-" + random_suffix())).string();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) fail_errno(path, "cannot create a temporary in " + dir.string(), errno);
  }
  if (fd < 0) fail(path, "cannot create a unique temporary beside it");
  auto abandon = [&](const std::string& doing, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail_errno(path, doing, err);
  };
  if (int err = write_all(fd, text)) abandon("write failed", err);
  if (existing && ::fchmod(fd, existing->st_mode & 07777) != 0) abandon("cannot keep its permissions", errno);
  if (::fsync(fd) != 0 && errno != EINVAL) abandon("write failed", errno);
  if (::close(fd) != 0 && errno != EINTR) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_errno(path, "write failed", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_errno(path, "cannot rename the finished file into place", err);
  }
  // make the rename itself durable; a directory that cannot be opened or synced is not an error
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// The absolute, normalized form of `path` without a trailing separator ("r/" and "r" are one directory).
fs::path absolute_normal(const std::string& path) {
  fs::path p = fs::absolute(path).lexically_normal();
  if (p.filename().empty() && p.has_parent_path()) p = p.parent_path();
  return p;
}

std::string normal(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(absolute_normal(path), ec);
  return ec ? absolute_normal(path).string() : p.string();
}

}  // namespace

void write_output(const std::string& path, const std::string& text) {
  if (path.empty()) throw OutputError("an output path is empty");
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) fail_errno(path, "cannot inspect", errno);
    replace_atomically(path, nullptr, text);
    return;
  }
  if (const std::string why = refusal(st); !why.empty()) fail(path, why);
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    write_through(path, st, text);
    return;
  }
  replace_atomically(path, &st, text);
}

void OutputPlan::input(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return;  // a built-in name, not a file
  inputs_.push_back({path, ""});
}

void OutputPlan::output(const std::string& path, const std::string& what) {
  if (path.empty()) return;
  struct stat st {};
  const bool exists = ::lstat(path.c_str(), &st) == 0;
  if (exists) {
    if (const std::string why = refusal(st); !why.empty()) fail(path, why + " (" + what + ")");
    for (const Entry& in : inputs_) {
      struct stat ist {};
      if (::stat(in.path.c_str(), &ist) == 0 && same_file(st, ist))
        fail(path, "is an input of this command (" + shown(in.path) + "); choose another path for " + what);
    }
  } else {
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    bool planned = false;
    for (const std::string& d : dirs_) planned = planned || (!parent.empty() && normal(parent.string()) == d);
    if (!parent.empty() && !planned && !fs::is_directory(parent, ec))
      fail(path, "directory " + shown(parent.string()) + " does not exist (" + what + ")");
  }
  const std::string norm = normal(path);
  for (const Entry& out : outputs_) {
    struct stat ost {};
    const bool same = (exists && ::stat(out.path.c_str(), &ost) == 0 && same_file(st, ost)) || normal(out.path) == norm;
    if (same) fail(path, "given for both " + out.what + " and " + what + "; choose two paths");
  }
  outputs_.push_back({path, what});
}

void OutputPlan::output_dir(const std::string& path, const std::string& what) {
  if (path.empty()) return;
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(path, ec)) && !fs::exists(path, ec))
    fail(path, std::string("is a dangling symbolic link; ") + what + " takes a directory");
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec))
      throw OutputError(what + " " + shown(path) +
                        ": exists and is not a directory; allowed: a directory or a path that does not exist yet");
    return;
  }
  dirs_.push_back(normal(path));
  const fs::path parent = absolute_normal(path).parent_path();
  if (!fs::is_directory(parent, ec))
    fail(path, "directory " + shown(parent.string()) + " does not exist (" + what + ")");
}

}  // namespace cimsim::sim
