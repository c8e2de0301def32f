// The search's front files, shared by a search and the merge of a Slurm search's islands.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace cimsim::search {

// Writes DIR/front.json (`front` as given: the spec's summary, "objectives", "knobs", and "front": per point
// its architecture, hardware values, accuracy, objectives "f", and "analytical"/"systemc" metrics) and
// DIR/front.csv (a row per point: the knobs' values, accuracy, each metric from both evaluators, the
// SystemC column empty where the point was not re-simulated). sim::SweepError when DIR is not writable.
void write_front(const std::filesystem::path& dir, const nlohmann::json& front);

}  // namespace cimsim::search
