#include "search/accuracy.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "common/text.hpp"
#include "sim/subprocess.hpp"
#include "workloads/genotype.hpp"
#include "workloads/graph.hpp"

namespace cimsim::search {

namespace {

constexpr size_t kMaxRows = 1000000;
constexpr size_t kMaxField = 64 * 1024;
constexpr const char* kExpected = "expected top-1 accuracy in % (0 < a <= 100)";
constexpr const char* kCacheHeader = "architecture,accuracy,space,name\n";

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// `s` with each run of whitespace one space and none at the ends.
std::string squeeze(std::string_view s) {
  std::string out;
  bool gap = false;
  for (char c : s) {
    if (is_blank(c)) {
      gap = !out.empty();
    } else {
      if (gap) out += ' ';
      gap = false;
      out += c;
    }
  }
  return out;
}

// True when `s` starts `[NAME =] Genotype(` (whitespace anywhere): a DARTS genotype, which must then parse.
bool looks_like_genotype(std::string_view s) {
  std::string head;
  for (size_t i = 0; i < s.size() && head.size() < 80; ++i)
    if (!is_blank(s[i])) head += s[i];
  size_t i = 0;
  while (i < head.size() && (std::isalnum(static_cast<unsigned char>(head[i])) || head[i] == '_')) ++i;
  if (head.compare(0, 9, "Genotype(") == 0) return true;
  return i > 0 && i < head.size() && head[i] == '=' && head.compare(i + 1, 9, "Genotype(") == 0;
}

// What an architecture's text is matched by: a DARTS genotype in its canonical form (without its name), any
// other text squeezed. Throws workloads::NetworkError for a text that starts like a genotype but is none.
std::string canonical_text(const std::string& text) {
  if (!looks_like_genotype(text)) return squeeze(text);
  workloads::Genotype g = workloads::parse_genotype(text, "architecture");
  g.name.clear();
  return workloads::to_string(g);
}

// The shortest text that reads back as `v`.
std::string number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// "" when `text` is a top-1 accuracy in % (then in `value`), else what is wrong with it ("not a number",
// ...).
std::string accuracy_problem(const std::string& text, double& value) {
  const std::string t = squeeze(text);
  if (t.empty()) return "empty";
  const auto r = std::from_chars(t.data(), t.data() + t.size(), value);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(value)) return "not a number";
  if (!(value > 0 && value <= 100)) return "out of range";
  return "";
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// A CSV reader over a file descriptor (a table may be a pipe: `--accuracy <(...)`), with line and column
// numbers for errors. RFC 4180 fields: quoted ones may hold commas, line breaks and doubled quotes; spaces
// around a field are dropped; a UTF-8 byte order mark is skipped; blank lines are skipped.
class CsvReader {
 public:
  struct Field {
    std::string text;
    long line = 0, col = 0;
  };

  CsvReader(int fd, std::string file) : fd_(fd), file_(std::move(file)), buf_(64 * 1024) {}

  // The next record's first two fields and how many it has; false at the end of the file.
  bool next(std::vector<Field>& fields, size_t& count) {
    for (;;) {
      while (peek() == '\n' || peek() == '\r') get();
      if (peek() < 0) return false;
      fields.clear();
      count = 0;
      bool blank = true;
      for (bool more = true; more;) {
        Field f;
        bool quoted = false;
        more = field(f, quoted);
        blank = blank && !quoted && f.text.empty();
        if (count++ < 2) fields.push_back(std::move(f));
      }
      if (!(blank && count == 1)) return true;  // a line of spaces is blank too
    }
  }

