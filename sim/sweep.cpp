#include "sim/sweep.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/text.hpp"
#include "sim/report.hpp"
#include "sim/subprocess.hpp"
#include "sim/sweep_db.hpp"
#include "sim/sweep_threads.hpp"

namespace cimsim::sim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The columns of the results table: point, status, error, wall_s, the axes, the metrics, the evaluator
// (last: a table written before it existed gains it there, see add_evaluator_column).
std::vector<std::string> table_columns(const SweepSpec& spec) {
  std::vector<std::string> c = {"point", "status", "error", "wall_s"};
  for (const auto& a : spec.columns()) c.push_back(a);
  for (const auto& m : sweep_metrics()) c.push_back(m);
  c.push_back("evaluator");
  return c;
}

// What identifies a sweep's points: changing it makes old results meaningless.
// FNV-1a over the pieces, one at a time (no copy of every point's config in one string). The evaluator
// is a piece only when it is not systemc: a directory of SystemC results written before the analytical
// evaluator existed resumes as it did.
std::string fingerprint(const SweepSpec& spec, const std::vector<SweepPoint>& points,
                        const std::string& evaluator) {
  std::uint64_t h = 14695981039346656037ull;
  auto add = [&h](const std::string& piece) {
    for (unsigned char c : piece) h = (h ^ c) * 1099511628211ull;
    h = (h ^ '|') * 1099511628211ull;
  };
  for (const auto& piece : {spec.mapping, spec.dataflow, std::to_string(spec.inputs), std::to_string(spec.crossbars)})
    add(piece);
  if (evaluator != "systemc") add("evaluator=" + evaluator);
  for (const auto& p : points) {
    add(p.net);
    add(p.deploy);
    add(p.hw_yaml);
  }
  return std::to_string(h) + "-" + std::to_string(points.size());
}

// A results table written before the analytical evaluator existed has no evaluator column, and every row
// of it was made by a SystemC worker process: the column is added (last) and filled so. `schema` is
// "main", or "s" for an attached shard.
void add_evaluator_column(SweepDb& db, const std::string& schema) {
  bool has = false;
  db.query("PRAGMA " + schema + ".table_info(results)",
           [&](const auto& v) { has = has || v[1] == "evaluator"; });
  if (has) return;
  db.exec("ALTER TABLE " + schema + ".results ADD COLUMN evaluator TEXT");
  db.exec("UPDATE " + schema + ".results SET evaluator = 'systemc'");
}

void create_table(SweepDb& db, const SweepSpec& spec, const std::vector<SweepPoint>& points,
                  const std::string& evaluator) {
  db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)");
  std::string sql = "CREATE TABLE IF NOT EXISTS results (point INTEGER PRIMARY KEY, status TEXT, error TEXT, wall_s REAL";
  for (const auto& a : spec.columns()) sql += ", " + sql_identifier(a) + " TEXT";
  for (const auto& m : sweep_metrics()) sql += ", " + sql_identifier(m) + " REAL";
  db.exec(sql + ", evaluator TEXT)");
  const std::string fp = fingerprint(spec, points, evaluator);
  std::string stored;
  db.query("SELECT value FROM meta WHERE key = 'fingerprint'", [&](const auto& v) { stored = v[0]; });
  if (stored.empty()) {
    db.put("meta", {"key", "value"}, {"fingerprint", fp}, {false, false});
    db.put("meta", {"key", "value"}, {"spec", spec.name}, {false, false});
  } else if (stored != fp) {
    for (const std::string other : kSweepEvaluators)
      if (other != evaluator && stored == fingerprint(spec, points, other))
        throw SweepError("the sweep directory holds this sweep's results by the " + other +
                         " evaluator, not " + evaluator + "; allowed: --mode " + other +
                         " to resume it, or another --out directory");
    throw SweepError("the sweep directory holds the results of a different sweep (other points or options); "
                     "allowed: the same spec, or another --out directory");
  }
  add_evaluator_column(db, "main");
}

