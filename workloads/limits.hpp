// Bounds on every size and count a network may ask for (docs/workloads.md, "Limits"), and the checks
// that apply them before anything is allocated. Each bound is generous for real models (the largest
// torchvision models and transformer layers pass with a wide margin) and small enough that a network
// inside all of them loads in seconds and well under 1 GB; the reasons are in the docs page.
#pragma once

#include <cstdint>
#include <string>

namespace cimsim::workloads {

// ---- one value a file sets ------------------------------------------------------------------------
constexpr int64_t kMaxSpatial = 65536;     // height, width; kernel, stride, pad, dilation, pads
constexpr int64_t kMaxChannels = 1 << 20;  // input channels, out_channels (fc outputs), groups
// ---- one layer ------------------------------------------------------------------------------------
constexpr int64_t kMaxLayerActivations = int64_t(1) << 30;  // output elements C x H x W
constexpr int64_t kMaxLayerWeights = 2147483647;            // 2^31 - 1: a block matrix indexable by int
constexpr int64_t kMaxLayerMacs = int64_t(1) << 40;         // multiply-accumulates of one inference
// ---- the whole network ----------------------------------------------------------------------------
constexpr int64_t kMaxLayers = 1 << 20;                        // layers, the input included
constexpr int64_t kMaxLayerInputs = 1 << 22;                   // input references summed over all layers
constexpr int64_t kMaxNetworkWeights = int64_t(1) << 34;       // 1.7e10
constexpr int64_t kMaxNetworkMacs = int64_t(1) << 44;          // 1.8e13
constexpr int64_t kMaxNetworkActivations = int64_t(1) << 36;   // output elements summed over all layers
// ---- files and names ------------------------------------------------------------------------------
// yaml-cpp holds the whole document as a tree of ~70-100 bytes per byte of YAML before cimsim reads it:
// 8 MiB (10^5 layers written one a line) load in about 3 s and under 800 MB
constexpr int64_t kMaxYamlNetworkBytes = int64_t(8) << 20;
constexpr int64_t kMaxCsvNetworkBytes = int64_t(32) << 20;  // a NeuroSim CSV: 10^6 rows of 32 bytes
constexpr int64_t kMaxGenotypeBytes = int64_t(64) << 10;     // a genotype (a file or --genotype text)
constexpr int64_t kMaxOnnxFileBytes = int64_t(1) << 30;      // an ONNX model (weights only declared count)
constexpr size_t kMaxNameBytes = 1024;                       // a layer or network name

// Where the bounds are documented, for messages.
constexpr const char* kLimitsDoc = "docs/workloads.md#limits";

// "<what> <value> is above the bound <bound><per> (docs/workloads.md#limits)"; a value of INT64_MAX (a
// saturated count) is shown as "over 2^63".
std::string over_bound(const std::string& what, int64_t value, int64_t bound, const std::string& per = "");

// Empty when `name` may name a layer or network (non-empty, valid UTF-8, no control characters, at most
// kMaxNameBytes), else why not, with the name escaped (common::printable).
std::string name_problem(const std::string& name);

// The whole file, refused with a NetworkError ("FILE: N bytes is above the bound ... for WHAT") when it
// has more than `max_bytes`: a regular file by its size before reading, anything else (a FIFO, a
// device) after reading at most max_bytes + 1 bytes. `cannot open FILE` when it does not open.
std::string read_bounded_file(const std::string& path, int64_t max_bytes, const std::string& what);

}  // namespace cimsim::workloads
