/// The layer graph hls4ml 1.3.0 builds from an ONNX / QONNX model and a precision config
/// (Vivado backend, io_parallel, Latency strategy), reproduced as hls4ml builds it:
/// firmware-sim/HLS4ML-FRONTEND.md.
///
/// 1. `HLSPreprocess` (HLSNames.swift) turns the export into the cleaned graph (§1).
/// 2. `HLSModel.parse` makes hls4ml's layer list: Input, one Constant per initialiser, one layer
///    per node (§2), each created the way `Layer.__init__` creates it: accumulator type, then the
///    layer-level config keys, then the class's own initialisation, then defaults (§4).
/// 3. `Passes.run` (Passes.swift) applies the optimizer flows under hls4ml's restart rule (§5)
///    and resolves `auto` (§6).
/// 4. The result is described (`HLSFrontendResult`, what the type oracle records) and turned into
///    trigrt's `HLSLayer`s for `FixedPlanner`; a layer trigrt has no kernel for is refused there.
import FixedPoint

// MARK: numpy arrays

/// The numpy dtypes hls4ml's arithmetic on weights goes through (§7.1).
enum NPType: Int, Comparable {
  case bool, i8, u8, i16, u16, i32, u32, i64, u64, f32, f64

  static func < (a: NPType, b: NPType) -> Bool { a.rawValue < b.rawValue }
  var isFloat: Bool { self == .f32 || self == .f64 }
  var isSignedInt: Bool { [.i8, .i16, .i32, .i64].contains(self) }
  var bits: Int {
    switch self {
    case .bool, .i8, .u8: return 8
    case .i16, .u16: return 16
    case .i32, .u32, .f32: return 32
    case .i64, .u64, .f64: return 64
    }
  }

  static func of(_ t: DataType) -> NPType? {
    switch t {
    case .float: return .f32
    case .double: return .f64
    case .int64: return .i64
    case .int32: return .i32
    case .int16: return .i16
    case .int8: return .i8
    case .uint8: return .u8
    case .uint16: return .u16
    case .uint32: return .u32
    case .uint64: return .u64
    case .bool: return .bool
    case .float16: return nil
    }
  }

  /// numpy's promotion of two array dtypes.
  static func promote(_ a: NPType, _ b: NPType) -> NPType {
    if a == b { return a }
    if a == .bool { return b }
    if b == .bool { return a }
    if a.isFloat && b.isFloat { return max(a, b) }
    if a.isFloat || b.isFloat {
      let (f, i) = a.isFloat ? (a, b) : (b, a)
      return i.bits <= 16 ? f : .f64
    }
    if a.isSignedInt == b.isSignedInt { return a.bits >= b.bits ? a : b }
    let (s, u) = a.isSignedInt ? (a, b) : (b, a)
    if s.bits > u.bits { return s }
    switch u.bits {
    case 8: return .i16
    case 16: return .i32
    case 32: return .i64
    default: return .f64
    }
  }
}

/// A numpy array as hls4ml holds weights: C-order values (exact as Double) and a dtype.
struct NDArray {
  var shape: [Int]
  var data: [Double]
  var dtype: NPType

  var count: Int { data.count }

  static func scalar(_ v: Double, _ t: NPType) -> NDArray { NDArray(shape: [], data: [v], dtype: t) }
  static func zeros(_ shape: [Int]) -> NDArray { NDArray(shape: shape, data: [Double](repeating: 0, count: shape.reduce(1, *)), dtype: .f64) }

  init(shape: [Int], data: [Double], dtype: NPType) {
    self.shape = shape
    self.data = data
    self.dtype = dtype
  }

  init?(_ c: Constant) {
    guard let t = NPType.of(c.dataType) else { return nil }
    self.init(shape: c.dims, data: c.values, dtype: t)
  }

  func all(_ p: (Double) -> Bool) -> Bool { data.allSatisfy(p) }
  func allEqual(_ v: Double) -> Bool { data.allSatisfy { $0 == v } }

  /// `np.squeeze(a).shape`.
  var squeezedShape: [Int] { shape.filter { $0 != 1 } }

  /// numpy broadcasting of two shapes, nil if they do not broadcast.
  static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 0, count: n)
    for i in 0..<n {
      let x = i < n - a.count ? 1 : a[i - (n - a.count)]
      let y = i < n - b.count ? 1 : b[i - (n - b.count)]
      guard x == y || x == 1 || y == 1 else { return nil }
      out[i] = x == 1 ? y : x
    }
    return out
  }

  /// `np.broadcast_to(a, shape)`, nil on a ValueError.
  func broadcast(to target: [Int]) -> NDArray? {
    guard target.count >= shape.count, NDArray.broadcastShape(shape, target) == target else { return nil }
    if shape == target { return self }
    let off = target.count - shape.count
    var strides = [Int](repeating: 0, count: target.count)
    var s = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[d + off] = shape[d] == 1 ? 0 : s
      s *= shape[d]
    }
    let n = target.reduce(1, *)
    var out = [Double](repeating: 0, count: n)
    var idx = [Int](repeating: 0, count: target.count)
    for o in 0..<n {
      var src = 0
      for d in 0..<target.count { src += idx[d] * strides[d] }
      out[o] = data[src]
      var d = target.count - 1
      while d >= 0 {
        idx[d] += 1
        if idx[d] < target[d] { break }
        idx[d] = 0
        d -= 1
      }
    }
    return NDArray(shape: target, data: out, dtype: dtype)
  }

  enum Op { case add, sub, mul, div }

  static func apply(_ op: Op, _ x: Double, _ y: Double, _ t: NPType) -> Double {
    switch t {
    case .f32:
      let a = Float(x), b = Float(y)
      switch op {
      case .add: return Double(a + b)
      case .sub: return Double(a - b)
      case .mul: return Double(a * b)
      case .div: return Double(a / b)
      }
    default:
      switch op {
      case .add: return x + y
      case .sub: return x - y
      case .mul: return x * y
      case .div: return x / y
      }
    }
  }

  /// `a op b` for two arrays, with broadcasting and dtype promotion; nil on a ValueError.
  static func binary(_ op: Op, _ a: NDArray, _ b: NDArray) -> NDArray? {
    guard let shape = broadcastShape(a.shape, b.shape), let x = a.broadcast(to: shape), let y = b.broadcast(to: shape) else { return nil }
    var t = NPType.promote(a.dtype, b.dtype)
    if op == .div && !t.isFloat { t = .f64 }
    return NDArray(shape: shape, data: zip(x.data, y.data).map { apply(op, $0, $1, t) }, dtype: t)
  }

  /// `a op s` with a Python scalar (a "weak" type: the array's float dtype wins).
  func scalarOp(_ op: Op, _ s: Double, isInt: Bool, scalarFirst: Bool = false) -> NDArray {
    var t = dtype
    if !isInt && !t.isFloat { t = .f64 }
    if t == .bool { t = .i64 }
    if op == .div && !t.isFloat { t = .f64 }
    return NDArray(shape: shape, data: data.map { scalarFirst ? NDArray.apply(op, s, $0, t) : NDArray.apply(op, $0, s, t) }, dtype: t)
  }

  static func + (a: NDArray, b: NDArray) -> NDArray? { binary(.add, a, b) }
  static func * (a: NDArray, b: NDArray) -> NDArray? { binary(.mul, a, b) }

  var negated: NDArray { NDArray(shape: shape, data: data.map { $0 == 0 ? (dtype.isFloat ? -$0 : 0) : -$0 }, dtype: dtype) }

  /// `np.sqrt`.
  var squareRoot: NDArray {
    let t: NPType = dtype.isFloat ? dtype : .f64
    return NDArray(shape: shape, data: data.map { t == .f32 ? Double(Float($0).squareRoot()) : $0.squareRoot() }, dtype: t)
  }
}

// MARK: hls4ml's model objects

/// `NamedType`: shared between a layer's `types` and its output or weight variable.
final class NamedT {
  var precision: HLSType
  /// The precision was handed to the layer already wrapped (a `NamedType` where a
  /// `PrecisionType` is expected makes `WeightVariable.update_precision` raise).
  init(_ p: HLSType) { precision = p }
}

/// `TensorVariable` (a layer's output).
final class TensorVar {
  var shape: [Int]
  var type: NamedT
  init(shape: [Int], type: NamedT) {
    self.shape = shape
    self.type = type
  }
  var size: Int { shape.reduce(1, *) }
}

/// `WeightVariable`: quantised data, the data before quantisation, type and quantiser.
final class WeightVar {
  var data: NDArray
  var unquantized: NDArray
  var type: NamedT
  var quantizer: Quantizer?
  init(data: NDArray, unquantized: NDArray, type: NamedT, quantizer: Quantizer?) {
    self.data = data
    self.unquantized = unquantized
    self.type = type
    self.quantizer = quantizer
  }
}

/// hls4ml's `QuantNodeQuantizer` and `BinaryQuantizer(bits=1)`.
enum Quantizer {
  case quantNode(HLSType)
  case binary

  var hlsType: HLSType {
    switch self {
    case .quantNode(let t): return t
    case .binary: return .xnor
    }
  }

