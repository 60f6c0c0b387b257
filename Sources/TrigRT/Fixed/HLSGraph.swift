/// The layer graph hls4ml 1.3.0 builds from an ONNX / QONNX model and a precision config
/// (Vivado backend, io_parallel, Latency strategy), with every type resolved: which layers exist
/// (`Dense_MatMul_k` with a zero bias, `bn_Add_k` = x·1 + b, `bn_Sub_k`, `bn_Div_k` = x·(1/c),
/// activations, softmax, merges), which config entry each reads, and the effect of the
/// optimizer passes that change layers or types (QONNX Quant → weight/bias/result types,
/// bias-add fusion and linear-activation merging when a result is `auto`, removal of no-op
/// linear layers, `infer_precision_types`). firmware-sim/HLS4ML-FRONTEND.md documents the rules.
import FixedPoint

enum HLSOp {
  /// weights from the spec (float32 values as hls4ml holds them), bias values (zeros for a MatMul).
  case dense(DenseSpec, bias: [Double])
  /// nnet::normalize with per-element (n_filt = −1) scale and bias values.
  case normalize(scale: [Double], bias: [Double])
  /// BatchNormalization: per channel (dimension 1 of the ONNX tensor) scale and bias.
  case batchNorm(scale: [Double], bias: [Double], channels: Int, inner: Int)
  case activation(Activation)
  case softmax(SoftmaxSpec)
  case merge(MergeFixedStep.Op)
  case concat(ConcatSpec)
  /// QONNX fixed mode: a Quant of a float tensor (result = the quantiser's format).
  case quantizeFloat
  /// QONNX fixed mode: a fixed tensor handed to float32 ops.
  case toFloat
}

struct HLSLayer {
  var name: String
  /// The LayerName key whose entry applies (the cleaned ONNX node name).
  var configKey: String
  /// hls4ml's layer class (also the LayerType key).
  var className: String
  var op: HLSOp
  var inputs: [Int]
  var output: Int
  /// Requested types (config or QONNX), before `auto` resolution; missing keys take defaults.
  var requested: [String: PrecisionValue] = [:]
  /// Types fixed by QONNX Quant nodes (they win over the config).
  var fromQuant: [String: FixedFormat] = [:]
  var resolved: [String: FixedFormat] = [:]
  var tableSize = 1024
  var implementation = "stable"
  /// The quantiser of a QONNX activation Quant turned into a linear layer.
  var quantizer: FixedFormat? = nil
  var notes: [String] = []

  var isLinear: Bool { if case .activation(.identity) = op { return true } else { return false } }
}

struct HLSGraph {
  var layers: [HLSLayer]
  /// Format of every value (by storage root) once resolved.
  var formats: [Int: FixedFormat]
  var inputFormats: [FixedFormat]
  var values: [Value]
  var inputs: [Int]
  var outputs: [Int]
  var outputNames: [String]
  var notes: [String]
}

enum HLSGraphBuilder {
  static let defaultTable = try! FixedFormat(parsing: "ap_fixed<18,8>")
  static let defaultSoftmaxTable = try! FixedFormat(parsing: "ap_fixed<18,8,AP_RND,AP_SAT>")
  static let unitScale = try! FixedFormat(parsing: "ap_uint<1>")

