import FixedPoint
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

// MARK: - Fixed point (hls4ml nnet::normalize)

/// `res[i] = res_T(data[i] * scale[k] + bias[k])` with k = i or i mod n_filt: the product and the
/// sum are exact, then one conversion (hls4ml has no accumulator here). hls4ml uses it for
/// BatchNormalization and for ApplyAlpha (the `bn_Add_k` / `bn_Sub_k` / `bn_Div_k` / `bn_Mul_k`
/// layers it makes of an Add/Sub/Div/Mul with a constant).
struct NormalizeFixedStep {
  var x: Int32
  var y: Int32
  var count: Int              // elements per sample
  var channels: Int           // scale/bias entries (count when per element)
  var inner: Int              // consecutive elements sharing one entry (1 for channels-last)
  var channelsLast: Bool      // k = i mod channels (hls4ml) vs k = (i / inner) mod channels
  var scale: UnsafePointer<Int64>
  /// Biases as raws of the product's fractional bits (or the product shifted up to theirs).
  var bias: UnsafePointer<Int64>
  var productShift: Int       // left shift of the product to the common fractional bits
  var wide: Bool
  var cast: FixedCast         // exact sum → res_T
  var stats: Int32
}

enum NormalizeFixedKernel {
  static func run<O: FixedObserver>(_ s: NormalizeFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if O.enabled, let st = stats {
      var o = StatsObserver(stats: st + Int(s.stats))
      body(s, slots, batch, &o)
    } else {
      var o = NoObserver()
      body(s, slots, batch, &o)
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: NormalizeFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.y)
    for b in 0..<batch {
      let base = b &* s.count
      for i in 0..<s.count {
        let k = s.channelsLast ? i % s.channels : (i / s.inner) % s.channels
        if s.wide {
          let v = (Int128(x[base &+ i]) &* Int128(s.scale[k])) << s.productShift &+ Int128(s.bias[k])
          y[base &+ i] = s.cast.toResult(wide: v, &o)
        } else {
          let v = ((x[base &+ i] &* s.scale[k]) &<< s.productShift) &+ s.bias[k]
          y[base &+ i] = s.cast.toResult(v, &o)
        }
      }
    }
  }
}
