#include "workloads/network_yaml.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/text.hpp"
#include "common/yaml_document.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

using Keys = std::vector<std::string>;

struct Field {
  std::string key;
  YAML::Node key_node, value;
};
using Fields = std::vector<Field>;

// The value of `key`, or nullptr.
const YAML::Node* find(const Fields& fields, const char* key) {
  for (const Field& f : fields) {
    if (f.key == key) return &f.value;
  }
  return nullptr;
}

std::string join(const Keys& items) { return common::joined(items, 24); }

// A user's text inside a message: escaped, one line, bounded.
std::string q(const std::string& text) { return common::printable(text, 80); }

bool contains(const Keys& items, const std::string& s) {
  return std::find(items.begin(), items.end(), s) != items.end();
}

// Ops a layer entry may name, and the keys each accepts beyond name/op/inputs.
const std::vector<std::pair<OpKind, Keys>>& op_keys() {
  static const std::vector<std::pair<OpKind, Keys>> table = {
      {OpKind::conv, {"out_channels", "kernel", "stride", "pad", "dilation", "groups"}},
      {OpKind::fc, {"out_channels"}},
      {OpKind::max_pool, {"kernel", "stride", "pad"}},
      {OpKind::avg_pool, {"kernel", "stride", "pad"}},
      {OpKind::global_avg_pool, {}},
      {OpKind::relu, {}},
      {OpKind::add, {}},
      {OpKind::concat, {"axis"}},
      {OpKind::identity, {}},
      // transformers (docs/workloads.md, "Transformers"): a token sequence is C = embedding, H = tokens
      {OpKind::softmax, {"groups"}},
      {OpKind::log_softmax, {"groups"}},
      {OpKind::layer_norm, {}},
      {OpKind::gelu, {}},
      {OpKind::tanh, {}},
      {OpKind::erf, {}},
      {OpKind::matmul, {"groups", "transpose_b"}},
      {OpKind::reshape, {"shape", "copy"}},
      {OpKind::constant, {"shape"}},
  };
  return table;
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    fail_at(node.Mark(), message);
  }
  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& message) const {
    throw NetworkError(where(mark) + message);
  }
  // "file:line:column" with yaml-cpp's 0-based line and column printed 1-based.
  std::string position(const YAML::Mark& mark) const {
    if (mark.is_null()) return source_;
    return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  std::string where(const YAML::Mark& mark) const { return position(mark) + ": "; }

  // The entries of a mapping, read once. (yaml-cpp's node[key] searches the mapping and allocates a node
  // for every key it does not find: a layer read with a dozen lookups cost more than parsing it.)
  Fields fields_of(const YAML::Node& node, const Keys& allowed) const {
    Fields fields;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) fail(kv.first, "keys must be plain names; allowed: " + join(allowed));
      fields.push_back({kv.first.Scalar(), kv.first, kv.second});
    }
    return fields;
  }
  // Checks that every key is in `allowed`, each given once.
  void check_keys(const Fields& fields, const Keys& allowed, const std::string& context = "") const {
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      if (!contains(allowed, f.key)) {
        fail(f.key_node, "unknown key '" + q(f.key) + "'" + context + "; allowed: " + join(allowed));
      }
      for (size_t j = 0; j < i; ++j) {
        if (fields[j].key == f.key) fail(f.key_node, "duplicate key '" + q(f.key) + "'");
      }
    }
  }
  // Checks that `node` is a mapping whose keys are all in `allowed`, each given once; its entries.
  Fields check_map(const YAML::Node& node, const std::string& what, const Keys& allowed,
                   const std::string& context = "") const {
    if (!node.IsMap()) fail(node, what + " must be a mapping; allowed keys: " + join(allowed));
    Fields fields = fields_of(node, allowed);
    check_keys(fields, allowed, context);
    return fields;
  }

  // An integer in [min, max] (max: its bound in workloads/limits.hpp), read as 64 bits so that a huge
  // value is reported as out of range rather than as not an integer.
  int get_int(const YAML::Node& node, const std::string& key, int min, int64_t max) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be an integer");
    long long value = 0;
    try {
      value = node.as<long long>();
    } catch (const YAML::BadConversion&) {
      fail(node, "'" + key + "' must be an integer, got '" + q(node.Scalar()) + "'");
    }
    if (value < min) {
      fail(node, "'" + key + "' must be " + (min == 0 ? "non-negative" : "positive") + ", got " +
                     std::to_string(value));
    }
    if (value > max) fail(node, over_bound("'" + key + "'", value, max));
    return int(value);
  }

  bool get_bool(const YAML::Node& node, const std::string& key) const {
    if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) return node.Scalar() == "true";
    fail(node, "'" + key + "' must be true or false");
  }

  std::string get_string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar() || node.Scalar().empty()) fail(node, "'" + key + "' must be a non-empty string");
    return node.Scalar();
  }
  // A layer or network name: a string that may appear in reports (workloads/limits.hpp name_problem).
  std::string get_name(const YAML::Node& node, const std::string& key) const {
    std::string name = get_string(node, key);
    const std::string problem = name_problem(name);
    if (!problem.empty()) fail(node, "'" + key + "': " + problem);
    return name;
  }

  Graph parse(const YAML::Node& root, const std::string& default_name);

 private:
  void parse_layer(const YAML::Node& node, Graph& g, const std::unordered_set<std::string>& all_names);
  std::vector<int> parse_inputs(const YAML::Node& node, const Graph& g,
                                const std::unordered_set<std::string>& all_names) const;

  std::string source_;
  std::unordered_map<std::string, YAML::Mark> defined_;  // layer name -> where it was defined
  std::map<OpKind, int> op_counts_;             // for default names
};

