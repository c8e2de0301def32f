#include "workloads/genotype.hpp"

#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "workloads/graph.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

constexpr const char* names[] = {"none",         "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                                 "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};

constexpr const char* field_names[] = {"normal", "normal_concat", "reduce", "reduce_concat"};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

struct Token {
  enum Kind { ident, integer, string, punct, end } kind = end;
  std::string text;   // as written (strings with their quotes)
  std::string value;  // strings: the contents
  long long number = 0;
  int line = 1, col = 1;
  bool is(char c) const { return kind == punct && text.size() == 1 && text[0] == c; }
};

std::string describe(const Token& t) {
  if (t.kind == Token::end) return "end of input";
  if (t.kind == Token::string) return common::printable(t.text, 80);
  return "'" + common::printable(t.text, 80) + "'";
}

// Splits the text into tokens, skipping blanks, line breaks and '#' comments.
class Lexer {
 public:
  Lexer(const std::string& text, const std::string& source) : text_(text), source_(source) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    for (;;) {
      skip_blanks();
      Token t;
      t.line = line_;
      t.col = col_;
      if (pos_ >= text_.size()) {
        tokens.push_back(t);
        return tokens;
      }
      const char c = text_[pos_];
      const size_t start = pos_;
      if (is_ident_start(c)) {
        t.kind = Token::ident;
        while (pos_ < text_.size() && is_ident_char(text_[pos_])) advance();
      } else if (is_digit(c)) {
        t.kind = Token::integer;
        while (pos_ < text_.size() && is_digit(text_[pos_])) {
          if (t.number < 1000000000) t.number = t.number * 10 + (text_[pos_] - '0');
          advance();
        }
      } else if (c == '\'' || c == '"') {
        t.kind = Token::string;
        advance();
        while (pos_ < text_.size() && text_[pos_] != c && text_[pos_] != '\n') advance();
        if (pos_ >= text_.size() || text_[pos_] != c) {
          throw NetworkError(source_ + ":" + std::to_string(line_) + ":" + std::to_string(col_) +
                             ": expected a closing " + c + " for the string at column " +
                             std::to_string(t.col) + ", got " +
                             (pos_ >= text_.size() ? "end of input" : "end of line"));
        }
        advance();
        t.value = text_.substr(start + 1, pos_ - start - 2);
      } else {
        t.kind = Token::punct;
        advance();
      }
      t.text = text_.substr(start, pos_ - start);
      tokens.push_back(t);
    }
  }

 private:
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  void skip_blanks() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        advance();
      } else {
        return;
      }
    }
  }

  const std::string& text_;
  const std::string& source_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
};

struct Entry {
  Edge edge;
  Token index;  // the state index, for messages
};

// Recursive descent over the token list.
class Parser {
 public:
  Parser(const std::string& text, const std::string& source)
      : source_(source), tokens_(Lexer(text, source).run()) {}