std::string num(double v) {
  std::ostringstream os;
  os << std::setprecision(12) << v;
  return os.str();
}

}  // namespace

std::map<std::string, std::string> sweep_metrics_of(const json& j) {
  return {{"latency_ns", num(j["latency"]["ns"])},
          {"latency_cycles", num(j["latency"]["cycles"])},
          {"energy_pj", num(j["energy_pj"]["total"])},
          {"power_mw", num(j["power_mw"])},
          {"peak_power_mw", num(j["peak_power_mw"])},
          {"area_mm2", num(j["area_mm2"]["total"])},
          {"throughput_per_s", num(j["throughput_per_s"])},
          {"crossbars_used", num(j["utilization"]["crossbars_used"])},
          {"utilization", num(j["utilization"]["crossbar_cells"])},
          {"tiles", num(j["utilization"]["chip_tiles"])},
          {"leakage_pj", num(j["energy_pj"]["leakage"])},
          {"tops_per_w", num(j["efficiency"]["achieved"]["tops_per_w"])},
          {"adc_lossless_bits", num(j["adc"]["lossless_bits"])}};
}

namespace {

// DIR/points/N/hw.yaml: a point's whole config (cimsim run --hw it by hand)
fs::path point_config_path(const SweepOptions& o, const SweepPoint& p) {
  return fs::path(o.out) / "points" / std::to_string(p.index) / "hw.yaml";
}

std::string db_path(const SweepOptions& o) {
  if (o.shards <= 1) return (fs::path(o.out) / "results.sqlite").string();
  return (fs::path(o.out) / "shards" / (std::to_string(o.shard) + "-of-" + std::to_string(o.shards) + ".sqlite"))
      .string();
}

}  // namespace

const std::vector<std::string>& sweep_metrics() {
  static const std::vector<std::string> m = {"latency_ns", "latency_cycles", "energy_pj", "power_mw",
                                             "peak_power_mw", "area_mm2", "throughput_per_s",
                                             "crossbars_used", "utilization", "tiles", "leakage_pj",
                                             "tops_per_w", "adc_lossless_bits"};
  return m;
}

void check_evaluator(const std::string& evaluator) {
  const auto* end = std::end(kSweepEvaluators);
  if (std::find(std::begin(kSweepEvaluators), end, evaluator) == end)
    throw SweepError("--mode " + common::printable(evaluator, 80) +
                     " is not allowed; allowed: systemc, analytical");
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto number = [](const std::string& t) {  // plain digits, at most 6 of them: no overflow, no sign
    return !t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string::npos ? std::stoi(t) : -1;
  };
  const auto slash = text.find('/');
  const int i = slash == std::string::npos ? -1 : number(text.substr(0, slash));
  const int n = slash == std::string::npos ? -1 : number(text.substr(slash + 1));
  if (i < 0 || n < 1 || n > kMaxShards || i >= n)
    throw SweepError("--shard " + common::printable(text, 80) + ": expected I/N; allowed: 0 <= I < N <= " +
                     std::to_string(kMaxShards));
  return {i, n};
}

void prepare_sweep_dir(const std::string& out) {
  std::error_code ec;
  const auto st = fs::symlink_status(out, ec);
  if (!ec && fs::exists(st) && !fs::is_directory(fs::status(out, ec)))
    throw SweepError("--out " + common::printable(out) +
                     ": exists and is not a directory; allowed: a directory or a path that does not exist yet");
  fs::create_directories(out, ec);
  if (ec)
    throw SweepError("--out " + common::printable(out) + ": cannot make the directory (" + ec.message() +
                     "); allowed: a writable directory");
}

namespace {

// SIGKILL (signal 9)
std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return (abbrev ? "SIG" + std::string(abbrev) + " " : std::string()) + "(signal " + std::to_string(sig) + ")";
}