Graph Parser::parse(const YAML::Node& root, const std::string& default_name) {
  if (root.IsNull()) throw NetworkError(source_ + ": empty network file; expected keys: name, input, layers");
  check_map(root, "a network", {"name", "input", "layers"});
  Graph g;
  g.name = root["name"] ? get_name(root["name"], "name") : default_name;

  if (!root["input"]) fail(root, "missing key 'input' ({channels: C, height: H, width: W})");
  const YAML::Node input = root["input"];
  const Keys input_keys = {"channels", "height", "width"};
  check_map(input, "'input'", input_keys);
  Layer in;
  in.name = "input";
  in.op = OpKind::input;
  for (const auto& key : input_keys) {
    if (!input[key]) fail(input, "missing key '" + key + "' in 'input'; required: " + join(input_keys));
  }
  in.out = Shape{get_int(input["channels"], "channels", 1, kMaxChannels),
                 get_int(input["height"], "height", 1, kMaxSpatial),
                 get_int(input["width"], "width", 1, kMaxSpatial)};
  g.infer_layer(g.add(std::move(in)));
  defined_["input"] = input.Mark();

  if (!root["layers"]) fail(root, "missing key 'layers' (a list of layers)");
  const YAML::Node layers = root["layers"];
  if (!layers.IsSequence() || layers.size() == 0) fail(layers, "'layers' must be a non-empty list");
  if (int64_t(layers.size()) >= kMaxLayers) {
    fail(layers, over_bound("'layers' has " + std::to_string(layers.size()) + " entries; with the input, the layer count",
                            int64_t(layers.size()) + 1, kMaxLayers));
  }
  std::unordered_set<std::string> all_names;  // explicit names, to tell forward references from typos
  for (const auto& l : layers) {
    if (!l.IsMap()) continue;
    for (const auto& kv : l) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "name" && kv.second.IsScalar()) all_names.insert(kv.second.Scalar());
    }
  }
  for (const auto& l : layers) parse_layer(l, g, all_names);
  return g;
}

