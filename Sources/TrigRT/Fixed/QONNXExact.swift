/// Fixed mode for a QONNX model without a precision config: the model computed as qonnx's
/// `execute_onnx` computes it, with every Quant-produced tensor exact in fixed point.
///
/// qonnx runs a Quant as `clamp(round(x / 2^k)) · 2^k` in float32 and every other op in float32
/// (through ONNX Runtime). trigrt follows the same graph with two domains:
///  - fixed: a Quant's output has the quantiser's ap_fixed format (Kernels/Ops/Quant.swift);
///    MatMul with Quant-quantised weights, the Add of a quantised bias, ReLU, and merges of
///    fixed tensors stay fixed with formats wide enough never to lose a bit (the exact value
///    of what qonnx computes in float32 whenever float32 holds it exactly);
///  - float32: everything else (softmax, sigmoid, BatchNormalization, a Mul or Add by an
///    unquantised constant, …) runs with the float kernels, as qonnx does; a Quant brings a
///    float tensor back into fixed point by quantising its float32 value.
/// Formats wider than 64 bits, and quantisers with no ap_fixed counterpart (non-power-of-two
/// scales, non-zero zero points, bipolar, unsigned narrow), are refused with the reason.
import FixedPoint

enum QONNXExact {
  struct Result {
    var layers: [Layer]
    var values: [Value]
    var formats: [Int: FixedFormat]
    var notes: [String]
  }

