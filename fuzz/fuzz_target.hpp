// What every fuzz target checks: an input either parses or is refused with one of cimsim's documented
// error types (exit 2 in the CLI). Anything else is a finding: another exception (an "internal error",
// exit 1), a crash, a hang, or a report from AddressSanitizer / UndefinedBehaviorSanitizer.
// Built two ways (fuzz/CMakeLists.txt): with clang and libFuzzer for scripts/fuzz.sh, and with the normal
// compiler and fuzz/replay_main.cpp, so ctest replays the seeds and every past finding on each build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "workloads/graph.hpp"

namespace cimsim::fuzz {

/// Error messages reach users as one line (apps/main.cpp escapes what they quote); a message longer than
/// this is a finding all the same: it means a user value was pasted whole.
constexpr std::size_t kMaxMessage = 4096;

/// A message longer than kMaxMessage aborts (a finding).
inline void check_message(const std::exception& e) {
  if (std::strlen(e.what()) > kMaxMessage) std::abort();
}

/// Runs `f`; the documented error types are expected outcomes, anything else propagates (a finding).
template <class F>
void expect_parse_or_error(F&& f) {
  try {
    f();
  } catch (const models::ConfigError& e) {
    check_message(e);
  } catch (const workloads::NetworkError& e) {
    check_message(e);
  } catch (const mapper::MappingError& e) {
    check_message(e);
  }
}

/// A network that loaded is also mapped onto the default chip (a mapping error is an expected outcome):
/// the mapper must survive whatever shapes a loader lets through.
inline void map_if_small(const workloads::Graph& g) {
  static const models::HardwareSpec hw = models::load_hardware("default");
  if (g.layers.size() > 2000 || g.weights() > 50'000'000) return;  // keep one execution well under a second
  expect_parse_or_error([&] { mapper::map_network(g, hw); });
}

inline std::string text_of(const uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace cimsim::fuzz
