/// Fusions on the lowered graph. Float mode: a Dense layer absorbs a following bias Add/Sub, a
/// per-column Mul (or a BatchNormalization over its output features) while it has no activation,
/// and then one activation. Each fusion requires that the intermediate value has no other reader
/// and is not a graph output. The scale folding changes float rounding at the 1e-7 level; fixed
/// mode never uses these rules (its arithmetic follows hls4ml's layers instead).
/// A Conv layer absorbs the same per-output-channel bias, scale, BatchNormalization and
/// activation (also through a shape-only alias such as a Squeeze), and a zero constant Pad that
/// only it reads becomes its own padding.
enum Fusion {
  static func fuseFloat(_ g: inout LoweredGraph) {
    while fuseOnce(&g) || fuseConvOnce(&g) || fusePadIntoConv(&g) {}
  }

  /// Per-column constant of a Dense output with `m` columns: a scalar or `m` values laid out
  /// along the last dimension only.
  static func columnVector(_ c: Constant, m: Int) -> [Float]? {
    if c.count == 1 { return [Float](repeating: Float(c.values[0]), count: m) }
    guard c.count == m, c.dims.last == m, c.dims.dropLast().allSatisfy({ $0 == 1 }) else { return nil }
    return c.values.map { Float($0) }
  }

  private static func fuseOnce(_ g: inout LoweredGraph) -> Bool {
    var readers = [Int: [Int]]()      // storage root → layers reading it
    for (li, l) in g.layers.enumerated() {
      for i in l.inputs { readers[g.root(i), default: []].append(li) }
    }
    let outputRoots = Set(g.outputs.map { g.root($0) })
    for (li, l) in g.layers.enumerated() {
      guard case .dense(var d) = l.op else { continue }
      let out = g.root(l.output)
      guard !outputRoots.contains(out), let r = readers[out], r.count == 1 else { continue }
      let ci = r[0]
      let consumer = g.layers[ci]
      // Only fuse when the consumer sees the dense output with its own layout (an alias that
      // only renames or reshapes keeps element order, so it is fine).
      var fused = false
      switch consumer.op {
      case .binary(let b) where d.activation == .identity && consumer.inputs.count == 2:
        let other = consumer.inputs.first { g.root($0) != out }
        guard let o = other, let c = g.values[o].constant, let vec = columnVector(c, m: d.outFeatures),
              b.shape == g.values[l.output].shape else { break }
        let denseFirst = g.root(consumer.inputs[0]) == out
        var bias = d.bias ?? [Float](repeating: 0, count: d.outFeatures)
        switch (b.op, denseFirst) {
        case (.add, _): for m in 0..<d.outFeatures { bias[m] += vec[m] }; fused = true
        case (.sub, true): for m in 0..<d.outFeatures { bias[m] -= vec[m] }; fused = true
        case (.mul, _):
          for k in 0..<d.inFeatures { for m in 0..<d.outFeatures { d.weights[k * d.outFeatures + m] *= vec[m] } }
          if d.bias != nil { for m in 0..<d.outFeatures { bias[m] *= vec[m] } }
          fused = true
        default: break
        }
        if fused { d.bias = (b.op == .mul && d.bias == nil) ? nil : bias }
      case .channelAffine(let a) where d.activation == .identity && a.channels == d.outFeatures && a.inner == 1 && d.rowsPerSample == 1:
        var bias = d.bias ?? [Float](repeating: 0, count: d.outFeatures)
        for k in 0..<d.inFeatures { for m in 0..<d.outFeatures { d.weights[k * d.outFeatures + m] *= a.scale[m] } }
        for m in 0..<d.outFeatures { bias[m] = bias[m] * a.scale[m] + a.bias[m] }
        d.bias = bias
        fused = true
      case .activation(let act) where d.activation == .identity:
        d.activation = act
        fused = true
      default:
        break
      }
      guard fused else { continue }
      g.layers[li].op = .dense(d)
      g.layers[li].output = consumer.output
      g.layers[li].opTypes += consumer.opTypes
      g.layers.remove(at: ci)
      return true
    }
    return false
  }
}

// MARK: - Conv

extension Fusion {
  /// Values of one output channel of a Conv output with `channels` × `positions` elements, read
  /// through `value(i)` for element i (element order is the Conv's, whatever alias the consumer
  /// sees). Nil unless the values are the same within each channel.
  static func perChannel(channels: Int, positions: Int, _ value: (Int) -> Float) -> [Float]? {
    var vec = [Float](repeating: 0, count: channels)
    for ch in 0..<channels {
      let v = value(ch * positions)
      for p in 1..<max(positions, 1) where value(ch * positions + p).bitPattern != v.bitPattern { return nil }
      vec[ch] = v
    }
    return vec
  }

