/// Fusions on the lowered graph. Float mode: a Dense layer absorbs a following bias Add/Sub, a
/// per-column Mul (or a BatchNormalization over its output features) while it has no activation,
/// and then one activation. Each fusion requires that the intermediate value has no other reader
/// and is not a graph output. The scale folding changes float rounding at the 1e-7 level; fixed
/// mode never uses these rules (its arithmetic follows hls4ml's layers instead).
enum Fusion {
  static func fuseFloat(_ g: inout LoweredGraph) {
    while fuseOnce(&g) {}
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
