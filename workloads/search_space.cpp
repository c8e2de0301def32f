#include "workloads/search_space.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text.hpp"
#include "workloads/builder.hpp"
#include "workloads/builtins.hpp"
#include "workloads/builtins_mobile.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

// ---- OFA MobileNetV3 stages (ofa_mbv3.py, width multiplier 1.0)
// --------------------------------------------
constexpr int kOfaWidths[kOfaStages] = {24, 40, 80, 112, 160};
constexpr int kOfaStrides[kOfaStages] = {2, 2, 2, 1, 2};
constexpr bool kOfaHardswish[kOfaStages] = {false, false, true, true, true};
constexpr bool kOfaSe[kOfaStages] = {false, true, false, true, true};
constexpr int kOfaStemWidth = 16, kOfaFinalExpand = 960, kOfaFeatureMix = 1280;

constexpr size_t kMaxArchTextBytes = size_t(64) << 10;  // an architecture text

std::string allowed_list(const std::array<int, 3>& allowed) {
  std::string out;
  for (int v : allowed) out += (out.empty() ? "" : ", ") + std::to_string(v);
  return out;
}

bool is_allowed(int64_t v, const std::array<int, 3>& allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

// "WHAT VALUE; allowed: LO to HI" when value is outside [lo, hi], else empty. `value` is the text shown.
std::string range_problem(const std::string& what, const std::string& value, int64_t v, int64_t lo,
                          int64_t hi) {
  if (v >= lo && v <= hi) return {};
  return what + " " + value + "; allowed: " + std::to_string(lo) + " to " + std::to_string(hi);
}

std::string resolution_problem(const std::string& value, int64_t r) {
  if (r >= kOfaMinResolution && r <= kOfaMaxResolution && r % kOfaResolutionStep == 0) return {};
  return "resolution " + value + "; allowed: " + std::to_string(kOfaMinResolution) + " to " +
         std::to_string(kOfaMaxResolution) + " in steps of " + std::to_string(kOfaResolutionStep);
}

std::string depth_problem(const std::string& value, int64_t d, int stage) {
  if (d >= kOfaMinDepth && d <= kOfaMaxDepth) return {};
  return "depth " + value + " of stage " + std::to_string(stage + 1) +
         "; allowed: " + std::to_string(kOfaMinDepth) + ", " + std::to_string(kOfaMinDepth + 1) + ", " +
         std::to_string(kOfaMaxDepth);
}

// "kernel 9 of WHERE; allowed: 3, 5, 7" (or "expand ratio ..."), else empty
std::string choice_problem(bool kernel, const std::string& value, int64_t v, const std::string& where) {
  const auto& allowed = kernel ? kOfaKernels : kOfaExpands;
  if (is_allowed(v, allowed)) return {};
  return std::string(kernel ? "kernel " : "expand ratio ") + value + " of " + where +
         "; allowed: " + allowed_list(allowed);
}

std::string stage_block(int stage, int block) {
  return "stage " + std::to_string(stage + 1) + ", block " + std::to_string(block + 1);
}

void check_classes_and_name(const char* space, int classes, const std::string& name) {
  const std::string classes_problem =
      range_problem("classes", std::to_string(classes), classes, 1, kSearchMaxClasses);
  if (!classes_problem.empty()) throw NetworkError(std::string(space) + ": " + classes_problem);
  if (const std::string problem = name_problem(name); !problem.empty()) {
    throw NetworkError(std::string(space) + ": network name: " + problem);
  }
}

// ---- ViT
// ----------------------------------------------------------------------------------------------------
std::string mlp_ratio_text(int64_t x10) {
  const std::string sign = x10 < 0 ? "-" : "";
  const int64_t m = x10 < 0 ? -x10 : x10;
  return sign + std::to_string(m / 10) + "." + std::to_string(m % 10);
}

// The range problem of one ViT value, else empty. `value`: the text shown.
std::string vit_value_problem(const std::string& key, const std::string& value, int64_t v) {
  if (key == "image") return range_problem(key, value, v, kVitMinImage, kVitMaxImage);
  if (key == "patch") return range_problem(key, value, v, kVitMinPatch, kVitMaxPatch);
  if (key == "width") return range_problem(key, value, v, kVitMinWidth, kVitMaxWidth);
  if (key == "depth") return range_problem(key, value, v, kVitMinDepth, kVitMaxDepth);
  if (key == "heads") return range_problem(key, value, v, kVitMinHeads, kVitMaxHeads);
  if (key == "classes") return range_problem(key, value, v, 1, kSearchMaxClasses);
  // mlp_ratio, v in tenths
  if (v >= kVitMinMlpX10 && v <= kVitMaxMlpX10) return {};
  return "mlp_ratio " + value + "; allowed: " + mlp_ratio_text(kVitMinMlpX10) + " to " +
         mlp_ratio_text(kVitMaxMlpX10) + " in steps of 0.1";
}

struct Problem {
  std::string key;  // the value it is reported at
  std::string text;
};

// The problems between values (each value in range): image / patch, width / heads.
Problem vit_cross_problem(const VitArch& a) {
  if (a.image % a.patch != 0) {
    return {"image",
            "image " + std::to_string(a.image) + " is not divisible by patch " + std::to_string(a.patch)};
  }
  if (a.image / a.patch > kVitMaxGrid) {
    return {"image", "image " + std::to_string(a.image) + " / patch " + std::to_string(a.patch) + " = " +
                         std::to_string(a.image / a.patch) + " patches a side; allowed: 1 to " +
                         std::to_string(kVitMaxGrid)};
  }
  if (a.width % a.heads != 0) {
    return {"width",
            "width " + std::to_string(a.width) + " is not divisible by heads " + std::to_string(a.heads)};
  }
  return {};
}

// ---- the text: NAME(key=value, key=[v, v, ...], ...)
// ------------------------------------------------------------
struct Number {
  std::string text;   // as written
  int64_t whole = 0;  // the integer part with its sign, saturated at +-10^15
  bool negative = false;
  std::string fraction;  // the digits after '.', if any
  size_t pos = 0;
  bool is_integer() const { return text.find('.') == std::string::npos; }
};

struct Field {
  std::string key;
  size_t pos = 0;        // of the key
  size_t value_pos = 0;  // of the value ('[' for a list)
  bool list = false;
  std::vector<Number> values;
};

struct Call {
  std::vector<Field> fields;
  size_t close_pos = 0;  // of ')'
};

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class Reader {
 public:
  Reader(const std::string& text, const std::string& source) : text_(text), source_(source) {}

  // "SOURCE:LINE:COL" of byte `pos`
  std::string where(size_t pos) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return common::printable(source_) + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
  [[noreturn]] void fail(size_t pos, const std::string& what) const {
    throw NetworkError(where(pos) + ": " + what);
  }

  Call read(const std::string& name, const std::string& keys) {
    if (text_.size() > kMaxArchTextBytes) {
      fail(0, "the text has " + std::to_string(text_.size()) + " bytes, above the bound " +
                  std::to_string(kMaxArchTextBytes) + " for an architecture");
    }
    skip_blanks();
    const size_t head = pos_;
    if (word() != name) fail(head, "expected '" + name + "(', got " + got(head));
    skip_blanks();
    expect('(', "'(' after " + name);
    Call call;
    skip_blanks();
    if (peek() == ')') {
      call.close_pos = pos_++;
    } else {
      for (;;) {
        call.fields.push_back(field(keys));
        skip_blanks();
        if (peek() == ')') {
          call.close_pos = pos_++;
          break;
        }
        expect(',', "',' or ')'");
        skip_blanks();
      }
    }
    skip_blanks();
    if (pos_ < text_.size()) fail(pos_, "expected end of text after ')', got " + got(pos_));
    return call;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
  }
  std::string word() {
    const size_t start = pos_;
    while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // What stands at `pos`, for "got ...": a word or number, else one character.
  std::string got(size_t pos) const {
    if (pos >= text_.size()) return "end of text";
    size_t end = pos;
    while (end < text_.size() && (is_ident_char(text_[end]) || text_[end] == '.' || text_[end] == '-')) ++end;
    if (end == pos) {  // one character, a whole UTF-8 sequence
      ++end;
      while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xc0) == 0x80) ++end;
    }
    return "'" + common::printable(std::string_view(text_).substr(pos, end - pos), 40) + "'";
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail(pos_, "expected " + what + ", got " + got(pos_));
    ++pos_;
  }

  Field field(const std::string& keys) {
    Field f;
    f.pos = pos_;
    f.key = word();
    if (f.key.empty()) fail(pos_, "expected a key (" + keys + "), got " + got(pos_));
    skip_blanks();
    expect('=', "'=' after " + common::printable(f.key, 40));
    skip_blanks();
    f.value_pos = pos_;
    if (peek() == '[') {
      f.list = true;
      ++pos_;
      skip_blanks();
      for (;;) {
        f.values.push_back(number());
        skip_blanks();
        if (peek() == ']') {
          ++pos_;
          break;
        }
        expect(',', "',' or ']'");
        skip_blanks();
      }
    } else {
      f.values.push_back(number());
    }
    return f;
  }

  // [-]digits[.digits]
  Number number() {
    Number n;
    n.pos = pos_;
    n.negative = peek() == '-';
    if (n.negative) ++pos_;
    if (!is_digit(peek())) fail(n.pos, "expected a number, got " + got(n.pos));
    while (is_digit(peek())) {
      if (n.whole < 1000000000000000) n.whole = n.whole * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (peek() == '.') {
      ++pos_;
      if (!is_digit(peek())) fail(n.pos, "expected a number, got " + got(n.pos));
      while (is_digit(peek())) n.fraction += text_[pos_++];
    }
    if (n.negative) n.whole = -n.whole;
    n.text = text_.substr(n.pos, pos_ - n.pos);
    return n;
  }

  const std::string& text_;
  const std::string& source_;
  size_t pos_ = 0;
};

// The fields of `call` by key, each of `keys` at most once and no other; `required` keys present.
std::vector<const Field*> fields_by_key(const Reader& r, const Call& call,
                                        const std::vector<std::string>& keys, size_t required) {
  std::string key_list;
  for (const auto& k : keys) key_list += (key_list.empty() ? "" : ", ") + k;
  std::vector<const Field*> by_key(keys.size(), nullptr);
  for (const Field& f : call.fields) {
    const auto it = std::find(keys.begin(), keys.end(), f.key);
    if (it == keys.end()) {
      r.fail(f.pos, "unknown key '" + common::printable(f.key, 40) + "'; allowed: " + key_list);
    }
    const size_t i = size_t(it - keys.begin());
    if (by_key[i] != nullptr) r.fail(f.pos, "key '" + f.key + "' given twice");
    by_key[i] = &f;
  }
  std::string required_list;
  for (size_t i = 0; i < required; ++i) required_list += (i ? ", " : "") + keys[i];
  for (size_t i = 0; i < required; ++i) {
    if (by_key[i] == nullptr) {
      r.fail(call.close_pos, "missing key '" + keys[i] + "' (required: " + required_list + ")");
    }
  }
  return by_key;
}

// The one integer of `f` (not a list, no decimals).
const Number& single_integer(const Reader& r, const Field& f) {
  if (f.list) r.fail(f.value_pos, "expected one number for " + f.key + ", got a list");
  const Number& n = f.values[0];
  if (!n.is_integer()) r.fail(n.pos, "expected an integer for " + f.key + ", got '" + n.text + "'");
  return n;
}

// The integers of list `f`.
const std::vector<Number>& integer_list(const Reader& r, const Field& f) {
  if (!f.list)
    r.fail(f.value_pos, "expected a list [a, b, ...] for " + f.key + ", got '" + f.values[0].text + "'");
  for (const Number& n : f.values) {
    if (!n.is_integer()) r.fail(n.pos, "expected an integer in " + f.key + ", got '" + n.text + "'");
  }
  return f.values;
}

// The checked value of an in-range number as int.
int as_int(const Number& n) { return int(n.whole); }

}  // namespace