  [[noreturn]] void fail(long line, long col, const std::string& what) const {
    throw AccuracyError(file_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
  }

 private:
  int peek() {
    if (pos_ == len_ && !eof_) fill();
    return pos_ < len_ ? static_cast<unsigned char>(buf_[pos_]) : -1;
  }
  int get() {
    const int c = peek();
    if (c < 0) return c;
    ++pos_;
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    return c;
  }
  void fill() {
    ssize_t n = 0;
    do n = ::read(fd_, buf_.data(), buf_.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) throw AccuracyError(file_ + ": cannot read (" + std::strerror(errno) + ")");
    eof_ = n == 0;
    pos_ = 0;
    len_ = size_t(n);
    if (first_ && len_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
    first_ = false;
  }
  void append(Field& f, int c) {
    if (f.text.size() >= kMaxField) fail(f.line, f.col, "a field longer than 64 KiB");
    f.text += char(c);
  }
  // Reads one field and what ends it; true when a comma did (more fields follow).
  bool field(Field& f, bool& quoted) {
    while (peek() == ' ' || peek() == '\t') get();
    f.line = line_;
    f.col = col_;
    quoted = peek() == '"';
    if (quoted) {
      get();
      for (;;) {
        const int c = get();
        if (c < 0)
          fail(f.line, f.col,
               "this quoted field is never closed (a quote inside a quoted field is written \"\")");
        if (c == '"') {
          if (peek() != '"') break;
          get();
        }
        append(f, c);
      }
      while (peek() == ' ' || peek() == '\t') get();
    } else {
      for (int c = peek(); c >= 0 && c != ',' && c != '\n' && c != '\r'; c = peek()) {
        if (c == '"')
          fail(line_, col_,
               "a quote inside an unquoted field: quote the whole field (\"...\") and double each quote in "
               "it");
        append(f, get());
      }
      while (!f.text.empty() && (f.text.back() == ' ' || f.text.back() == '\t')) f.text.pop_back();
    }
    const int c = peek();
    if (c == ',') {
      get();
      return true;
    }
    if (c == '\r') get();
    if (peek() == '\n') get();
    if (c < 0 || c == '\r' || c == '\n') return false;
    fail(line_, col_,
         "expected ',' or the end of the line after a quoted field, got '" +
             common::printable(std::string(1, char(c))) + "'");
  }

  int fd_;
  std::string file_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false, first_ = true;
  long line_ = 1, col_ = 1;
};

struct Entry {
  double accuracy = 0;
  long line = 0;  // in the file it came from (0: a command's answer in this run)
};
using Known = std::unordered_map<std::string, Entry>;

// Reads an accuracy table, or a command's cache, into `known`. An architecture given twice with the same
// accuracy is fine; with another one it is an error in a table, and the first row wins in a cache (two runs
// of a command that does not always answer the same).
void read_table(int fd, const std::string& file, Known& known, bool cache) {
  CsvReader csv(fd, file);
  std::vector<CsvReader::Field> f;
  size_t count = 0;
  const std::string header = "expected the header architecture,accuracy (more columns may follow)";
  if (!csv.next(f, count)) {
    if (cache) return;
    csv.fail(1, 1, header + ", got an empty file");
  }
  if (count < 2 || f[0].text != "architecture" || f[1].text != "accuracy") {
    std::string got = f[0].text;
    if (count > 1) got += "," + f[1].text + (count > 2 ? ",..." : "");
    csv.fail(f[0].line, f[0].col, header + ", got \"" + common::printable(got, 80) + "\"");
  }
  for (size_t rows = 0; csv.next(f, count);) {
    const CsvReader::Field& arch = f[0];
    if (++rows > kMaxRows) csv.fail(arch.line, arch.col, "more than " + std::to_string(kMaxRows) + " rows");
    // an unquoted genotype text: its commas split it, and its second piece is no accuracy
    const bool split = std::count(arch.text.begin(), arch.text.end(), '(') >
                       std::count(arch.text.begin(), arch.text.end(), ')');
    const std::string quote_hint = split ? " (a text holding commas must be CSV-quoted: \"...\")" : "";
    if (count < 2)
      csv.fail(arch.line, arch.col, "expected 2 columns (architecture,accuracy), got 1" + quote_hint);
    if (squeeze(arch.text).empty()) csv.fail(arch.line, arch.col, "an empty architecture");
    double accuracy = 0;
    const std::string problem = accuracy_problem(f[1].text, accuracy);
    if (!problem.empty())
      csv.fail(f[1].line, f[1].col,
               "accuracy \"" + common::printable(f[1].text, 40) + "\" is " + problem + "; " + kExpected +
                   quote_hint);
    std::string key;
    try {
      key = canonical_text(arch.text);
    } catch (const workloads::NetworkError& e) {
      // a cache holds what the search asked about, whatever it was (lookup() matches such a text squeezed)
      if (!cache) csv.fail(arch.line, arch.col, std::string("not a valid DARTS genotype: ") + e.what());
      key = squeeze(arch.text);
    }
    const auto [it, fresh] = known.emplace(key, Entry{accuracy, arch.line});
    if (!fresh && !cache && it->second.accuracy != accuracy)
      csv.fail(arch.line, arch.col,
               "architecture \"" + common::printable(key, 80) + "\" has accuracy " + number(accuracy) +
                   " here but " + number(it->second.accuracy) + " on line " +
                   std::to_string(it->second.line));
  }
}

// Opens the cache for appending: never through a symbolic link, only a regular file (created 0644).
int open_cache(const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0)
    throw AccuracyError(common::printable(path) + ": cannot write the accuracy cache (" +
                        (errno == ELOOP ? "a symbolic link: refused" : std::strerror(errno)) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw AccuracyError(common::printable(path) + ": the accuracy cache must be a regular file");
  }
  return fd;
}

// Appends `row` to the cache, the header first when the file is empty, under an exclusive lock (two searches
// may share a cache); a last line left without its line break (a crash) is ended first.
void append_cache(const std::string& path, const std::string& row) {
  const FdCloser fd{open_cache(path)};
  struct stat st {};
  char last = '\n';
  if (::flock(fd.fd, LOCK_EX) != 0 || ::fstat(fd.fd, &st) != 0 ||
      (st.st_size > 0 && ::pread(fd.fd, &last, 1, st.st_size - 1) != 1))
    throw AccuracyError(common::printable(path) + ": cannot use the accuracy cache (" + std::strerror(errno) +
                        ")");
  const std::string text = (st.st_size == 0 ? kCacheHeader : last != '\n' ? "\n" : "") + row;
  for (size_t off = 0; off < text.size();) {
    const ssize_t n = ::write(fd.fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw AccuracyError(common::printable(path) + ": cannot write the accuracy cache (" +
                          std::strerror(errno) + ")");
    off += size_t(n);
  }
}

// The last non-empty line of `text`, squeezed.
std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    const size_t start = text.rfind('\n', end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    std::string line = squeeze(std::string_view(text).substr(from, end - from));
    if (!line.empty()) return line;
    if (start == std::string::npos) break;
    end = start;
  }
  return "";
}

// "darts architecture darts_v2 "Genotype(normal=[('sep_c... (412 more bytes)"" for messages.
std::string label(const Architecture& a) {
  std::string out = a.space.empty() ? "" : common::printable(a.space, 40) + " ";
  out += "architecture";
  if (!a.name.empty()) out += " " + common::printable(a.name, 60);
  if (!a.text.empty()) out += " \"" + common::printable(squeeze(a.text), 60) + "\"";
  return out;
}

}  // namespace

struct AccuracySource::State {
  enum class Kind { table, command } kind = Kind::table;
  std::string file;  // the table, or the command's cache ("": none)
  std::vector<std::string> argv;
  double timeout_s = 0;
  std::mutex mutex;  // a command's `known` and `running`, and its cache file
  Known known;       // a table's rows; a command's answers (its cache's rows included)
  std::unordered_map<std::string, std::shared_future<double>> running;  // a command's runs under way
  std::atomic<uint64_t> runs{0};