  /// `quantizer(data)` (§7.1 "Quant'ed constant").
  func apply(_ a: NDArray) throws(TrigRTError) -> NDArray {
    switch self {
    case .binary:
      return NDArray(shape: a.shape, data: a.data.map { $0 >= 0 ? 1 : 0 }, dtype: .i64)
    case .quantNode(let t):
      let f = t.width - t.integer
      let scale = f >= 0 ? Double(sign: .plus, exponent: f, significand: 1) : Double(sign: .plus, exponent: f, significand: 1)
      var x = a.scalarOp(.mul, scale, isInt: f >= 0)
      guard [.satSym, .sat, .wrap].contains(t.saturation) else {
        throw TrigRTError(.unsupported, "ValueError: Saturation mode \(t.saturation.name(for: .ap)) not supported by QuantNodeQuantizer")
      }
      let w = t.width
      let minInt: Double = t.signed ? (t.saturation == .satSym ? -pow2(w - 1) + 1 : -pow2(w - 1)) : 0
      let maxInt: Double = t.signed ? pow2(w - 1) - 1 : pow2(w) - 1
      let dt = x.dtype
      func cast(_ v: Double) -> Double { dt == .f32 ? Double(Float(v)) : v }
      x.data = x.data.map { v in
        var v = v > maxInt ? cast(maxInt) : v
        v = v < minInt ? cast(minInt) : v
        return v
      }
      switch t.rounding {
      case .rndConv: x.data = x.data.map { $0.rounded(.toNearestOrEven) }
      case .trn: x.data = x.data.map { $0.rounded(.down) }
      default: throw TrigRTError(.unsupported, "ValueError: Rounding mode \(t.rounding.name(for: .ap)) not supported by QuantNodeQuantizer")
      }
      return x.scalarOp(.div, scale, isInt: f >= 0)
    }
  }

  func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}

/// hls4ml's layer classes that occur in scope (`class_name`).
enum HClass: String {
  case input = "Input", constant = "Constant", matMul = "MatMul", merge = "Merge", concatenate = "Concatenate"
  case activation = "Activation", parametrizedActivation = "ParametrizedActivation", softmax = "Softmax"
  case batchNormOnnx = "BatchNormOnnx", reshape = "Reshape", quant = "Quant", bipolarQuant = "BipolarQuant"
  case dense = "Dense", applyAlpha = "ApplyAlpha", batchNormalization = "BatchNormalization"
  case bnQuantizedTanh = "BatchNormalizationQuantizedTanh"
  // Channels-last convolution, pooling and transpose layers (HLSConv.swift).
  case conv1d = "Conv1D", conv2d = "Conv2D", pointwiseConv1d = "PointwiseConv1D"
  case pooling1d = "Pooling1D", pooling2d = "Pooling2D", transpose = "Transpose"
  case globalPooling1d = "GlobalPooling1D", globalPooling2d = "GlobalPooling2D"

  /// `isinstance(layer, Activation)`.
  var isActivation: Bool { self == .activation || self == .parametrizedActivation || self == .softmax }
  /// `isinstance(layer, BatchNormalization)`.
  var isBatchNorm: Bool { self == .batchNormalization || self == .applyAlpha }
  /// `isinstance(layer, Merge)`.
  var isMerge: Bool { self == .merge || self == .concatenate }
  /// Classes with an `accum_t` type attribute (`_set_accum_t`).
  var hasAccum: Bool { self == .dense || self == .matMul || self == .softmax || self == .bnQuantizedTanh || isConv || isPooling }
  var isConv: Bool { self == .conv1d || self == .conv2d || self == .pointwiseConv1d }
  var isPooling: Bool { self == .pooling1d || self == .pooling2d || self == .globalPooling1d || self == .globalPooling2d }
}

/// One hls4ml layer (`Layer` and its attributes).
final class HLayer {
  var name: String
  var cls: HClass
  var inputs: [String]
  var outputs: [String]
  var outVar: TensorVar!
  /// `layer.types`: every attribute holding a `NamedType`, by attribute name (`result_t`, …).
  var types: [String: NamedT] = [:]
  var typeOrder: [String] = []
  var weights: [String: WeightVar] = [:]
  /// Plain attributes: the layer-level config keys (snake_case) and parser attributes.
  var attrs: [String: PyValue] = [:]

  // Typed attributes of the classes in scope.
  var value: NDArray? = nil                 // Constant
  var quantizer: Quantizer? = nil           // Constant, linear Activation, the layer a linear merged into
  var weightQuantizer: Quantizer? = nil
  var biasQuantizer: Quantizer? = nil
  var scaleQuantizer: Quantizer? = nil
  var scalePrecision: HLSType? = nil        // ApplyAlpha from merge_to_apply_alpha(_div)
  var biasPrecision: HLSType? = nil
  var quantizerPrecision: HLSType? = nil    // binary_tanh
  var scaleData: NDArray? = nil             // ApplyAlpha / BatchNormalization construction
  var biasData: NDArray? = nil
  var weightData: NDArray? = nil            // Dense construction
  var qScale: NDArray? = nil                // Quant parameters (attributes after quant_constant_parameters)
  var qZeropt: NDArray? = nil
  var qBitwidth: Double? = nil
  var bn: (gamma: NDArray, beta: NDArray, mean: NDArray, variance: NDArray)? = nil
  var epsilon = 1e-5
  var activParam: Double? = nil
  var targetShape: [Int]? = nil
  var nIn = 0
  var nOut = 0
  var nFilt = -1
  var quantize = 0                           // BatchNormalizationQuantizedTanh
  /// Conv / pooling geometry (channels-last), Transpose perm.
  var conv: ConvGeometry? = nil
  var perm: [Int]? = nil
  /// GlobalPooling: the trap note when hls4ml pools a channels-first array as channels-last.
  var globalPoolTrap: String? = nil
  /// io_parallel in-place Reshape (its output aliases its input).
  var inplace = false
  /// The ONNX nodes and passes that made this layer, for notes.
  var notes: [String] = []

  init(name: String, cls: HClass, inputs: [String], outputs: [String]) {
    self.name = name
    self.cls = cls
    self.inputs = inputs
    self.outputs = outputs
  }

  var className: String { cls.rawValue }
  var activation: String { attrs["activation"]?.string ?? "" }
  var op: String { attrs["op"]?.string ?? "" }
  var resultType: HLSType { outVar.type.precision }

  func setType(_ key: String, _ t: NamedT) {
    if types[key] == nil { typeOrder.append(key) }
    types[key] = t
  }

  func removeType(_ key: String) {
    types[key] = nil
    typeOrder.removeAll { $0 == key }
  }

  func setWeight(_ name: String, _ w: WeightVar) {
    weights[name] = w
    setType(name + "_t", w.type)
  }

  func setOutput(_ v: TensorVar) {
    outVar = v
    setType("result_t", v.type)
  }

  func intAttr(_ k: String) -> Int? { attrs[k]?.integral }
}

// MARK: The model graph

/// hls4ml's `ModelGraph` for one conversion: the ordered layers, the output variables, the
/// model outputs, and the graph operations passes use (`remove_node`, `replace_node`,
/// `insert_node` with their exact rewiring rules).
final class HLSModel {
  var layers: [HLayer] = []
  var outputVars: [String: TensorVar] = [:]
  /// `model.outputs` (tensor names), and for each the ONNX graph output it stands for.
  var outputs: [String] = []
  var outputOrigin: [Int?] = []
  var inputs: [String] = []
  let config: HLSConfigState
  let source: String
  /// The load's caps: the per-element constants the passes build count against the weight cap.
  let limits: Limits
  var notes: [String] = []

  init(config: HLSConfigState, source: String, limits: Limits = Limits()) {
    self.config = config
    self.source = source
    self.limits = limits
  }

  /// Refuses, before it is built, a per-element constant of `shape` (an ApplyAlpha's scale or
  /// bias, broadcast to its tensor as hls4ml does; a gather's index table) that holds more
  /// elements than the weight cap (indices are 4 bytes, as float32 weights).
  func checkPerElement(_ shape: [Int], _ what: @autoclosure () -> String) throws(TrigRTError) {
    guard Shapes.checkedCount(shape, limit: limits.maxConstantElements) == nil else { return }
    throw limits.weightError(source, "fixed mode: " + what(), elements: Shapes.checkedCount(shape, limit: Int.max) ?? Int.max)
  }

  func fail(_ m: String, code: Status = .unsupported) -> TrigRTError {
    TrigRTError(code, "\(source): fixed mode: hls4ml 1.3.0 cannot convert this model with this config: \(m)")
  }

  func configFail(_ m: String) -> TrigRTError {
    TrigRTError(.precisionConfig, "\(config.source): \(m)")
  }

  /// `get_input_node`: the first layer (graph order) that outputs `t`.
  func producer(_ t: String) -> HLayer? {
    guard !t.isEmpty else { return nil }
    return layers.first { $0.outputs.contains(t) }
  }

  func inputNode(_ l: HLayer, _ i: Int = 0) -> HLayer? { i < l.inputs.count ? producer(l.inputs[i]) : nil }

