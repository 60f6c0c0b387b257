/// ONNX `BatchNormalization` in inference: y = (x − mean) / sqrt(var + ε) · scale + B per
/// channel (dimension 1), computed as y = x · s + t with s, t precomputed in float32. hls4ml
/// counterpart: `nnet::normalize`.
enum BatchNormalization {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 5...5, outputs: 1...3)
    try ctx.attributes(node, allowed: ["epsilon", "momentum", "training_mode", "spatial"])
    if try ctx.int(node, "training_mode", default: 0) != 0 {
      throw ctx.fail(.unsupported, node, "training_mode = 1; trigrt runs inference only")
    }
    if node.outputs.count > 1, node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
      throw ctx.fail(.unsupported, node, "running mean/variance outputs are training outputs; not supported")
    }
    let eps = try ctx.float(node, "epsilon", default: 1e-5)
    let x = try ctx.batchedInput(node, 0, "X")
    let shape = ctx.values[x].shape
    guard let ch = shape.first else { throw ctx.fail(.shape, node, "X is \(ctx.describe(x)); BatchNormalization needs [N, C, …]") }
    var params: [[Double]] = []
    for (i, role) in [(1, "scale"), (2, "B"), (3, "mean"), (4, "var")] {
      let c = try ctx.constantInput(node, i, role)
      guard c.count == ch, c.dims.count == 1 else {
        throw ctx.fail(.shape, node, "\(role) has shape \(c.dims); expected [\(ch)] for X \(ctx.describe(x))")
      }
      params.append(c.values)
    }
    var s = [Float](repeating: 0, count: ch), t = [Float](repeating: 0, count: ch)
    for c in 0..<ch {
      let scale = Float(params[0][c]), b = Float(params[1][c]), mean = Float(params[2][c]), v = Float(params[3][c])
      s[c] = scale / (v + eps).squareRoot()
      t[c] = b - mean * s[c]
    }
    let spec = ChannelAffineSpec(channels: ch, inner: Shapes.count(Array(shape.dropFirst())), scale: s, bias: t)
    try ctx.layer(node, .channelAffine(spec), inputs: [x], outputShape: shape)
  }
}
