/// Graph → LoweredGraph: interprets each ONNX node (in file order, which ONNX requires to be
/// topological), checks its inputs, attributes and shapes, folds constants, and produces layers.
/// Everything that can be wrong with a model is found here or in the reader; the run path
/// checks nothing.

/// The supported ONNX operators (default domain). A test walks `allCases` and checks that each
/// has a lowering and a test.
enum OpKind: String, CaseIterable {
  case gemm = "Gemm"
  case matMul = "MatMul"
  case add = "Add"
  case sub = "Sub"
  case mul = "Mul"
  case div = "Div"
  case relu = "Relu"
  case leakyRelu = "LeakyRelu"
  case sigmoid = "Sigmoid"
  case tanh = "Tanh"
  case softmax = "Softmax"
  case clip = "Clip"
  case batchNormalization = "BatchNormalization"
  case identity = "Identity"
  case dropout = "Dropout"
  case flatten = "Flatten"
  case reshape = "Reshape"
  case concat = "Concat"
  case squeeze = "Squeeze"
  case unsqueeze = "Unsqueeze"
  case constant = "Constant"
  case conv = "Conv"
  case maxPool = "MaxPool"
  case averagePool = "AveragePool"
  case globalMaxPool = "GlobalMaxPool"
  case globalAveragePool = "GlobalAveragePool"
  case transpose = "Transpose"
  case pad = "Pad"
  case resize = "Resize"
  case upsample = "Upsample"
  case max = "Max"
  case min = "Min"
  case reduceSum = "ReduceSum"
  case reduceMean = "ReduceMean"
  case reduceMax = "ReduceMax"
  case gather = "Gather"
  case cast = "Cast"
  case shape = "Shape"

  func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    switch self {
    case .gemm: try Gemm.lower(node, &ctx)
    case .matMul: try MatMul.lower(node, &ctx)
    case .add: try Add.lower(node, &ctx)
    case .sub: try Sub.lower(node, &ctx)
    case .mul: try Mul.lower(node, &ctx)
    case .div: try Div.lower(node, &ctx)
    case .relu: try Relu.lower(node, &ctx)
    case .leakyRelu: try LeakyRelu.lower(node, &ctx)
    case .sigmoid: try Sigmoid.lower(node, &ctx)
    case .tanh: try Tanh.lower(node, &ctx)
    case .softmax: try Softmax.lower(node, &ctx)
    case .clip: try Clip.lower(node, &ctx)
    case .batchNormalization: try BatchNormalization.lower(node, &ctx)
    case .identity: try Identity.lower(node, &ctx)
    case .dropout: try Dropout.lower(node, &ctx)
    case .flatten: try Flatten.lower(node, &ctx)
    case .reshape: try Reshape.lower(node, &ctx)
    case .concat: try Concat.lower(node, &ctx)
    case .squeeze: try Squeeze.lower(node, &ctx)
    case .unsqueeze: try Unsqueeze.lower(node, &ctx)
    case .constant: try ConstantOp.lower(node, &ctx)
    case .conv: try Conv.lower(node, &ctx)
    case .maxPool: try MaxPool.lower(node, &ctx)
    case .averagePool: try AveragePool.lower(node, &ctx)
    case .globalMaxPool: try GlobalMaxPool.lower(node, &ctx)
    case .globalAveragePool: try GlobalAveragePool.lower(node, &ctx)
    case .transpose: try Transpose.lower(node, &ctx)
    case .pad: try Pad.lower(node, &ctx)
    case .resize: try Resize.lower(upsample: false, node, &ctx)
    case .upsample: try Upsample.lower(node, &ctx)
    case .max: try Max.lower(node, &ctx)
    case .min: try Min.lower(node, &ctx)
    case .reduceSum: try ReduceSum.lower(node, &ctx)
    case .reduceMean: try ReduceMean.lower(node, &ctx)
    case .reduceMax: try ReduceMax.lower(node, &ctx)
    case .gather: try Gather.lower(node, &ctx)
    case .cast: try Cast.lower(node, &ctx)
    case .shape: try ShapeOp.lower(node, &ctx)
    }
  }
}

/// Lowest and highest default-domain opset trigrt reads.
let supportedOpsets = 9...21

struct LoweringContext {
  let source: String
  let opset: Int
  var limits = Limits()
  /// Elements of every constant value so far (initialisers and folded), against the weight cap.
  var constantElements = 0
  /// The first node (label) that outputs each name, for the message about a cycle.
  var producers: [String: String] = [:]
  var values: [Value] = []
  var layers: [Layer] = []
  var byName: [String: Int] = [:]
  var inputs: [Int] = []
  var folded: Set<Int> = []

  init(source: String, opset: Int) {
    self.source = source
    self.opset = opset
  }