  /// `get_input_variable(name)`.
  func inputVar(_ l: HLayer, _ i: Int = 0) throws(TrigRTError) -> TensorVar {
    guard i < l.inputs.count, let v = outputVars[l.inputs[i]] else {
      throw fail("KeyError: layer \(l.name) reads '\(i < l.inputs.count ? l.inputs[i] : "")', which no layer produces")
    }
    return v
  }

  /// `get_output_nodes()` (a consumer reading the tensor twice counts twice).
  func outputNodes(_ l: HLayer) -> [HLayer] {
    var r: [HLayer] = []
    for o in l.outputs { for x in layers { for i in x.inputs where i == o { r.append(x) } } }
    return r
  }

  /// `len(get_output_use_map()[outputs[0]])`.
  func uses(_ l: HLayer) -> Int { layers.reduce(0) { $0 + $1.inputs.filter { $0 == l.outputs[0] }.count } }

  func contains(_ l: HLayer) -> Bool { layers.contains { $0 === l } }

  /// `make_node`: registers the new layer's output variables (the layer is not in the graph yet).
  func register(_ l: HLayer) {
    for o in l.outputs { outputVars[o] = l.outVar }
  }

  /// `remove_node`.
  func remove(_ l: HLayer) throws(TrigRTError) {
    let ins = l.inputs.filter { !$0.isEmpty }, outs = l.outputs.filter { !$0.isEmpty }
    guard ins.count <= 1, outs.count <= 1 else { throw fail("Exception: Cannot delete a node with multiple inputs/outputs (\(l.name))") }
    if ins.count == 1 && outs.count == 1 {
      if outputs.contains(l.outputs[0]) {
        guard !outputs.contains(ins[0]) else {
          throw fail("AssertionError: Remove leaf node \(l.name) will connect its input node \(ins[0]) to output, but it already is.")
        }
        outputs = outputs.map { $0 == l.outputs[0] ? ins[0] : $0 }
      }
      let inSize = outputVars[ins[0]]?.size, outSize = l.outVar?.size
      guard inSize == outSize else { throw fail("AssertionError: Input and output shapes do not match for \(l.name)") }
      for x in layers where x.inputs.contains(l.outputs[0]) {
        x.inputs = x.inputs.map { $0 == outs[0] ? ins[0] : $0 }
      }
    }
    outputVars[l.outputs[0]] = nil
    layers.removeAll { $0 === l }
  }

  /// `replace_node`: the new layer takes the old one's place; tensor names are renamed.
  func replace(_ old: HLayer, with new: HLayer) throws(TrigRTError) {
    guard old.inputs.count == new.inputs.count, old.outputs.count == new.outputs.count else {
      throw fail("AssertionError: \(new.name) and \(old.name) have different numbers of inputs or outputs")
    }
    var repl: [String: String] = [:]
    for (a, b) in zip(old.outputs, new.outputs) { repl[a] = b }
    for (a, b) in zip(old.inputs, new.inputs) { repl[a] = b }
    for o in old.outputs where outputs.contains(o) {
      let n = repl[o]!
      outputs = outputs.map { $0 == o ? n : $0 }
    }
    for x in layers {
      x.inputs = x.inputs.map { repl[$0] ?? $0 }
      x.outputs = x.outputs.map { repl[$0] ?? $0 }
    }
    if let i = layers.firstIndex(where: { $0 === old }) { layers[i] = new }
  }

  /// `insert_node` (before = None): after the producer of its input; the first layer whose
  /// first input is that producer's output is rewired to the new layer (only that one).
  func insert(_ l: HLayer) throws(TrigRTError) {
    guard l.inputs.count <= 1 else { throw fail("Exception: Cannot insert a node with more than one input (for now).") }
    guard let prev = inputNode(l) else { throw fail("AttributeError: \(l.name) is inserted after a tensor no layer produces") }
    if let next = layers.first(where: { !$0.inputs.isEmpty && prev.outputs.contains($0.inputs[0]) }) {
      next.inputs[0] = l.outputs[0]
    } else {
      outputs = outputs.map { $0 == prev.outputs[0] ? l.outputs[0] : $0 }
    }
    if let i = layers.firstIndex(where: { $0 === prev }) { layers.insert(l, at: i + 1) } else { layers.append(l) }
  }

  // MARK: layer creation (Layer.__init__)

  func precision(_ l: HLayer, _ v: String) throws(TrigRTError) -> HLSType {
    do { return try config.precision(name: l.name, className: l.className, v) } catch { throw configFail(error.message) }
  }

  func parsePrecision(_ s: String, _ what: String) throws(TrigRTError) -> HLSType {
    do { return try HLSPrecisionParser.parse(s) } catch { throw configFail("\(error.message) (\(what))") }
  }

  /// `add_output_variable(shape, precision)`; nil precision reads `get_precision(result)`.
  func addOutput(_ l: HLayer, shape: [Int], precision: HLSType? = nil) throws(TrigRTError) {
    let p: HLSType
    if let x = precision { p = x } else { p = try self.precision(l, "result") }
    l.setOutput(TensorVar(shape: shape, type: NamedT(p)))
  }

  /// `add_weights_variable`. `wrapped` marks a precision that arrived as a `NamedType`.
  func addWeight(_ l: HLayer, _ name: String, data: NDArray, quantizer: Quantizer?, precision: HLSType?, wrapped: Bool = false) throws(TrigRTError) {
    if wrapped && precision != nil && quantizer == nil {
      throw fail("RuntimeError: Unexpected new precision type: <hls4ml.model.types.NamedType object> (layer \(l.name), \(name); hls4ml cannot re-create an ApplyAlpha made by merge_to_apply_alpha when it moves it)")
    }
    var p: HLSType
    if let x = precision { p = x } else { p = try self.precision(l, name) }
    var d = data
    if let q = quantizer {
      p = q.hlsType
      d = try q.apply(data)
    }
    l.setWeight(name, WeightVar(data: d, unquantized: data, type: NamedT(p), quantizer: quantizer))
  }

  /// Creates a layer as `Layer.__init__` does: accum_t, then the layer config (LayerType[class]
  /// ⊕ LayerName[name], keys snake_cased; `*_t` strings become types), then the class's
  /// initialisation, then expected-attribute defaults and checks (§4).
  func make(_ cls: HClass, _ name: String, inputs: [String], outputs: [String]? = nil,
            _ setup: (HLayer) -> Void = { _ in }) throws(TrigRTError) -> HLayer {
    let l = HLayer(name: name, cls: cls, inputs: inputs, outputs: outputs ?? [name])
    setup(l)
    if cls.hasAccum && l.types["accum_t"] == nil { l.setType("accum_t", NamedT(try precision(l, "accum"))) }
    let cfg = config.layerConfig(name: name, className: cls.rawValue)
    for (k, v) in cfg.items {
      let key = k.snakeCased
      if key.hasSuffix("_t"), let s = v.string {
        l.setType(key, NamedT(try parsePrecision(s, "\(name) \(k)")))
      } else {
        l.attrs[key] = v
      }
    }
    try initialize(l)
    try validate(l)
    register(l)
    return l
  }

