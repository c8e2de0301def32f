#include "sim/sweep.hpp"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "sim/report.hpp"
#include "sim/subprocess.hpp"

namespace cimsim::sim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string quote(const std::string& id) { return "\"" + id + "\""; }

// A small RAII wrapper: every statement checked, errors are SweepErrors naming the database.
class Db {
 public:
  explicit Db(const std::string& path) : path_(path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw SweepError(path + ": cannot open the results database");
    sqlite3_busy_timeout(db_, 10000);
    exec("PRAGMA journal_mode=WAL");
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw SweepError(path_ + ": " + msg + " (in: " + sql.substr(0, 80) + ")");
    }
  }
  // Runs a query; calls `row` with the column values (text; empty for NULL) of each result row.
  void query(const std::string& sql, const std::function<void(const std::vector<std::string>&)>& row,
             std::vector<std::string>* names = nullptr) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw SweepError(path_ + ": " + sqlite3_errmsg(db_));
    const int n = sqlite3_column_count(st);
    if (names) {
      names->clear();
      for (int i = 0; i < n; ++i) names->push_back(sqlite3_column_name(st, i));
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> v;
      for (int i = 0; i < n; ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        v.push_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      row(v);
    }
    sqlite3_finalize(st);
  }
  // Inserts or replaces one row in one transaction.
  void put(const std::string& table, const std::vector<std::string>& cols, const std::vector<std::string>& vals,
           const std::vector<bool>& numeric) {
    std::string sql = "INSERT OR REPLACE INTO " + table + " (";
    for (size_t i = 0; i < cols.size(); ++i) sql += (i ? "," : "") + quote(cols[i]);
    sql += ") VALUES (";
    for (size_t i = 0; i < cols.size(); ++i) sql += std::string(i ? "," : "") + "?";
    sql += ")";
    exec("BEGIN IMMEDIATE");
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      exec("ROLLBACK");
      throw SweepError(path_ + ": " + sqlite3_errmsg(db_));
    }
    for (size_t i = 0; i < vals.size(); ++i) {
      if (vals[i].empty()) sqlite3_bind_null(st, int(i + 1));
      else if (numeric[i]) sqlite3_bind_double(st, int(i + 1), std::stod(vals[i]));
      else sqlite3_bind_text(st, int(i + 1), vals[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
      exec("ROLLBACK");
      throw SweepError(path_ + ": " + sqlite3_errmsg(db_));
    }
    exec("COMMIT");
  }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// The columns of the results table: point, status, error, wall_s, the axes, the metrics.
std::vector<std::string> table_columns(const SweepSpec& spec) {
  std::vector<std::string> c = {"point", "status", "error", "wall_s"};
  for (const auto& a : spec.columns()) c.push_back(a);
  for (const auto& m : sweep_metrics()) c.push_back(m);
  return c;
}

void create_table(Db& db, const SweepSpec& spec, const std::string& fingerprint) {
  db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)");
  std::string sql = "CREATE TABLE IF NOT EXISTS results (point INTEGER PRIMARY KEY, status TEXT, error TEXT, wall_s REAL";
  for (const auto& a : spec.columns()) sql += ", " + quote(a) + " TEXT";
  for (const auto& m : sweep_metrics()) sql += ", " + quote(m) + " REAL";
  db.exec(sql + ")");
  std::string stored;
  db.query("SELECT value FROM meta WHERE key = 'fingerprint'", [&](const auto& v) { stored = v[0]; });
  if (stored.empty()) {
    db.put("meta", {"key", "value"}, {"fingerprint", fingerprint}, {false, false});
    db.put("meta", {"key", "value"}, {"spec", spec.name}, {false, false});
  } else if (stored != fingerprint) {
    throw SweepError("the sweep directory holds the results of a different sweep (other points or options); "
                     "allowed: the same spec, or another --out directory");
  }
}

// What identifies a sweep's points: changing it makes old results meaningless.
std::string fingerprint(const SweepSpec& spec, const std::vector<SweepPoint>& points) {
  std::string s = spec.mapping + "|" + spec.dataflow + "|" + std::to_string(spec.inputs) + "|" +
                  std::to_string(spec.crossbars);
  for (const auto& p : points) s += "|" + p.net + "|" + p.deploy + "|" + p.hw_yaml;
  return std::to_string(std::hash<std::string>{}(s)) + "-" + std::to_string(points.size());
}

std::string num(double v) {
  std::ostringstream os;
  os << std::setprecision(12) << v;
  return os.str();
}