// ---- OFA MobileNetV3
// --------------------------------------------------------------------------------------------

bool operator==(const OfaMbv3& a, const OfaMbv3& b) {
  if (a.resolution != b.resolution || a.depths != b.depths) return false;
  for (int s = 0; s < kOfaStages; ++s) {
    for (int i = 0; i < a.depths[size_t(s)] && i < kOfaMaxDepth; ++i) {
      const size_t slot = size_t(kOfaMaxDepth * s + i);
      if (a.kernels[slot] != b.kernels[slot] || a.expands[slot] != b.expands[slot]) return false;
    }
  }
  return true;
}

void validate(const OfaMbv3& arch) {
  auto fail = [](const std::string& problem) {
    if (!problem.empty()) throw NetworkError("ofa_mbv3: " + problem);
  };
  fail(resolution_problem(std::to_string(arch.resolution), arch.resolution));
  for (int s = 0; s < kOfaStages; ++s) {
    const int d = arch.depths[size_t(s)];
    fail(depth_problem(std::to_string(d), d, s));
  }
  for (int slot = 0; slot < kOfaSlots; ++slot) {
    const std::string where =
        "slot " + std::to_string(slot) + " (" + stage_block(slot / kOfaMaxDepth, slot % kOfaMaxDepth) + ")";
    const int k = arch.kernels[size_t(slot)], e = arch.expands[size_t(slot)];
    fail(choice_problem(true, std::to_string(k), k, where));
    fail(choice_problem(false, std::to_string(e), e, where));
  }
}

