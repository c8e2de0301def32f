#include "sim/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <climits>
#include <map>
#include <stdexcept>

#include "common/text.hpp"

namespace cimsim::sim {

namespace {

// An output file of a child, opened by the parent (so an error is an exception here, not an exit code of
// the child): created or truncated, never through a symlink, closed in this process at exec.
int open_output(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
  return fd;
}

// A file descriptor closed when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

void make_pipe(Fd& read_end, Fd& write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0)
    throw std::runtime_error(std::string("cannot make a pipe (") + std::strerror(errno) + ")");
  read_end.fd = p[0];
  write_end.fd = p[1];
}

// argv[0] as execvp would find it, but looked up before fork (the child of a threaded process only execs):
// a name with a slash as it is, else the first executable regular file of that name in PATH.
std::string find_program(const std::string& name) {
  if (name.empty()) throw std::runtime_error("cannot run a program with an empty name");
  if (name.find('/') != std::string::npos) return name;
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  for (size_t start = 0;;) {
    const size_t end = std::min(path.find(':', start), path.size());
    const std::string dir = end == start ? "." : path.substr(start, end - start);
    const std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (end == path.size()) break;
    start = end + 1;
  }
  throw std::runtime_error("cannot run " + common::printable(name, 80) + ": no such program in PATH");
}

// Reads what is there (non-blocking) into the tail buffer `out`; closes `fd` at end of file.
void drain(Fd& fd, std::string& out, size_t max_output) {
  char chunk[16384];
  while (fd.fd >= 0) {
    const ssize_t n = ::read(fd.fd, chunk, sizeof chunk);
    if (n > 0) {
      out.append(chunk, size_t(n));
      if (out.size() > 2 * max_output + sizeof chunk) out.erase(0, out.size() - max_output);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) fd.reset();
      return;
    }
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& args, const std::string& stdin_text,
                          double timeout_s, size_t max_output) {
  using Clock = std::chrono::steady_clock;
  if (args.empty()) throw std::runtime_error("cannot run an empty command");
  const std::string program = find_program(args[0]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  Fd in_r, in_w, out_r, out_w, err_r, err_w, exec_r, exec_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);
  make_pipe(exec_r, exec_w);  // the child's exec error (errno), closed unwritten by a successful exec
  // The whole stdin goes into the pipe now (made large enough): no write can block on a child that does not
  // read, nor raise SIGPIPE in this process when the child exits without reading.
  constexpr size_t kMaxStdin = size_t(1) << 20;
  if (stdin_text.size() > kMaxStdin)
    throw std::runtime_error("cannot pass " + std::to_string(stdin_text.size()) +
                             " bytes on stdin (at most 1 MiB)");
  if (stdin_text.size() > 65536) ::fcntl(in_w.fd, F_SETPIPE_SZ, int(stdin_text.size()));
  ::fcntl(in_w.fd, F_SETFL, O_NONBLOCK);
  for (size_t off = 0; off < stdin_text.size();) {
    const ssize_t n = ::write(in_w.fd, stdin_text.data() + off, stdin_text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error("cannot pass " + std::to_string(stdin_text.size()) + " bytes on stdin (" +
                               std::strerror(errno) + ")");
    off += size_t(n);
  }
  in_w.reset();
  ::fcntl(out_r.fd, F_SETFL, O_NONBLOCK);
  ::fcntl(err_r.fd, F_SETFL, O_NONBLOCK);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // the child: only async-signal-safe calls until exec (see start_job); a process group of its own (what a
    // timeout kills), no blocked signals, SIGPIPE as usual
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    if (::dup2(in_r.fd, STDIN_FILENO) >= 0 && ::dup2(out_w.fd, STDOUT_FILENO) >= 0 &&
        ::dup2(err_w.fd, STDERR_FILENO) >= 0)
      ::execv(program.c_str(), argv.data());
    const int e = errno;
    [[maybe_unused]] const ssize_t w = ::write(exec_w.fd, &e, sizeof e);
    ::_exit(127);
  }
  if (pid < 0)
    throw std::runtime_error("cannot start " + common::printable(program, 80) + " (" + std::strerror(errno) +
                             ")");
  ::setpgid(pid, pid);  // also here: no kill(-pid) may come before the child's own setpgid
  in_r.reset();
  out_w.reset();
  err_w.reset();
  exec_w.reset();
  int exec_errno = 0;
  ssize_t got = 0;
  do got = ::read(exec_r.fd, &exec_errno, sizeof exec_errno);
  while (got < 0 && errno == EINTR);
  if (got == ssize_t(sizeof exec_errno)) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw std::runtime_error("cannot run " + common::printable(program, 80) + " (" +
                             std::strerror(exec_errno) + ")");
  }