  func initialize(_ l: HLayer) throws(TrigRTError) {
    switch l.cls {
    case .input:
      try addOutput(l, shape: l.targetShape ?? [])
    case .constant:
      var v = l.value!
      if v.shape.isEmpty { v.shape = [1] }
      l.value = v
      l.inputs = []
      try addOutput(l, shape: v.shape, precision: l.quantizer?.hlsType ?? .unspecified)
    case .quant, .bipolarQuant, .batchNormOnnx:
      try addOutput(l, shape: try inputVar(l).shape)
    case .reshape:
      let inShape = try inputVar(l).shape
      var target: [Int]
      if let t = l.targetShape {
        target = t
      } else {
        guard l.inputs.count > 1, let c = inputNode(l, 1), c.cls == .constant, let v = c.value else {
          throw fail("RuntimeError: Reshape for ONNX requires the target shape to be a second input (\(l.name)).")
        }
        target = v.data.dropFirst().map { Int($0) }
      }
      let n = inShape.reduce(1, *)
      if let k = target.firstIndex(of: -1) {
        let rest = target.enumerated().filter { $0.offset != k }.reduce(1) { $0 * $1.element }
        guard rest > 0, n % rest == 0, target.filter({ $0 == -1 }).count == 1 else {
          throw fail("ValueError: cannot reshape \(inShape) into \(target) (\(l.name))")
        }
        target[k] = n / rest
      }
      guard target.reduce(1, *) == n, !target.contains(where: { $0 < 0 }) else {
        throw fail("ValueError: cannot reshape \(inShape) into \(target) (\(l.name))")
      }
      l.targetShape = target
      try addOutput(l, shape: target)
    case .matMul:
      guard l.inputs.count == 2 else { throw fail("AssertionError: MatMul \(l.name) needs two inputs") }
      let a = try inputVar(l, 0).shape, b = try inputVar(l, 1).shape
      guard let al = a.last else { throw fail("IndexError: MatMul \(l.name) on a scalar") }
      if b.count == 1 {
        guard al == b[0] else { throw fail("AssertionError: MatMul \(l.name) shapes \(a) × \(b)") }
        try addOutput(l, shape: Array(a.dropLast()) + [b[0]])
      } else {
        guard b.count >= 2, al == b[b.count - 2] else { throw fail("AssertionError: MatMul \(l.name) shapes \(a) × \(b)") }
        try addOutput(l, shape: Array(a.dropLast()) + [b.last!])
      }
    case .merge:
      guard l.inputs.count == 2 else { throw fail("AssertionError: Merge \(l.name) needs two inputs") }
      let a = try inputVar(l, 0).shape, b = try inputVar(l, 1).shape
      try addOutput(l, shape: b.reduce(1, *) > a.reduce(1, *) ? b : a)
    case .concatenate:
      guard l.inputs.count == 2 else { throw fail("AssertionError: Concatenate \(l.name) needs two inputs") }
      let a = try inputVar(l, 0).shape, b = try inputVar(l, 1).shape
      guard var axis = l.intAttr("axis") else { throw fail("TypeError: Concat \(l.name) has no axis") }
      if axis > 0 { axis -= 1 }
      let ax = axis < 0 ? axis + a.count : axis
      guard ax >= 0, ax < a.count, ax < b.count else { throw fail("IndexError: Concat \(l.name) axis \(axis)") }
      var s = a
      s[ax] += b[ax]
      try addOutput(l, shape: s)
    case .activation, .softmax, .parametrizedActivation:
      let inV = try inputVar(l)
      try addOutput(l, shape: inV.shape, precision: l.quantizerPrecision)
      if l.attrs["n_in"] == nil { l.nIn = inV.size }
      if l.cls == .parametrizedActivation { l.setType("param_t", NamedT(try precision(l, "param"))) }
    case .dense:
      var shape = try inputVar(l).shape
      if shape.isEmpty { shape = [l.nOut] } else { shape[shape.count - 1] = l.nOut }
      try addOutput(l, shape: shape)
      try addWeight(l, "weight", data: l.weightData!, quantizer: l.weightQuantizer, precision: nil)
      try addWeight(l, "bias", data: l.biasData!, quantizer: l.biasQuantizer, precision: nil)
    case .batchNormalization:
      let inV = try inputVar(l)
      try addOutput(l, shape: inV.shape)
      if let s = l.scaleData {
        try addWeight(l, "scale", data: s, quantizer: nil, precision: nil)
      } else if let p = l.bn {
        // gamma / np.sqrt(var + eps): eps is a Python float, so the sum stays float32.
        let denom = p.variance.scalarOp(.add, l.epsilon, isInt: false).squareRoot
        guard let scale = NDArray.binary(.div, p.gamma, denom) else { throw fail("ValueError: BatchNormalization \(l.name) parameter shapes") }
        l.scaleData = scale
        try addWeight(l, "scale", data: scale, quantizer: nil, precision: nil)
      }
      if let b = l.biasData {
        try addWeight(l, "bias", data: b, quantizer: nil, precision: nil)
      } else if let p = l.bn, let s = l.scaleData {
        guard let sm = s * p.mean, let bias = NDArray.binary(.sub, p.beta, sm) else { throw fail("ValueError: BatchNormalization \(l.name) parameter shapes") }
        l.biasData = bias
        try addWeight(l, "bias", data: bias, quantizer: nil, precision: nil)
      }
    case .applyAlpha:
      let inV = try inputVar(l)
      try addOutput(l, shape: inV.shape)
      l.nIn = inV.size
      try addWeight(l, "scale", data: l.scaleData!, quantizer: l.scaleQuantizer, precision: l.scalePrecision, wrapped: l.attrs["__wrapped"] != nil)
      try addWeight(l, "bias", data: l.biasData!, quantizer: l.biasQuantizer, precision: l.biasPrecision, wrapped: l.attrs["__wrapped"] != nil)
    case .bnQuantizedTanh:
      let inV = try inputVar(l)
      try addOutput(l, shape: inV.shape, precision: l.quantize == 2 ? .xnor : .int(2))
    case .conv1d, .conv2d, .pointwiseConv1d, .pooling1d, .pooling2d, .transpose, .globalPooling1d, .globalPooling2d:
      try initializeChannelsLast(l)
    }
  }

  /// `_validate_attributes` for the attributes a config can set, and the class defaults.
  func validate(_ l: HLayer) throws(TrigRTError) {
    func bad(_ a: String, _ expected: String) -> TrigRTError {
      configFail("Exception: Unexpected value of attribute \"\(a)\" of layer \"\(l.name)\" (\(l.className)). Expected \(expected), got \(l.attrs[a]!)")
    }
    if let t = l.attrs["trace"], t.integral == nil { throw bad("trace", "<class 'numbers.Integral'>") }
    let hasRF: Set<HClass> = [.dense, .matMul, .softmax, .activation, .parametrizedActivation, .batchNormalization, .applyAlpha,
                              .quant, .batchNormOnnx, .merge, .concatenate, .bnQuantizedTanh]
    if hasRF.contains(l.cls), let r = l.attrs["reuse_factor"], r.integral == nil { throw bad("reuse_factor", "<class 'numbers.Integral'>") }
    for (k, v) in l.attrs where k.hasSuffix("_t") && !k.hasPrefix("__") {
      // A `*_t` key whose value is not a string stays a plain attribute; hls4ml rejects it where
      // the class expects a type.
      let expected: Set<String> = l.cls.isActivation ? ["table_t", "exp_table_t", "inv_table_t", "inv_inp_t", "accum_t", "param_t"] : ["accum_t", "weight_t", "bias_t", "scale_t"]
      if expected.contains(k) { throw configFail("Exception: Unexpected value of attribute \"\(k)\" of layer \"\(l.name)\" (\(l.className)). Expected NamedType, got \(v)") }
    }
    if l.cls.isActivation {
      if let t = l.attrs["table_size"] {
        guard t.integral != nil else { throw bad("table_size", "<class 'numbers.Integral'>") }
      } else {
        l.attrs["table_size"] = .int(1024)
      }
      if l.types["table_t"] == nil { l.setType("table_t", NamedT(.fixed(18, 8))) }
    }
    if l.cls == .softmax {
      if let i = l.attrs["implementation"] {
        guard let s = i.string, ["latency", "stable", "argmax", "legacy"].contains(s) else {
          throw bad("implementation", "['latency', 'stable', 'argmax', 'legacy']")
        }
      } else {
        l.attrs["implementation"] = .str("stable")
      }
      if let s = l.attrs["skip"] {
        guard case .bool = s else { throw bad("skip", "<class 'bool'>") }
      } else {
        l.attrs["skip"] = .bool(false)
      }
      for k in ["exp_table_t", "inv_table_t", "inv_inp_t", "accum_t"] where l.types[k] == nil {
        l.setType(k, NamedT(.fixed(18, 8, .rnd, .sat)))
      }
    }
    if l.cls.isBatchNorm {
      for k in ["use_gamma", "use_beta"] {
        if let v = l.attrs[k] { guard case .bool = v else { throw bad(k, "<class 'bool'>") } }
      }
      if let v = l.attrs["n_filt"], v.integral == nil { throw bad("n_filt", "<class 'numbers.Integral'>") }
    }
    if l.cls == .quant && l.attrs["rounding_mode"]?.string == nil {
      throw fail("Exception: Unexpected value of attribute \"rounding_mode\" of layer \"\(l.name)\" (Quant). Expected <class 'str'>, got None")
    }
  }

  // MARK: parsing the cleaned ONNX graph (§2)

  static let unsupportedByHls4ml = "Exception: ERROR: Unsupported operation type: "
  static let handled: Set<String> = ["MatMul", "Relu", "Tanh", "Sigmoid", "LeakyRelu", "ThresholdedRelu", "Elu", "Selu", "PRelu",
                                     "Softmax", "Softsign", "Softplus", "BatchNormalization", "Quant", "IntQuant", "BipolarQuant",
                                     "Add", "Sub", "Mul", "Div", "Average", "Max", "Min", "Concat", "Sum", "Transpose", "Reshape",
                                     "Flatten", "Resize", "Pad", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
                                     "GlobalMaxPool", "Identity", "Dropout"]

