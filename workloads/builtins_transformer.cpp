// Vision transformers as cimsim graphs (docs/workloads.md, "Transformers"): a token sequence is
// C = embedding x H = tokens x W = 1; the static-weight projections (patch embedding, Q, K, V, output,
// MLP, head) are convolutions and run on crossbars; the products of two activations (Q . K^T and
// attention . V) are matmul layers on the tile's matrix engines; softmax, layer norm and GELU run on
// digital units.
#include "workloads/builtins.hpp"

#include <string>

#include "workloads/builder.hpp"

namespace cimsim::workloads {

// torchvision's VisionTransformer (and timm's DeiT, the same encoder): patch embedding by a patch x patch
// convolution of stride patch, a class token prepended, a positional embedding added, `depth` pre-norm
// encoder blocks (LN, multi-head self-attention, residual; LN, MLP with GELU, residual), a final LN, and
// the head on the class token. Q, K and V are three 1x1 convolutions (torchvision's in_proj holds the
// three matrices in one: the same weights and MACs).
Graph build_vit(const VitConfig& c) {
  Builder b(c.name, Shape{3, c.image, c.image});
  const int grid = c.image / c.patch, tokens = grid * grid;
  b.conv("conv_proj", c.dim, c.patch, c.patch, 0);
  const int patches = b.reshape("patches", Shape{c.dim, tokens, 1});  // row-major (h, w): no data moves
  const int cls = b.constant("class_token", Shape{c.dim, 1, 1});
  const int seq = b.concat_rows("tokens", {cls, patches});
  const int pos = b.constant("pos_embedding", Shape{c.dim, tokens + 1, 1});
  int x = b.add("embed", seq, pos);
  for (int i = 0; i < c.depth; ++i) {
    const std::string p = "encoder.layer_" + std::to_string(i) + ".";
    b.simple(p + "ln_1", OpKind::layer_norm, x);
    const int ln1 = b.last();
    const int q = b.conv(p + "attn.q", c.dim, 1, 1, 0, 1, ln1);
    const int k = b.conv(p + "attn.k", c.dim, 1, 1, 0, 1, ln1);
    const int v = b.conv(p + "attn.v", c.dim, 1, 1, 0, 1, ln1);
    b.matmul(p + "attn.scores", q, k, c.heads, true);  // heads x tokens scores per token
    b.grouped(p + "attn.softmax", OpKind::softmax, c.heads);
    const int att = b.matmul(p + "attn.context", b.last(), v, c.heads, false);
    b.conv(p + "attn.out_proj", c.dim, 1, 1, 0, 1, att);
    x = b.add(p + "add_1", x, b.last());
    b.simple(p + "ln_2", OpKind::layer_norm, x);
    b.conv(p + "mlp.fc1", c.mlp, 1, 1, 0);
    b.simple(p + "mlp.gelu", OpKind::gelu);
    b.conv(p + "mlp.fc2", c.dim, 1, 1, 0);
    x = b.add(p + "add_2", x, b.last());
  }
  b.simple("ln", OpKind::layer_norm, x);
  b.slice("class_out", 0, 0, tokens, 0);  // the class token's row
  b.fc("head", c.classes);
  return b.finish();
}

Graph vit_b_16_network() { return build_vit({"vit_b_16", 224, 16, 768, 12, 12, 3072, 1000}); }
Graph deit_tiny_network() { return build_vit({"deit_tiny", 224, 16, 192, 12, 3, 768, 1000}); }

}  // namespace cimsim::workloads
