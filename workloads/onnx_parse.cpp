// Reading an ONNX file without its weights: the protobuf stream is copied field by field, leaving out the data
// of tensors above kKeepDataBytes, then parsed (a 553 MB VGG-16 loads in 25 MB); load_onnx.
#include "workloads/onnx_loader.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "common/text.hpp"
#include "workloads/limits.hpp"
#include "workloads/onnx_tensor.hpp"

namespace cimsim::workloads {

namespace onnx_detail {

namespace {

// ---- parsing without the weights --------------------------------------------------------------------
// The messages on the way from a ModelProto to its tensors; other fields are copied as they are.
enum class Msg { model, graph, node, attribute, tensor, other };

Msg child(Msg m, uint32_t field) {
  switch (m) {
    case Msg::model: return field == 7 ? Msg::graph : Msg::other;
    case Msg::graph: return field == 1 ? Msg::node : field == 5 ? Msg::tensor : Msg::other;
    case Msg::node: return field == 5 ? Msg::attribute : Msg::other;
    case Msg::attribute:
      return field == 5 || field == 10 ? Msg::tensor : field == 6 || field == 11 ? Msg::graph : Msg::other;
    default: return Msg::other;
  }
}
// TensorProto's value fields: float_data, int32_data, string_data, int64_data, raw_data, double_data,
// uint64_data.
bool is_tensor_data(uint32_t field) { return (field >= 4 && field <= 7) || (field >= 9 && field <= 11); }

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// Copies one message of kind `kind` from `in` to `out` in the protobuf wire format, leaving out the value
// fields of tensors larger than kKeepDataBytes. False when the input is not well-formed.
bool copy_message(google::protobuf::io::CodedInputStream& in, Msg kind, std::string& out, int depth) {
  if (depth > 64) return false;
  while (const uint32_t tag = in.ReadTag()) {
    const uint32_t field = tag >> 3;
    switch (tag & 7) {
      case 0: {
        uint64_t v = 0;
        if (!in.ReadVarint64(&v)) return false;
        put_varint(out, tag);
        put_varint(out, v);
        break;
      }
      case 1:
      case 5: {  // fixed64, fixed32: copied as they are (little-endian on the wire)
        std::string raw;
        if (!in.ReadString(&raw, (tag & 7) == 1 ? 8 : 4)) return false;
        put_varint(out, tag);
        out += raw;
        break;
      }
      case 2: {
        uint32_t len = 0;
        if (!in.ReadVarint32(&len) || len > uint32_t(INT_MAX)) return false;
        if (kind == Msg::tensor && is_tensor_data(field) && len > kKeepDataBytes) {
          if (!in.Skip(int(len))) return false;
          break;
        }
        std::string inner;
        const Msg sub = child(kind, field);
        if (sub == Msg::other) {
          if (!in.ReadString(&inner, int(len))) return false;
        } else {
          const auto limit = in.PushLimit(int(len));
          // a message cut short by the end of the file ends before its length: not well-formed
          if (!copy_message(in, sub, inner, depth + 1) || in.BytesUntilLimit() != 0) return false;
          in.PopLimit(limit);
        }
        put_varint(out, tag);
        put_varint(out, inner.size());
        out += inner;
        break;
      }
      default:
        return false;  // groups (wire types 3, 4) and invalid types: no ONNX message has them
    }
  }
  return in.ConsumedEntireMessage();
}

}  // namespace

// Parses a ModelProto from `stream` (of `size` bytes) without the data of its large tensors (see
// kKeepDataBytes). The size is the stream's limit: a length the file claims beyond its end allocates nothing.
bool parse_shapes_only(google::protobuf::io::ZeroCopyInputStream& stream, int64_t size, onnx::ModelProto& model) {
  std::string kept;
  {
    google::protobuf::io::CodedInputStream in(&stream);
    in.SetTotalBytesLimit(int(std::min<int64_t>(size + 1, INT_MAX)));  // + 1: the end of the file is the end
    if (!copy_message(in, Msg::model, kept, 0)) return false;
  }
  return model.ParseFromString(kept);
}

}  // namespace onnx_detail

Graph load_onnx(const std::string& path) {
  const std::string shown = common::printable(path);
  onnx::ModelProto model;
  bool parsed = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    // a regular file: its size is bounded before parsing; it is streamed, the weights' data skipped
    if (int64_t(st.st_size) > kMaxOnnxFileBytes) {
      throw NetworkError(shown + ": " + std::to_string(st.st_size) + " bytes is above the bound " +
                         std::to_string(kMaxOnnxFileBytes) + " bytes for an ONNX model (" + kLimitsDoc +
                         "; save larger models with external data: only the weights' shapes are read)");
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw NetworkError("cannot open " + shown + " (" + std::strerror(errno) + ")");
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    parsed = onnx_detail::parse_shapes_only(stream, int64_t(st.st_size), model);
  } else {  // a FIFO or device: read at most the bound
    const std::string bytes = read_bounded_file(path, kMaxOnnxFileBytes, "an ONNX model");
    google::protobuf::io::ArrayInputStream stream(bytes.data(), int(bytes.size()));
    parsed = onnx_detail::parse_shapes_only(stream, int64_t(bytes.size()), model);
  }
  if (!parsed) {
    throw NetworkError(shown + ": not an ONNX model (the file does not parse as a protobuf ModelProto)");
  }
  return from_onnx(model, path);
}

}  // namespace cimsim::workloads
