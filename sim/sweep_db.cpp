#include "sim/sweep_db.hpp"

#include <algorithm>
#include <filesystem>

#include "common/text.hpp"

namespace cimsim::sim {

std::string sql_identifier(const std::string& id) {
  const bool ok = !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
  });
  if (!ok)
    throw SweepError("column name \"" + common::printable(id, 80) +
                     "\" is not allowed; allowed: 1-128 characters of A-Z a-z 0-9 . _");
  return "\"" + id + "\"";  // no '"' can be inside: checked above
}

SweepDb::SweepDb(const std::string& path) : path_(path) {
  // by absolute path: a relative "file:..." is never read as a URI; never through a symbolic link (a
  // planted link would redirect the results, and SQLite's -wal/-shm files, elsewhere)
  const std::string abs = std::filesystem::absolute(path).string();
  constexpr int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW;
  if (sqlite3_open_v2(abs.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SweepError(common::printable(path) + ": cannot open the results database: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
}

SweepDb::~SweepDb() { sqlite3_close(db_); }

void SweepDb::fail(const std::string& sql) {
  throw SweepError(common::printable(path_) + ": " + sqlite3_errmsg(db_) + " (in: " + common::printable(sql, 80) +
                   ")");
}

sqlite3_stmt* SweepDb::prepare(const std::string& sql, const std::vector<std::string>& params) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(sql);
  for (size_t i = 0; i < params.size(); ++i)
    if (sqlite3_bind_text(st, int(i + 1), params[i].c_str(), int(params[i].size()), SQLITE_TRANSIENT) != SQLITE_OK) {
      sqlite3_finalize(st);
      fail(sql);
    }
  return st;
}

void SweepDb::exec(const std::string& sql, const std::vector<std::string>& params) {
  sqlite3_stmt* st = prepare(sql, params);
  int rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) fail(sql);
}

void SweepDb::query(const std::string& sql, const std::function<void(const std::vector<std::string>&)>& row,
                    std::vector<std::string>* names, const std::vector<std::string>& params) {
  sqlite3_stmt* st = prepare(sql, params);
  const int n = sqlite3_column_count(st);
  if (names) {
    names->clear();
    for (int i = 0; i < n; ++i) names->push_back(sqlite3_column_name(st, i));
  }
  int rc = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      v.push_back(t ? std::string(reinterpret_cast<const char*>(t), size_t(sqlite3_column_bytes(st, i))) : "");
    }
    row(v);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) fail(sql);
}

void SweepDb::put(const std::string& table, const std::vector<std::string>& cols, const std::vector<std::string>& vals,
                  const std::vector<bool>& numeric) {
  put_rows(table, cols, {vals}, numeric);
}

void SweepDb::put_rows(const std::string& table, const std::vector<std::string>& cols,
                       const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& numeric) {
  std::string sql = "INSERT OR REPLACE INTO " + sql_identifier(table) + " (";
  for (size_t i = 0; i < cols.size(); ++i) sql += (i ? "," : "") + sql_identifier(cols[i]);
  sql += ") VALUES (";
  for (size_t i = 0; i < cols.size(); ++i) sql += std::string(i ? "," : "") + "?";
  sql += ")";
  exec("BEGIN IMMEDIATE");
  sqlite3_stmt* st = nullptr;
  const auto rollback = [&] {
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw SweepError(common::printable(path_) + ": " + msg);
  };
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) rollback();
  for (const auto& vals : rows) {  // one statement, bound again for each row
    sqlite3_reset(st);
    for (size_t i = 0; i < vals.size(); ++i) {
      if (vals[i].empty()) sqlite3_bind_null(st, int(i + 1));
      else if (numeric[i]) sqlite3_bind_double(st, int(i + 1), std::stod(vals[i]));
      else sqlite3_bind_text(st, int(i + 1), vals[i].c_str(), int(vals[i].size()), SQLITE_TRANSIENT);
    }
    if (sqlite3_step(st) != SQLITE_DONE) rollback();
  }
  sqlite3_finalize(st);
  exec("COMMIT");
}

}  // namespace cimsim::sim
