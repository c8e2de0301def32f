#include "workloads/limits.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

#include "common/text.hpp"
#include "workloads/graph.hpp"

namespace cimsim::workloads {

std::string over_bound(const std::string& what, int64_t value, int64_t bound, const std::string& per) {
  // INT64_MAX is what a saturating count (Shape::elements(), Layer::weights()) returns on overflow
  const std::string v = value == INT64_MAX ? "over 9223372036854775807 (2^63)" : std::to_string(value);
  return what + " " + v + " is above the bound " + std::to_string(bound) + per + " (" + kLimitsDoc + ")";
}

std::string name_problem(const std::string& name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameBytes) {
    return "the name '" + common::printable(name, 40) + "' has " + std::to_string(name.size()) +
           " bytes, above the bound " + std::to_string(kMaxNameBytes) + " (" + kLimitsDoc + ")";
  }
  // printable ASCII is clean (the common case, checked without building an escaped copy)
  const bool ascii = std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!ascii && !common::is_clean_utf8(name)) {
    return "the name '" + common::printable(name, 80) +
           "' is not valid UTF-8 text without control characters (shown escaped); names appear in reports";
  }
  return {};
}

std::string read_bounded_file(const std::string& path, int64_t max_bytes, const std::string& what) {
  const std::string shown = common::printable(path);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw NetworkError("cannot open " + shown + " (" + std::strerror(errno) + ")");
  const auto too_big = [&](const std::string& size) {
    return NetworkError(shown + ": " + size + " bytes is above the bound " + std::to_string(max_bytes) +
                        " bytes for " + what + " (" + kLimitsDoc + ")");
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw NetworkError(shown + ": is a directory");
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && int64_t(st.st_size) > max_bytes) {
    throw too_big(std::to_string(st.st_size));
  }
  // a FIFO or device has no size: read at most one byte more than allowed
  std::string text;
  char buffer[1 << 16];
  while (file) {
    file.read(buffer, sizeof buffer);
    text.append(buffer, size_t(file.gcount()));
    if (int64_t(text.size()) > max_bytes) throw too_big("more than " + std::to_string(max_bytes));
  }
  if (file.bad()) throw NetworkError(shown + ": read error: " + std::strerror(errno));
  return text;
}

}  // namespace cimsim::workloads