  /// A constant operand broadcast over `view` (per-sample dims of the other operand), per
  /// channel; nil if it would enlarge the view or differs within a channel.
  static func channelVector(_ c: Constant, view: [Int], channels: Int, positions: Int) -> [Float]? {
    let full = [1] + view
    guard Shapes.count(view) == channels * positions, c.dims.count <= full.count,
          Shapes.broadcast(c.dims, full) == full else { return nil }
    let strides = Shapes.broadcastStrides(c.dims, outShape: full)
    return perChannel(channels: channels, positions: positions) { i in
      var rem = i, off = 0
      for d in stride(from: full.count - 1, through: 0, by: -1) { off += rem % full[d] * strides[d]; rem /= full[d] }
      return Float(c.values[off])
    }
  }

  static func fuseConvOnce(_ g: inout LoweredGraph) -> Bool {
    var readers = [Int: [Int]]()
    for (li, l) in g.layers.enumerated() {
      for i in l.inputs { readers[g.root(i), default: []].append(li) }
    }
    let outputRoots = Set(g.outputs.map { g.root($0) })
    for (li, l) in g.layers.enumerated() {
      guard case .conv(var c) = l.op else { continue }
      let out = g.root(l.output)
      guard !outputRoots.contains(out), let r = readers[out], r.count == 1 else { continue }
      let ci = r[0]
      let consumer = g.layers[ci]
      let m = c.outChannels, positions = c.outH * c.outW, k = c.kernelSize
      var fused = false
      switch consumer.op {
      case .binary(let b) where c.activation == .identity && consumer.inputs.count == 2:
        guard let xi = consumer.inputs.firstIndex(where: { g.root($0) == out }),
              let cst = g.values[consumer.inputs[1 - xi]].constant else { break }
        let view = g.values[consumer.inputs[xi]].shape
        guard b.shape == view, let vec = channelVector(cst, view: view, channels: m, positions: positions) else { break }
        var bias = c.bias ?? [Float](repeating: 0, count: m)
        switch (b.op, xi == 0) {
        case (.add, _): for j in 0..<m { bias[j] += vec[j] }; fused = true
        case (.sub, true): for j in 0..<m { bias[j] -= vec[j] }; fused = true
        case (.mul, _):
          for j in 0..<m { for i in 0..<k { c.weights[j * k + i] *= vec[j] } }
          if c.bias != nil { for j in 0..<m { bias[j] *= vec[j] } }
          fused = true
        default: break
        }
        if fused { c.bias = (b.op == .mul && c.bias == nil) ? nil : bias }
      case .channelAffine(let a) where c.activation == .identity:
        guard a.channels * a.inner == m * positions,
              let s = perChannel(channels: m, positions: positions, { a.scale[($0 / a.inner) % a.channels] }),
              let t = perChannel(channels: m, positions: positions, { a.bias[($0 / a.inner) % a.channels] }) else { break }
        var bias = c.bias ?? [Float](repeating: 0, count: m)
        for j in 0..<m {
          for i in 0..<k { c.weights[j * k + i] *= s[j] }
          bias[j] = bias[j] * s[j] + t[j]
        }
        c.bias = bias
        fused = true
      case .activation(let act) where c.activation == .identity:
        c.activation = act
        fused = true
      case .activation(.relu) where c.activation == .relu:
        fused = true     // relu(relu(x)) = relu(x)
      default:
        break
      }
      guard fused else { continue }
      g.layers[li].op = .conv(c)
      g.layers[li].output = consumer.output
      g.layers[li].opTypes += consumer.opTypes
      g.layers.remove(at: ci)
      return true
    }
    return false
  }

  /// Pad(x, value +0, spatial axes only) → Conv becomes Conv(x) with the pads added to its own.
  static func fusePadIntoConv(_ g: inout LoweredGraph) -> Bool {
    var readers = [Int: [Int]]()
    for (li, l) in g.layers.enumerated() {
      for i in l.inputs { readers[g.root(i), default: []].append(li) }
    }
    let outputRoots = Set(g.outputs.map { g.root($0) })
    for (li, l) in g.layers.enumerated() {
      guard case .pad(let p) = l.op, p.value.bitPattern == 0, p.begin[0] == 0, p.end[0] == 0 else { continue }
      let out = g.root(l.output)
      guard !outputRoots.contains(out), let r = readers[out], r.count == 1 else { continue }
      let ci = r[0]
      guard case .conv(var c) = g.layers[ci].op, g.layers[ci].inputs == [l.output], p.inShape.count == c.spatialRank + 1 else { continue }
      if c.spatialRank == 1 {
        c.inW = p.inShape[1]; c.padLeft += p.begin[1]; c.padRight += p.end[1]
      } else {
        c.inH = p.inShape[1]; c.padTop += p.begin[1]; c.padBottom += p.end[1]
        c.inW = p.inShape[2]; c.padLeft += p.begin[2]; c.padRight += p.end[2]
      }
      g.layers[ci].op = .conv(c)
      g.layers[ci].inputs = l.inputs
      g.layers[ci].opTypes = l.opTypes + g.layers[ci].opTypes
      g.layers[ci].name = l.name + "+" + g.layers[ci].name
      g.layers.remove(at: li)
      return true
    }
    return false
  }
}