  static func build(_ lowered: LoweredGraph, graph: Graph, config: PrecisionConfig, source: String) throws(TrigRTError) -> HLSGraph {
    let names = HLSNames.compute(graph, folded: lowered.foldedNodes)
    func fail(_ m: String) -> TrigRTError { TrigRTError(.unsupported, "\(source): fixed mode: \(m)") }
    // Every LayerName key must name something in the model.
    for (key, entry) in config.layerName.sorted(by: { $0.key < $1.key }) where !names.all.contains(key) {
      let known = names.nodes.values.flatMap { $0 }.sorted()
      throw TrigRTError(.precisionConfig, "\(config.source):\(entry.line): LayerName '\(key)' is not a layer of \(source) (its layers, as hls4ml names them: \(names.inputs.joined(separator: ", ")), \(known.joined(separator: ", ")))")
    }
    var values = lowered.values
    var g = HLSGraph(layers: [], formats: [:], inputFormats: [], values: [], inputs: lowered.inputs, outputs: lowered.outputs,
                     outputNames: lowered.outputNames, notes: [])
    func root(_ v: Int) -> Int {
      var v = v
      while let a = values[v].aliasOf { v = a }
      return v
    }
    func newValue(like v: Int) -> Int {
      values.append(Value(name: values[v].name + "_dense", shape: values[v].shape, isBatched: true, constant: nil, aliasOf: nil))
      return values.count - 1
    }
    func entry(_ key: String) -> LayerEntry? { config.layerName[key] }
    func requested(_ key: String, _ className: String, _ keys: [String]) -> [String: PrecisionValue] {
      var r: [String: PrecisionValue] = [:]
      for k in keys {
        if let v = entry(key)?.precision[k] ?? entry(key)?.precision[""] ?? config.layerType[className]?.precision[k]
            ?? config.layerType[className]?.precision[""] {
          r[k] = v
        }
      }
      return r
    }
    // The input layer.
    for (i, id) in lowered.inputs.enumerated() {
      let key = names.inputs[i]
      var f = config.defaultPrecision
      if case .format(let e)? = entry(key)?.precision["result"] ?? entry(key)?.precision[""] { f = e }
      g.inputFormats.append(f)
      g.formats[id] = f
    }
    for layer in lowered.layers {
      let keys = layer.nodeIndex.flatMap { names.nodes[$0] } ?? [layer.name]
      let key = keys[0]
      switch layer.op {
      case .dense(let d):
        if d.fromGemm && (d.alpha != 1 || d.beta != 1) {
          throw fail("\(layer.name): Gemm with alpha \(d.alpha), beta \(d.beta); hls4ml's GemmToMatMul preprocessing is checked for alpha = beta = 1 only")
        }
        var spec = d
        spec.bias = nil
        let out = d.fromGemm && d.bias != nil ? newValue(like: layer.output) : layer.output
        var l = HLSLayer(name: "Dense_" + key, configKey: key, className: "Dense",
                         op: .dense(spec, bias: [Double](repeating: 0, count: d.outFeatures)), inputs: [layer.inputs[0]], output: out)
        l.requested = requested(key, "Dense", ["weight", "bias", "accum", "result"])
        if let wf = d.weightFormat { l.fromQuant["weight"] = wf }
        g.layers.append(l)
        if d.fromGemm, let b = d.bias {
          let addKey = keys.count > 1 ? keys[1] : key + "_bias"
          var a = HLSLayer(name: "bn_" + addKey, configKey: addKey, className: "ApplyAlpha",
                           op: .normalize(scale: [Double](repeating: 1, count: b.count), bias: b.map { Double($0) }),
                           inputs: [out], output: layer.output)
          a.requested = requested(addKey, "ApplyAlpha", ["bias", "result"])
          a.fromQuant["scale"] = unitScale
          if let bf = d.biasFormat { a.fromQuant["bias"] = bf }
          g.layers.append(a)
        }
      case .binary(let b):
        let va = lowered.values[layer.inputs[0]], vb = lowered.values[layer.inputs[1]]
        if va.isConstant || vb.isConstant {
          let xIn = va.isConstant ? layer.inputs[1] : layer.inputs[0]
          guard let c = (va.isConstant ? va : vb).constant else { continue }
          let n = lowered.values[xIn].count
          let vals: [Double]
          if c.count == 1 { vals = [Double](repeating: c.values[0], count: n) }
          else if c.count == n { vals = c.values }
          else if let last = lowered.values[xIn].shape.last, c.count == last, c.dims.last == last, c.dims.dropLast().allSatisfy({ $0 == 1 }) {
            vals = (0..<n).map { c.values[$0 % last] }
          } else {
            throw fail("\(layer.name) (\(b.op.rawValue)): a constant of shape \(c.dims) against \(lowered.values[xIn].shape) is not an element-wise scale or bias")
          }
          if va.isConstant && (b.op == .sub || b.op == .div) {
            throw fail("\(layer.name): constant \(b.op.rawValue == "Sub" ? "minus" : "divided by") tensor has no hls4ml layer")
          }
          var l: HLSLayer
          switch b.op {
          case .add, .sub:
            let bias = b.op == .add ? vals : vals.map { -$0 }
            l = HLSLayer(name: "bn_" + key, configKey: key, className: "ApplyAlpha",
                         op: .normalize(scale: [Double](repeating: 1, count: n), bias: bias), inputs: [xIn], output: layer.output)
            l.requested = requested(key, "ApplyAlpha", ["bias", "result"])
            l.fromQuant["scale"] = unitScale
            if let qf = c.quantFormat { l.fromQuant["bias"] = qf }
          case .mul, .div:
            let scale = b.op == .mul ? vals.map { Double(Float($0)) } : vals.map { Double(Float(1) / Float($0)) }
            l = HLSLayer(name: "bn_" + key, configKey: key, className: "ApplyAlpha",
                         op: .normalize(scale: scale, bias: [Double](repeating: 0, count: n)), inputs: [xIn], output: layer.output)
            l.requested = requested(key, "ApplyAlpha", ["scale", "result"])
            l.fromQuant["bias"] = unitScale
            if let qf = c.quantFormat, b.op == .mul { l.fromQuant["scale"] = qf }
          }
          g.layers.append(l)
        } else {
          let op: MergeFixedStep.Op = b.op == .add ? .add : (b.op == .sub ? .sub : (b.op == .mul ? .mul : .average))
          guard b.op != .div else { throw fail("\(layer.name): Div of two tensors has no hls4ml layer") }
          var l = HLSLayer(name: key, configKey: key, className: "Merge", op: .merge(op), inputs: layer.inputs, output: layer.output)
          l.requested = requested(key, "Merge", ["result"])
          g.layers.append(l)
        }
      case .activation(let a):
        var l = HLSLayer(name: key, configKey: key, className: "Activation", op: .activation(a), inputs: layer.inputs, output: layer.output)
        l.requested = requested(key, "Activation", ["result"])
        if case .leakyRelu = a { l.requested.merge(requested(key, "LeakyReLU", ["param"])) { a, _ in a } }
        l.tableSize = entry(key)?.tableSize ?? config.layerType["Activation"]?.tableSize ?? 1024
        if let t = entry(key)?.typeKeys["table_t"] { l.requested["table"] = t }
        if entry(key)?.precision["table"] != nil { l.notes.append("Precision.table has no effect in hls4ml 1.3.0 (only a layer-level table_t does)") }
        g.layers.append(l)
      case .softmax(let s):
        var l = HLSLayer(name: key, configKey: key, className: "Softmax", op: .softmax(s), inputs: layer.inputs, output: layer.output)
        l.requested = requested(key, "Softmax", ["result", "accum"])
        let e = entry(key)
        for (k, name) in [("exp_table_t", "exp_table"), ("inv_table_t", "inv_table"), ("inv_inp_t", "inv_inp"), ("accum_t", "accum")] {
          if let t = e?.typeKeys[k] { l.requested[name] = t }
        }
        for k in ["exp_table", "inv_table", "inv_inp", "table"] where e?.precision[k] != nil {
          l.notes.append("Precision.\(k) has no effect in hls4ml 1.3.0 (only the layer-level \(k)_t key does)")
        }
        l.tableSize = e?.tableSize ?? config.layerType["Softmax"]?.tableSize ?? 1024
        l.implementation = e?.implementation ?? config.layerType["Softmax"]?.implementation ?? "stable"
        g.layers.append(l)
      case .channelAffine(let a):
        var l = HLSLayer(name: key, configKey: key, className: "BatchNormalization",
                         op: .batchNorm(scale: a.scale.map { Double($0) }, bias: a.bias.map { Double($0) }, channels: a.channels, inner: a.inner),
                         inputs: layer.inputs, output: layer.output)
        l.requested = requested(key, "BatchNormalization", ["scale", "bias", "result"])
        g.layers.append(l)
      case .concat(let c):
        var l = HLSLayer(name: key, configKey: key, className: "Concatenate", op: .concat(c), inputs: layer.inputs, output: layer.output)
        l.requested = requested(key, "Concatenate", ["result"])
        g.layers.append(l)
      case .quant(let q):
        let f: FixedFormat
        switch q.format {
        case .success(let x): f = x
        case .failure(let e): throw TrigRTError(.unsupported, "\(source): fixed mode: \(layer.name) \(e.message.split(separator: ":").dropFirst(2).joined(separator: ":"))")
        }
        guard q.rounding == "ROUND" || q.rounding == "HALF_EVEN" || q.rounding == "FLOOR" else {
          throw fail("\(layer.name): hls4ml 1.3.0 converts Quant with rounding_mode ROUND or FLOOR only, not \(q.rounding)")
        }
        var l = HLSLayer(name: key + "_act", configKey: key, className: "Activation", op: .activation(.identity),
                         inputs: layer.inputs, output: layer.output)
        l.quantizer = f
        l.fromQuant["result"] = f
        g.layers.append(l)
      case .conv, .pool, .transpose, .pad, .gather, .embedding, .reduce, .minMax, .cast:
        throw fail("\(layer.name) (\(layer.opTypes.joined(separator: " + "))): not supported in fixed mode yet (convolutions, pooling, Transpose, Pad, Resize, Gather, Reduce*, Max/Min and Cast run in float mode)")
      case .copy, .hls:
        break
      }
    }
    g.values = values
    try Passes.run(&g, config: config, source: source)
    return g
  }
}
