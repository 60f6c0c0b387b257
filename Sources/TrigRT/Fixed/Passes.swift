/// hls4ml 1.3.0's optimizer passes that change the layer graph or its types, in the order its
/// flows run them, and the final type resolution (`infer_precision_types` for `auto`, model
/// defaults for everything unset).
import FixedPoint

enum Passes {
  static func run(_ g: inout HLSGraph, config: PrecisionConfig, source: String) throws(TrigRTError) {
    fuseBiasIntoDense(&g)
    mergeLinearActivation(&g)
    try resolve(&g, config: config, source: source)
    eliminateLinearActivation(&g)
  }

  static func isAuto(_ l: HLSLayer, _ key: String) -> Bool {
    l.fromQuant[key] == nil && l.requested[key] == .auto
  }

  /// Index of the layer producing value `v` (through aliases), if any.
  static func producer(_ g: HLSGraph, of v: Int) -> Int? {
    let r = root(g, v)
    return g.layers.lastIndex { root(g, $0.output) == r }
  }

  static func root(_ g: HLSGraph, _ v: Int) -> Int {
    var v = v
    while let a = g.values[v].aliasOf { v = a }
    return v
  }

  static func readers(_ g: HLSGraph, of v: Int) -> Int {
    let r = root(g, v)
    return g.layers.filter { $0.inputs.contains { root(g, $0) == r } }.count + g.outputs.filter { root(g, $0) == r }.count
  }

  /// A bias ApplyAlpha (x·1 + b) right after a Dense whose result is `auto` becomes the
  /// Dense's bias (hls4ml folds it when the Dense's precision is unspecified).
  static func fuseBiasIntoDense(_ g: inout HLSGraph) {
    var i = 0
    while i < g.layers.count {
      let l = g.layers[i]
      if case .normalize(let scale, let bias) = l.op, scale.allSatisfy({ $0 == 1 }), l.fromQuant["scale"] == HLSGraphBuilder.unitScale,
         let p = producer(g, of: l.inputs[0]), case .dense(let d, _) = g.layers[p].op, isAuto(g.layers[p], "result"),
         readers(g, of: l.inputs[0]) == 1 {
        g.layers[p].op = .dense(d, bias: bias)
        if let bf = l.fromQuant["bias"] { g.layers[p].fromQuant["bias"] = bf } else if let bv = l.requested["bias"] { g.layers[p].requested["bias"] = bv }
        g.layers[p].output = l.output
        g.layers[p].notes.append("\(l.name) fused into this layer (its result is auto)")
        g.layers.remove(at: i)
        continue
      }
      i += 1
    }
  }

  /// A QONNX linear layer after a Dense / BatchNormalization / Activation whose result is
  /// `auto` gives that layer its quantiser type and disappears.
  static func mergeLinearActivation(_ g: inout HLSGraph) {
    var i = 0
    while i < g.layers.count {
      let l = g.layers[i]
      if let q = l.quantizer, let p = producer(g, of: l.inputs[0]), ["Dense", "BatchNormalization", "Activation", "ApplyAlpha"].contains(g.layers[p].className),
         isAuto(g.layers[p], "result"), readers(g, of: l.inputs[0]) == 1 {
        g.layers[p].fromQuant["result"] = q
        g.layers[p].output = l.output
        g.layers[p].notes.append("\(l.name) merged into this layer (its result is auto)")
        g.layers.remove(at: i)
        continue
      }
      i += 1
    }
  }

  /// A linear layer whose input type equals its result type does nothing and is removed.
  static func eliminateLinearActivation(_ g: inout HLSGraph) {
    var i = 0
    while i < g.layers.count {
      let l = g.layers[i]
      if l.isLinear, let out = l.resolved["result"], let inF = g.formats[root(g, l.inputs[0])], inF == out,
         !g.outputs.contains(where: { root(g, $0) == root(g, l.output) }) {
        // Readers of the linear's output read its input instead.
        let from = l.output, to = l.inputs[0]
        for j in g.layers.indices {
          g.layers[j].inputs = g.layers[j].inputs.map { root(g, $0) == root(g, from) ? to : $0 }
        }
        g.layers.remove(at: i)
        continue
      }
      i += 1
    }
  }

  static func ceilLog2(_ n: Int) -> Int {
    var b = 0
    while (1 << b) < n { b += 1 }
    return b
  }