std::map<std::string, std::string> metrics_of(const json& j) {
  return {{"latency_ns", num(j["latency"]["ns"])},
          {"latency_cycles", num(j["latency"]["cycles"])},
          {"energy_pj", num(j["energy_pj"]["total"])},
          {"power_mw", num(j["power_mw"])},
          {"peak_power_mw", num(j["peak_power_mw"])},
          {"area_mm2", num(j["area_mm2"]["total"])},
          {"throughput_per_s", num(j["throughput_per_s"])},
          {"crossbars_used", num(j["utilization"]["crossbars_used"])},
          {"utilization", num(j["utilization"]["crossbar_cells"])},
          {"tiles", num(j["utilization"]["chip_tiles"])}};
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
                                             "crossbars_used", "utilization", "tiles"};
  return m;
}

SweepSummary run_sweep(const SweepSpec& spec, const std::vector<SweepPoint>& points, const SweepOptions& o,
                       std::ostream& log) {
  fs::create_directories(fs::path(o.out) / "points");
  if (o.shards > 1) fs::create_directories(fs::path(o.out) / "shards");
  Db db(db_path(o));
  create_table(db, spec, fingerprint(spec, points));
  std::map<int, std::string> status;
  db.query("SELECT point, status FROM results", [&](const auto& v) { status[std::stoi(v[0])] = v[1]; });

  SweepSummary sum;
  std::vector<const SweepPoint*> todo;
  for (const auto& p : points) {
    if (p.index % o.shards != o.shard) continue;
    ++sum.points;
    const auto it = status.find(p.index);
    if (it != status.end() && (it->second == "ok" || !o.retry_failed)) {
      ++sum.skipped;
      continue;
    }
    todo.push_back(&p);
  }
  const std::vector<std::string> cols = table_columns(spec);
  std::vector<bool> numeric(cols.size(), false);
  for (size_t i = 0; i < cols.size(); ++i)
    numeric[i] = i == 0 || cols[i] == "wall_s" ||
                 std::find(sweep_metrics().begin(), sweep_metrics().end(), cols[i]) != sweep_metrics().end();
  const std::string self = self_executable();
  struct Running {
    const SweepPoint* p;
    std::chrono::steady_clock::time_point start;
  };
  std::map<pid_t, Running> running;
  size_t next = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto progress = [&](const SweepPoint& p, const std::string& st, double wall) {
    const int done = sum.ok + sum.failed;
    const double eta = done > 0 ? elapsed() / done * double(todo.size() - size_t(done)) : 0.0;
    if (o.tty) {
      const int width = 30, filled = todo.empty() ? width : int(width * done / double(todo.size()));
      log << "\r[" << std::string(size_t(filled), '#') << std::string(size_t(width - filled), '.') << "] " << done
          << "/" << todo.size() << "  ok " << sum.ok << "  failed " << sum.failed << "  ETA " << std::fixed
          << std::setprecision(0) << eta << " s   " << std::defaultfloat << std::flush;
    } else {
      log << "sweep: [" << done << "/" << todo.size() << "] point " << p.index << " " << st << " in " << std::fixed
          << std::setprecision(2) << wall << " s, ETA " << std::setprecision(0) << eta << " s\n"
          << std::defaultfloat << std::flush;
    }
  };
  auto finish = [&](const SweepPoint& p, const std::string& st, const std::string& error, double wall,
                    const std::map<std::string, std::string>& metrics) {
    std::vector<std::string> vals;
    for (const auto& c : cols) {
      if (c == "point") vals.push_back(std::to_string(p.index));
      else if (c == "status") vals.push_back(st);
      else if (c == "error") vals.push_back(error);
      else if (c == "wall_s") vals.push_back(num(wall));
      else if (p.values.count(c)) vals.push_back(p.values.at(c));
      else if (metrics.count(c)) vals.push_back(metrics.at(c));
      else vals.push_back("");
    }
    db.put("results", cols, vals, numeric);
    (st == "ok" ? sum.ok : sum.failed)++;
    ++sum.ran;
    progress(p, st == "ok" ? "ok" : "FAILED: " + error, wall);
  };
  auto start = [&](const SweepPoint& p) {
    const fs::path dir = fs::path(o.out) / "points" / std::to_string(p.index);
    fs::create_directories(dir);
    write_file_atomic((dir / "hw.yaml").string(), p.hw_yaml);
    fs::remove(dir / "result.json");
    Job j;
    j.argv = {self, "run", "--hw", (dir / "hw.yaml").string(), "--net", p.net, "--deploy", p.deploy,
              "--mapping", spec.mapping, "--dataflow", spec.dataflow, "--inputs", std::to_string(spec.inputs),
              "-q", "--json", (dir / "result.json").string()};
    if (spec.crossbars > 0) j.argv.insert(j.argv.end(), {"--crossbars", std::to_string(spec.crossbars)});
    j.stdout_path = (dir / "stdout.txt").string();
    j.stderr_path = (dir / "stderr.txt").string();
    running[start_job(j)] = {&p, std::chrono::steady_clock::now()};
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && int(running.size()) < std::max(1, o.jobs)) start(*todo[next++]);
    int st = 0;
    const pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const Running r = running[pid];
      running.erase(pid);
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
      const fs::path dir = fs::path(o.out) / "points" / std::to_string(r.p->index);
      if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && fs::exists(dir / "result.json")) {
        try {
          finish(*r.p, "ok", "", wall, metrics_of(json::parse(read_file((dir / "result.json").string()))));
        } catch (const json::exception& e) {
          finish(*r.p, "failed", std::string("unreadable result: ") + e.what(), wall, {});
        }
      } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && wall >= spec.timeout_s) {
        finish(*r.p, "failed", "time limit of " + num(spec.timeout_s) + " s exceeded", wall, {});
      } else {
        const std::string why = WIFSIGNALED(st) ? "crashed (signal " + std::to_string(WTERMSIG(st)) + ")"
                                                : "exit " + std::to_string(WEXITSTATUS(st));
        const std::string err = child_error((dir / "stderr.txt").string());
        finish(*r.p, "failed", why + (err.empty() ? "" : ": " + err), wall, {});
      }
      continue;
    }
    // time limits
    for (const auto& [p, r] : running)
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count() > spec.timeout_s)
        ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (o.tty) log << "\n";
  if (o.shards <= 1) export_sweep(o.out);
  return sum;
}