  static func parse(_ g: HLSPreprocess.Cleaned, config: HLSConfigState, source: String, limits: Limits = Limits()) throws(TrigRTError) -> HLSModel {
    let m = HLSModel(config: config, source: source, limits: limits)
    // config_from_onnx_model and the converter both refuse unsupported ops first.
    for n in g.nodes where !handled.contains(n.opType) { throw m.fail(unsupportedByHls4ml + n.opType) }
    let initNames = Set(g.initializerOrder)
    for (i, inp) in g.inputs.enumerated() where !initNames.contains(inp.name) {
      let dims = (inp.dims ?? []).dropFirst().map { d -> Int in if case .value(let v) = d { return v } else { return 0 } }
      let name = sanitized(inp.name, "input")
      if name == "input" { throw m.fail("RuntimeError: No model layer should be named 'input'") }
      let l = try m.make(.input, name, inputs: ["input"], outputs: [name]) { $0.targetShape = Array(dims) }
      _ = i
      m.layers.append(l)
      m.inputs.append(name)
    }
    for name in g.initializerOrder {
      guard let c = g.initializers[name] else { continue }
      guard let v = NDArray(c) else { throw m.fail("initialiser \(name) has element type \(c.dataType), which hls4ml's numpy path does not take here") }
      let l = try m.make(.constant, sanitized(name, "constant"), inputs: [], outputs: [sanitized(name, "constant")]) { $0.value = v }
      m.layers.append(l)
    }
    var skipped: [String: String] = [:]
    let graphOutputs = g.outputs.map(\.name)
    var outputLayers: [String] = []
    for n in g.nodes where n.outputs.first.map({ graphOutputs.contains($0) }) == true { outputLayers.append(n.name) }
    for n in g.nodes {
      if n.opType == "Identity" || n.opType == "Dropout" {
        skipped[n.outputs[0]] = skipped[n.inputs[0]] ?? n.inputs[0]
        continue
      }
      let ins = n.inputs.map { skipped[$0] ?? $0 }
      if n.opType == "GlobalAveragePool" || n.opType == "GlobalMaxPool" {
        // qonnx leaves it channels-first (a Transpose back in front of it); hls4ml's
        // GlobalPooling2D / 1D reads that array as channels-last (HLSConv.swift).
        m.layers.append(try m.parseGlobalPooling(n, inputs: ins))
        continue
      }
      // hls4ml's Transpose is a permutation of the per-sample axes (nnet::transpose with
      // perm_strides), wherever it stands: in front of qonnx's channels-last nodes and in
      // tf2onnx's Transpose / Reshape chains (jettag_cnn2d_float's golden sets).
      if ["Conv", "MaxPool", "AveragePool", "Transpose"].contains(n.opType) {
        if let l = try m.parseChannelsLast(n, inputs: ins, graph: g, skipped: &skipped) { m.layers.append(l) }
        continue
      }
      let l = try m.parseNode(n, inputs: ins)
      m.layers.append(l)
    }
    // model.outputs: the outputs of the output layers, in node order (§8).
    for name in outputLayers {
      guard let l = m.layers.first(where: { $0.name == name && $0.cls != .input && $0.cls != .constant }) else { continue }
      for o in l.outputs {
        m.outputs.append(o)
        m.outputOrigin.append(graphOutputs.firstIndex(of: o))
      }
    }
    return m
  }

  static func sanitized(_ name: String, _ cls: String) -> String {
    let n = name.replacingAll(".", with: "_")
    if let f = n.first, f.isNumber { return cls + n }
    return n
  }

  func attribute(_ n: HLSPreprocess.Node, _ k: String) -> Attribute? { n.attributes[k] }

  func parseNode(_ n: HLSPreprocess.Node, inputs ins: [String]) throws(TrigRTError) -> HLayer {
    let name = HLSModel.sanitized(n.name, n.opType.lowercased())
    let outs = n.outputs
    func rank(_ i: Int) throws(TrigRTError) -> Int {
      guard i < ins.count, let v = outputVars[ins[i]] else { throw fail("RuntimeError: Could not find the shape for input \(i < ins.count ? ins[i] : "") of \(name)") }
      return v.shape.count + 1
    }
    func float(_ k: String, _ d: Double) -> Double {
      switch attribute(n, k) {
      case .float(let f)?: return Double(f)
      case .int(let i)?: return Double(i)
      default: return d
      }
    }
    func int(_ k: String) -> Int? { if case .int(let i)? = attribute(n, k) { return i } else { return nil } }
    switch n.opType {
    case "MatMul":
      return try make(.matMul, name, inputs: ins, outputs: outs)
    case "Relu", "Tanh", "Sigmoid", "Selu", "Softsign", "Softplus":
      let act = n.opType == "Relu" ? "ReLU" : n.opType.lowercased()
      return try make(.activation, name, inputs: ins, outputs: outs) { $0.attrs["activation"] = .str(act) }
    case "LeakyRelu", "ThresholdedRelu", "Elu":
      let act = ["LeakyRelu": "LeakyReLU", "ThresholdedRelu": "ThresholdedReLU", "Elu": "ELU"][n.opType]!
      let alpha = float("alpha", 0.01)
      return try make(.parametrizedActivation, name, inputs: ins, outputs: outs) {
        $0.attrs["activation"] = .str(act)
        $0.activParam = alpha
      }
    case "Softmax":
      var axis = int("axis") ?? -1
      if axis == (try rank(0)) - 1 { axis = -1 }
      guard axis == -1 else { throw fail("Softmax \(name) over axis \(axis) is out of scope (hls4ml's multi-dimensional softmax)", code: .unsupported) }
      return try make(.softmax, name, inputs: ins, outputs: outs) {
        $0.attrs["activation"] = .str("softmax")
        $0.attrs["axis"] = .int(axis)
      }
    case "BatchNormalization":
      // parse_batchnorm_layer: n_filt −1 on [N, n]; on a channels-last [N, …, C] (qonnx's
      // domain) n_filt = C, and nnet::normalize reads scale[i mod C].
      let r = try rank(0)
      guard r >= 2 else { throw fail("RuntimeError: Unexpected input shape for \(name)") }
      if r > 2 && n.domain != HLSModel.channelsLastDomain {
        throw fail("RuntimeError: Please convert the model to channels-last format with qonnx-to-channels-last (\(name))")
      }
      let inV = outputVars[ins[0]]!
      let size = inV.size
      return try make(.batchNormOnnx, name, inputs: ins, outputs: outs) {
        $0.epsilon = Double(Float(self.float(n, "epsilon", 1e-5)))
        $0.nIn = size
        $0.nOut = size
        $0.nFilt = r == 2 ? -1 : (inV.shape.last ?? -1)
      }
    case "Quant", "IntQuant":
      var narrow = false, signed = false
      var rounding: PyValue = .none
      if case .int(let v)? = attribute(n, "narrow") { narrow = v != 0 }
      if case .int(let v)? = attribute(n, "signed") { signed = v != 0 }
      if case .string(let s)? = attribute(n, "rounding_mode") { rounding = .str(s) }
      return try make(.quant, name, inputs: ins, outputs: outs) {
        $0.attrs["narrow"] = .bool(narrow)
        $0.attrs["signed"] = .bool(signed)
        $0.attrs["rounding_mode"] = rounding
      }
    case "BipolarQuant":
      return try make(.bipolarQuant, name, inputs: ins, outputs: outs)
    case "Add", "Sub", "Mul", "Div", "Average", "Max", "Min", "Sum":
      let op = ["Add": "add", "Sub": "subtract", "Mul": "multiply", "Div": "divide", "Average": "average", "Max": "maximum",
                "Min": "minimum", "Sum": "add"][n.opType]!
      guard ins.count <= 2 else { throw fail("Exception: ERROR: Merging more than two tensors is not yet supported.") }
      return try make(.merge, name, inputs: ins, outputs: outs) { $0.attrs["op"] = .str(op) }
    case "Concat":
      let r = try rank(0) - 1
      guard r <= 3 else { throw fail("Exception: ERROR: Concatenation of tensors with rank > 3 is not yet supported.") }
      guard ins.count <= 2 else { throw fail("Exception: ERROR: Merging more than two tensors is not yet supported.") }
      return try make(.concatenate, name, inputs: ins, outputs: outs) {
        $0.attrs["op"] = .str("concatenate\(r)d")
        if let a = int("axis") { $0.attrs["axis"] = .int(a) }
      }
    case "Reshape":
      return try make(.reshape, name, inputs: ins, outputs: outs)
    case "Flatten":
      return try make(.reshape, name, inputs: ins, outputs: outs) { $0.targetShape = [-1] }
    default:
      throw fail("\(n.opType) (\(name)) is out of scope: trigrt's fixed mode reproduces hls4ml for rank-2 dense networks (no \(n.opType) layer)", code: .unsupported)
    }
  }

  func float(_ n: HLSPreprocess.Node, _ k: String, _ d: Double) -> Double {
    switch n.attributes[k] {
    case .float(let f)?: return Double(f)
    case .int(let i)?: return Double(i)
    default: return d
    }
  }
}

// MARK: The result

/// One generated layer as the type oracle records it (firmware-sim/type-oracle/README.md).
struct HLSFrontendLayer: CustomStringConvertible {
  var name: String
  var className: String
  /// The `nnet::` function (`dense`, `normalize`, `relu`, `softmax`, `add`, …).
  var function: String
  var inputTypes: [String]
  var result: String
  /// The config struct's typedefs (`weight_t`, `accum_t`, `table_t`, `inp_norm_t`, …).
  var types: [String: String]
  /// The config struct's constants that shape the arithmetic (`n_in`, `n_out`, `table_size`,
  /// `exp_table_size`, `inv_table_size`, `implementation`).
  var constants: [String: String]

  var description: String {
    "\(name) \(className) \(function) in \(inputTypes) out \(result) \(types.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
  }
}

