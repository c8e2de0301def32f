// The sweep's SQLite database: a small RAII wrapper in which no user-derived string ever becomes SQL
// text. Values (paths, errors, axis values) are bound parameters; identifiers (column names: dotted config
// keys) are checked against a safe set and double-quoted. Every failure is a SweepError naming the file.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

#include "sim/sweep_spec.hpp"

namespace cimsim::sim {

// `id` as a quoted SQL identifier; a SweepError unless it is 1-128 characters of [A-Za-z0-9._].
std::string sql_identifier(const std::string& id);

class SweepDb {
 public:
  explicit SweepDb(const std::string& path);
  ~SweepDb();
  SweepDb(const SweepDb&) = delete;
  SweepDb& operator=(const SweepDb&) = delete;

  // Runs `sql` (text written by the sweep code itself, identifiers through sql_identifier) with `params`
  // bound as text to its `?` placeholders, in order.
  void exec(const std::string& sql, const std::vector<std::string>& params = {});
  // Runs a query; calls `row` with the column values (text; empty for NULL) of each result row.
  void query(const std::string& sql, const std::function<void(const std::vector<std::string>&)>& row,
             std::vector<std::string>* names = nullptr, const std::vector<std::string>& params = {});
  // Inserts or replaces one row in one transaction; an empty value is NULL, a numeric one a REAL.
  void put(const std::string& table, const std::vector<std::string>& cols, const std::vector<std::string>& vals,
           const std::vector<bool>& numeric);
  // The same for many rows in one transaction: all of them are stored, or none.
  void put_rows(const std::string& table, const std::vector<std::string>& cols,
                const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& numeric);

 private:
  sqlite3_stmt* prepare(const std::string& sql, const std::vector<std::string>& params);
  [[noreturn]] void fail(const std::string& sql);
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace cimsim::sim