Graph build_ofa_mbv3(const OfaMbv3& arch, int classes, const std::string& name) {
  validate(arch);
  check_classes_and_name("ofa_mbv3", classes, name);
  Builder b(name, Shape{3, arch.resolution, arch.resolution});
  b.conv("first_conv.conv", kOfaStemWidth, 3, 2, 1);
  b.simple("first_conv.hardswish", OpKind::hardswish);
  // OFA's first block: MBConv k3, expand ratio 1 (no expand conv), ReLU, no SE, 16 -> 16, residual
  inverted_residual(b, "blocks.0.", {3, kOfaStemWidth, kOfaStemWidth, false, false, 1}, kOfaStemWidth);
  int in = kOfaStemWidth;
  for (int s = 0; s < kOfaStages; ++s) {
    for (int i = 0; i < arch.depths[size_t(s)]; ++i) {
      const int slot = kOfaMaxDepth * s + i;
      const InvertedResidualConfig c{arch.kernels[size_t(slot)],
                                     make_divisible(in * arch.expands[size_t(slot)]),
                                     kOfaWidths[s],
                                     kOfaSe[s],
                                     kOfaHardswish[s],
                                     i == 0 ? kOfaStrides[s] : 1};
      inverted_residual(b, "blocks." + std::to_string(1 + slot) + ".", c, in);
      in = kOfaWidths[s];
    }
  }
  b.conv("final_expand_layer.conv", kOfaFinalExpand, 1, 1, 0);
  b.simple("final_expand_layer.hardswish", OpKind::hardswish);
  b.simple("global_avg_pool", OpKind::global_avg_pool);
  b.conv("feature_mix_layer.conv", kOfaFeatureMix, 1, 1, 0);  // no BN, no bias
  b.simple("feature_mix_layer.hardswish", OpKind::hardswish);
  // the classifier's dropout is dropped
  b.fc("classifier.linear", classes);
  return b.finish();
}