  Genotype parse() {
    Genotype g;
    if (peek().kind == Token::ident && peek(1).is('=')) {
      const Token& name = next();
      if (const std::string problem = name_problem(name.text); !problem.empty()) fail(name, problem);
      g.name = name.text;
      next();
    }
    const Token& head = next();
    if (head.kind != Token::ident || head.text != "Genotype") {
      expected(head, "'Genotype(' (optionally preceded by 'NAME =')");
    }
    expect('(', "'(' after Genotype");
    bool seen[4] = {false, false, false, false};
    while (!peek().is(')')) {
      const Token& key = next();
      int f = -1;
      for (int i = 0; i < 4; ++i) {
        if (key.kind == Token::ident && key.text == field_names[i]) f = i;
      }
      if (f < 0) expected(key, "a field name (normal, normal_concat, reduce, reduce_concat) or ')'");
      if (seen[f]) expected(key, "each field once, got a second '" + key.text + "'", false);
      seen[f] = true;
      expect('=', "'=' after " + key.text);
      switch (f) {
        case 0:
          g.normal = edge_list(key.text);
          break;
        case 1:
          g.normal_concat = concat(key.text);
          break;
        case 2:
          g.reduce = edge_list(key.text);
          break;
        default:
          g.reduce_concat = concat(key.text);
          break;
      }
      if (peek().is(',')) {
        next();
      } else if (!peek().is(')')) {
        expected(peek(), "',' or ')' after the " + key.text + " value");
      }
    }
    const Token& close = next();
    for (int i = 0; i < 4; ++i) {
      if (!seen[i]) expected(close, std::string("the field ") + field_names[i]);
    }
    if (peek().kind != Token::end) expected(peek(), "end of input after the Genotype");
    return g;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(at_ + ahead, tokens_.size() - 1)]; }
  const Token& next() {
    const Token& t = peek();
    if (at_ < tokens_.size() - 1) ++at_;
    return t;
  }
  [[noreturn]] void fail(const Token& t, const std::string& message) const {
    throw NetworkError(source_ + ":" + std::to_string(t.line) + ":" + std::to_string(t.col) + ": " + message);
  }
  // "expected WHAT, got TOKEN" (or just "expected WHAT" when WHAT already says what was got).
  [[noreturn]] void expected(const Token& t, const std::string& what, bool got = true) const {
    fail(t, "expected " + what + (got ? ", got " + describe(t) : std::string()));
  }
  const Token& expect(char c, const std::string& what) {
    if (!peek().is(c)) expected(peek(), what);
    return next();
  }
  const Token& integer(const std::string& what) {
    if (peek().kind != Token::integer) expected(peek(), what);
    return next();
  }

  std::vector<Edge> edge_list(const std::string& field) {
    const Token open = expect('[', "'[' to start the " + field + " list");
    std::vector<Entry> entries;
    while (!peek().is(']')) {
      expect('(', "'(' to start an ('op', state) pair or ']'");
      const Token& op = next();
      if (op.kind != Token::string) expected(op, "a quoted primitive name");
      Entry e;
      if (!primitive_from_name(op.value, e.edge.op)) {
        fail(op, "unknown primitive '" + common::printable(op.value, 80) + "'; allowed: " + join(primitive_names()));
      }
      expect(',', "',' after the primitive name");
      e.index = integer("a state index");
      if (peek().is(',')) {
        next();
      } else if (!peek().is(')')) {
        expected(peek(), "')' or ',' after the state index");
      }
      expect(')', "')' to close the pair");
      entries.push_back(e);
      if (peek().is(',')) {
        next();
      } else if (!peek().is(']')) {
        expected(peek(), "',' or ']' after a pair");
      }
    }
    next();  // ']'
    const bool full = entries.size() == edges_per_cell;
    if (entries.size() != 8 && !full) {
      fail(open, "expected 8 ('op', state) pairs (DARTS) or 14 (full space) in the " + field + " list, got " +
                     std::to_string(entries.size()));
    }
    std::vector<Edge> edges;
    std::vector<bool> used;
    int node = first_node, left = 0;
    for (size_t j = 0; j < entries.size(); ++j) {
      Entry& e = entries[j];
      if (left == 0) {  // the next node starts
        node = full ? (j == 0 ? first_node : node + 1) : first_node + int(j / 2);
        left = full ? node : 2;
        used.assign(size_t(node), false);
      }
      --left;
      if (e.index.number >= node) {
        expected(e.index,
                 "a state index in 0.." + std::to_string(node - 1) + " for node " + std::to_string(node));
      }
      const int from = int(e.index.number);
      if (used[size_t(from)]) {
        expected(e.index,
                 full ? "each state 0.." + std::to_string(node - 1) + " once for node " +
                            std::to_string(node) + ", got " + std::to_string(from) + " again"
                      : "a state other than " + std::to_string(from) + " for node " + std::to_string(node) +
                            " (its two inputs are different states)",
                 !full);
      }
      used[size_t(from)] = true;
      e.edge.from = from;
      e.edge.node = node;
      edges.push_back(e.edge);
    }
    return edges;
  }

  std::vector<int> concat(const std::string& field) {
    std::vector<int> out;
    if (peek().kind == Token::ident && peek().text == "range") {
      next();
      expect('(', "'(' after range");
      const Token* first = &integer("a range bound");
      long long start = 0, stop = first->number;
      const Token* stop_token = first;
      if (peek().is(',')) {
        next();
        start = first->number;
        stop_token = &integer("a range end");
        stop = stop_token->number;
      }
      expect(')', "')' to close range");
      if (start > last_node) expected(*first, "a range start in 0.." + std::to_string(last_node));
      if (stop <= start || stop > last_node + 1) {
        expected(*stop_token,
                 "a range end in " + std::to_string(start + 1) + ".." + std::to_string(last_node + 1));
      }
      for (long long i = start; i < stop; ++i) out.push_back(int(i));
      return out;
    }
    if (!peek().is('[')) expected(peek(), "a list or range(a, b) for " + field);
    next();
    while (!peek().is(']')) {
      const Token& t = integer(out.empty() ? "a concat index" : "a concat index or ']'");
      if (t.number > last_node) expected(t, "a concat index in 0.." + std::to_string(last_node));
      if (std::find(out.begin(), out.end(), int(t.number)) != out.end()) {
        expected(t, "a concat index not yet listed");
      }
      out.push_back(int(t.number));
      if (peek().is(',')) {
        next();
      } else if (!peek().is(']')) {
        expected(peek(), "',' or ']' after a concat index");
      }
    }
    if (out.empty()) expected(peek(), "a concat index");
    next();
    return out;
  }

  std::string source_;
  std::vector<Token> tokens_;
  size_t at_ = 0;
};

