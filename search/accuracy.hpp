// Where a co-design search gets the accuracy of an architecture: always from the user, never invented.
// Either a table of known accuracies (CSV) or an external command run once per architecture (its answers
// cached in memory and, optionally, in a CSV file of the same format). docs/search.md describes both.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cimsim::search {

// A user error (a bad table, a failing command): one line; the CLI prints it and exits 2.
struct AccuracyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An architecture as the search hands it over: its space ("darts", "darts_full", "ofa_mbv3", "vit", or
// "network" for a listed network that is not a DARTS genotype) and its
// canonical one-line text (for DARTS the genotype text as the DARTS code prints it: "Genotype(normal=[...],
// ...)"); `name` a short label when known ("darts_v2"), else "".
struct Architecture {
  std::string space, text, name;
};

class AccuracySource {
 public:
  AccuracySource() = default;  // the same as none()
  // No accuracy at all (available() is false).
  static AccuracySource none();

  // A CSV file: header `architecture,accuracy` (more columns may follow; they are ignored), one row per
  // architecture; accuracy is top-1 in % (0 < a <= 100); `architecture` is a name (matched against
  // Architecture::name) or the architecture's text (CSV-quoted: texts hold commas and quotes). A text is
  // matched with its whitespace squeezed; a DARTS genotype text by its meaning (quotes, spacing, a `NAME =`
  // prefix, `range(2, 6)` for `[2, 3, 4, 5]` do not matter). Errors (AccuracyError) name FILE:LINE:COL; a
  // table whose every value is at most 1 is refused (fractions, not percent). At most 1e6 rows and 64 KiB
  // per field.
  static AccuracySource table(const std::string& csv_path);

  // An external command: argv[0] the program (searched in PATH; never a shell), run once per distinct
  // architecture with one line of JSON {"space":..., "text":..., "name":...} on stdin and the environment
  // unchanged; it prints the top-1 accuracy in % (0 < a <= 100) as the last non-empty line of its stdout and
  // exits 0 within `timeout_s` seconds. A timeout, a non-zero exit or any other output is an AccuracyError
  // naming the architecture, the command and its last stderr line. Answers are kept in memory and, when
  // `cache_path` is not empty, appended to that CSV file (the table format, plus `space` and `name`
  // columns), which is read back here: a resumed or repeated search does not run the command again. The
  // cache is created 0644 (and checked writable) here, never through a symbolic link; a corrupt row is an
  // AccuracyError with FILE:LINE:COL.
  static AccuracySource command(std::vector<std::string> argv, double timeout_s,
                                const std::string& cache_path);

  bool available() const;  // false for none()
  // "none", "table FILE (N architectures)", "command 'prog args' (timeout 60 s)" (with a cache:
  // "command 'prog args' (timeout 60 s; cache FILE, N architectures)").
  std::string describe() const;

  // The accuracy of `a` (by its text first, then by its name), or nullopt when a table has no row for it (and
  // for none()). A command runs when neither is known; concurrent requests for the same architecture run it
  // once (all of them get its answer or its error). Thread-safe.
  std::optional<double> lookup(const Architecture& a);

  // How many times the command actually ran (0 for a table).
  uint64_t command_runs() const;

 private:
  struct State;  // shared by copies: a copy asks the same table, the same command and cache
  explicit AccuracySource(std::shared_ptr<State> s) : s_(std::move(s)) {}
  std::shared_ptr<State> s_;
};

}  // namespace cimsim::search