  func fail(_ code: Status, _ node: Node, _ message: String) -> TrigRTError {
    TrigRTError(code, "\(source): \(node.label): \(message)")
  }

  mutating func add(_ v: Value) -> Int {
    values.append(v)
    return values.count - 1
  }

  /// Binds an output name of `node` to a value; each name may be produced once.
  mutating func define(_ name: String, _ v: Value, by node: Node) throws(TrigRTError) {
    guard !name.isEmpty else { throw fail(.malformed, node, "has an output without a name") }
    guard byName[name] == nil else { throw fail(.malformed, node, "output '\(name)' is already produced by another node or is a graph input") }
    var v = v
    v.name = name
    byName[name] = add(v)
  }

  /// Input `i` of `node`; fails if it is missing or not produced by an earlier node.
  func input(_ node: Node, _ i: Int, _ role: String) throws(TrigRTError) -> Int {
    guard i < node.inputs.count, !node.inputs[i].isEmpty else {
      throw fail(.malformed, node, "input \(i) (\(role)) is missing")
    }
    guard let id = byName[node.inputs[i]] else {
      if let p = producers[node.inputs[i]] {
        throw fail(.malformed, node, "input '\(node.inputs[i])' is produced by \(p), which is not earlier in the graph: the graph has a cycle or is not in topological order")
      }
      throw fail(.malformed, node, "input '\(node.inputs[i])' is not a graph input, an initialiser or the output of an earlier node")
    }
    return id
  }

  func isConstant(_ node: Node, _ i: Int) throws(TrigRTError) -> Bool {
    values[try input(node, i, "input \(i)")].isConstant
  }

  func optionalInput(_ node: Node, _ i: Int, _ role: String) throws(TrigRTError) -> Int? {
    guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
    return try input(node, i, role)
  }

  /// Input `i` as a constant; fails with `unsupported` if it is computed at run time.
  func constantInput(_ node: Node, _ i: Int, _ role: String) throws(TrigRTError) -> Constant {
    let id = try input(node, i, role)
    guard let c = values[id].constant else {
      throw fail(.unsupported, node, "input \(i) (\(role), '\(node.inputs[i])') must be a constant (an initialiser or Constant node); computed \(role) is not supported")
    }
    return c
  }

  func optionalConstantInput(_ node: Node, _ i: Int, _ role: String) throws(TrigRTError) -> Constant? {
    guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
    return try constantInput(node, i, role)
  }

  /// Input `i` as a batched (run-time) value. A constant here is the file's choice (an op
  /// without a load-time folding rule, or a constant beside a computed optional input), not a
  /// bug: `.unsupported`.
  func batchedInput(_ node: Node, _ i: Int, _ role: String) throws(TrigRTError) -> Int {
    let id = try input(node, i, role)
    guard values[id].isBatched else {
      throw fail(.unsupported, node, "input \(i) (\(role), '\(node.inputs[i])') is a constant; trigrt evaluates \(node.opType) on run-time values only (its constant inputs are not folded at load time)")
    }
    return id
  }

  /// Checks input and output counts against the operator's arity.
  func arity(_ node: Node, inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1) throws(TrigRTError) {
    guard inputs.contains(node.inputs.count) else {
      throw fail(.malformed, node, "has \(node.inputs.count) inputs; \(node.opType) takes \(inputs.lowerBound == inputs.upperBound ? "\(inputs.lowerBound)" : "\(inputs.lowerBound) to \(inputs.upperBound)")")
    }
    guard outputs.contains(node.outputs.count) else {
      throw fail(.malformed, node, "has \(node.outputs.count) outputs; \(node.opType) produces \(outputs.lowerBound == outputs.upperBound ? "\(outputs.lowerBound)" : "\(outputs.lowerBound) to \(outputs.upperBound)")")
    }
  }

  /// Rejects attributes the operator does not define or trigrt does not read.
  func attributes(_ node: Node, allowed: Set<String>) throws(TrigRTError) {
    for name in node.attributes.keys.sorted() where !allowed.contains(name) {
      throw fail(.unsupported, node, "attribute '\(name)' is not supported")
    }
  }

  func int(_ node: Node, _ name: String, default d: Int) throws(TrigRTError) -> Int {
    guard let a = node.attributes[name] else { return d }
    guard case .int(let v) = a else { throw fail(.malformed, node, "attribute '\(name)' should be an int, not \(a.typeName)") }
    return v
  }

  func float(_ node: Node, _ name: String, default d: Float) throws(TrigRTError) -> Float {
    guard let a = node.attributes[name] else { return d }
    switch a {
    case .float(let v): return v
    case .int(let v): return Float(v)
    default: throw fail(.malformed, node, "attribute '\(name)' should be a float, not \(a.typeName)")
    }
  }

