// DARTS genotypes: the parser reads what users paste from the DARTS and P-DARTS code (every spelling
// variant), reports every mistake with its line and column, and to_string() round-trips.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "workloads/genotype.hpp"
#include "workloads/graph.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;

namespace {

using cimsim::testing::error_of;

std::string parse_error(const std::string& text) {
  return error_of([&] { parse_genotype(text, "genotype"); });
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

const std::string v2_text = builtin_genotypes()[1].text;

// A DARTS-form cell of 8 entries and a genotype around it, for the malformed cases.
const std::string n8 =
    "[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', "
    "1), "
    "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)]";
std::string text_of(const std::string& normal = n8, const std::string& nc = "[2, 3, 4, 5]",
                    const std::string& reduce = n8, const std::string& rc = "[2, 3, 4, 5]") {
  return "Genotype(normal=" + normal + ", normal_concat=" + nc + ", reduce=" + reduce +
         ", reduce_concat=" + rc + ")";
}

// 14 entries: node n reads states 0..n-1 in order, all with `op`.
std::string full(const std::string& op) {
  std::string out = "[";
  for (int n = 2; n <= 5; ++n) {
    for (int k = 0; k < n; ++k)
      out += (out.size() > 1 ? ", ('" : "('") + op + "', " + std::to_string(k) + ")";
  }
  return out + "]";
}

}  // namespace

TEST(DartsGenotype, PrimitivesInDartsOrder) {
  EXPECT_EQ(primitive_names(),
            (std::vector<std::string>{"none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                                      "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"}));
  EXPECT_STREQ(primitive_name(Primitive::dil_conv_5x5), "dil_conv_5x5");
  // offset(node) + from: 0, 2, 5, 9
  EXPECT_EQ(edge_index(0, 2), 0);
  EXPECT_EQ(edge_index(1, 3), 3);
  EXPECT_EQ(edge_index(3, 4), 8);
  EXPECT_EQ(edge_index(0, 5), 9);
  EXPECT_EQ(edge_index(4, 5), 13);
}

TEST(DartsGenotype, ParsesTheThreePublishedGenotypes) {
  const Genotype v2 = builtin_genotype("darts_v2");
  EXPECT_EQ(v2.name, "DARTS_V2");
  using P = Primitive;
  const std::vector<Edge> normal = {{P::sep_conv_3x3, 0, 2}, {P::sep_conv_3x3, 1, 2}, {P::sep_conv_3x3, 0, 3},
                                    {P::sep_conv_3x3, 1, 3}, {P::sep_conv_3x3, 1, 4}, {P::skip_connect, 0, 4},
                                    {P::skip_connect, 0, 5}, {P::dil_conv_3x3, 2, 5}};
  const std::vector<Edge> reduce = {{P::max_pool_3x3, 0, 2}, {P::max_pool_3x3, 1, 2}, {P::skip_connect, 2, 3},
                                    {P::max_pool_3x3, 1, 3}, {P::max_pool_3x3, 0, 4}, {P::skip_connect, 2, 4},
                                    {P::skip_connect, 2, 5}, {P::max_pool_3x3, 1, 5}};
  EXPECT_EQ(v2.normal, normal);
  EXPECT_EQ(v2.reduce, reduce);
  EXPECT_EQ(v2.normal_concat, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(v2.reduce_concat, (std::vector<int>{2, 3, 4, 5}));

  const Genotype v1 = builtin_genotype("darts_v1");
  EXPECT_EQ(v1.name, "DARTS_V1");
  EXPECT_EQ(v1.normal[7], (Edge{P::skip_connect, 2, 5}));
  EXPECT_EQ(v1.reduce[7], (Edge{P::avg_pool_3x3, 0, 5}));

  const Genotype pd = builtin_genotype("pdarts");  // range(2, 6), a missing space, ('sep_conv_3x3',0)
  EXPECT_EQ(pd.name, "PDARTS");
  EXPECT_EQ(pd.normal[3], (Edge{P::sep_conv_3x3, 1, 3}));
  EXPECT_EQ(pd.normal[5], (Edge{P::sep_conv_3x3, 3, 4}));
  EXPECT_EQ(pd.normal[7], (Edge{P::dil_conv_5x5, 4, 5}));
  EXPECT_EQ(pd.reduce[1], (Edge{P::sep_conv_5x5, 1, 2}));
  EXPECT_EQ(pd.reduce[7], (Edge{P::dil_conv_5x5, 3, 5}));
  EXPECT_EQ(pd.normal_concat, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(pd.reduce_concat, (std::vector<int>{2, 3, 4, 5}));

  EXPECT_EQ(error_of([] { builtin_genotype("darts_v3"); }),
            "unknown genotype 'darts_v3'; built-in: darts_v1, darts_v2, pdarts");
}

TEST(DartsGenotype, ShippedFilesAreTheBuiltInsVerbatim) {
  for (const auto& b : builtin_genotypes()) {
    const std::string path = std::string(CIMSIM_SOURCE_DIR) + "/workloads/genotypes/" + b.name + ".genotype";
    std::ifstream file(path);
    ASSERT_TRUE(file) << path;
    std::stringstream text;
    text << file.rdbuf();
    std::string line, code;
    for (std::istringstream lines(text.str()); std::getline(lines, line);) {
      if (!line.empty() && line[0] != '#') code += line;
    }
    EXPECT_EQ(code, b.text) << path;
    EXPECT_EQ(parse_genotype(text.str(), path), builtin_genotype(b.name)) << path;
  }
}

TEST(DartsGenotype, SpellingVariantsParseAlike) {
  Genotype v2 = parse_genotype(v2_text, "v2");
  const std::vector<std::string> variants = {
      replace_all(v2_text, "[2, 3, 4, 5]", "range(2, 6)"),
      replace_all(v2_text, "[2, 3, 4, 5]", "range(2,6)"),
      replace_all(v2_text, "'", "\""),
      replace_all(v2_text, " ", ""),
      replace_all(v2_text, ", ", ",\n    "),
      replace_all(v2_text, "), (", "),  # a comment, with 'quotes' and (brackets]\n ("),
      replace_all(v2_text, "])", "],)"),  // trailing comma after the last field
      replace_all(v2_text, ")]", "),]"),  // trailing comma in the list
      replace_all(v2_text, "5]", "5,]"),  // trailing comma in the concat list
      replace_all(replace_all(v2_text, ", 0)", ", 0,)"), ", 1)", ", 1,)"),  // Python 1-tuples style
      "# DARTS V2\n\n" + v2_text + "\n\n# end\n",
      "  \t" + replace_all(v2_text, "DARTS_V2 = ", "DARTS_V2=") + "\r\n",
  };
  for (const auto& text : variants) EXPECT_EQ(parse_genotype(text, "v"), v2) << text;

  // no NAME = prefix: unnamed
  Genotype unnamed = v2;
  unnamed.name = "";
  EXPECT_EQ(parse_genotype(replace_all(v2_text, "DARTS_V2 = ", ""), "v"), unnamed);
  // fields in any order
  const std::string reordered =
      "Genotype(reduce_concat=[2, 3, 4, 5], reduce=" +
      v2_text.substr(v2_text.find("reduce=[") + 7,
                     v2_text.find(", reduce_concat") - v2_text.find("reduce=[") - 7) +
      ", normal_concat=range(2, 6), normal=" +
      v2_text.substr(v2_text.find("normal=[") + 7,
                     v2_text.find(", normal_concat") - v2_text.find("normal=[") - 7) +
      ")";
  EXPECT_EQ(parse_genotype(reordered, "v"), unnamed) << reordered;
  // range(6) is 0..5; concat lists keep their order
  const Genotype r = parse_genotype(text_of(n8, "range(6)", n8, "[5, 2]"), "v");
  EXPECT_EQ(r.normal_concat, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(r.reduce_concat, (std::vector<int>{5, 2}));
}

TEST(DartsGenotype, FullSpaceFormHasFourteenEdges) {
  // node 2: 2 entries, node 3: 3, node 4: 4, node 5: 5; each node's states in any order
  const std::string normal =
      "[('none', 1), ('sep_conv_3x3', 0), ('max_pool_3x3', 2), ('none', 0), ('none', 1), ('none', 0), "
      "('none', 1), ('none', 2), ('dil_conv_5x5', 3), ('none', 4), ('none', 3), ('none', 2), ('none', 1), "
      "('skip_connect', 0)]";
  const Genotype g = parse_genotype(text_of(normal, "[2, 3, 4, 5]", full("avg_pool_3x3")), "g");
  ASSERT_EQ(g.normal.size(), 14u);
  ASSERT_EQ(g.reduce.size(), 14u);
  EXPECT_EQ(g.normal[0], (Edge{Primitive::none, 1, 2}));
  EXPECT_EQ(g.normal[2], (Edge{Primitive::max_pool_3x3, 2, 3}));
  EXPECT_EQ(g.normal[8], (Edge{Primitive::dil_conv_5x5, 3, 4}));
  EXPECT_EQ(g.normal[9], (Edge{Primitive::none, 4, 5}));
  EXPECT_EQ(g.normal[13], (Edge{Primitive::skip_connect, 0, 5}));
  for (size_t i = 0; i < 14; ++i) EXPECT_EQ(g.reduce[i].op, Primitive::avg_pool_3x3);
  EXPECT_EQ(parse_genotype(to_string(g), "g"), g);
}

TEST(DartsGenotype, ToStringRoundTrips) {
  for (const auto& b : builtin_genotypes()) {
    const Genotype g = builtin_genotype(b.name);
    EXPECT_EQ(parse_genotype(to_string(g), "s"), g);
  }
  // DARTS V1 and V2 are published in exactly the form to_string() prints
  EXPECT_EQ(to_string(builtin_genotype("darts_v2")), builtin_genotypes()[1].text);
  EXPECT_EQ(to_string(builtin_genotype("darts_v1")), builtin_genotypes()[0].text);
  Genotype odd = builtin_genotype("pdarts");
  odd.name = "not an identifier";  // printed without a prefix
  EXPECT_EQ(to_string(odd).rfind("Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ", 0), 0u);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50; ++i) {
    const Genotype g = random_genotype(rng);
    EXPECT_EQ(parse_genotype(to_string(g), "s"), g);
  }
}

TEST(DartsGenotype, RandomGenotypesAreUniformOverTheFullSpace) {
  std::mt19937_64 rng(2024);
  int counts[8] = {};
  const int samples = 1000;
  for (int s = 0; s < samples; ++s) {
    const Genotype g = random_genotype(rng);
    EXPECT_EQ(g.normal_concat, (std::vector<int>{2, 3, 4, 5}));
    EXPECT_EQ(g.reduce_concat, (std::vector<int>{2, 3, 4, 5}));
    for (const auto* cell : {&g.normal, &g.reduce}) {
      ASSERT_EQ(cell->size(), 14u);
      std::set<int> edges;
      for (const Edge& e : *cell) {
        edges.insert(edge_index(e.from, e.node));
        ++counts[int(e.op)];
      }
      EXPECT_EQ(edges.size(), 14u);  // every (from, node) pair once
    }
  }
  // 28,000 draws, 3,500 expected per primitive, sigma ~ 55: every count within 10 %
  for (int c : counts) EXPECT_NEAR(c, samples * 28 / 8, samples * 28 / 80);
  std::mt19937_64 a(1), b(1);
  EXPECT_EQ(random_genotype(a), random_genotype(b));  // deterministic for a seed
}

TEST(DartsGenotype, MalformedInputsNameLineAndColumn) {
  const std::string allowed =
      "; allowed: none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, "
      "dil_conv_5x5";
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {"", "genotype:1:1: expected 'Genotype(' (optionally preceded by 'NAME ='), got end of input"},
      {"DARTS = Genotyp(normal=[])",
       "genotype:1:9: expected 'Genotype(' (optionally preceded by 'NAME ='), got 'Genotyp'"},
      {"Genotype[normal=[])", "genotype:1:9: expected '(' after Genotype, got '['"},
      {"Genotype(normal=[('sep_conv_7x7', 0)", "genotype:1:19: unknown primitive 'sep_conv_7x7'" + allowed},
      {"Genotype(normal=[(\"max pool\", 0)", "genotype:1:19: unknown primitive 'max pool'" + allowed},
      {"Genotype(normal=[(sep_conv_3x3, 0)",
       "genotype:1:19: expected a quoted primitive name, got 'sep_conv_3x3'"},
      {"Genotype(normal=[('sep_conv_3x3' 0)",
       "genotype:1:34: expected ',' after the primitive name, got '0'"},
      {"Genotype(normal=[('sep_conv_3x3', -1)", "genotype:1:35: expected a state index, got '-'"},
      {"Genotype(normal=[('sep_conv_3x3', 0]",
       "genotype:1:36: expected ')' or ',' after the state index, got ']'"},
      {"Genotype(normal=[('sep_conv_3x3', 0) ('none', 1)]",
       "genotype:1:38: expected ',' or ']' after a pair, got '('"},
      {"Genotype(normal=[('sep_conv_3x3, 0)]",
       "genotype:1:37: expected a closing ' for the string at column 19, got end of input"},
      {"Genotype(normal=['sep_conv_3x3', 0]",
       "genotype:1:18: expected '(' to start an ('op', state) pair or ']', got "
       "'sep_conv_3x3'"},
      {"Genotype(normals=[])",
       "genotype:1:10: expected a field name (normal, normal_concat, reduce, reduce_concat) or ')', got "
       "'normals'"},
      {"Genotype(normal:[])", "genotype:1:16: expected '=' after normal, got ':'"},
      {"Genotype(normal=" + n8 + " reduce=" + n8 + ")",
       "genotype:1:186: expected ',' or ')' after the normal value, got 'reduce'"},
      {"Genotype(normal=" + n8 + ", normal=" + n8 + ")",
       "genotype:1:187: expected each field once, got a second 'normal'"},
      {"Genotype(normal=" + n8 + ", normal_concat=[2, 3, 4, 5], reduce=" + n8 + ")",
       "genotype:1:390: expected the field reduce_concat, got ')'"},
      {text_of() + " x", "genotype:1:420: expected end of input after the Genotype, got 'x'"},
      // validation after a list: the state range, the entry count, repeats
      {text_of(replace_all(n8, "('sep_conv_3x3', 1), ('sep_conv_3x3', 0)",
                           "('sep_conv_3x3', 2), ('sep_conv_3x3', 0)")),
       "genotype:1:56: expected a state index in 0..1 for node 2, got '2'"},
      {text_of(n8, "[2, 3, 4, 5]", replace_all(n8, "]", ", ('none', 4)]")),
       "genotype:1:222: expected 8 ('op', state) pairs (DARTS) or 14 (full space) in the reduce list, got 9"},
      {text_of(replace_all(
           n8, "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1)",
           "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2), ('dil_conv_3x3', 2)")),
       "genotype:1:98: expected a state other than 2 for node 3 (its two inputs are different states), got "
       "'2'"},
      {text_of(replace_all(full("none"), "('none', 3), ('none', 4)", "('none', 3), ('none', 3)")),
       "genotype:1:196: expected each state 0..4 once for node 5, got 3 again"},
      {text_of(n8, "[2, 3, 4, 6]"), "genotype:1:211: expected a concat index in 0..5, got '6'"},
      {text_of(n8, "[2, 3, 3, 5]"), "genotype:1:208: expected a concat index not yet listed, got '3'"},
      {text_of(n8, "[]"), "genotype:1:202: expected a concat index, got ']'"},
      {text_of(n8, "[2, 3, 4, 5]", n8, "range(2, 7)"),
       "genotype:1:415: expected a range end in 3..6, got '7'"},
      {text_of(n8, "range(4, 4)"), "genotype:1:210: expected a range end in 5..6, got '4'"},
      {text_of(n8, "(2, 3)"), "genotype:1:201: expected a list or range(a, b) for normal_concat, got '('"},
      // multi-line: the line and the column in it
      {"# DARTS_V2, edited\nDARTS_V2 = Genotype(\n  normal=[('sep_conv_3x3', 0),  # s0\n          "
       "('sep_conv_3x9', 1)",
       "genotype:4:12: unknown primitive 'sep_conv_3x9'" + allowed},
      {"DARTS_V2 = Genotype(\n  normal=[('sep_conv_3x3', 0),\n\t('sep_conv_3x3', 1)]\n  normal_concat=[2, 3]",
       "genotype:2:10: expected 8 ('op', state) pairs (DARTS) or 14 (full space) in the normal list, got 2"},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_error(c.text), c.message) << c.text;
}