  CommandResult r;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(std::clamp(timeout_s, 0.0, 1e9)));
  bool exited = false, lost = false;
  Clock::time_point exited_at;
  for (;;) {
    if (!exited) {
      // exited, but not reaped yet (WNOWAIT): its pid, hence its process group id, stays ours to kill
      siginfo_t info{};
      const int w = ::waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT);
      lost = w < 0 && errno == ECHILD;  // reaped by someone else's waitpid(-1)
      if ((w == 0 && info.si_pid == pid) || lost) {
        exited = true;
        exited_at = Clock::now();
      }
    }
    const bool open = out_r.fd >= 0 || err_r.fd >= 0;
    const auto now = Clock::now();
    // done when it has exited and its outputs are closed, or 200 ms after it exited while something it
    // started still holds them
    if (exited && (!open || now - exited_at > std::chrono::milliseconds(200))) break;
    if (!exited && now >= deadline) {
      r.timed_out = true;
      break;
    }
    // wake up at least every 50 ms to see whether it exited (5 ms once it closed its outputs)
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    pollfd fds[2];
    nfds_t n = 0;
    for (const Fd* f : {&out_r, &err_r})
      if (f->fd >= 0) fds[n++] = pollfd{f->fd, POLLIN, 0};
    ::poll(fds, n, int(std::min<long long>(left, open ? 50 : 5)));
    drain(out_r, r.out, max_output);
    drain(err_r, r.err, max_output);
  }
  if (!lost) ::kill(-pid, SIGKILL);  // a timeout, or whatever it left running in its group
  int status = 0;
  pid_t w = 0;
  do w = ::waitpid(pid, &status, 0);
  while (w < 0 && errno == EINTR);
  r.exit_code = w != pid ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  for (std::string* s : {&r.out, &r.err})
    if (s->size() > max_output) s->erase(0, s->size() - max_output);
  return r;
}

int start_job(const Job& job) {
  std::vector<char*> argv;
  for (const auto& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int out = open_output(job.stdout_path);
  int err = -1;
  try {
    err = open_output(job.stderr_path);
  } catch (...) {
    ::close(out);
    throw;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // the child: only async-signal-safe calls until exec. It dies with its parent (SIGKILL when the parent
    // thread that forked it ends, whatever killed it); a parent already gone before prctl is caught by getppid.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (::dup2(out, STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(err);
  if (pid < 0) throw std::runtime_error("cannot start " + job.argv[0] + " (" + std::strerror(errno) + ")");
  return pid;
}

void run_jobs(std::vector<Job>& jobs, int parallel) {
  std::map<pid_t, size_t> running;
  size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && int(running.size()) < std::max(1, parallel)) {
      running[start_job(jobs[next])] = next;
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("waitpid failed");
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    jobs[it->second].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    running.erase(it);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string child_error(const std::string& stderr_path) {
  // only the end of the file: a child may have written gigabytes before its error line
  constexpr std::streamoff kTail = 64 * 1024;
  std::ifstream f(stderr_path, std::ios::binary | std::ios::ate);
  const std::streamoff size = f ? std::streamoff(f.tellg()) : 0;
  f.seekg(size > kTail ? size - kTail : 0);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t nl = text.rfind('\n');
  if (nl != std::string::npos) text = text.substr(nl + 1);
  const std::string prefix = "cimsim: error: ";
  return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
}

std::string self_executable() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find this executable (/proc/self/exe)");
  return std::string(buf, size_t(n));
}

}  // namespace cimsim::sim
