#include "workloads/neurosim_csv.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

#include "common/text.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

constexpr const char* field_names[] = {"IFM_H", "IFM_W", "IFM_C",          "kH",
                                       "kW",    "OFM_C", "followedByPool", "stride"};
constexpr int field_count = 8;
// the bound of each field (workloads/limits.hpp): spatial sizes, channels, 0/1, spatial
constexpr int64_t field_bounds[] = {kMaxSpatial, kMaxSpatial, kMaxChannels, kMaxSpatial,
                                    kMaxSpatial, kMaxChannels, 1,            kMaxSpatial};

struct Row {
  int line = 0;
  int v[field_count] = {};  // in the order of field_names
};

std::string hwc(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

// Splits one line into integer fields; errors carry the 1-based column where the field starts.
Row parse_row(const std::string& text, int line, const std::string& source) {
  const std::string where = source + ":" + std::to_string(line);
  Row row;
  row.line = line;
  int count = 0;
  size_t start = 0;
  while (true) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (count == field_count) {
      throw NetworkError(where + ": expected " + std::to_string(field_count) +
                         " fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found more");
    }
    size_t b = start;
    while (b < end && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
    size_t e = end;
    while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
    const std::string field = text.substr(b, e - b);
    const std::string at = where + ":" + std::to_string(b + 1) + ": field " + field_names[count];
    char* stop = nullptr;
    errno = 0;
    const long long value = field.empty() ? 0 : std::strtoll(field.c_str(), &stop, 10);
    if (field.empty() || *stop != '\0') {
      throw NetworkError(at + " is not an integer: '" + common::printable(field, 80) + "'");
    }
    const bool is_pool = count == 6;
    if (errno == ERANGE && value > 0) {  // more digits than 64 bits hold
      throw NetworkError(at + " " + common::printable(field, 40) + " is above the bound " +
                         std::to_string(field_bounds[count]) + " (" + kLimitsDoc + ")");
    }
    if (is_pool ? (value != 0 && value != 1) : value <= 0) {
      throw NetworkError(at + " " + (errno == ERANGE ? common::printable(field, 40) : std::to_string(value)) +
                         (is_pool ? " must be 0 or 1" : " must be positive"));
    }
    if (value > field_bounds[count]) throw NetworkError(over_bound(at, value, field_bounds[count]));
    row.v[count++] = int(value);
    if (end == text.size()) break;
    start = end + 1;
  }
  if (count != field_count) {
    throw NetworkError(where + ": expected " + std::to_string(field_count) +
                       " fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found " +
                       std::to_string(count));
  }
  return row;
}

// Adds a layer and infers its shape, prefixing errors with the row's position.
int add_layer(Graph& g, Layer layer, const std::string& where) {
  try {
    const int index = g.add(std::move(layer));
    g.infer_layer(index);
    return index;
  } catch (const NetworkError& e) {
    throw NetworkError(where + ": " + e.what());
  }
}

// The text without a leading UTF-8 byte order mark (invisible in editors; spreadsheets write one).
std::string_view without_bom(std::string_view text) {
  return text.substr(0, 3) == "\xef\xbb\xbf" ? text.substr(3) : text;
}

// A control byte (NUL, ESC, ...; tab allowed) is an error at its line and column: a CSV of numbers has
// none, and a NUL would otherwise end a field early.
void check_control_bytes(std::string_view line, int number, const std::string& source) {
  for (size_t k = 0; k < line.size(); ++k) {
    const auto c = static_cast<unsigned char>(line[k]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      throw NetworkError(source + ":" + std::to_string(number) + ":" + std::to_string(k + 1) + ": control character " +
                         common::printable(line.substr(k, 1)) + " (a NeuroSim CSV holds integers, commas and spaces)");
    }
  }
}

}  // namespace

Graph parse_neurosim_csv(const std::string& raw_text, const std::string& raw_source, const std::string& name) {
  const std::string source = common::printable(raw_source);
  if (int64_t(raw_text.size()) > kMaxCsvNetworkBytes) {
    throw NetworkError(source + ": " + std::to_string(raw_text.size()) + " bytes is above the bound " +
                       std::to_string(kMaxCsvNetworkBytes) + " bytes for a NeuroSim CSV (" + kLimitsDoc + ")");
  }
  const std::string_view text = without_bom(raw_text);
  std::vector<Row> rows;
  size_t start = 0;
  for (int number = 1; start < text.size(); ++number) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view view = text.substr(start, end - start);
    start = end + 1;
    if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
    check_control_bytes(view, number, source);
    if (view.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    // every row makes at least one layer, and the input is one more
    if (int64_t(rows.size()) + 2 > kMaxLayers) {
      throw NetworkError(source + ":" + std::to_string(number) + ": " +
                         over_bound("row count", int64_t(rows.size()) + 1, kMaxLayers - 1));
    }
    rows.push_back(parse_row(std::string(view), number, source));
  }
  if (rows.empty()) throw NetworkError(source + ": no layers");

  Graph g;
  g.name = name;
  Layer input;
  input.name = "input";
  input.op = OpKind::input;
  input.out = Shape{rows[0].v[2], rows[0].v[0], rows[0].v[1]};
  int last = add_layer(g, std::move(input), source + ":" + std::to_string(rows[0].line));
  int convs = 0, fcs = 0, relus = 0, pools = 0;

  for (size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    const std::string where = source + ":" + std::to_string(row.line);
    const Shape ifm{row.v[2], row.v[0], row.v[1]};
    const int kh = row.v[3], kw = row.v[4];
    const Shape prev = g.layers[size_t(last)].out;
    // NeuroSim lists a classifier as a 1x1 "convolution" over the flattened feature map.
    const bool is_fc = ifm.h == 1 && ifm.w == 1 && kh == 1 && kw == 1 && ifm.c == prev.elements();
    if (!is_fc && ifm != prev) {
      throw NetworkError(where + ": IFM " + hwc(ifm) + " does not match the previous layer's output " +
                         hwc(prev));
    }
    if (kh != kw) {
      throw NetworkError(where + ": kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
                         " is not square; 'same' padding needs kH == kW here");
    }
    Layer l;
    l.inputs = {last};
    l.out_channels = row.v[5];
    if (is_fc) {
      l.name = "fc" + std::to_string(++fcs);
      l.op = OpKind::fc;
    } else {
      l.name = "conv" + std::to_string(++convs);
      l.op = OpKind::conv;
      l.kernel_h = kh;
      l.kernel_w = kw;
      l.stride = row.v[7];
      l.pad = (kh - 1) / 2;
    }
    last = add_layer(g, std::move(l), where);
    if (r + 1 < rows.size()) {  // the last row is the classifier: no activation
      Layer relu;
      relu.name = "relu" + std::to_string(++relus);
      relu.op = OpKind::relu;
      relu.inputs = {last};
      last = add_layer(g, std::move(relu), where);
    }
    if (row.v[6] == 1) {
      Layer pool;
      pool.name = "pool" + std::to_string(++pools);
      pool.op = OpKind::max_pool;
      pool.kernel_h = pool.kernel_w = 2;
      pool.stride = 2;
      pool.inputs = {last};
      last = add_layer(g, std::move(pool), where);
    }
  }
  return g;
}

Graph load_neurosim_csv(const std::string& path) {
  const std::string text = read_bounded_file(path, kMaxCsvNetworkBytes, "a NeuroSim CSV");
  return parse_neurosim_csv(text, path, common::printable(std::filesystem::path(path).stem().string()));
}

}  // namespace cimsim::workloads