  /// Resolves every type of every layer in order, so `auto` sees its inputs' types.
  static func resolve(_ g: inout HLSGraph, config: PrecisionConfig, source: String) throws(TrigRTError) {
    let def = config.defaultPrecision
    for i in g.layers.indices {
      var l = g.layers[i]
      func pick(_ key: String, default d: FixedFormat) -> FixedFormat {
        if let q = l.fromQuant[key] { return q }
        if case .format(let f)? = l.requested[key] { return f }
        return d
      }
      guard let inF = g.formats[root(g, l.inputs[0])] else {
        throw TrigRTError(.internal, "\(source): fixed mode: the input type of \(l.name) is unknown")
      }
      switch l.op {
      case .dense(let d, let bias):
        let w = pick("weight", default: def), b = pick("bias", default: def)
        l.resolved["weight"] = w
        l.resolved["bias"] = b
        var accum = pick("accum", default: def)
        var result = pick("result", default: def)
        if isAuto(l, "accum") || isAuto(l, "result") {
          let lossless = try losslessDense(input: inF, weight: w, bias: b, hasBias: true, nIn: d.inFeatures, maximum: config.maximum, source: source)
          if isAuto(l, "accum") { accum = lossless }
          if isAuto(l, "result") { result = isAuto(l, "accum") ? lossless : accum }
        }
        _ = bias
        l.resolved["accum"] = accum
        l.resolved["result"] = result
      case .normalize:
        l.resolved["scale"] = pick("scale", default: def)
        l.resolved["bias"] = pick("bias", default: def)
        l.resolved["result"] = pick("result", default: def)
      case .batchNorm:
        l.resolved["scale"] = pick("scale", default: def)
        l.resolved["bias"] = pick("bias", default: def)
        l.resolved["result"] = pick("result", default: def)
      case .activation(let a):
        l.resolved["result"] = pick("result", default: def)
        if a == .sigmoid || a == .tanh { l.resolved["table"] = pick("table", default: HLSGraphBuilder.defaultTable) }
        if case .leakyRelu = a { l.resolved["param"] = pick("param", default: def) }
      case .softmax:
        l.resolved["result"] = pick("result", default: def)
        l.resolved["exp_table"] = pick("exp_table", default: HLSGraphBuilder.defaultSoftmaxTable)
        l.resolved["inv_table"] = pick("inv_table", default: HLSGraphBuilder.defaultSoftmaxTable)
        l.resolved["inv_inp"] = pick("inv_inp", default: HLSGraphBuilder.defaultSoftmaxTable)
        l.resolved["accum"] = pick("accum", default: def)
        if l.implementation == "legacy" { l.resolved["table"] = HLSGraphBuilder.defaultTable }
      case .merge, .concat:
        l.resolved["result"] = pick("result", default: def)
      case .quantizeFloat, .toFloat:
        break   // QONNX fixed mode only (Fixed/QONNXExact.swift resolves its own types)
      }
      g.formats[root(g, l.output)] = l.resolved["result"]!
      g.layers[i] = l
    }
  }

  /// `infer_precision_types` for a Dense accumulator: lossless for n_in products plus the bias.
  static func losslessDense(input x: FixedFormat, weight w: FixedFormat, bias b: FixedFormat, hasBias: Bool, nIn: Int,
                            maximum: FixedFormat?, source: String) throws(TrigRTError) -> FixedFormat {
    let grow = ceilLog2(nIn)
    var width = x.width + w.width + grow
    var integer = x.integerBits + w.integerBits + grow
    let signed = x.isSigned || w.isSigned
    if hasBias {
      let frac = max(width - integer, b.fractionalBits)
      integer = max(integer, b.integerBits + (b.isSigned || !signed ? 0 : 1)) + 1
      width = integer + frac
    }
    if let m = maximum {
      width = min(width, m.width)
      integer = min(integer, m.integerBits)
    }
    do {
      return try FixedFormat(kind: .apFixed, width: width, integerBits: integer, isSigned: signed, quantization: .trn, overflow: .wrap, saturationBits: 0)
    } catch {
      throw TrigRTError(.unsupported, "\(source): fixed mode: the lossless accumulator ap_fixed<\(width),\(integer)> is wider than 64 bits")
    }
  }
}
