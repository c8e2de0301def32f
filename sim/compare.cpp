#include "sim/compare.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "models/config_loader.hpp"
#include "sim/deploy.hpp"
#include "sim/subprocess.hpp"

namespace cimsim::sim {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {


Metrics metrics_of(const json& j) {
  Metrics m;
  m.latency_ns = j.at("latency").at("ns");
  m.energy_pj = j.at("energy_pj").at("total");
  m.power_mw = j.at("power_mw");
  m.area_mm2 = j.at("area_mm2").at("total");
  m.leakage_pj = j.at("energy_pj").at("leakage");
  m.gated_leakage_pj = j.at("power_gating").at("gated_leakage_pj");
  m.tops_per_w = j.at("efficiency").at("achieved").at("tops_per_w");
  m.tiles = j.at("utilization").at("chip_tiles");
  m.crossbars = j.at("utilization").at("crossbars_used");
  m.tiles_busy = j.at("power_gating").at("tiles_busy");
  const json& budget = j.at("mapping").at("budget");
  m.budget = budget.is_null() ? 0 : budget.get<int>();
  return m;
}

json metrics_json(const Metrics& m) {
  return {{"latency_ns", m.latency_ns}, {"energy_pj", m.energy_pj}, {"power_mw", m.power_mw},
          {"area_mm2", m.area_mm2},     {"tiles", m.tiles},         {"crossbars", m.crossbars},
          {"leakage_pj", m.leakage_pj}, {"gated_leakage_pj", m.gated_leakage_pj},
          {"tops_per_w", m.tops_per_w}, {"tiles_busy", m.tiles_busy},
          {"budget", m.budget > 0 ? json(m.budget) : json(nullptr)}};
}

// What the individual runs get for the baseline, and the baseline in a sentence.
struct Baseline {
  std::vector<std::string> args;
  std::string definition;
};
Baseline baseline_of(const CompareRequest& r) {
  if (r.baseline == "iso-provisioning")
    return {{"--placement", "spread"},
            "iso-provisioning: each individual chip spreads its crossbars evenly over as many tiles as the "
            "architecture occupies on the hypernetwork chip (--placement spread), so its layers have the "
            "hypernetwork chip's tiles (digital units, buffers, NoC links) per layer; no copies"};
  if (r.baseline == "iso-area") {
    models::HardwareSpec hw = models::load_hardware(r.hw);
    hw.chip.auto_size = true;  // the hypernetwork chip as compare deploys it
    mapper::MapOptions map;
    map.mode = r.mapping == "isaac" ? mapper::MappingMode::isaac : mapper::MappingMode::compiled;
    const std::string n = std::to_string(map_hypernet(r.darts, hw, map).crossbars_used);
    return {{"--crossbars", n},
            "iso-area: each individual chip is given the hypernetwork chip's " + n + " crossbars (--crossbars " + n +
                "): the same tiles, so the same area but the selectors' (the compiled mapping duplicates layers "
                "into them, the isaac mapping leaves them idle)"};
  }
  if (r.baseline == "minimal")
    return {{}, "minimal: each individual chip has the fewest tiles its mapping needs (chip: auto, packed)"};
  std::string allowed;
  for (const auto& b : compare_baselines()) allowed += (allowed.empty() ? "" : ", ") + b;
  throw CompareError("--baseline " + r.baseline + ": allowed: " + allowed, 2);
}

}  // namespace

std::vector<std::string> compare_baselines() { return {"iso-provisioning", "iso-area", "minimal"}; }

CompareResult run_compare(const CompareRequest& r) {
  CompareResult result;
  result.baseline = r.baseline;
  const Baseline baseline = baseline_of(r);
  result.definition = baseline.definition;
  // the children's reports go to a private directory made by mkdtemp (mode 0700, a name nobody can plant
  // beforehand): a predictable /tmp name would let another user read or forge them
  std::string templ = (fs::temp_directory_path() / "cimsim-compare-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr)
    throw CompareError("cannot create a private directory in " + fs::temp_directory_path().string() + ": " +
                           std::strerror(errno),
                       2);
  const fs::path dir = templ;
  struct Arch {
    std::string label, net, genotype;
  };
  std::vector<Arch> archs;
  for (const auto& n : r.nets) archs.push_back({n, n, ""});
  for (size_t i = 0; i < r.genotypes.size(); ++i)
    archs.push_back({"genotype" + std::to_string(i + 1), "", r.genotypes[i]});
  std::vector<Job> jobs;
  const std::string self = self_executable();
  for (size_t a = 0; a < archs.size(); ++a) {
    for (const char* mode : {"individual", "hypernet"}) {
      Job j;
      const std::string tag = std::to_string(a) + "-" + mode;
      j.argv = {self, "run", "--hw", r.hw, "--deploy", mode, "--chip-auto", "-q",
                "--dataflow", r.dataflow, "--mapping", r.mapping,
                "--darts-c", std::to_string(r.darts.c), "--darts-layers", std::to_string(r.darts.layers),
                "--classes", std::to_string(r.darts.classes), "--input-size", std::to_string(r.darts.input_size),
                "--json", (dir / (tag + ".json")).string()};
      if (mode == std::string("individual")) j.argv.insert(j.argv.end(), baseline.args.begin(), baseline.args.end());
      if (archs[a].genotype.empty()) {
        j.argv.insert(j.argv.end(), {"--net", archs[a].net});
      } else {
        j.argv.insert(j.argv.end(), {"--genotype", archs[a].genotype});
      }
      j.stdout_path = (dir / (tag + ".out")).string();
      j.stderr_path = (dir / (tag + ".err")).string();
      jobs.push_back(std::move(j));
    }
  }
  try {
    run_jobs(jobs, r.jobs);
  } catch (const std::runtime_error& e) {  // the system refused (a full disk, no more processes)
    fs::remove_all(dir);
    throw CompareError(std::string("cannot run the simulations: ") + e.what(), 2);
  }
  std::vector<CompareRow>& rows = result.rows;
  for (size_t a = 0; a < archs.size(); ++a) {
    CompareRow row;
    for (int m = 0; m < 2; ++m) {
      const Job& j = jobs[2 * a + size_t(m)];
      if (j.exit_code != 0) {
        std::string err = child_error(j.stderr_path);
        if (err.empty())  // killed, or it died without a word: say how
          err = j.exit_code > 128 ? "the simulation was killed by signal " + std::to_string(j.exit_code - 128) +
                                        " (a crash or the system's limits; please report it)"
                                  : "the simulation exited with status " + std::to_string(j.exit_code) +
                                        " and no message (please report it)";
        fs::remove_all(dir);
        throw CompareError(archs[a].label + " (" + (m == 0 ? "individual" : "hypernet") + "): " + err,
                           j.exit_code == 2 ? 2 : 1);
      }
      const json jj = json::parse(read_file((dir / (std::to_string(a) + "-" + (m == 0 ? "individual" : "hypernet") + ".json")).string()));
      (m == 0 ? row.individual : row.hypernet) = metrics_of(jj);
      if (m == 0) row.net = jj.at("workload").at("name");
    }
    rows.push_back(row);
  }
  fs::remove_all(dir);
  return result;
}

json compare_json(const CompareResult& result, const std::string& hardware, const std::string& sharing) {
  json out;
  out["hardware"] = hardware;
  out["sharing"] = sharing;
  out["baseline"] = result.baseline;
  out["baseline_definition"] = result.definition;
  json jr = json::array();
  for (const auto& r : result.rows) {
    jr.push_back({{"net", r.net},
                  {"individual", metrics_json(r.individual)},
                  {"hypernet", metrics_json(r.hypernet)},
                  {"ratio",
                   {{"latency", r.latency_ratio()},
                    {"energy", r.energy_ratio()},
                    {"power", r.power_ratio()},
                    {"area", r.area_ratio()}}}});
  }
  out["rows"] = jr;
  return out;
}

std::string compare_csv(const CompareResult& result) {
  std::ostringstream os;
  os << std::setprecision(10);
  os << "net,deployment,latency_ns,energy_pj,power_mw,area_mm2,tiles,crossbars,leakage_pj,tops_per_w,baseline\n";
  const std::string& b = result.baseline;
  for (const auto& r : result.rows) {
    for (const auto& [name, m] : {std::pair{"individual", r.individual}, std::pair{"hypernet", r.hypernet}})
      os << r.net << ',' << name << ',' << m.latency_ns << ',' << m.energy_pj << ',' << m.power_mw << ','
         << m.area_mm2 << ',' << m.tiles << ',' << m.crossbars << ',' << m.leakage_pj << ',' << m.tops_per_w
         << ',' << b << '\n';
    os << r.net << ",ratio," << r.latency_ratio() << ',' << r.energy_ratio() << ',' << r.power_ratio() << ','
       << r.area_ratio() << ",,,,," << b << '\n';
  }
  return os.str();
}

void print_compare(std::ostream& os, const CompareResult& result, const std::string& hardware,
                   const std::string& sharing) {
  os << "cimsim compare on " << hardware << " (hypernetwork sharing: " << sharing
     << "): each architecture on its own chip (individual) and on the all-inclusive hypernetwork chip\n"
     << "baseline " << result.definition << "\n\n";
  os << "  net          deployment    latency us   energy uJ   power mW   area mm2   tiles  crossbars  leakage uJ  TOPS/W\n";
  auto line = [&os](const std::string& net, const char* what, const Metrics& m) {
    os << "  " << std::left << std::setw(13) << net << std::setw(12) << what << std::right << std::fixed
       << std::setprecision(1) << std::setw(12) << m.latency_ns / 1e3 << std::setw(12) << m.energy_pj / 1e6
       << std::setw(11) << m.power_mw << std::setw(11) << std::setprecision(2) << m.area_mm2 << std::setw(8)
       << m.tiles << std::setw(11) << m.crossbars << std::setprecision(1) << std::setw(12) << m.leakage_pj / 1e6
       << std::setprecision(3) << std::setw(8) << m.tops_per_w << '\n';
  };
  for (const auto& r : result.rows) {
    line(r.net, "individual", r.individual);
    line("", "hypernet", r.hypernet);
    os << "  " << std::left << std::setw(13) << "" << std::setw(12) << "ratio" << std::right << std::fixed
       << std::setprecision(3) << std::setw(12) << r.latency_ratio() << std::setw(12) << r.energy_ratio()
       << std::setw(11) << r.power_ratio() << std::setw(11) << r.area_ratio() << '\n';
  }
  os << std::defaultfloat;
}

}  // namespace cimsim::sim
