// Every file cimsim writes goes through here: no output replaces a device, follows a planted link,
// leaves a half-written file, or overwrites one of the command's inputs.
//
// Writing (write_output):
//   - absent or regular target: the text goes to a temporary created exclusively beside the target
//     (O_CREAT | O_EXCL | O_NOFOLLOW, a random name ".NAME.cimsim-XXXXXX"), is fsync'd, and is renamed
//     over the target; a regular target keeps its permission bits. A crash leaves the old file whole.
//   - character device or FIFO (/dev/null, /dev/stdout, a named pipe): written through in place, never
//     replaced; a FIFO blocks until a reader opens it, like a shell redirection.
//   - a symbolic link as the last component: refused (a planted link would redirect the write); links
//     in the directories above it are followed as usual.
//   - directory, block device, socket: refused.
//   - any write error (ENOSPC on a full disk or /dev/full, EIO, EDQUOT) is an OutputError, and the
//     temporary is removed.
//
// Checking (OutputPlan): a command registers every file it reads, then every file it will write,
// before any work starts; an output that is one of the inputs (same inode, or the same path for a file
// not yet there), is given twice, or cannot be written (missing directory, a directory, a link, a block
// device) is refused up front. All errors are OutputError: one line, exit code 2 in the CLI.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cimsim::sim {

struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Writes `text` to `path` as described above. Throws OutputError naming the path and the reason.
void write_output(const std::string& path, const std::string& text);

/// Old name, kept for callers: the same as write_output.
inline void write_file_atomic(const std::string& path, const std::string& text) { write_output(path, text); }

/// What a command reads and writes, checked before it does anything.
class OutputPlan {
 public:
  /// A path the command reads. Names that are not files on disk (built-in networks, chips) are ignored.
  void input(const std::string& path);
  /// A path the command will write, under option `what` ("--json", "--csv DIR/layers.csv", ...).
  /// Throws OutputError if it is an input, was already given as an output, or cannot be a regular
  /// output (see above).
  void output(const std::string& path, const std::string& what);
  /// A directory the command will create files in (`--csv DIR`, `sweep --out DIR`): if it exists it must
  /// be a directory (a link to one is followed); if not, its parent must exist. The files written into it
  /// are then registered one by one with output().
  void output_dir(const std::string& path, const std::string& what);

 private:
  struct Entry {
    std::string path, what;
  };
  std::vector<Entry> inputs_, outputs_;
  std::vector<std::string> dirs_;  // output directories that will be created (normalized)
};

}  // namespace cimsim::sim