  func ints(_ node: Node, _ name: String) throws(TrigRTError) -> [Int]? {
    guard let a = node.attributes[name] else { return nil }
    guard case .ints(let v) = a else { throw fail(.malformed, node, "attribute '\(name)' should be a list of ints, not \(a.typeName)") }
    return v
  }

  /// Normalises an axis into 0..<rank.
  func axis(_ node: Node, _ axis: Int, rank: Int) throws(TrigRTError) -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a < rank else { throw fail(.malformed, node, "axis \(axis) is out of range for rank \(rank)") }
    return a
  }

  /// Full dims of a value (batch dimension shown as "N").
  func describe(_ id: Int) -> String {
    let v = values[id]
    return v.isBatched ? "[N" + v.shape.map { ", \($0)" }.joined() + "]" : "\(v.shape)"
  }

  /// Records a layer computing `output` from `inputs`.
  mutating func layer(_ node: Node, _ op: LayerOp, inputs: [Int], outputShape: [Int]) throws(TrigRTError) {
    try checkSize(node, outputShape)
    try define(node.outputs[0], Value(name: "", shape: outputShape, isBatched: true, constant: nil, aliasOf: nil), by: node)
    layers.append(Layer(name: node.name.isEmpty ? "#\(node.index)" : node.name, opTypes: [node.opType], op: op,
                        inputs: inputs, output: byName[node.outputs[0]]!, nodeIndex: node.index))
  }

  /// Records a shape-only alias of `input`.
  mutating func alias(_ node: Node, of input: Int, shape: [Int]) throws(TrigRTError) {
    try checkSize(node, shape)
    try define(node.outputs[0], Value(name: "", shape: shape, isBatched: true, constant: nil, aliasOf: input), by: node)
  }

  /// Fails with `.limit` unless `elements` more constant elements fit the weight cap. Folding
  /// calls it before computing a result that can be larger than its inputs (broadcasting).
  func checkConstantBudget(_ node: Node, adding elements: Int) throws(TrigRTError) {
    let (t, o) = constantElements.addingReportingOverflow(elements)
    guard !o, t <= limits.maxConstantElements else {
      throw limits.weightError(source, "\(node.label): the model's constants with this folded result", elements: o ? Int.max : t)
    }
  }

  /// Refuses, before it is built, a plan-time index table of `elements` entries (a gather's
  /// sources, a reduction's targets) larger than the weight cap: the plan stores it with the weights.
  func checkTable(_ node: Node, _ what: String, elements: Int) throws(TrigRTError) {
    guard elements > limits.maxConstantElements else { return }
    throw limits.weightError(source, "\(node.label): \(what)", elements: elements)
  }

  /// `checkConstantBudget` for a folded result of `shape`, before it is computed.
  func checkFoldedShape(_ node: Node, _ shape: [Int]) throws(TrigRTError) {
    guard let n = Shapes.checkedCount(shape) else { throw fail(.limit, node, "folded result \(shape) has more than 2^31 elements") }
    try checkConstantBudget(node, adding: n)
  }

  /// Records a folded constant output.
  mutating func constant(_ node: Node, _ c: Constant) throws(TrigRTError) {
    try checkConstantBudget(node, adding: c.count)
    constantElements += c.count
    try define(node.outputs[0], Value(name: "", shape: c.dims, isBatched: false, constant: c, aliasOf: nil), by: node)
  }

  func checkSize(_ node: Node, _ shape: [Int]) throws(TrigRTError) {
    var n = 1
    for d in shape {
      guard d >= 0 else { throw fail(.shape, node, "negative output dimension in \(shape)") }
      let (p, o) = n.multipliedReportingOverflow(by: d)
      guard !o, p <= ONNXReader.maxElements else { throw fail(.limit, node, "output \(shape) has more than 2^31 elements per sample") }
      n = p
    }
    guard n > 0 else { throw fail(.unsupported, node, "output \(shape) is empty (a zero dimension)") }
  }
}

