#include "workloads/network_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace cimsim::workloads {

namespace {

using Keys = std::vector<std::string>;

std::string join(const Keys& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

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
      {OpKind::concat, {}},
      {OpKind::identity, {}},
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

  // Checks that `node` is a mapping whose keys are all in `allowed`, each given once.
  void check_map(const YAML::Node& node, const std::string& what, const Keys& allowed,
                 const std::string& context = "") const {
    if (!node.IsMap()) fail(node, what + " must be a mapping; allowed keys: " + join(allowed));
    std::set<std::string> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) fail(kv.first, "keys must be plain names; allowed: " + join(allowed));
      const auto key = kv.first.Scalar();
      if (!contains(allowed, key)) {
        fail(kv.first, "unknown key '" + key + "'" + context + "; allowed: " + join(allowed));
      }
      if (!seen.insert(key).second) fail(kv.first, "duplicate key '" + key + "'");
    }
  }

  int get_int(const YAML::Node& node, const std::string& key, int min) const {
    if (!node.IsScalar()) fail(node, "'" + key + "' must be an integer");
    int value = 0;
    try {
      value = node.as<int>();
    } catch (const YAML::BadConversion&) {
      fail(node, "'" + key + "' must be an integer, got '" + node.Scalar() + "'");
    }
    if (value < min) {
      fail(node, "'" + key + "' must be " + (min == 0 ? "non-negative" : "positive") + ", got " +
                     std::to_string(value));
    }
    return value;
  }

  std::string get_string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar() || node.Scalar().empty()) fail(node, "'" + key + "' must be a non-empty string");
    return node.Scalar();
  }

  Graph parse(const YAML::Node& root, const std::string& default_name);

 private:
  void parse_layer(const YAML::Node& node, Graph& g, const std::vector<std::string>& all_names);
  std::vector<int> parse_inputs(const YAML::Node& node, const Graph& g,
                                const std::vector<std::string>& all_names) const;

  std::string source_;
  std::map<std::string, YAML::Mark> defined_;  // layer name -> where it was defined
  std::map<OpKind, int> op_counts_;             // for default names
};

Graph Parser::parse(const YAML::Node& root, const std::string& default_name) {
  if (root.IsNull()) throw NetworkError(source_ + ": empty network file; expected keys: name, input, layers");
  check_map(root, "a network", {"name", "input", "layers"});
  Graph g;
  g.name = root["name"] ? get_string(root["name"], "name") : default_name;

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
  in.out = Shape{get_int(input["channels"], "channels", 1), get_int(input["height"], "height", 1),
                 get_int(input["width"], "width", 1)};
  g.infer_layer(g.add(std::move(in)));
  defined_["input"] = input.Mark();

  if (!root["layers"]) fail(root, "missing key 'layers' (a list of layers)");
  const YAML::Node layers = root["layers"];
  if (!layers.IsSequence() || layers.size() == 0) fail(layers, "'layers' must be a non-empty list");
  std::vector<std::string> all_names;  // explicit names, to tell forward references from typos
  for (const auto& l : layers) {
    if (l.IsMap() && l["name"] && l["name"].IsScalar()) all_names.push_back(l["name"].Scalar());
  }
  for (const auto& l : layers) parse_layer(l, g, all_names);
  return g;
}

void Parser::parse_layer(const YAML::Node& node, Graph& g, const std::vector<std::string>& all_names) {
  Keys op_names;
  for (const auto& [op, keys] : op_keys()) op_names.push_back(op_name(op));
  if (!node.IsMap()) fail(node, "a layer must be a mapping with at least 'op'");
  if (!node["op"]) fail(node, "missing key 'op'; allowed ops: " + join(op_names));
  const std::string op_text = get_string(node["op"], "op");
  const auto entry = std::find_if(op_keys().begin(), op_keys().end(),
                                  [&](const auto& e) { return op_text == op_name(e.first); });
  if (entry == op_keys().end()) {
    fail(node["op"], "unknown op '" + op_text + "'" +
                         (op_text == "input" ? " (the input is given by the top-level 'input' key)" : "") +
                         "; allowed: " + join(op_names));
  }
  Keys allowed = {"name", "op", "inputs"};
  allowed.insert(allowed.end(), entry->second.begin(), entry->second.end());
  check_map(node, "a layer", allowed, " for op '" + op_text + "'");

  Layer l;
  l.op = entry->first;
  const int count = ++op_counts_[l.op];
  l.name = node["name"] ? get_string(node["name"], "name") : op_text + std::to_string(count);
  const YAML::Mark mark = node["name"] ? node["name"].Mark() : node.Mark();
  if (auto it = defined_.find(l.name); it != defined_.end()) {
    fail_at(mark, "duplicate layer name '" + l.name + "' (first defined at " + position(it->second) + ")");
  }
  l.inputs = node["inputs"] ? parse_inputs(node["inputs"], g, all_names)
                            : std::vector<int>{int(g.layers.size()) - 1};

  const auto has = [&](const char* key) { return bool(node[key]); };
  const auto require = [&](const char* key) {
    if (!has(key)) fail(node, "missing key '" + std::string(key) + "' for op '" + op_text + "'");
  };
  if (contains(entry->second, "out_channels")) {
    require("out_channels");
    l.out_channels = get_int(node["out_channels"], "out_channels", 1);
  }
  if (contains(entry->second, "kernel")) {
    require("kernel");
    const YAML::Node k = node["kernel"];
    if (k.IsSequence()) {
      if (k.size() != 2) fail(k, "'kernel' must be an integer or [kh, kw]");
      l.kernel_h = get_int(k[0], "kernel", 1);
      l.kernel_w = get_int(k[1], "kernel", 1);
    } else {
      l.kernel_h = l.kernel_w = get_int(k, "kernel", 1);
    }
    const bool pool = l.op != OpKind::conv;
    if (has("stride")) {
      l.stride = get_int(node["stride"], "stride", 1);
    } else if (pool) {  // pools default to non-overlapping windows
      if (l.kernel_h != l.kernel_w) fail(k, "a non-square pooling kernel needs an explicit 'stride'");
      l.stride = l.kernel_h;
    }
    if (has("pad")) l.pad = get_int(node["pad"], "pad", 0);
  }
  if (has("dilation")) l.dilation = get_int(node["dilation"], "dilation", 1);
  if (has("groups")) l.groups = get_int(node["groups"], "groups", 1);

  defined_[l.name] = mark;
  try {
    g.infer_layer(g.add(std::move(l)));
  } catch (const NetworkError& e) {
    fail(node, e.what());
  }
}

std::vector<int> Parser::parse_inputs(const YAML::Node& node, const Graph& g,
                                      const std::vector<std::string>& all_names) const {
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
    } else if (contains(all_names, ref)) {
      fail(r, "input '" + ref + "' is defined later; a layer may only read earlier layers");
    } else {
      Keys earlier;
      for (const auto& l : g.layers) earlier.push_back(l.name);
      fail(r, "unknown layer '" + ref + "'; allowed: " + join(earlier));
    }
  }
  return result;
}

}  // namespace

Graph parse_network_yaml(const std::string& text, const std::string& source,
                         const std::string& default_name) {
  Parser parser(source);
  try {
    return parser.parse(YAML::Load(text), default_name);
  } catch (const YAML::Exception& e) {  // syntax errors, and anything the checks above missed
    throw NetworkError(parser.where(e.mark) + "YAML error: " + e.msg);
  }
}

Graph load_network_yaml(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw NetworkError("cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return parse_network_yaml(text.str(), path, std::filesystem::path(path).stem().string());
}

}  // namespace cimsim::workloads