struct HLSFrontendResult {
  var inputs: [(name: String, type: String)]
  var layers: [HLSFrontendLayer]
  /// The layers producing the top function's outputs, in its order.
  var outputLayers: [String]
  var notes: [String]
}

extension HLSModel {
  /// The `nnet::` function a layer's template generates.
  func function(_ l: HLayer) -> String {
    switch l.cls {
    case .dense: return "dense"
    case .applyAlpha, .batchNormalization: return "normalize"
    case .bnQuantizedTanh: return l.quantize == 2 ? "normalize_binary_tanh" : "normalize_ternary_tanh"
    case .activation: return l.activation.lowercased()
    case .parametrizedActivation:
      switch l.activation.lowercased() {
      case "leakyrelu": return "leaky_relu"
      case "thresholdedrelu": return "thresholded_relu"
      default: return l.activation.lowercased()
      }
    case .softmax: return "softmax"
    case .merge, .concatenate: return l.op
    case .conv1d: return "conv_1d_cl"
    case .pointwiseConv1d: return "pointwise_conv_1d_cl"
    case .conv2d: return "conv_2d_cl"
    case .pooling1d: return "pooling1d_cl"
    case .pooling2d: return "pooling2d_cl"
    case .globalPooling1d: return "global_pooling1d_cl"
    case .globalPooling2d: return "global_pooling2d_cl"
    case .transpose: return "transpose"
    default: return l.className
    }
  }

  /// Softmax table sizes and `inp_norm_t` as the config template writes them (§6.4).
  func softmaxTables(_ l: HLayer) -> (exp: Int, inv: Int, inpNorm: HLSType) {
    let table = l.intAttr("table_size") ?? Int(l.attrs["table_size"]?.string ?? "") ?? 1024
    var exp = l.intAttr("exp_table_size") ?? table
    let inv = l.intAttr("inv_table_size") ?? table
    let impl = l.attrs["implementation"]?.string ?? "stable"
    var norm = HLSType.fixed(1, 0)
    if impl == "stable" {
      if let t = l.types["inp_norm_t"] {
        norm = t.precision
      } else if let x = outputVars[l.inputs[0]]?.type.precision {
        let s = x.signed ? 1 : 0
        if x.signed { exp = min(inv, 1 << min(62, x.width - 1)) }
        norm = .fixed(x.width - s, x.integer - s, signed: false)
      }
    }
    return (exp, inv, norm)
  }

  /// The layers that generate calls, described as the oracle describes them.
  func describe() -> HLSFrontendResult {
    var r = HLSFrontendResult(inputs: [], layers: [], outputLayers: [], notes: notes)
    for l in layers where l.cls == .input { r.inputs.append((l.name, l.resultType.description)) }
    for l in layers where l.cls != .input && !l.inplace && l.cls != .constant {
      var d = HLSFrontendLayer(name: l.name, className: l.className, function: function(l),
                               inputTypes: l.inputs.filter { !$0.isEmpty }.map { outputVars[$0]?.type.precision.description ?? "?" },
                               result: l.resultType.description, types: [:], constants: [:])
      func t(_ k: String) { if let x = l.types[k] { d.types[k] = x.precision.description } }
      switch l.cls {
      case .dense:
        ["weight_t", "bias_t", "accum_t"].forEach(t)
        d.types["index_t"] = "ap_uint<1>"
        d.constants["n_in"] = "\(l.nIn)"
        d.constants["n_out"] = "\(l.nOut)"
      case .applyAlpha, .batchNormalization, .bnQuantizedTanh:
        ["scale_t", "bias_t"].forEach(t)
        d.constants["n_in"] = "\(l.outVar.size)"
        if l.cls == .batchNormalization && l.nFilt > 0 { d.constants["n_filt"] = "\(l.nFilt)" }
      case .activation, .parametrizedActivation:
        ["table_t", "param_t"].forEach(t)
        d.constants["table_size"] = l.attrs["table_size"].map { $0.integral.map(String.init) ?? $0.string ?? "\($0)" } ?? "1024"
        d.constants["n_in"] = "\(l.outVar.size)"
      case .softmax:
        ["exp_table_t", "inv_table_t", "accum_t", "inv_inp_t"].forEach(t)
        let s = softmaxTables(l)
        d.types["inp_norm_t"] = s.inpNorm.description
        // The legacy kernel's table_t is nnet::activ_config's (a configured one is not emitted).
        d.types["table_t"] = "ap_fixed<18,8>"
        d.constants["exp_table_size"] = "\(s.exp)"
        d.constants["inv_table_size"] = "\(s.inv)"
        d.constants["implementation"] = l.attrs["implementation"]?.string ?? "stable"
        d.constants["n_in"] = "\(l.outVar.size)"
      case .conv1d, .conv2d, .pointwiseConv1d:
        ["weight_t", "bias_t", "accum_t"].forEach(t)
        d.constants["implementation"] = "linebuffer"
      case .pooling1d, .pooling2d:
        ["accum_t"].forEach(t)
        d.constants["implementation"] = "linebuffer"
      case .globalPooling1d, .globalPooling2d:
        ["accum_t"].forEach(t)
        d.constants["n_filt"] = "\(l.nFilt)"
      default: break
      }
      r.layers.append(d)
    }
    for o in outputs { if let p = producer(o) { r.outputLayers.append(p.name) } }
    return r
  }
}

// MARK: trigrt's side

enum HLSOp {
  /// Weights as hls4ml holds them (C order [n_in][n_out], exact values), bias values.
  case dense(DenseSpec, weights: [Double], bias: [Double])
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
  /// Max pooling, a convolution's im2col gather, Transpose (Kernels/PoolFixed.swift).
  case window(WindowSpec)
}

/// One hls4ml layer as `FixedPlanner` builds its step.
struct HLSLayer {
  var name: String
  /// The LayerName key of the layer.
  var configKey: String
  /// hls4ml's layer class.
  var className: String
  var op: HLSOp
  var inputs: [Int]
  var output: Int
  var resolved: [String: FixedFormat] = [:]
  /// Activations: `table_size`. Softmax: the exp and inverse table sizes (§6.4).
  var tableSize = 1024
  var expTableSize = 1024
  var invTableSize = 1024
  /// Softmax `exp_scale`.
  var expScale: Float = 1
  var implementation = "stable"
  var notes: [String] = []
  /// Config constants to show with the layer (`implementation` of a convolution).
  var constants: [String: String] = [:]

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
  var frontend: HLSFrontendResult
}

enum HLSFrontend {
  /// The tensors trigrt's lowering computed at load time, by name (the preprocessing's folds).
  static func foldedValues(_ lowered: LoweredGraph) -> [String: Constant] {
    var r: [String: Constant] = [:]
    for v in lowered.values where !v.name.isEmpty { if let c = v.constant { r[v.name] = c } }
    return r
  }

  /// hls4ml's conversion of a model with a config: preprocessing, parsing, every flow.
  static func convert(_ graph: Graph, lowered: LoweredGraph, config: PrecisionConfig, source: String,
                      limits: Limits = Limits()) throws(TrigRTError) -> HLSModel {
    let cleaned: HLSPreprocess.Cleaned
    do { cleaned = try HLSPreprocess.clean(graph, folded: foldedValues(lowered)) } catch {
      throw TrigRTError(.unsupported, "\(source): fixed mode: hls4ml's ONNX preprocessing (qonnx cleanup, GemmToMatMul) fails: \(error.message)")
    }
    let state = HLSConfigState(config)
    let m = try HLSModel.parse(cleaned, config: state, source: source, limits: limits)
    try Passes.run(m)
    m.notes += config.notes
    m.noteUnusedEntries()
    return m
  }

  /// Loads a model file and converts it (for tests and inspection).
  static func convert(path: String, config: PrecisionConfig) throws(TrigRTError) -> HLSModel {
    let bytes = try ONNXReader.readFile(path)
    let r: Result<HLSModel, TrigRTError> = bytes.withUnsafeBytes { b in
      Result { () throws(TrigRTError) -> HLSModel in
        let g = try ONNXReader.parse(b, source: path)
        // trigrt's float lowering supplies the values the preprocessing folds; a graph it cannot
        // lower (an op without a float kernel) is converted without them.
        let lowered = (try? Lowering.lower(g, source: path)) ?? LoweredGraph(values: [], layers: [], inputs: [], outputs: [], outputNames: [])
        return try convert(g, lowered: lowered, config: config, source: path)
      }
    }
    return try r.get()
  }
}

extension HLSModel {
  func noteUnusedEntries() {
    let known = Set(layers.map { $0.name.lowercased() } + inputs.map { $0.lowercased() })
    for (k, _) in config.layerName.items where !config.looked.contains(k) && !known.contains(k.lowercased()) {
      notes.append("LayerName entry '\(k)' names no hls4ml layer of this model; it has no effect")
    }
  }
}

enum HLSGraphBuilder {
  static let unitScale = try! FixedFormat(parsing: "ap_uint<1>")