  static func build(_ g: LoweredGraph, source: String, limits: Limits = Limits()) throws(TrigRTError) -> Result {
    var values = g.values
    var formats: [Int: FixedFormat] = [:]
    var layers: [Layer] = []
    var notes: [String] = []
    func fail(_ l: Layer, _ m: String) -> TrigRTError {
      TrigRTError(.unsupported, "\(source): fixed mode (QONNX, no precision config): \(l.name): \(m)")
    }
    func root(_ v: Int) -> Int {
      var v = v
      while let a = values[v].aliasOf { v = a }
      return v
    }
    func format(_ v: Int) -> FixedFormat? { formats[root(v)] }
    func newValue(like v: Int, _ suffix: String) -> Int {
      values.append(Value(name: values[v].name + suffix, shape: values[v].shape, isBatched: true, constant: nil, aliasOf: nil))
      return values.count - 1
    }
    /// A float32 view of value v (inserting a conversion when v is fixed).
    var floatViews: [Int: Int] = [:]
    func asFloat(_ v: Int, _ l: Layer) -> Int {
      let r = root(v)
      guard let f = formats[r] else { return v }
      if let existing = floatViews[r] { return existing }
      let out = newValue(like: v, "_f32")
      var h = HLSLayer(name: l.name + " (to float32)", configKey: "", className: "ToFloat", op: .toFloat, inputs: [v], output: out)
      h.resolved["result"] = f
      layers.append(Layer(name: h.name, opTypes: ["ToFloat"], op: .hls(h), inputs: [v], output: out))
      floatViews[r] = out
      return out
    }
    func exact(_ e: ExactFormat, _ l: Layer) throws(TrigRTError) -> FixedFormat {
      guard let f = try? FixedFormat(kind: .apFixed, width: e.width, integerBits: e.integerBits, isSigned: e.isSigned,
                                     quantization: .trn, overflow: .wrap, saturationBits: 0), e.width <= 62 else {
        throw fail(l, "its exact result needs \(e) (more than 62 bits)")
      }
      return f
    }
    func fixedLayer(_ l: Layer, _ className: String, _ op: HLSOp, _ resolved: [String: FixedFormat], inputs: [Int]) {
      var h = HLSLayer(name: l.name, configKey: l.name, className: className, op: op, inputs: inputs, output: l.output)
      h.resolved = resolved
      formats[root(l.output)] = resolved["result"]
      layers.append(Layer(name: l.name, opTypes: l.opTypes, op: .hls(h), inputs: inputs, output: l.output, nodeIndex: l.nodeIndex))
    }
    func floatLayer(_ l: Layer) {
      var f = l
      f.inputs = l.inputs.map { asFloat($0, l) }
      layers.append(f)
    }

    for l in g.layers {
      let fx = l.inputs.first.flatMap { format($0) }
      switch l.op {
      case .quant(let q):
        let qf: FixedFormat
        switch q.format {
        case .success(let f): qf = f
        case .failure(let e):
          throw TrigRTError(.unsupported, "\(source): fixed mode (QONNX, no precision config): \(l.name) \(e.message.split(separator: ":").dropFirst(2).joined(separator: ":"))")
        }
        if let inF = fx {
          fixedLayer(l, "Quant", .activation(.identity), ["result": qf, "input": inF], inputs: l.inputs)
        } else {
          fixedLayer(l, "Quant", .quantizeFloat, ["result": qf], inputs: l.inputs)
        }
      case .dense(let d):
        guard let x = fx, let w = d.weightFormat, d.activation == .identity else { floatLayer(l); continue }
        let grow = Passes.ceilLog2(d.inFeatures)
        let product = ExactFormat.product(x.exact, w.exact)
        var accE = try! ExactFormat(width: product.width + grow, integerBits: product.integerBits + grow, isSigned: product.isSigned)
        var bias = [Double](repeating: 0, count: d.outFeatures)
        var biasFormat = try! FixedFormat(parsing: "ap_fixed<1,1>")
        if let b = d.bias {
          // Gemm's C: qonnx adds it inside the Gemm, in float32; it must be a quantised constant.
          guard let bf = d.biasFormat else { floatLayer(l); continue }
          bias = b.map { Double($0) }
          biasFormat = bf
          accE = .sum(accE, bf.exact)
        }
        let acc = try exact(accE, l)
        fixedLayer(l, "Dense", .dense(d, weights: d.weights.map { Double($0) }, bias: bias), ["weight": w, "bias": biasFormat, "accum": acc, "result": acc], inputs: l.inputs)
      case .binary(let b):
        let va = g.values[l.inputs[0]], vb = g.values[l.inputs[1]]
        if (b.op == .add || b.op == .sub), let x = fx, !va.isConstant, let c = vb.constant, let cf = c.quantFormat {
          let n = va.count
          guard c.count == n || c.count == 1 || c.dims.last == va.shape.last && c.count == (va.shape.last ?? 0) else { floatLayer(l); continue }
          let last = va.shape.last ?? 1
          // The ApplyAlpha holds a scale and bias per element: refused before it is built.
          guard n <= limits.maxConstantElements else {
            throw limits.weightError(source, "fixed mode: the ApplyAlpha of \(l.name), a scale and bias per element of \(va.shape),", elements: n)
          }
          let vals = (0..<n).map { c.count == 1 ? c.values[0] : (c.count == n ? c.values[$0] : c.values[$0 % last]) }
          let sum = b.op == .add ? ExactFormat.sum(x.exact, cf.exact) : ExactFormat.difference(x.exact, cf.exact)
          let unit = try! FixedFormat(parsing: "ap_uint<1>")
          fixedLayer(l, "ApplyAlpha", .normalize(scale: [Double](repeating: 1, count: n), bias: b.op == .add ? vals : vals.map { -$0 }),
                     ["scale": unit, "bias": cf, "result": try exact(sum, l)], inputs: [l.inputs[0]])
        } else if let x = format(l.inputs[0]), let y = format(l.inputs[1]), b.op != .div {
          let e: ExactFormat
          switch b.op {
          case .add: e = .sum(x.exact, y.exact)
          case .sub: e = .difference(x.exact, y.exact)
          default: e = .product(x.exact, y.exact)
          }
          let op: MergeFixedStep.Op = b.op == .add ? .add : (b.op == .sub ? .sub : .mul)
          fixedLayer(l, "Merge", .merge(op), ["result": try exact(e, l)], inputs: l.inputs)
        } else {
          floatLayer(l)
        }
      case .activation(.relu):
        guard let x = fx else { floatLayer(l); continue }
        fixedLayer(l, "Activation", .activation(.relu), ["result": x], inputs: l.inputs)
      case .concat(let c):
        let fs = l.inputs.map { format($0) }
        guard fs.allSatisfy({ $0 != nil }) else { floatLayer(l); continue }
        // A format that holds every input exactly.
        let fmts = fs.map { $0! }
        let f = fmts.map(\.fractionalBits).max()!, i = fmts.map { $0.integerBits + ($0.isSigned ? 0 : 1) }.max()!
        let signed = fmts.contains { $0.isSigned }
        let e = try! ExactFormat(width: i + f, integerBits: i, isSigned: signed || fmts.contains { !$0.isSigned } && signed)
        fixedLayer(l, "Concatenate", .concat(c), ["result": try exact(e, l)], inputs: l.inputs)
      case .copy, .hls:
        layers.append(l)
      default:
        floatLayer(l)
      }
    }
    for o in g.outputs where format(o) == nil {
      notes.append("output '\(values[o].name)' is computed in float32, as qonnx computes it")
    }
    return Result(layers: layers, values: values, formats: formats, notes: notes)
  }
}