bool is_identifier(const std::string& s) {
  return !s.empty() && is_ident_start(s[0]) && std::all_of(s.begin(), s.end(), is_ident_char);
}

std::string edges_text(const std::vector<Edge>& edges) {
  std::string out = "[";
  for (size_t i = 0; i < edges.size(); ++i) {
    out += (i ? ", ('" : "('") + std::string(primitive_name(edges[i].op)) + "', " +
           std::to_string(edges[i].from) + ")";
  }
  return out + "]";
}

std::string concat_text(const std::vector<int>& concat) {
  std::string out = "[";
  for (size_t i = 0; i < concat.size(); ++i) out += (i ? ", " : "") + std::to_string(concat[i]);
  return out + "]";
}

std::vector<Edge> random_cell(std::mt19937_64& rng) {
  std::vector<Edge> edges;
  for (int node = first_node; node <= last_node; ++node) {
    for (int from = 0; from < node; ++from) edges.push_back(Edge{Primitive(rng() % 8), from, node});
  }
  return edges;
}

}  // namespace

const char* primitive_name(Primitive p) {
  const int i = int(p);
  return i >= 0 && i < 8 ? names[i] : "?";
}

const std::vector<std::string>& primitive_names() {
  static const std::vector<std::string> list(std::begin(names), std::end(names));
  return list;
}

bool primitive_from_name(const std::string& name, Primitive& out) {
  for (int i = 0; i < 8; ++i) {
    if (name == names[i]) {
      out = Primitive(i);
      return true;
    }
  }
  return false;
}

Genotype parse_genotype(const std::string& text, const std::string& raw_source) {
  const std::string source = common::printable(raw_source);
  if (int64_t(text.size()) > kMaxGenotypeBytes) {  // before tokenizing: a token costs ~100 bytes
    throw NetworkError(source + ": " + std::to_string(text.size()) + " bytes is above the bound " +
                       std::to_string(kMaxGenotypeBytes) + " bytes for a genotype (" + kLimitsDoc + ")");
  }
  return Parser(text, source).parse();
}

std::string to_string(const Genotype& g) {
  return (is_identifier(g.name) ? g.name + " = " : std::string()) +
         "Genotype(normal=" + edges_text(g.normal) + ", normal_concat=" + concat_text(g.normal_concat) +
         ", reduce=" + edges_text(g.reduce) + ", reduce_concat=" + concat_text(g.reduce_concat) + ")";
}

Genotype random_genotype(std::mt19937_64& rng) {
  Genotype g;
  g.name = "random";
  g.normal = random_cell(rng);
  g.reduce = random_cell(rng);
  g.normal_concat = g.reduce_concat = {2, 3, 4, 5};
  return g;
}

const std::vector<BuiltinGenotype>& builtin_genotypes() {
  static const std::vector<BuiltinGenotype> list = {
      {"darts_v1", "DARTS (first order), Liu et al. 2019",
       "DARTS_V1 = Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), "
       "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', "
       "2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', "
       "2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
       "('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])"},
      {"darts_v2", "DARTS (second order), Liu et al. 2019: 3.3M parameters, 2.76 % CIFAR-10 error",
       "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
       "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', "
       "2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', "
       "2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
       "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"},
      {"pdarts", "P-DARTS, Chen et al. 2019: 3.4M parameters",
       "PDARTS = Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ('skip_connect', 0),"
       "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3',0), ('dil_conv_5x5', "
       "4)], normal_concat=range(2, 6), reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', "
       "0), ('dil_conv_5x5', 2), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('dil_conv_3x3', 1), "
       "('dil_conv_5x5', 3)], reduce_concat=range(2, 6))"},
  };
  return list;
}

Genotype builtin_genotype(const std::string& name) {
  std::vector<std::string> known;
  for (const auto& b : builtin_genotypes()) {
    if (name == b.name) return parse_genotype(b.text, b.name);
    known.emplace_back(b.name);
  }
  throw NetworkError("unknown genotype '" + name + "'; built-in: " + join(known));
}

}  // namespace cimsim::workloads
