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
  var cast: UnsafePointer<FixedCast>         // exact sum → res_T
  var stats: Int32
  /// Per-element (channels-last, one entry per element) with the cast on lanes.
  var lane: UnsafePointer<LaneCast>?
  var unitScale: Bool
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

  /// Per-element scale and bias with an exact LaneCast: eight elements at a time.
  struct Lanes: LaneLoop {
    let s: NormalizeFixedStep
    let x: UnsafePointer<Int64>
    let y: UnsafeMutablePointer<Int64>
    let batch: Int

    @inline(__always)
    func run<S: LaneShift, R: LaneRange>(_ c: LaneCast, _: S.Type, _: R.Type) {
      let shift = Int64(s.productShift)
      let sh = SIMD8<Int64>(repeating: shift)
      let n = s.count
      for b in 0..<batch {
        let xb = x + b &* n, yb = y + b &* n
        var i = 0
        while i &+ 8 <= n {
          var p = load8(xb + i)
          if !s.unitScale { p = p &* load8(s.scale + i) }
          store8(R.apply(S.apply((p &<< sh) &+ load8(s.bias + i), c), c), yb + i)
          i &+= 8
        }
        while i < n {
          yb[i] = R.apply(S.apply(((xb[i] &* s.scale[i]) &<< shift) &+ s.bias[i], c), c)
          i &+= 1
        }
      }
    }
  }

  /// Unit scale (x·1 + b, hls4ml's bias ApplyAlpha) on 32-bit lanes.
  struct Lanes32: LaneLoop32 {
    let s: NormalizeFixedStep
    let x: UnsafePointer<Int64>
    let y: UnsafeMutablePointer<Int64>
    let batch: Int

    @inline(__always)
    func run<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ c: LaneCast, _: S.Type, _: R.Type) {
      let shift = Int64(s.productShift)
      let sh = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: shift))
      let n = s.count
      for b in 0..<batch {
        let xb = x + b &* n, yb = y + b &* n
        var i = 0
        while i &+ 8 <= n {
          widen8(R.apply(S.apply((narrow8(xb + i) &<< sh) &+ narrow8(s.bias + i), c), c), yb + i)
          i &+= 8
        }
        while i < n {
          yb[i] = R.apply(S.apply(((xb[i] &* s.scale[i]) &<< shift) &+ s.bias[i], c), c)
          i &+= 1
        }
      }
    }
  }

  @inline(__always)
  static func lanes(_ s: NormalizeFixedStep, _ lc: LaneCast, _ slots: Slots, _ batch: Int) {
    if lc.fits32 && s.unitScale {
      lc.specialise32(Lanes32(s: s, x: UnsafePointer(raws(slots, s.x)), y: raws(slots, s.y), batch: batch))
    } else {
      lc.specialise(Lanes(s: s, x: UnsafePointer(raws(slots, s.x)), y: raws(slots, s.y), batch: batch))
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: NormalizeFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    if !O.enabled, let lc = s.lane {
      lanes(s, lc.pointee, slots, batch)
      return
    }
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.y)
    let cast = s.cast.pointee
    let shift = s.productShift
    // Elements run in blocks of `inner` that share one entry k; channels-last repeats k = 0…C−1.
    let blocks = s.channelsLast ? s.count / s.channels : s.count / (s.inner &* s.channels)
    let inner = s.channelsLast ? 1 : s.inner
    var i = 0
    for _ in 0..<(batch &* blocks) {
      for k in 0..<s.channels {
        let sc = s.scale[k], bi = s.bias[k]
        for _ in 0..<inner {
          if s.wide {
            let v = (Int128(x[i]) &* Int128(sc)) << shift &+ Int128(bi)
            y[i] = cast.toResult(wide: v, &o)
          } else {
            y[i] = cast.toResult(((x[i] &* sc) &<< shift) &+ bi, &o)
          }
          i &+= 1
        }
      }
    }
  }
}