  std::string command_text() const {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return "'" + common::printable(s, 400) + "'";
  }

  // By the text's key first, then by the name.
  std::optional<double> find(const std::string& text_key, const Architecture& a) const {
    for (const std::string& key : {text_key, squeeze(a.name)}) {
      if (key.empty()) continue;
      const auto it = known.find(key);
      if (it != known.end()) return it->second.accuracy;
    }
    return std::nullopt;
  }

  double run(const Architecture& a) {
    const nlohmann::json request = {{"space", a.space}, {"text", a.text}, {"name", a.name}};
    const std::string input = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const std::string who = "accuracy command " + command_text() + " for " + label(a);
    sim::CommandResult r;
    try {
      r = sim::run_command(argv, input, timeout_s);
    } catch (const std::runtime_error& e) {
      throw AccuracyError(who + ": " + e.what());
    }
    ++runs;
    std::string what;
    if (r.timed_out) {
      what = "timed out after " + number(timeout_s) + " s (killed)";
    } else if (r.exit_code != 0) {
      what = r.exit_code < 0 ? "ended with an unknown exit status"
                             : "exited with code " + std::to_string(r.exit_code);
    } else {
      const std::string line = last_line(r.out);
      double accuracy = 0;
      const std::string problem = accuracy_problem(line, accuracy);
      if (problem.empty()) return accuracy;
      what = line.empty() ? std::string("printed nothing on stdout; ") + kExpected + " on its last line"
                          : "printed \"" + common::printable(line, 60) + "\" on its last line: " + problem +
                                "; " + kExpected;
    }
    const std::string err = last_line(r.err);
    throw AccuracyError(
        who + " " + what + "; " +
        (err.empty() ? "nothing on stderr" : "its stderr ends: " + common::printable(err, 300)));
  }
};

namespace {

// What `a` is looked up by: its text's key ("" when it has no text).
std::string text_key(const Architecture& a) {
  try {
    return canonical_text(a.text);
  } catch (const workloads::NetworkError&) {
    return squeeze(a.text);
  }
}

}  // namespace

AccuracySource AccuracySource::none() { return AccuracySource(nullptr); }

AccuracySource AccuracySource::table(const std::string& csv_path) {
  auto s = std::make_shared<State>();
  s->kind = State::Kind::table;
  s->file = csv_path;
  const FdCloser fd{::open(csv_path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0)
    throw AccuracyError(common::printable(csv_path) + ": cannot read the accuracy table (" +
                        std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode))
    throw AccuracyError(common::printable(csv_path) + ": the accuracy table is a directory");
  read_table(fd.fd, common::printable(csv_path), s->known, false);
  if (s->known.empty())
    throw AccuracyError(common::printable(csv_path) + ": no rows after the header architecture,accuracy");
  // every value at most 1: fractions where percent is expected (0.97 would read as 0.97 %)
  if (std::all_of(s->known.begin(), s->known.end(), [](const auto& kv) { return kv.second.accuracy <= 1.0; }))
    throw AccuracyError(common::printable(csv_path) + ": every accuracy is at most 1 (a fraction?); allowed: " + kExpected +
                        ", e.g. 97.24 for 0.9724");
  return AccuracySource(std::move(s));
}

AccuracySource AccuracySource::command(std::vector<std::string> argv, double timeout_s,
                                       const std::string& cache_path) {
  if (argv.empty() || argv[0].empty()) throw AccuracyError("the accuracy command is empty");
  if (!(timeout_s > 0) || !std::isfinite(timeout_s))
    throw AccuracyError("the accuracy command's timeout must be a positive number of seconds, got " +
                        number(timeout_s));
  auto s = std::make_shared<State>();
  s->kind = State::Kind::command;
  s->argv = std::move(argv);
  s->timeout_s = timeout_s;
  s->file = cache_path;
  if (!cache_path.empty()) {
    append_cache(cache_path, "");  // created now (with its header): a cache that cannot be written fails here
    const FdCloser fd{::open(cache_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (fd.fd < 0)
      throw AccuracyError(common::printable(cache_path) + ": cannot read the accuracy cache (" +
                          std::strerror(errno) + ")");
    read_table(fd.fd, common::printable(cache_path), s->known, true);
  }
  return AccuracySource(std::move(s));
}

bool AccuracySource::available() const { return s_ != nullptr; }

std::string AccuracySource::describe() const {
  if (!s_) return "none";
  if (s_->kind == State::Kind::table)
    return "table " + common::printable(s_->file) + " (" +
           common::count_of(long(s_->known.size()), "architecture") + ")";
  std::string out = "command " + s_->command_text() + " (timeout " + number(s_->timeout_s) + " s";
  if (!s_->file.empty()) {
    const std::lock_guard<std::mutex> lock(s_->mutex);
    out += "; cache " + common::printable(s_->file) + ", " +
           common::count_of(long(s_->known.size()), "architecture");
  }
  return out + ")";
}

std::optional<double> AccuracySource::lookup(const Architecture& a) {
  if (!s_) return std::nullopt;
  State& s = *s_;
  const std::string key = text_key(a);
  if (s.kind == State::Kind::table) return s.find(key, a);  // read-only after construction

  const std::string run_key = key.empty() ? squeeze(a.name) : key;
  if (run_key.empty())
    throw AccuracyError("the accuracy command was asked about an architecture without text or name");
  std::promise<double> promise;
  std::shared_future<double> answer;
  {
    const std::lock_guard<std::mutex> lock(s.mutex);
    if (const auto known = s.find(key, a)) return known;
    const auto it = s.running.find(run_key);
    if (it != s.running.end())
      answer = it->second;
    else
      s.running.emplace(run_key, promise.get_future().share());
  }
  if (answer.valid()) return answer.get();  // another thread runs it: its answer, or its error

  double accuracy = 0;
  try {
    accuracy = s.run(a);
    const std::lock_guard<std::mutex> lock(s.mutex);
    // a text longer than a field may be is kept in memory only (the cache must read back)
    const std::string arch = a.text.empty() ? squeeze(a.name) : squeeze(a.text);
    if (!s.file.empty() && std::max({arch.size(), a.space.size(), a.name.size()}) <= kMaxField) {
      try {
        append_cache(s.file, common::csv_quoted(arch) + "," + number(accuracy) + "," + common::csv_quoted(a.space) + "," +
                                 common::csv_quoted(a.name) + "\n");
      } catch (const AccuracyError& e) {
        throw AccuracyError(std::string(e.what()) + "; the command answered " + number(accuracy) + " for " +
                            label(a));
      }
    }
    s.known.emplace(run_key, Entry{accuracy, 0});
    s.running.erase(run_key);
  } catch (...) {
    {
      const std::lock_guard<std::mutex> lock(s.mutex);
      s.running.erase(run_key);
    }
    promise.set_exception(std::current_exception());
    throw;
  }
  promise.set_value(accuracy);
  return accuracy;
}

uint64_t AccuracySource::command_runs() const { return s_ ? s_->runs.load() : 0; }

}  // namespace cimsim::search