// A file of the sweep's own (not a report of a point): any failure to write it is the user's disk or
// directory, an exit-2 error naming the file.
void write_output(const fs::path& path, const std::string& text) {
  try {
    write_file_atomic(path.string(), text);
  } catch (const SweepError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw SweepError(common::printable(e.what()) + "; allowed: a writable sweep directory");
  }
}

// Writes finished points into the results table, one transaction per batch (a batch is one point of the
// process sweep, or the points the threads finished while the last batch was written), and shows the
// progress: a bar on a terminal, else one line per point.
class Recorder {
 public:
  Recorder(const SweepSpec& spec, const SweepOptions& o, SweepDb& db, std::ostream& log, std::size_t total)
      : o_(o), db_(db), log_(log), cols_(table_columns(spec)), total_(total) {
    for (const auto& c : cols_)
      numeric_.push_back(c == "point" || c == "wall_s" ||
                         std::find(sweep_metrics().begin(), sweep_metrics().end(), c) != sweep_metrics().end());
  }

  void record(const std::vector<PointOutcome>& batch, SweepSummary& sum) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& o : batch) {
      const SweepPoint& p = *o.point;
      std::vector<std::string> vals;
      for (const auto& c : cols_) {
        if (c == "point") vals.push_back(std::to_string(p.index));
        else if (c == "status") vals.push_back(o.status);
        else if (c == "error") vals.push_back(o.error);
        else if (c == "wall_s") vals.push_back(num(o.wall_s));
        else if (c == "evaluator") vals.push_back(o_.evaluator);
        else if (p.values.count(c)) vals.push_back(p.values.at(c));
        else if (o.metrics.count(c)) vals.push_back(o.metrics.at(c));
        else vals.push_back("");
      }
      rows.push_back(std::move(vals));
    }
    db_.put_rows("results", cols_, rows, numeric_);
    for (const auto& o : batch) {
      ++sum.ran;
      (o.status == "ok" ? ran_ok_ : ran_failed_)++;
      if (!o_.tty || &o == &batch.back())  // a terminal's bar: once per batch
        progress(*o.point, o.status == "ok" ? "ok" : "FAILED: " + o.error, o.wall_s);
    }
  }

  ~Recorder() {
    if (o_.tty) log_ << "\n";
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

 private:
  void progress(const SweepPoint& p, const std::string& st, double wall) {
    const int done = ran_ok_ + ran_failed_;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const double eta = done > 0 ? elapsed / done * double(total_ - size_t(done)) : 0.0;
    if (o_.tty) {
      const int width = 30, filled = total_ == 0 ? width : int(width * done / double(total_));
      log_ << "\r[" << std::string(size_t(filled), '#') << std::string(size_t(width - filled), '.') << "] " << done
           << "/" << total_ << "  ok " << ran_ok_ << "  failed " << ran_failed_ << "  ETA " << std::fixed
           << std::setprecision(0) << eta << " s   " << std::defaultfloat << std::flush;
    } else {
      log_ << "sweep: [" << done << "/" << total_ << "] point " << p.index << " " << common::printable(st, 300)
           << " in " << std::fixed << std::setprecision(2) << wall << " s, ETA " << std::setprecision(0) << eta
           << " s\n" << std::defaultfloat << std::flush;
    }
  }

  const SweepOptions& o_;
  SweepDb& db_;
  std::ostream& log_;
  std::vector<std::string> cols_;
  std::vector<bool> numeric_;
  std::size_t total_ = 0;
  int ran_ok_ = 0, ran_failed_ = 0;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// The SystemC sweep: every point a `cimsim run` worker process, o.jobs at a time.
class ProcessRunner {
 public:
  ProcessRunner(const SweepSpec& spec, const SweepOptions& o, Recorder& recorder, std::ostream& log)
      : spec_(spec), o_(o), recorder_(recorder), log_(log), self_(self_executable()) {}

  // Runs `todo`, o.jobs at a time; a worker killed by a signal from outside runs once more.
  void run(const std::vector<const SweepPoint*>& todo, SweepSummary& sum) {
    std::deque<std::pair<const SweepPoint*, int>> queue;  // point, attempt (1 or 2)
    for (const auto* p : todo) queue.push_back({p, 1});
    while (!queue.empty() || !running_.empty()) {
      while (!queue.empty() && int(running_.size()) < std::max(1, o_.jobs)) {
        start(*queue.front().first, queue.front().second);
        queue.pop_front();
      }
      int st = 0;
      const pid_t pid = waitpid(-1, &st, WNOHANG);
      if (pid > 0 && running_.count(pid)) {
        const Running r = running_[pid];
        running_.erase(pid);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
        if (WIFSIGNALED(st) && !r.timed_out && r.attempt == 1) {
          ++sum.retried;
          log_retry(*r.p, st);
          queue.push_front({r.p, 2});
          continue;
        }
        recorder_.record({outcome(*r.p, r, st, wall)}, sum);
        continue;
      }
      for (auto& [p, r] : running_)  // time limits
        if (!r.timed_out &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count() > spec_.timeout_s) {
          r.timed_out = true;
          ::kill(p, SIGKILL);
        }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  struct Running {
    const SweepPoint* p = nullptr;
    int attempt = 1;
    bool timed_out = false;
    std::chrono::steady_clock::time_point start;
  };

  void log_retry(const SweepPoint& p, int st) {
    log_ << "sweep: point " << p.index << ": worker killed by " << signal_name(WTERMSIG(st))
         << "; running it once more\n" << std::flush;
  }

  void start(const SweepPoint& p, int attempt) {
    const fs::path dir = point_config_path(o_, p).parent_path();
    fs::create_directories(dir);
    write_output(dir / "hw.yaml", p.hw_yaml);
    fs::remove(dir / "result.json");
    Job j;
    // --option=value: a value that starts with '-' (a network file "-x.yaml") stays a value
    j.argv = {self_, "run", "--hw=" + (dir / "hw.yaml").string(), "--net=" + p.net, "--deploy=" + p.deploy,
              "--mapping=" + spec_.mapping, "--dataflow=" + spec_.dataflow,
              "--inputs=" + std::to_string(spec_.inputs), "-q", "--json=" + (dir / "result.json").string()};
    if (spec_.crossbars > 0) j.argv.push_back("--crossbars=" + std::to_string(spec_.crossbars));
    j.stdout_path = (dir / "stdout.txt").string();
    j.stderr_path = (dir / "stderr.txt").string();
    pid_t pid = 0;
    try {
      pid = start_job(j);
    } catch (const std::runtime_error& e) {
      throw SweepError(common::printable(e.what()) + "; allowed: a writable sweep directory");
    }
    running_[pid] = {&p, attempt, false, std::chrono::steady_clock::now()};
  }

  PointOutcome outcome(const SweepPoint& p, const Running& r, int st, double wall) {
    const fs::path dir = fs::path(o_.out) / "points" / std::to_string(p.index);
    PointOutcome o;
    o.point = &p;
    o.wall_s = wall;
    o.status = "failed";
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && fs::exists(dir / "result.json")) {
      try {
        o.metrics = sweep_metrics_of(json::parse(read_file((dir / "result.json").string())));
        o.status = "ok";
      } catch (const json::exception& e) {
        o.error = std::string("unreadable result: ") + e.what();
      }
    } else if (r.timed_out) {
      o.error = "time limit of " + num(spec_.timeout_s) + " s exceeded";
    } else if (WIFSIGNALED(st)) {
      o.error = "worker killed by " + signal_name(WTERMSIG(st)) + ", also on its retry";
    } else {
      const std::string err = common::printable(child_error((dir / "stderr.txt").string()), 2000);
      o.error = "exit " + std::to_string(WEXITSTATUS(st)) + (err.empty() ? "" : ": " + err);
    }
    return o;
  }

  const SweepSpec& spec_;
  const SweepOptions& o_;
  Recorder& recorder_;
  std::ostream& log_;
  std::string self_;
  std::map<pid_t, Running> running_;
};

// One sweep at a time on a database: an exclusive lock on DB.lock for the run (released by the kernel
// however the process ends, kill -9 included), so a second sweep on the same directory or shard is refused
// instead of running the same points beside the first.
class RunLock {
 public:
  explicit RunLock(const std::string& db) {
    const std::string path = db + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw SweepError(common::printable(path) + ": cannot open the lock file (" + std::strerror(errno) +
                       "); allowed: a writable sweep directory");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw SweepError(common::printable(db) +
                       ": another cimsim sweep is running on it; allowed: one sweep per directory (or shard) at a "
                       "time: wait for it, or stop it");
    }
  }
  ~RunLock() { ::close(fd_); }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// Every point's recorded status in the database.
std::map<int, std::string> statuses(SweepDb& db) {
  std::map<int, std::string> status;
  db.query("SELECT point, status FROM results", [&](const auto& v) { status[std::stoi(v[0])] = v[1]; });
  return status;
}

}  // namespace

SweepSummary run_sweep(const SweepSpec& spec, const std::vector<SweepPoint>& points, const SweepOptions& o,
                       std::ostream& log) {
  check_evaluator(o.evaluator);
  prepare_sweep_dir(o.out);
  SweepSummary sum;
  try {
    fs::create_directories(fs::path(o.out) / "points");
    if (o.shards > 1) fs::create_directories(fs::path(o.out) / "shards");
    const RunLock lock(db_path(o));
    SweepDb db(db_path(o));
    create_table(db, spec, points, o.evaluator);
    const auto before = statuses(db);
    std::vector<const SweepPoint*> todo;
    for (const auto& p : points) {
      if (p.index % o.shards != o.shard) continue;
      ++sum.points;
      const auto it = before.find(p.index);
      if (it != before.end() && (it->second == "ok" || !o.retry_failed)) {
        ++sum.skipped;
        continue;
      }
      todo.push_back(&p);
    }
    {
      Recorder recorder(spec, o, db, log, todo.size());
      if (o.evaluator == "analytical") {
        // in this process: a failed point's config is kept in points/N/hw.yaml, the file its message names
        const auto label = [&o](const SweepPoint& p) { return point_config_path(o, p).string(); };
        run_points_in_threads(spec, todo, o.jobs, label, [&](std::vector<PointOutcome>& batch) {
          for (const auto& r : batch)
            if (r.status != "ok") {
              fs::create_directories(point_config_path(o, *r.point).parent_path());
              write_output(point_config_path(o, *r.point), r.point->hw_yaml);
            }
          recorder.record(batch, sum);
        });
      } else {
        ProcessRunner(spec, o, recorder, log).run(todo, sum);
      }
    }
    // the summary counts what is recorded, earlier runs included
    const auto after = statuses(db);
    for (const auto& p : points) {
      if (p.index % o.shards != o.shard) continue;
      const auto it = after.find(p.index);
      if (it != after.end()) (it->second == "ok" ? sum.ok : sum.failed)++;
    }
  } catch (const fs::filesystem_error& e) {
    throw SweepError(common::printable(e.what()) + "; allowed: a writable sweep directory");
  }
  if (o.shards <= 1) export_sweep(o.out);
  return sum;
}

void export_sweep(const std::string& dir) {
  SweepDb db((fs::path(dir) / "results.sqlite").string());
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;
  db.query("SELECT * FROM results ORDER BY point", [&](const auto& v) { rows.push_back(v); }, &names);
  std::ostringstream csv, jsonl;
  using common::csv_field;
  for (size_t i = 0; i < names.size(); ++i) csv << (i ? "," : "") << csv_field(names[i]);
  csv << "\n";
  for (const auto& r : rows) {
    json j;
    for (size_t i = 0; i < names.size(); ++i) {
      csv << (i ? "," : "") << csv_field(r[i]);
      const bool number = names[i] == "point" || names[i] == "wall_s" ||
                          std::find(sweep_metrics().begin(), sweep_metrics().end(), names[i]) != sweep_metrics().end();
      if (r[i].empty()) j[names[i]] = nullptr;
      else if (number) j[names[i]] = std::stod(r[i]);
      else j[names[i]] = r[i];
    }
    csv << "\n";
    jsonl << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  write_output(fs::path(dir) / "results.csv", csv.str());
  write_output(fs::path(dir) / "results.jsonl", jsonl.str());
}

int merge_sweep(const std::string& dir) {
  const fs::path shards = fs::absolute(fs::path(dir) / "shards");  // absolute: never read as a file: URI
  if (!fs::is_directory(shards))
    throw SweepError(common::printable(dir) + ": no shards/ directory; allowed: a sweep run with --shard");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(shards))
    if (e.path().extension() == ".sqlite") files.push_back(e.path());
  if (files.empty()) throw SweepError(common::printable(dir) + ": shards/ holds no shard database");
  std::sort(files.begin(), files.end());
  SweepDb out(fs::absolute(fs::path(dir) / "results.sqlite").string());
  auto fingerprint_in = [&out](const std::string& schema) {
    std::string fp;
    bool has_meta = false;
    out.query("SELECT name FROM " + schema + ".sqlite_master WHERE type = 'table' AND name = 'meta'",
              [&](const auto&) { has_meta = true; });
    if (has_meta) out.query("SELECT value FROM " + schema + ".meta WHERE key = 'fingerprint'", [&](const auto& v) { fp = v[0]; });
    return fp;
  };
  std::string fp = fingerprint_in("main");
  for (const auto& f : files) {
    out.exec("ATTACH DATABASE ? AS s", {f.string()});  // the path is a bound value, never SQL text
    const std::string shard_fp = fingerprint_in("s");
    if (shard_fp.empty() || (!fp.empty() && shard_fp != fp)) {
      out.exec("DETACH DATABASE s");
      throw SweepError(common::printable(f.string()) +
                       ": holds the results of a different sweep than the other shards; allowed: the shards of one "
                       "sweep (same spec) in DIR/shards");
    }
    fp = shard_fp;
    add_evaluator_column(out, "s");  // a shard, or a merged table, written before the column existed
    out.exec("CREATE TABLE IF NOT EXISTS meta AS SELECT * FROM s.meta WHERE 0");
    out.exec("CREATE TABLE IF NOT EXISTS results AS SELECT * FROM s.results WHERE 0");
    add_evaluator_column(out, "main");
    // AS SELECT copies no keys: these make INSERT OR REPLACE replace a point merged before
    out.exec("CREATE UNIQUE INDEX IF NOT EXISTS meta_key ON meta (key)");
    out.exec("CREATE UNIQUE INDEX IF NOT EXISTS results_point ON results (point)");
    out.exec("INSERT OR REPLACE INTO meta SELECT * FROM s.meta");
    // by name, not by position
    std::string cols;
    out.query("PRAGMA main.table_info(results)",
              [&](const auto& v) { cols += (cols.empty() ? "" : ",") + sql_identifier(v[1]); });
    out.exec("INSERT OR REPLACE INTO results (" + cols + ") SELECT " + cols + " FROM s.results");
    out.exec("DETACH DATABASE s");
  }
  int rows = 0;
  out.query("SELECT COUNT(*) FROM results", [&](const auto& v) { rows = std::stoi(v[0]); });
  export_sweep(dir);
  return rows;
}

}  // namespace cimsim::sim