void export_sweep(const std::string& dir) {
  Db db((fs::path(dir) / "results.sqlite").string());
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;
  db.query("SELECT * FROM results ORDER BY point", [&](const auto& v) { rows.push_back(v); }, &names);
  std::ostringstream csv, jsonl;
  auto csv_field = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
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
    jsonl << j.dump() << "\n";
  }
  write_file_atomic((fs::path(dir) / "results.csv").string(), csv.str());
  write_file_atomic((fs::path(dir) / "results.jsonl").string(), jsonl.str());
}

int merge_sweep(const std::string& dir) {
  const fs::path shards = fs::path(dir) / "shards";
  if (!fs::is_directory(shards)) throw SweepError(dir + ": no shards/ directory; allowed: a sweep run with --shard");
  Db out((fs::path(dir) / "results.sqlite").string());
  int n = 0;
  for (const auto& e : fs::directory_iterator(shards)) {
    if (e.path().extension() != ".sqlite") continue;
    const std::string alias = "s" + std::to_string(n++);
    out.exec("ATTACH DATABASE '" + e.path().string() + "' AS " + alias);
    out.exec("CREATE TABLE IF NOT EXISTS meta AS SELECT * FROM " + alias + ".meta WHERE 0");
    out.exec("CREATE TABLE IF NOT EXISTS results AS SELECT * FROM " + alias + ".results WHERE 0");
    out.exec("INSERT OR REPLACE INTO meta SELECT * FROM " + alias + ".meta");
    out.exec("INSERT INTO results SELECT * FROM " + alias + ".results WHERE point NOT IN (SELECT point FROM results)");
    out.exec("DETACH DATABASE " + alias);
  }
  if (n == 0) throw SweepError(dir + ": shards/ holds no shard database");
  int rows = 0;
  out.query("SELECT COUNT(*) FROM results", [&](const auto& v) { rows = std::stoi(v[0]); });
  export_sweep(dir);
  return rows;
}

std::string slurm_script(const SweepSpec& spec, const std::string& spec_path, const std::string& out_dir,
                         int shards, int jobs_per_task) {
  const std::string self = self_executable();
  const std::string spec_abs = fs::absolute(spec_path).string(), out_abs = fs::absolute(out_dir).string();
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# cimsim sweep '" << spec.name << "': one array task per shard; merge with\n"
    << "#   " << self << " sweep merge " << out_abs << "\n"
    << "#SBATCH --job-name=cimsim-" << spec.name << "\n"
    << "#SBATCH --array=0-" << shards - 1 << "\n"
    << "#SBATCH --cpus-per-task=" << jobs_per_task << "\n"
    << "#SBATCH --output=" << out_abs << "/slurm/%A_%a.out\n"
    << "set -euo pipefail\n"
    << "exec " << self << " sweep " << spec_abs << " --out " << out_abs << " --shard ${SLURM_ARRAY_TASK_ID}/"
    << shards << " --jobs " << jobs_per_task << "\n";
  return s.str();
}

}  // namespace cimsim::sim
