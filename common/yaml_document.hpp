// One YAML document per file: where a second one starts, found without yaml-cpp's LoadAll.
// LoadAll never returns on some malformed text (",(," yields an endless run of empty documents: found by
// fuzz/fuzz_network_yaml), so the documents are counted with yaml-cpp's event parser, at most two.
// Used by the hardware config, the network YAML and the sweep spec loaders. Header-only.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cimsim::common {

namespace detail {
// Records where each document starts; ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};
}  // namespace detail

/// Where a second document starts in `text`, or nullopt if it holds at most one.
/// Throws YAML::Exception on a syntax error (with its mark), like YAML::Load.
inline std::optional<YAML::Mark> second_document(const std::string& text) {
  // Documents after the first need a marker at the start of a line: `---` (start) or `...` (end). Without
  // one the text holds at most one document, and the second parse (half the load time of a large network)
  // is skipped.
  bool marker = false;
  for (std::size_t at = 0; at < text.size() && !marker;) {
    marker = text.compare(at, 3, "---") == 0 || text.compare(at, 3, "...") == 0;
    const std::size_t nl = text.find('\n', at);
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  if (!marker) return std::nullopt;
  std::istringstream in(text);
  YAML::Parser parser(in);
  detail::DocumentStarts handler;
  while (handler.starts.size() < 2 && parser.HandleNextDocument(handler)) {
  }
  if (handler.starts.size() < 2) return std::nullopt;
  return handler.starts[1];
}

}  // namespace cimsim::common
