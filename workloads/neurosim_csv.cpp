#include "workloads/neurosim_csv.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>
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
  Shape ifm() const { return Shape{v[2], v[0], v[1]}; }
  int kernel() const { return v[3]; }  // kH; kW equals it (checked before a layer is built)
  int ofm() const { return v[5]; }
  bool pooled() const { return v[6] == 1; }
  int stride() const { return v[7]; }
};

std::string hwc(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

constexpr std::string_view kBom = "\xef\xbb\xbf";  // UTF-8 byte order mark: invisible in editors

// Splits one line into integer fields; errors carry the 1-based column where the field starts.
Row parse_row(const std::string& text, int line, const std::string& source) {
  const std::string where = source + ":" + std::to_string(line);
  Row row;
  row.line = line;
  int count = 0;
  size_t start = 0;
  // NeuroSim splits a row with getline(',') and so never sees an empty field after a final comma: drop it
  std::string_view line_text(text);
  const size_t last = line_text.find_last_not_of(" \t");
  if (last != std::string_view::npos && line_text[last] == ',') line_text = line_text.substr(0, last);
  while (true) {
    size_t end = line_text.find(',', start);
    if (end == std::string_view::npos) end = line_text.size();
    if (count == field_count) {
      throw NetworkError(where + ": expected " + std::to_string(field_count) +
                         " fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found more");
    }
    size_t b = start;
    while (b < end && std::isspace(static_cast<unsigned char>(line_text[b]))) ++b;
    size_t e = end;
    while (e > b && std::isspace(static_cast<unsigned char>(line_text[e - 1]))) --e;
    const std::string field(line_text.substr(b, e - b));
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
    if (end == line_text.size()) break;
    start = end + 1;
  }
  if (count != field_count) {
    throw NetworkError(where + ": expected " + std::to_string(field_count) +
                       " fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found " +
                       std::to_string(count));
  }
  return row;
}

// The text without a leading UTF-8 byte order mark (invisible in editors; spreadsheets write one).
std::string_view without_bom(std::string_view text) {
  return text.substr(0, kBom.size()) == kBom ? text.substr(kBom.size()) : text;
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

// ---- rows to a graph --------------------------------------------------------------------------------

// Growth g of the dense unit each row closes (0: none). NeuroSim writes a DenseNet-BC unit as a 1x1 row
// reading the block's map X (C channels) and a kxk row whose OFM_C is C + g: its g new channels
// concatenated with X (NetWork_DenseNet40.csv). Only a run of two or more such units with one g, each
// reading the previous one's concatenation (a dense block), is read so; a lone pair is two convolutions.
std::vector<int> dense_growth(const std::vector<Row>& rows) {
  const auto unit_growth = [&](size_t a) {  // g when rows a, a+1 have the shape of a unit, else 0
    if (a + 1 >= rows.size()) return 0;
    const Row& x = rows[a];
    const Row& y = rows[a + 1];
    const bool shape = x.kernel() == 1 && x.v[4] == 1 && x.stride() == 1 && !x.pooled() && y.kernel() > 1 &&
                       y.kernel() % 2 == 1 && y.v[4] == y.kernel() && y.stride() == 1 &&
                       y.ifm() == Shape{x.ofm(), x.v[0], x.v[1]};
    return shape && y.ofm() > x.v[2] ? y.ofm() - x.v[2] : 0;
  };
  std::vector<int> growth(rows.size(), 0);
  for (size_t a = 0; a < rows.size();) {
    const int g = unit_growth(a);
    size_t b = a;  // rows [a, b) are a run of units with growth g
    while (g > 0 && unit_growth(b) == g &&
           (b == a || (!rows[b - 1].pooled() && rows[b].ifm() == Shape{rows[b - 1].ofm(), rows[b - 1].v[0],
                                                                          rows[b - 1].v[1]}))) {
      b += 2;
    }
    if (b - a >= 4) {
      for (size_t k = a + 1; k < b; k += 2) growth[k] = g;
    }
    a = b > a ? b : a + 1;
  }
  return growth;
}

uint64_t shape_key(const Shape& s) {  // fields bounded by kMaxChannels (2^20) and kMaxSpatial (2^16)
  return (uint64_t(s.c) << 34) | (uint64_t(s.h) << 17) | uint64_t(s.w);
}

// How a row reads its IFM (docs/workloads.md, "NeuroSim network CSV"), in the order they are tried.
enum class Reads { previous, flattened, pooled, shortcut };

Reads reading_of(const Row& row, const Shape& prev) {
  const Shape ifm = row.ifm();
  if (ifm.h == 1 && ifm.w == 1 && row.kernel() == 1 && row.v[4] == 1) {  // a classifier (fc)
    if (ifm.c == prev.elements()) return Reads::flattened;                 // prev itself when 1x1
    if (ifm.c == prev.c) return Reads::pooled;
  }
  return ifm == prev ? Reads::previous : Reads::shortcut;
}

// The 2x2 stride-2 pool's output (the pool layer itself reports a map too small for it).
Shape pooled_shape(const Shape& s) {
  return s.h < 2 || s.w < 2 ? s : Shape{s.c, (s.h - 2) / 2 + 1, (s.w - 2) / 2 + 1};
}

class Builder {
 public:
  Builder(const std::vector<Row>& rows, const std::string& source, Graph& g)
      : rows_(rows), growth_(dense_growth(rows)), source_(source), g_(g), read_(rows.size(), -1),
        reading_(rows.size(), Reads::previous) {}

  void build() {
    Layer input;
    input.name = "input";
    input.op = OpKind::input;
    input.out = rows_[0].ifm();
    current_ = add(std::move(input), 0);
    for (size_t r = 0; r < rows_.size(); ++r) build_row(r);
  }

 private:
  std::string where(size_t r) const { return source_ + ":" + std::to_string(rows_[r].line); }
  std::string line(size_t r) const { return "line " + std::to_string(rows_[r].line); }
  bool last(size_t r) const { return r + 1 == rows_.size(); }
  const Shape& shape(int layer) const { return g_.layers[size_t(layer)].out; }

  // Adds a layer and infers its shape, prefixing errors with row r's position.
  int add(Layer layer, size_t r) {
    try {
      const int index = g_.add(std::move(layer));
      g_.infer_layer(index);
      return index;
    } catch (const NetworkError& e) {
      throw NetworkError(where(r) + ": " + e.what());
    }
  }
  int add(OpKind op, const char* stem, int& count, std::vector<int> inputs, size_t r) {
    Layer l;
    l.name = stem + std::to_string(++count);
    l.op = op;
    l.inputs = std::move(inputs);
    if (op == OpKind::max_pool) l.kernel_h = l.kernel_w = l.stride = 2;
    return add(std::move(l), r);
  }
  int weighted(const Row& row, int input, int out_channels, bool fc, size_t r) {
    Layer l;
    l.inputs = {input};
    l.out_channels = out_channels;
    l.op = fc ? OpKind::fc : OpKind::conv;
    l.name = fc ? "fc" + std::to_string(++fcs_) : "conv" + std::to_string(++convs_);
    if (!fc) {
      l.kernel_h = l.kernel_w = row.kernel();
      l.stride = row.stride();
      l.pad = (row.kernel() - 1) / 2;
    }
    return add(std::move(l), r);
  }
  // ReLU (not after the last row: the classifier) and the row's pool, from `layer` on.
  int finish(int layer, bool pooled, size_t r) {
    if (!last(r)) layer = add(OpKind::relu, "relu", relus_, {layer}, r);
    if (pooled) layer = add(OpKind::max_pool, "pool", pools_, {layer}, r);
    return layer;
  }
  void note_read(size_t r, int layer) {  // row r on the main path reads `layer`
    read_[r] = layer;
    auto& readers = readers_.try_emplace(shape_key(shape(layer)), -1, -1).first->second;
    readers = {int(r), readers.first};
  }

  void build_row(size_t r) {
    const Row& row = rows_[r];
    if (row.kernel() != row.v[4]) {
      throw NetworkError(where(r) + ": kernel " + std::to_string(row.v[3]) + "x" + std::to_string(row.v[4]) +
                         " is not square; 'same' padding needs kH == kW here");
    }
    const Shape prev = pending_ >= 0 ? pending_out_ : shape(current_);
    reading_[r] = reading_of(row, prev);
    switch (reading_[r]) {
      case Reads::shortcut: return build_shortcut(r, prev);
      case Reads::flattened:
      case Reads::pooled: {
        note_read(r, current_);
        int in = current_;
        if (reading_[r] == Reads::pooled) in = add(OpKind::global_avg_pool, "gap", gaps_, {in}, r);
        current_ = finish(weighted(row, in, row.ofm(), true, r), row.pooled(), r);
        return;
      }
      case Reads::previous: break;
    }
    note_read(r, current_);
    const bool dense = growth_[r] > 0 && reading_[r - 1] == Reads::previous;
    const int conv = weighted(row, current_, dense ? growth_[r] : row.ofm(), false, r);
    if (dense) {  // the unit's new channels, then the map its first row read
      const int joined = add(OpKind::concat, "concat", concats_, {finish(conv, false, r), read_[r - 1]}, r);
      current_ = row.pooled() ? add(OpKind::max_pool, "pool", pools_, {joined}, r) : joined;
      return;
    }
    const Shape out = row.pooled() ? pooled_shape(shape(conv)) : shape(conv);
    if (!last(r) && reading_of(rows_[r + 1], out) == Reads::shortcut) {  // the sum comes before ReLU and pool
      pending_ = conv;
      pending_row_ = r;
      pending_out_ = out;
      return;
    }
    current_ = finish(conv, row.pooled(), r);
  }

  // A row reading the input of an earlier row: a projection shortcut around the rows since, its output
  // added to the previous row's.
  void build_shortcut(size_t r, const Shape& prev) {
    const Row& row = rows_[r];
    const Shape ifm = row.ifm();
    const auto found = readers_.find(shape_key(ifm));
    if (found == readers_.end()) {
      std::string allowed = "that output or the IFM of an earlier row (a shortcut from that row's input)";
      if (prev.h * int64_t(prev.w) > 1) {
        allowed += ", or a classifier 1x1x" + std::to_string(prev.c) + " (global average pooling) or 1x1x" +
                   std::to_string(prev.elements()) + " (flattened) with a 1x1 kernel";
      }
      throw NetworkError(where(r) + ": IFM " + hwc(ifm) + " does not match the previous layer's output " +
                         hwc(prev) + "; allowed: " + allowed);
    }
    const auto [nearest, before] = found->second;
    if (pending_ < 0) {
      throw NetworkError(where(r) + ": IFM " + hwc(ifm) + " is not the previous layer's output " + hwc(prev) +
                         " but the map " + line(size_t(nearest)) + " reads (a shortcut); a shortcut row must follow a " +
                         "convolution row, whose output it is added to, not " + line(r - 1));
    }
    if (size_t(nearest) + 1 == r && before >= 0) {
      throw NetworkError(where(r) + ": IFM " + hwc(ifm) + " is ambiguous: not the previous layer's output " +
                         hwc(prev) + ", and both " + line(size_t(before)) + " and " + line(size_t(nearest)) +
                         " read " + hwc(ifm) + " maps, so the block this shortcut skips may start at either; " +
                         "allowed: a shortcut row after its block of two or more rows, the nearest earlier row " +
                         "reading its IFM being the block's first");
    }
    const int sc = weighted(row, read_[size_t(nearest)], row.ofm(), false, r);
    if (shape(sc) != shape(pending_)) {
      throw NetworkError(where(r) + ": the shortcut from the input of " + line(size_t(nearest)) + " gives " +
                         hwc(shape(sc)) + ", which cannot be added to the output " + hwc(shape(pending_)) + " of " +
                         line(pending_row_) + " (allowed: a shortcut whose output equals the previous row's)");
    }
    const int sum = add(OpKind::add, "add", adds_, {pending_, sc}, r);
    current_ = finish(sum, rows_[pending_row_].pooled() || row.pooled(), r);
    pending_ = -1;
  }

  const std::vector<Row>& rows_;
  const std::vector<int> growth_;
  const std::string& source_;
  Graph& g_;
  int current_ = 0;                // the map the next row reads when its IFM is the previous output
  std::vector<int> read_;          // per row on the main path: the layer it reads
  std::vector<Reads> reading_;     // per row: how it reads its IFM
  std::unordered_map<uint64_t, std::pair<int, int>> readers_;  // shape -> last two main-path rows reading it
  int pending_ = -1;               // a conv whose ReLU and pool wait for the next row's shortcut sum
  size_t pending_row_ = 0;
  Shape pending_out_;              // its output as the next row sees it (pooled if its row pools)
  int convs_ = 0, fcs_ = 0, relus_ = 0, pools_ = 0, adds_ = 0, concats_ = 0, gaps_ = 0;
};

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
  Builder(rows, source, g).build();
  return g;
}

Graph load_neurosim_csv(const std::string& path) {
  const std::string text = read_bounded_file(path, kMaxCsvNetworkBytes, "a NeuroSim CSV");
  return parse_neurosim_csv(text, path, common::printable(std::filesystem::path(path).stem().string()));
}

}  // namespace cimsim::workloads