std::string to_string(const OfaMbv3& arch) {
  std::string d, k, e;
  for (int s = 0; s < kOfaStages; ++s) {
    d += (s ? "," : "") + std::to_string(arch.depths[size_t(s)]);
    for (int i = 0; i < arch.depths[size_t(s)] && i < kOfaMaxDepth; ++i) {
      const size_t slot = size_t(kOfaMaxDepth * s + i);
      k += (k.empty() ? "" : ",") + std::to_string(arch.kernels[slot]);
      e += (e.empty() ? "" : ",") + std::to_string(arch.expands[slot]);
    }
  }
  return "ofa_mbv3(r=" + std::to_string(arch.resolution) + ", d=[" + d + "], k=[" + k + "], e=[" + e + "])";
}

OfaMbv3 parse_ofa_mbv3(const std::string& text, const std::string& source) {
  Reader r(text, source);
  const std::vector<std::string> keys{"r", "d", "k", "e"};
  const Call call = r.read("ofa_mbv3", "r, d, k, e");
  const auto f = fields_by_key(r, call, keys, keys.size());
  OfaMbv3 arch;
  const Number& res = single_integer(r, *f[0]);
  if (const auto p = resolution_problem(res.text, res.whole); !p.empty()) r.fail(res.pos, p);
  arch.resolution = as_int(res);
  const auto& depths = integer_list(r, *f[1]);
  if (depths.size() != size_t(kOfaStages)) {
    r.fail(f[1]->value_pos, "d has " + std::to_string(depths.size()) + " values; expected " +
                                std::to_string(kOfaStages) + " (blocks per stage)");
  }
  int blocks = 0;
  for (int s = 0; s < kOfaStages; ++s) {
    const Number& n = depths[size_t(s)];
    if (const auto p = depth_problem(n.text, n.whole, s); !p.empty()) r.fail(n.pos, p);
    arch.depths[size_t(s)] = as_int(n);
    blocks += as_int(n);
  }
  for (int which = 0; which < 2; ++which) {  // k, e
    const Field& field = *f[size_t(2 + which)];
    const auto& values = integer_list(r, field);
    if (values.size() != size_t(blocks)) {
      r.fail(field.value_pos, field.key + " has " + std::to_string(values.size()) + " values; expected " +
                                  std::to_string(blocks) + ", one per block of d");
    }
    size_t next = 0;
    for (int s = 0; s < kOfaStages; ++s) {
      for (int i = 0; i < arch.depths[size_t(s)]; ++i, ++next) {
        const Number& n = values[next];
        const std::string where = "block " + std::to_string(next + 1) + " (" + stage_block(s, i) + ")";
        if (const auto p = choice_problem(which == 0, n.text, n.whole, where); !p.empty()) r.fail(n.pos, p);
        (which == 0 ? arch.kernels : arch.expands)[size_t(kOfaMaxDepth * s + i)] = as_int(n);
      }
    }
  }
  return arch;
}