void Parser::parse_layer(const YAML::Node& node, Graph& g, const std::unordered_set<std::string>& all_names) {
  static const Keys op_names = [] {
    Keys names;
    for (const auto& [op, keys] : op_keys()) names.push_back(op_name(op));
    return names;
  }();
  static const Keys any_layer_key = [] {  // for a key that is no name, before the op is known
    Keys keys = {"name", "op", "inputs"};
    for (const auto& [op, op_specific] : op_keys())
      for (const auto& k : op_specific)
        if (!contains(keys, k)) keys.push_back(k);
    return keys;
  }();
  if (!node.IsMap()) fail(node, "a layer must be a mapping with at least 'op'");
  const Fields fields = fields_of(node, any_layer_key);
  const YAML::Node* op = find(fields, "op");
  if (!op) fail(node, "missing key 'op'; allowed ops: " + join(op_names));
  const std::string op_text = get_string(*op, "op");
  const auto entry = std::find_if(op_keys().begin(), op_keys().end(),
                                  [&](const auto& e) { return op_text == op_name(e.first); });
  if (entry == op_keys().end()) {
    fail(*op, "unknown op '" + q(op_text) + "'" +
                  (op_text == "input" ? " (the input is given by the top-level 'input' key)" : "") +
                  "; allowed: " + join(op_names));
  }
  Keys allowed = {"name", "op", "inputs"};
  allowed.insert(allowed.end(), entry->second.begin(), entry->second.end());
  check_keys(fields, allowed, " for op '" + op_text + "'");

  Layer l;
  l.op = entry->first;
  const int count = ++op_counts_[l.op];
  const YAML::Node* name = find(fields, "name");
  l.name = name ? get_name(*name, "name") : op_text + std::to_string(count);
  const YAML::Mark mark = name ? name->Mark() : node.Mark();
  if (auto it = defined_.find(l.name); it != defined_.end()) {
    fail_at(mark, "duplicate layer name '" + q(l.name) + "' (first defined at " + position(it->second) + ")");
  }
  const YAML::Node* inputs = find(fields, "inputs");
  if (l.op == OpKind::constant && inputs) fail(*inputs, "a constant takes no inputs");
  l.inputs = inputs                     ? parse_inputs(*inputs, g, all_names)
             : l.op == OpKind::constant ? std::vector<int>{}
                                        : std::vector<int>{int(g.layers.size()) - 1};

  const auto has = [&](const char* key) { return find(fields, key) != nullptr; };
  const auto value = [&](const char* key) -> const YAML::Node& {
    const YAML::Node* v = find(fields, key);
    if (!v) fail(node, "missing key '" + std::string(key) + "' for op '" + op_text + "'");
    return *v;
  };
  if (contains(entry->second, "out_channels")) {
    l.out_channels = get_int(value("out_channels"), "out_channels", 1, kMaxChannels);
  }
  if (contains(entry->second, "kernel")) {
    const YAML::Node& k = value("kernel");
    if (k.IsSequence()) {
      if (k.size() != 2) fail(k, "'kernel' must be an integer or [kh, kw]");
      l.kernel_h = get_int(k[0], "kernel", 1, kMaxSpatial);
      l.kernel_w = get_int(k[1], "kernel", 1, kMaxSpatial);
    } else {
      l.kernel_h = l.kernel_w = get_int(k, "kernel", 1, kMaxSpatial);
    }
    const bool pool = l.op != OpKind::conv;
    if (has("stride")) {
      l.stride = get_int(value("stride"), "stride", 1, kMaxSpatial);
    } else if (pool) {  // pools default to non-overlapping windows
      if (l.kernel_h != l.kernel_w) fail(k, "a non-square pooling kernel needs an explicit 'stride'");
      l.stride = l.kernel_h;
    }
    if (has("pad")) l.pad = get_int(value("pad"), "pad", 0, kMaxSpatial);
  }
  if (has("dilation")) l.dilation = get_int(value("dilation"), "dilation", 1, kMaxSpatial);
  if (has("groups")) l.groups = get_int(value("groups"), "groups", 1, kMaxChannels);
  if (has("axis")) l.axis = get_int(value("axis"), "axis", 0, 1);
  if (has("transpose_b")) l.transpose_b = get_bool(value("transpose_b"), "transpose_b");
  if (has("copy")) l.copy = get_bool(value("copy"), "copy");
  if (contains(entry->second, "shape")) {
    const YAML::Node& v = value("shape");
    if (!v.IsSequence() || v.size() != 3) fail(v, "'shape' must be [channels, height, width]");
    l.shape = {get_int(v[0], "shape", 1, kMaxChannels), get_int(v[1], "shape", 1, kMaxSpatial),
               get_int(v[2], "shape", 1, kMaxSpatial)};
  }

  defined_[l.name] = mark;
  try {
    g.infer_layer(g.add(std::move(l)));
  } catch (const NetworkError& e) {
    fail(node, e.what());
  }
}

std::vector<int> Parser::parse_inputs(const YAML::Node& node, const Graph& g,
                                      const std::unordered_set<std::string>& all_names) const {
  std::vector<YAML::Node> refs;
  if (node.IsScalar()) {
    refs.push_back(node);
  } else if (node.IsSequence()) {
    for (const auto& r : node) refs.push_back(r);
  } else {
    fail(node, "'inputs' must be a layer name or a list of layer names");
  }
  std::vector<int> result;
  for (const auto& r : refs) {
    const std::string ref = get_string(r, "inputs");
    const int index = g.index_of(ref);
    if (index >= 0) {
      result.push_back(index);
    } else if (all_names.count(ref)) {
      fail(r, "input '" + q(ref) + "' is defined later; a layer may only read earlier layers");
    } else {
      Keys earlier;
      for (const auto& l : g.layers) earlier.push_back(l.name);
      fail(r, "unknown layer '" + q(ref) + "'; allowed: " + join(earlier));
    }
  }
  return result;
}

// Where the second document of `text` starts (its '---' or first node).
}  // namespace

Graph parse_network_yaml(const std::string& text, const std::string& source,
                         const std::string& default_name) {
  Parser parser(common::printable(source));
  if (int64_t(text.size()) > kMaxYamlNetworkBytes) {
    throw NetworkError(parser.where(YAML::Mark::null_mark()) + std::to_string(text.size()) +
                       " bytes is above the bound " + std::to_string(kMaxYamlNetworkBytes) +
                       " bytes for a YAML network (" + kLimitsDoc + ")");
  }
  try {
    if (const auto second = common::second_document(text)) {
      parser.fail_at(*second, "a second YAML document; a network file holds one (remove the '---' line and "
                              "what follows)");
    }
    return parser.parse(YAML::Load(text), common::printable(default_name));
  } catch (const YAML::Exception& e) {  // syntax errors, and anything the checks above missed
    throw NetworkError(parser.where(e.mark) + "YAML error: " + e.msg);
  }
}

Graph load_network_yaml(const std::string& path) {
  const std::string text = read_bounded_file(path, kMaxYamlNetworkBytes, "a YAML network");
  return parse_network_yaml(text, path, std::filesystem::path(path).stem().string());
}

}  // namespace cimsim::workloads