  static func build(_ lowered: LoweredGraph, graph: Graph, config: PrecisionConfig, source: String,
                    limits: Limits = Limits()) throws(TrigRTError) -> HLSGraph {
    let m = try HLSFrontend.convert(graph, lowered: lowered, config: config, source: source, limits: limits)
    return try plan(m, lowered: lowered, source: source)
  }

  /// trigrt's layers for the hls4ml graph: values for every hls4ml tensor (in-place reshapes
  /// alias their input), kernels for every layer, formats for every value.
  static func plan(_ m: HLSModel, lowered: LoweredGraph, source: String) throws(TrigRTError) -> HLSGraph {
    func no(_ l: HLayer?, _ why: String) -> TrigRTError {
      TrigRTError(.unsupported, "\(source): fixed mode: \(l.map { "\($0.name) (\($0.className)): " } ?? "")\(why)")
    }
    var values = lowered.values
    var byName: [String: Int] = [:]
    var g = HLSGraph(layers: [], formats: [:], inputFormats: [], values: [], inputs: lowered.inputs, outputs: lowered.outputs,
                     outputNames: lowered.outputNames, notes: m.notes, frontend: m.describe())
    func format(_ t: HLSType, _ l: HLayer?, _ what: String) throws(TrigRTError) -> FixedFormat {
      let (f, why) = t.format()
      guard let f else { throw no(l, "\(what) \(why)") }
      return f
    }
    let inputLayers = m.layers.filter { $0.cls == .input }
    guard inputLayers.count == lowered.inputs.count else { throw no(nil, "the model has \(lowered.inputs.count) inputs, hls4ml's graph \(inputLayers.count)") }
    for (i, l) in inputLayers.enumerated() {
      let id = lowered.inputs[i]
      byName[l.outputs[0]] = id
      guard l.outVar.size == values[id].count else { throw no(l, "input shape \(l.outVar.shape) differs from the model's \(values[id].shape)") }
      let f = try format(l.resultType, l, "input type")
      if f.width > 100 { throw no(l, "an input wider than 100 bits triggers hls4ml's fix_input_precision pass (HGQ), out of scope") }
      g.inputFormats.append(f)
      g.formats[id] = f
    }
    func value(_ t: String, _ l: HLayer) throws(TrigRTError) -> Int {
      guard let v = byName[t] else { throw no(l, "reads '\(t)', which no computed layer produces") }
      return v
    }
    func root(_ v: Int) -> Int {
      var v = v
      while let a = values[v].aliasOf { v = a }
      return v
    }
    for l in m.layers where l.cls != .input {
      switch l.cls {
      case .constant, .quant, .bipolarQuant, .matMul, .batchNormOnnx:
        throw no(l, "hls4ml leaves this \(l.className) layer in the graph and has no template for it (the generated project does not compile)")
      case .reshape:
        guard l.inplace else { throw no(l, "a Reshape that is not in place") }
        let src = try value(l.inputs[0], l)
        values.append(Value(name: l.outputs[0], shape: l.outVar.shape, isBatched: true, constant: nil, aliasOf: src))
        byName[l.outputs[0]] = values.count - 1
        continue
      default: break
      }
      let ins = try l.inputs.filter { !$0.isEmpty }.map { (t: String) throws(TrigRTError) -> Int in try value(t, l) }
      values.append(Value(name: l.outputs[0], shape: l.outVar.shape, isBatched: true, constant: nil, aliasOf: nil))
      let out = values.count - 1
      byName[l.outputs[0]] = out
      var h = HLSLayer(name: l.name, configKey: l.name, className: l.className, op: .activation(.identity), inputs: ins, output: out)
      h.notes = l.notes
      let result = try format(l.resultType, l, "result type")
      h.resolved["result"] = result
      for (i, v) in ins.enumerated() where g.formats[root(v)] == nil { throw no(l, "the type of input \(i) is unknown") }
      switch l.cls {
      case .dense:
        guard let w = l.weights["weight"], let b = l.weights["bias"] else { throw no(l, "no weights") }
        if w.type.precision.kind == .xnor || m.outputVars[l.inputs[0]]?.type.precision.kind == .xnor {
          throw no(l, "binary (Xnor) weights or data: hls4ml's weight_binary / both_binary product has no trigrt kernel")
        }
        if w.type.precision.kind == .integer && w.type.precision.width == 2 && w.type.precision.signed {
          throw no(l, "ap_int<2> weights select hls4ml's weight_ternary product, which has no trigrt kernel")
        }
        guard w.data.shape.count == 2, w.data.shape[0] == l.nIn, w.data.shape[1] == l.nOut, b.data.count == l.nOut else {
          throw no(l, "weights of shape \(w.data.shape) for \(l.nIn) → \(l.nOut)")
        }
        h.resolved["weight"] = try format(w.type.precision, l, "weight type")
        h.resolved["bias"] = try format(b.type.precision, l, "bias type")
        h.resolved["accum"] = try format(l.types["accum_t"]!.precision, l, "accum type")
        let spec = DenseSpec(inFeatures: l.nIn, outFeatures: l.nOut, rowsPerSample: 1, weights: [], bias: nil, activation: .identity)
        h.op = .dense(spec, weights: w.data.data, bias: b.data.data)
      case .applyAlpha, .batchNormalization:
        guard let s = l.weights["scale"], let b = l.weights["bias"] else { throw no(l, "no scale or bias") }
        let n = l.outVar.size
        if l.cls == .batchNormalization, l.nFilt > 0 {
          // n_filt channels (channels-last): scale[i mod n_filt], bias[i mod n_filt].
          guard s.data.count == l.nFilt, b.data.count == l.nFilt, n % l.nFilt == 0 else {
            throw no(l, "scale / bias of \(s.data.count) / \(b.data.count) values for n_filt \(l.nFilt) over \(n) elements")
          }
          h.resolved["scale"] = try format(s.type.precision, l, "scale type")
          h.resolved["bias"] = try format(b.type.precision, l, "bias type")
          // Up to 64 Ki elements the entries are stored per element (the same values, tiled), so
          // the planner's per-element lane path applies.
          let tile = n <= 1 << 16 ? n / l.nFilt : 1
          h.op = .normalize(scale: Array([[Double]](repeating: s.data.data, count: tile).joined()),
                            bias: Array([[Double]](repeating: b.data.data, count: tile).joined()))
          break
        }
        guard let sv = s.data.broadcast(to: [n]) ?? (s.data.count == n ? NDArray(shape: [n], data: s.data.data, dtype: s.data.dtype) : nil),
              let bv = b.data.broadcast(to: [n]) ?? (b.data.count == n ? NDArray(shape: [n], data: b.data.data, dtype: b.data.dtype) : nil) else {
          throw no(l, "scale / bias of \(s.data.count) / \(b.data.count) values for \(n) elements")
        }
        h.resolved["scale"] = try format(s.type.precision, l, "scale type")
        h.resolved["bias"] = try format(b.type.precision, l, "bias type")
        h.op = .normalize(scale: sv.data, bias: bv.data)
      case .activation:
        h.tableSize = l.intAttr("table_size") ?? 1024
        switch l.activation.lowercased() {
        case "linear": h.op = .activation(.identity)
        case "relu": h.op = .activation(.relu)
        case "sigmoid", "tanh":
          h.op = .activation(l.activation.lowercased() == "sigmoid" ? .sigmoid : .tanh)
          h.resolved["table"] = try format(l.types["table_t"]!.precision, l, "table type")
          guard h.tableSize >= 1 && h.tableSize <= 1 << 20 else { throw no(l, "table_size \(h.tableSize)") }
        default:
          throw no(l, "the activation nnet::\(l.activation.lowercased()) has no trigrt kernel")
        }
      case .parametrizedActivation:
        guard l.activation.lowercased() == "leakyrelu", let a = l.activParam else {
          throw no(l, "the activation nnet::\(m.function(l)) has no trigrt kernel")
        }
        h.op = .activation(.leakyRelu(alpha: Float(a)))
        h.resolved["param"] = try format(l.types["param_t"]!.precision, l, "param type")
      case .softmax:
        let sm = m.softmaxTables(l)
        h.implementation = l.attrs["implementation"]?.string ?? "stable"
        h.expTableSize = sm.exp
        h.invTableSize = sm.inv
        h.tableSize = sm.inv
        switch l.attrs["exp_scale"] {
        case nil: h.expScale = 1
        case .float(let f)?: h.expScale = Float(f)
        case .int(let i)?: h.expScale = Float(i)
        case let v?: throw no(l, "exp_scale \(v)")
        }
        for (k, key) in [("exp_table_t", "exp_table"), ("inv_table_t", "inv_table"), ("inv_inp_t", "inv_inp"), ("accum_t", "accum")] {
          h.resolved[key] = try format(l.types[k]!.precision, l, "\(k)")
        }
        if h.implementation == "stable" {
          // (FixedPlanner notes how coarsely the exp table is addressed, SEMANTICS pitfall P1.)
          h.resolved["inp_norm"] = try format(sm.inpNorm, l, "inp_norm_t")
        }
        if h.implementation == "legacy" {
          // nnet::activ_config's table_t; FixedPlanner notes that its exp entries wrap.
          h.resolved["table"] = try! FixedFormat(parsing: "ap_fixed<18,8>")
        }
        for s in [sm.exp, sm.inv] where s < 1 || s > 1 << 20 { throw no(l, "a softmax table of \(s) entries") }
        let n = l.outVar.size
        h.op = .softmax(SoftmaxSpec(outer: 1, axisSize: n, inner: 1))
      case .merge:
        let na = values[ins[0]].count, nb = values[ins[1]].count
        guard na == nb else {
          throw no(l, "a merge of \(na) and \(nb) elements: hls4ml repeats the shorter cyclically (i mod n), which trigrt does not reproduce")
        }
        switch l.op {
        case "add": h.op = .merge(.add)
        case "subtract": h.op = .merge(.sub)
        case "multiply": h.op = .merge(.mul)
        case "average": h.op = .merge(.average)
        case "maximum": h.op = .merge(.maximum)
        case "minimum": h.op = .merge(.minimum)
        default: throw no(l, "hls4ml writes nnet::\(l.op), which does not exist in hls4ml's C++ library (the project does not compile); trigrt has no kernel for it")
        }
      case .concatenate:
        guard l.op == "concatenate1d" else { throw no(l, "\(l.op) is out of scope (rank-1 concatenation only)") }
        h.op = .concat(ConcatSpec(blocks: ins.map { values[$0].count }, outer: 1))
      case .bnQuantizedTanh:
        throw no(l, "nnet::normalize_binary_tanh (BatchNormalizationQuantizedTanh) has no trigrt kernel")
      case .conv1d, .conv2d, .pointwiseConv1d:
        // conv_*d_latency_cl: per output pixel, the Dense recipe over the (kh, kw, c) column.
        guard let w = l.weights["weight"], let b = l.weights["bias"], let geo = l.conv else { throw no(l, "no weights") }
        if w.type.precision.kind == .xnor || w.type.precision.kind == .integer && w.type.precision.width <= 2 {
          throw no(l, "binary / ternary weights select another hls4ml product, which has no trigrt kernel")
        }
        h.resolved["weight"] = try format(w.type.precision, l, "weight type")
        h.resolved["bias"] = try format(b.type.precision, l, "bias type")
        h.resolved["accum"] = try format(l.types["accum_t"]!.precision, l, "accum type")
        if !geo.isPointwise {
          try m.checkPerElement([geo.pixels, l.nIn], "the im2col index table of \(l.name), one per column entry \([geo.pixels, l.nIn]),")
          let idx = geo.im2col()
          values.append(Value(name: l.outputs[0] + "/im2col", shape: [geo.pixels, l.nIn], isBatched: true, constant: nil, aliasOf: nil))
          let col = values.count - 1
          let inF = g.formats[root(ins[0])]!
          var c = HLSLayer(name: l.name + "/im2col", configKey: l.name, className: "im2col",
                           op: .window(WindowSpec(mode: .copy, window: 1, outCount: idx.count, indices: idx)), inputs: [ins[0]], output: col)
          c.resolved["result"] = inF
          c.notes = ["the (kh, kw, c) column of every output pixel of \(l.name), padding cells 0 (trigrt's gather; part of hls4ml's conv layer)"]
          g.formats[col] = inF
          g.layers.append(c)
          h.inputs = [col]
        }
        let spec = DenseSpec(inFeatures: l.nIn, outFeatures: l.nOut, rowsPerSample: geo.pixels, weights: [], bias: nil, activation: .identity)
        h.op = .dense(spec, weights: w.data.data, bias: b.data.data)
        h.constants["implementation"] = "linebuffer"
      case .pooling1d, .pooling2d:
        guard let geo = l.conv else { throw no(l, "no geometry") }
        let accum = try format(l.types["accum_t"]!.precision, l, "accum type")
        h.resolved["accum"] = accum
        try m.checkPerElement([geo.pixels * geo.channels, geo.kH * geo.kW], "the window index table of \(l.name), one per window cell,")
        let idx = geo.poolWindows()
        switch l.attrs["pool_op"]?.string {
        case "Max":
          h.op = .window(WindowSpec(mode: .max, window: geo.kH * geo.kW, outCount: geo.pixels * geo.channels, indices: idx))
        case "Average" where l.cls == .pooling2d:
          // pooling2d_cl, Average: accum_t y = 0; y += x over the window (padding cells add 0),
          // y /= the window's real cells (count_pad false), then res_T.
          let inF = g.formats[root(ins[0])]!
          if WindowFixedStep.averaging(input: inF, accum: accum, store: ConstantStore()) == nil {
            throw no(l, "the exact sum of \(accum) and \(inF) is wider than 62 bits")
          }
          let div = geo.poolDivisors()
          // (a window of padding only would divide by 0 in the firmware)
          guard !div.contains(0) else { throw no(l, "a window holds only padding cells (pads \(geo.padTop), \(geo.padLeft), \(geo.padBottom), \(geo.padRight) for kernel \(geo.kH)×\(geo.kW))") }
          h.op = .window(WindowSpec(mode: .average, window: geo.kH * geo.kW, outCount: geo.pixels * geo.channels, indices: idx,
                                    divisors: div.allSatisfy({ Int($0) == geo.kH * geo.kW }) ? nil : div))
        default:
          throw no(l, "pool_op \(l.attrs["pool_op"]?.string ?? "?") has no trigrt kernel here (max pooling, 2-D average pooling)")
        }
        h.constants["implementation"] = "linebuffer"
      case .globalPooling1d, .globalPooling2d:
        // global_pooling{1,2}d_cl: output f pools data[i·n_filt + f], i < n_in (channels-last
        // indexing of whatever array it is given), in pool_op's order.
        let op = l.attrs["pool_op"]?.string
        let accum = try format(l.types["accum_t"]!.precision, l, "accum type")
        h.resolved["accum"] = accum
        let nf = l.nFilt, len = l.nIn
        guard nf >= 1, len >= 1, nf * len == values[ins[0]].count else { throw no(l, "n_filt \(nf) × \(len) for an input of \(values[ins[0]].count) values") }
        let inF = g.formats[root(ins[0])]!
        if op == "Average" && WindowFixedStep.averaging(input: inF, accum: accum, store: ConstantStore()) == nil {
          throw no(l, "the exact sum of \(accum) and \(inF) is wider than 62 bits")
        }
        try m.checkPerElement([nf, len], "the index table of \(l.name), one per input element,")
        var idx: [Int32] = []
        idx.reserveCapacity(nf * len)
        for f in 0..<nf { for i in 0..<len { idx.append(Int32(i * nf + f)) } }
        h.op = .window(WindowSpec(mode: op == "Average" ? .average : .max, window: len, outCount: nf, indices: idx))
        if let t = l.globalPoolTrap { h.notes.append(t) }
      case .transpose:
        guard let perm = l.perm else { throw no(l, "no perm") }
        let inShape = values[ins[0]].shape
        guard inShape.count == perm.count else { throw no(l, "perm \(perm) for input shape \(inShape)") }
        var inStride = [Int](repeating: 1, count: inShape.count)
        for a in stride(from: inShape.count - 2, through: 0, by: -1) { inStride[a] = inStride[a + 1] * inShape[a + 1] }
        let outShape = perm.map { inShape[$0] }
        try m.checkPerElement(outShape, "the index table of \(l.name), one per element of \(outShape),")
        let n = outShape.reduce(1, *)
        var idx = [Int32](repeating: 0, count: n)
        var coord = [Int](repeating: 0, count: outShape.count)
        for i in 0..<n {
          var src = 0
          for (j, a) in perm.enumerated() { src += coord[j] * inStride[a] }
          idx[i] = Int32(src)
          var d = outShape.count - 1
          while d >= 0 {
            coord[d] += 1
            if coord[d] < outShape[d] { break }
            coord[d] = 0
            d -= 1
          }
        }
        h.op = .window(WindowSpec(mode: .cast, window: 1, outCount: n, indices: idx))
      default:
        throw no(l, "no trigrt kernel")
      }
      g.formats[out] = result
      g.layers.append(h)
    }
    // ONNX graph outputs → the hls4ml tensors that compute them.
    for (j, o) in lowered.outputs.enumerated() {
      guard let k = m.outputOrigin.firstIndex(of: j), let id = byName[m.outputs[k]] else {
        throw no(nil, "graph output '\(lowered.outputNames[j])' has no output port in hls4ml's top function (it is produced by an Identity or Dropout, which hls4ml skips)")
      }
      if root(id) == root(o) { continue }
      guard !lowered.inputs.contains(o) else { throw no(nil, "graph output '\(lowered.outputNames[j])' is a graph input") }
      values[o].aliasOf = id
    }
    for (k, o) in m.outputs.enumerated() where m.outputOrigin[k] == nil {
      g.notes.append("hls4ml also outputs '\(o)', which is not a graph output")
    }
    // Config-level notes (ignored entries) go with the first layer, where inspect shows notes.
    if !g.layers.isEmpty { g.layers[0].notes = m.notes.map { "config: " + $0 } + g.layers[0].notes }
    g.values = values
    return g
  }
}