// ---- ViT
// ---------------------------------------------------------------------------------------------------------

bool operator==(const VitArch& a, const VitArch& b) {
  return a.image == b.image && a.patch == b.patch && a.width == b.width && a.depth == b.depth &&
         a.heads == b.heads && a.mlp_ratio_x10 == b.mlp_ratio_x10 && a.classes == b.classes;
}

void validate(const VitArch& a) {
  const std::pair<const char*, int> values[] = {{"image", a.image},    {"patch", a.patch},
                                                {"width", a.width},    {"depth", a.depth},
                                                {"heads", a.heads},    {"mlp_ratio", a.mlp_ratio_x10},
                                                {"classes", a.classes}};
  for (const auto& [key, v] : values) {
    const std::string shown = std::string(key) == "mlp_ratio" ? mlp_ratio_text(v) : std::to_string(v);
    if (const auto p = vit_value_problem(key, shown, v); !p.empty()) throw NetworkError("vit: " + p);
  }
  if (const Problem p = vit_cross_problem(a); !p.text.empty()) throw NetworkError("vit: " + p.text);
}

int vit_mlp_hidden(const VitArch& a) { return int((int64_t(a.width) * a.mlp_ratio_x10 + 5) / 10); }

Graph build_vit_arch(const VitArch& a, const std::string& name) {
  validate(a);
  check_classes_and_name("vit", a.classes, name);
  return build_vit({name.c_str(), a.image, a.patch, a.width, a.depth, a.heads, vit_mlp_hidden(a), a.classes});
}

std::string to_string(const VitArch& a) {
  std::string s = "vit(image=" + std::to_string(a.image) + ", patch=" + std::to_string(a.patch) +
                  ", width=" + std::to_string(a.width) + ", depth=" + std::to_string(a.depth) +
                  ", heads=" + std::to_string(a.heads) + ", mlp_ratio=" + mlp_ratio_text(a.mlp_ratio_x10);
  if (a.classes != 1000) s += ", classes=" + std::to_string(a.classes);
  return s + ")";
}

VitArch parse_vit_arch(const std::string& text, const std::string& source) {
  Reader r(text, source);
  const std::vector<std::string> keys{"image", "patch", "width", "depth", "heads", "mlp_ratio", "classes"};
  const Call call = r.read("vit", "image, patch, width, depth, heads, mlp_ratio, classes");
  const auto f = fields_by_key(r, call, keys, keys.size() - 1);  // classes optional
  VitArch a;
  int* targets[] = {&a.image, &a.patch, &a.width, &a.depth, &a.heads, &a.mlp_ratio_x10, &a.classes};
  for (size_t i = 0; i < keys.size(); ++i) {
    if (f[i] == nullptr) continue;
    const Field& field = *f[i];
    if (keys[i] == "mlp_ratio") {
      if (field.list) r.fail(field.value_pos, "expected one number for mlp_ratio, got a list");
      const Number& n = field.values[0];
      const bool tenths = n.fraction.size() <= 1 || n.fraction.find_first_not_of('0', 1) == std::string::npos;
      const int64_t tenth = n.fraction.empty() ? 0 : n.fraction[0] - '0';
      const int64_t x10 = n.whole * 10 + (n.negative ? -tenth : tenth);
      const std::string p = vit_value_problem(keys[i], n.text, tenths ? x10 : -1);
      if (!p.empty()) r.fail(n.pos, p);
      a.mlp_ratio_x10 = int(x10);
      continue;
    }
    const Number& n = single_integer(r, field);
    if (const auto p = vit_value_problem(keys[i], n.text, n.whole); !p.empty()) r.fail(n.pos, p);
    *targets[i] = as_int(n);
  }
  if (const Problem p = vit_cross_problem(a); !p.text.empty()) {
    const auto i = size_t(std::find(keys.begin(), keys.end(), p.key) - keys.begin());
    r.fail(f[i]->values[0].pos, p.text);
  }
  return a;
}

}  // namespace cimsim::workloads