enum Lowering {
  /// Lowers a graph. `domains` are the custom domains whose ops a later stage handles (QONNX);
  /// in float mode they are none.
  static func lower(_ g: Graph, source: String, limits: Limits = Limits()) throws(TrigRTError) -> LoweredGraph {
    guard supportedOpsets.contains(g.opset) else {
      throw TrigRTError(.unsupported, "\(source): default-domain opset \(g.opset) is not supported; trigrt supports opsets \(supportedOpsets.lowerBound) to \(supportedOpsets.upperBound)")
    }
    var ctx = LoweringContext(source: source, opset: g.opset)
    ctx.limits = limits
    guard !g.inputs.isEmpty else { throw TrigRTError(.malformed, "\(source): the graph has no inputs") }
    for info in g.inputs {
      guard let dims = info.dims else {
        throw TrigRTError(.shape, "\(source): graph input '\(info.name)' has no shape; trigrt needs each input's shape (the batch dimension may be symbolic)")
      }
      // Integer inputs (embedding indices) are passed as float values, exact to 2^24.
      let readable: Set<Int32> = [DataType.float.rawValue, DataType.int32.rawValue, DataType.int64.rawValue]
      if let t = info.elementType, !readable.contains(t) {
        throw TrigRTError(.unsupported, "\(source): graph input '\(info.name)' has element type \(DataType.name(ofCode: t)); trigrt inputs are float tensors (int32 and int64 inputs are passed as float values)")
      }
      guard dims.count >= 1 else {
        throw TrigRTError(.shape, "\(source): graph input '\(info.name)' is a scalar; trigrt expects a leading batch dimension")
      }
      var sample: [Int] = []
      for (i, d) in dims.enumerated().dropFirst() {
        guard case .value(let v) = d else {
          throw TrigRTError(.shape, "\(source): graph input '\(info.name)' has a symbolic or unknown dimension \(i); only the first (batch) dimension may be symbolic")
        }
        guard v > 0 else { throw TrigRTError(.shape, "\(source): graph input '\(info.name)' has dimension \(i) of size 0") }
        sample.append(v)
      }
      guard Shapes.checkedCount(sample) != nil else {
        throw TrigRTError(.limit, "\(source): graph input '\(info.name)' has \(sample) elements per sample, more than 2^31")
      }
      if case .value(let b) = dims[0], b == 0 {
        throw TrigRTError(.shape, "\(source): graph input '\(info.name)' declares batch dimension 0")
      }
      let id = ctx.add(Value(name: info.name, shape: sample, isBatched: true, constant: nil, aliasOf: nil))
      guard ctx.byName[info.name] == nil else { throw TrigRTError(.malformed, "\(source): graph input '\(info.name)' is declared twice") }
      ctx.byName[info.name] = id
      ctx.inputs.append(id)
    }
    for (name, c) in g.initializers.sorted(by: { $0.key < $1.key }) where ctx.byName[name] == nil {
      ctx.byName[name] = ctx.add(Value(name: name, shape: c.dims, isBatched: false, constant: c, aliasOf: nil))
      ctx.constantElements += c.count   // the reader kept their sum within the cap
    }
    for node in g.nodes {
      for o in node.outputs where !o.isEmpty && ctx.producers[o] == nil { ctx.producers[o] = node.label }
    }
    for node in g.nodes {
      let domain = node.domain
      if qonnxDomains.contains(domain) {
        guard node.opType == "Quant" || node.opType == "BipolarQuant" else {
          throw TrigRTError(.unsupported, "\(source): unsupported operator '\(domain).\(node.opType)' at \(node.label) (trigrt reads the QONNX ops Quant and BipolarQuant)")
        }
        if try ctx.isConstant(node, 0) {
          try ctx.constant(node, try QuantSpecReader.fold(node, &ctx))
          ctx.folded.insert(node.index)
        } else if node.opType == "Quant" {
          try Quant.lower(node, &ctx)
        } else {
          try BipolarQuant.lower(node, &ctx)
        }
        continue
      }
      if domain == "qonnx.custom_op.channels_last" {
        try ChannelsLast.lower(node, &ctx)
        continue
      }
      guard domain == "" || domain == "ai.onnx" else {
        throw TrigRTError(.unsupported, "\(source): unsupported operator '\(domain).\(node.opType)' at \(node.label)")
      }
      guard let kind = OpKind(rawValue: node.opType) else {
        throw TrigRTError(.unsupported, "\(source): unsupported operator '\(node.opType)' at \(node.label)")
      }
      if kind != .constant, node.outputs.isEmpty { throw ctx.fail(.malformed, node, "has no outputs") }
      // All-constant inputs: fold, for ops that have a folding rule; the layer is never run.
      if kind != .constant, !node.inputs.isEmpty,
         node.inputs.allSatisfy({ $0.isEmpty || (ctx.byName[$0].map { ctx.values[$0].isConstant } ?? false) }),
         let folded = try ConstantFolding.fold(kind, node, &ctx) {
        try ctx.constant(node, folded)
        ctx.folded.insert(node.index)
        continue
      }
      if kind == .constant { ctx.folded.insert(node.index) }
      try kind.lower(node, &ctx)
    }
    var outputs: [Int] = []
    for o in g.outputs {
      guard let id = ctx.byName[o.name] else {
        throw TrigRTError(.malformed, "\(source): graph output '\(o.name)' is not produced by any node")
      }
      guard ctx.values[id].isBatched else {
        throw TrigRTError(.unsupported, "\(source): graph output '\(o.name)' is a constant; trigrt computes outputs from inputs")
      }
      outputs.append(id)
    }
    return LoweredGraph(values: ctx.values, layers: ctx.layers, inputs: ctx.inputs, outputs: outputs,
                        outputNames: g.outputs.map(\.name), foldedNodes: ctx.folded)
  }
}
