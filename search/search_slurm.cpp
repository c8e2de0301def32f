// A search spread over Slurm (search/search.hpp): a job array of islands, each an independent NSGA-II run
// from its own seed, and the merge of their fronts. Nothing a user wrote becomes shell code: paths are
// single-quoted words assigned to variables and used only as "$VAR"; #SBATCH lines hold only numbers.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/text.hpp"
#include "search/front.hpp"
#include "search/search.hpp"
#include "sim/output_file.hpp"
#include "sim/subprocess.hpp"
#include "sim/sweep.hpp"

namespace cimsim::search {

namespace fs = std::filesystem;
using json = nlohmann::json;
using sim::SweepError;

std::string search_slurm_script(const std::string& spec_path, const std::string& out_dir, int islands,
                                int jobs_per_task, int population, int generations) {
  const std::string self = sim::self_executable();
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# cimsim search: one island (an NSGA-II run from seed + I) per array task (docs/search.md); when all\n"
    << "# are done:   \"$CIMSIM\" search merge \"$OUT\"   (the values below)\n"
    << "#SBATCH --job-name=cimsim-search\n"
    << "#SBATCH --array=0-" << islands - 1 << "\n"
    << "#SBATCH --cpus-per-task=" << jobs_per_task << "\n"
    << "#SBATCH --output=/dev/null\n"
    << "set -euo pipefail\n"
    << "CIMSIM=" << sim::shell_quote(self) << "\n"
    << "SPEC=" << sim::shell_quote(fs::absolute(spec_path).string()) << "\n"
    << "OUT=" << sim::shell_quote(fs::absolute(out_dir).string()) << "\n"
    << "ISLAND=\"$OUT/islands/${SLURM_ARRAY_TASK_ID}\"\n"
    << "exec >>\"$OUT/slurm/${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out\" 2>&1\n"
    << "ARGS=(--island \"${SLURM_ARRAY_TASK_ID}\" --jobs " << jobs_per_task;
  if (population > 0) s << " --population " << population;
  if (generations > 0) s << " --generations " << generations;
  s << ")\n"
    << "if [ -f \"$ISLAND/checkpoint.json\" ]; then ARGS+=(--resume); fi  # a requeued task continues\n"
    << "exec \"$CIMSIM\" search \"$SPEC\" --out \"$ISLAND\" \"${ARGS[@]}\"\n";
  return s.str();
}

namespace {

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    better = better || a[i] < b[i];
  }
  return better;
}

}  // namespace

int merge_search(const std::string& dir) {
  const fs::path islands_dir = fs::path(dir) / "islands";
  std::error_code ec;
  std::map<int, fs::path> islands;  // by number
  if (fs::is_directory(islands_dir, ec))
    for (const auto& e : fs::directory_iterator(islands_dir, ec)) {
      const std::string n = e.path().filename().string();
      if (!n.empty() && n.size() < 7 && std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
        islands[std::stoi(n)] = e.path();
    }
  if (islands.empty())
    throw SweepError("search merge: " + common::printable(islands_dir.string()) +
                     " holds no islands; allowed: the --out of `cimsim search --slurm` after its array tasks ran");
  json merged;
  std::vector<json> points;
  for (const auto& [i, path] : islands) {
    const fs::path f = path / "front.json";
    json j;
    try {
      j = json::parse(sim::read_file(f.string()));
      j.at("front");
      j.at("objectives");
      j.at("knobs");
    } catch (const json::exception&) {
      throw SweepError("search merge: " + common::printable(f.string()) +
                       " is missing or unreadable (has island " + std::to_string(i) +
                       " finished? squeue; a requeued task resumes); allowed: the fronts the array tasks wrote");
    }
    if (merged.is_null()) {
      merged = j;
      merged["islands"] = json::array();
      merged["evaluations"] = 0;
    } else if (j.value("search_digest", "") != merged.value("search_digest", "") || j["objectives"] != merged["objectives"] ||
               j["knobs"] != merged["knobs"] || j["space"] != merged["space"]) {
      throw SweepError("search merge: " + common::printable(f.string()) +
                       " is a front of another search (its spec, base config, accuracy table or population differ from "
                       "island " + std::to_string(islands.begin()->first) + "'s); allowed: the islands of one search");
    }
    merged["islands"].push_back({{"island", i}, {"seed", j.value("seed", 0)}, {"front", j["front"].size()},
                                 {"evaluations", j.value("evaluations", 0)}, {"wall_s", j.value("wall_s", 0.0)}});
    merged["evaluations"] = merged["evaluations"].get<long>() + j.value("evaluations", 0L);
    for (auto p : j["front"]) {
      p["island"] = i;
      points.push_back(p);
    }
  }
  // the non-dominated points of the union, each (architecture, hardware) once, in the order of their objectives
  std::vector<json> front;
  std::set<std::string> seen;
  for (size_t a = 0; a < points.size(); ++a) {
    const auto fa = points[a].at("f").get<std::vector<double>>();
    bool dominated = false;
    for (size_t b = 0; b < points.size() && !dominated; ++b) dominated = dominates(points[b].at("f").get<std::vector<double>>(), fa);
    if (dominated || !seen.insert(points[a]["architecture"].dump() + points[a]["hardware"].dump()).second) continue;
    front.push_back(points[a]);
  }
  std::stable_sort(front.begin(), front.end(), [](const json& a, const json& b) {
    return a.at("f").get<std::vector<double>>() < b.at("f").get<std::vector<double>>();
  });
  for (size_t k = 0; k < front.size(); ++k) front[k]["point"] = k;
  merged["front"] = front;
  merged.erase("seed");
  merged.erase("wall_s");
  write_front(fs::path(dir), merged);
  return int(islands.size());
}

}  // namespace cimsim::search
