/// hls4ml 1.3.0's optimizer flows, in the order the Vivado backend runs them, with every pass
/// that can match in scope: firmware-sim/HLS4ML-FRONTEND.md §5 and §6.3. Each pass is the same
/// (match, transform) pair as in hls4ml, and `optimize` applies them under hls4ml's restart
/// rule (§5.1): the first (pass, layer) in (pass order, graph order) whose transform reports a
/// change is applied, then everything starts over. The rules are implemented, not a pattern
/// table: which layers fuse depends on `auto`, on graph order and on earlier passes.
import FixedPoint
import Glibc

enum Passes {
  enum Pass: String {
    // parse_qonnx
    case reshapeConstant = "reshape_constant"
    case quantConstantParameters = "quant_constant_parameters"
    case bipolarQuantConstantParameters = "bipolar_quant_constant_parameters"
    case fuseQuantWithConstant = "fuse_quant_with_constant"
    case fuseBipolarQuantWithConstant = "fuse_bipolar_quant_with_constant"
    case quantToActivation = "quant_to_activation"
    case bipolarQuantToActivation = "bipolar_quant_to_activation"
    case constQuantToConstAlpha = "const_quant_to_const_alpha"
    case constBipolarQuantToConstAlpha = "const_bipolar_quant_to_const_alpha"
    case quantToAlphaActivationAlpha = "quant_to_alpha_activation_alpha"
    case bipolarQuantToAlphaActivationAlpha = "bipolar_quant_to_alpha_activation_alpha"
    case batchNormOnnxConstantParameters = "batch_norm_onnx_constant_parameters"
    case constantBatchNormFusion = "constant_batch_norm_fusion"
    case mergeTwoConstants = "merge_two_constants"
    case scaleDownAdd = "scale_down_add"
    case biasDownAdd = "bias_down_add"
    case scaleDownMatMul = "scale_down_mat_mul"
    case mergeToApplyAlpha = "merge_to_apply_alpha"
    case mergeToApplyAlphaDiv = "merge_to_apply_alpha_div"
    case matmulConstToDense = "matmul_const_to_dense"
    // convert
    case fuseConsecutiveBatchNormalization = "fuse_consecutive_batch_normalization"
    case fuseBatchNormalization = "fuse_batch_normalization"
    case replaceMultidimensionalDenseWithConv = "replace_multidimensional_dense_with_conv"
    case eliminateLinearActivation = "eliminate_linear_activation"
    case mergeLinearActivation = "merge_linear_activation"
    case inferPrecisionTypes = "infer_precision_types"
    // optimize
    case removeNopBatchNormalization = "remove_nop_batch_normalization"
    // vivado:quantization
    case mergeBatchNormQuantizedTanh = "merge_batch_norm_quantized_tanh"
    case quantizeDenseOutput = "quantize_dense_output"
    // vivado:optimize
    case removeFinalReshape = "remove_final_reshape"
    case inplaceParallelReshape = "inplace_parallel_reshape"
    case skipSoftmax = "skip_softmax"
    case fixSoftmaxTableSize = "fix_softmax_table_size"
  }

  static let parseQonnx: [Pass] = [.reshapeConstant, .quantConstantParameters, .bipolarQuantConstantParameters, .fuseQuantWithConstant,
                                   .fuseBipolarQuantWithConstant, .quantToActivation, .bipolarQuantToActivation, .constQuantToConstAlpha,
                                   .constBipolarQuantToConstAlpha, .quantToAlphaActivationAlpha, .bipolarQuantToAlphaActivationAlpha,
                                   .batchNormOnnxConstantParameters, .constantBatchNormFusion, .mergeTwoConstants, .scaleDownAdd,
                                   .biasDownAdd, .scaleDownMatMul, .mergeToApplyAlpha, .mergeToApplyAlphaDiv, .matmulConstToDense]
  static let convert: [Pass] = [.fuseConsecutiveBatchNormalization, .fuseBatchNormalization, .replaceMultidimensionalDenseWithConv,
                                .eliminateLinearActivation, .mergeLinearActivation, .inferPrecisionTypes]
  static let optimize: [Pass] = [.removeNopBatchNormalization]
  static let quantization: [Pass] = [.mergeBatchNormQuantizedTanh, .quantizeDenseOutput, .fuseConsecutiveBatchNormalization]
  static let vivadoOptimize: [Pass] = [.removeFinalReshape, .inplaceParallelReshape, .skipSoftmax, .fixSoftmaxTableSize, .inferPrecisionTypes]

  /// The flows parse_qonnx → convert → optimize → vivado:init_layers (no type effect in scope)
  /// → vivado:streaming (io_stream only) → vivado:quantization → vivado:optimize.
  static func run(_ m: HLSModel) throws(TrigRTError) {
    for flow in [parseQonnx, convert, optimize, quantization, vivadoOptimize] { try run(flow, m) }
  }

  /// `optimize_model` (§5.1).
  static func run(_ flow: [Pass], _ m: HLSModel) throws(TrigRTError) {
    var rounds = 0
    outer: while true {
      rounds += 1
      guard rounds < 100_000 else { throw m.fail("the optimizer flow does not converge (hls4ml would loop forever)") }
      for p in flow {
        for l in m.layers where m.contains(l) {
          guard try match(p, m, l) else { continue }
          if try transform(p, m, l) {
            if let n = noteFor(p) { l.notes.append(n) }
            continue outer
          }
        }
      }
      return
    }
  }

  static func noteFor(_ p: Pass) -> String? { nil }

  /// ⌈log2 n⌉ for n ≥ 1 (0 for n = 1).
  static func ceilLog2(_ n: Int) -> Int {
    var b = 0
    while (1 << b) < n { b += 1 }
    return b
  }

  // MARK: helpers

  /// numpy `frexp` of a positive value's mantissa and exponent.
  static func frexp(_ x: Double) -> (Double, Int) {
    guard x.isFinite, x != 0 else { return (x, 0) }
    return (Double(sign: x.sign, exponent: -1, significand: x.significand), Int(x.exponent) + 1)
  }

  /// `_ALSO_MATCH_PO2` test of the Quant passes: every scale is 1, or every scale equals the
  /// first and its mantissa is 0.5. (The zero-point test before it is overwritten in hls4ml.)
  static func unitOrPowerOfTwo(_ scale: NDArray) -> Bool {
    if scale.allEqual(1) { return true }
    guard let s0 = scale.data.first, scale.allEqual(s0) else { return false }
    return frexp(s0).0 == 0.5
  }

  /// `_calculate_precision_quantizer`.
  static func quantPrecision(_ m: HLSModel, bitwidth: Double, integer: Double, signed: Bool, narrow: Bool,
                             rounding: String?) throws(TrigRTError) -> HLSType {
    let q: FixedFormat.Quantization
    switch rounding {
    case "ROUND": q = .rndConv
    case "FLOOR": q = .trn
    default:
      throw m.fail("NotImplementedError: Rounding mode \(rounding ?? "None") not supported in Quant node. Only ROUND and FLOOR supported.")
    }
    if narrow && !signed { throw m.fail("NotImplementedError: Narrow mode is only supported for singed numbers.") }
    return .fixed(Int(bitwidth.rounded(.up)), Int(integer.rounded(.up)), signed: signed, q, narrow ? .satSym : .sat, 0)
  }

  /// `str(FixedPrecisionType)`, as passes write it back into configs.
  static func pyString(_ t: HLSType) -> String {
    switch t.kind {
    case .fixed:
      return "\(t.signed ? "" : "u")fixed<\(t.width),\(t.integer),\(t.rounding.name(for: .ap).dropFirst(3)),\(t.saturation.name(for: .ap).dropFirst(3)),\(t.saturationBits)>"
    case .integer: return "\(t.signed ? "" : "u")int<\(t.width)>"
    default: return t.description
    }
  }

  static func quantParams(_ m: HLSModel, _ l: HLayer) throws(TrigRTError) -> (scale: NDArray, zeropt: NDArray, bitwidth: Double) {
    guard let s = l.qScale, let z = l.qZeropt, let b = l.qBitwidth else {
      throw m.fail("RuntimeError: hls4ml only supports constant scale, zeropt, and bitwidth values (\(l.name))")
    }
    return (s, z, b)
  }

  /// The layer config a renamed layer gets (§3.3), registered under the new name.
  static func copyConfig(_ m: HLSModel, from l: HLayer, to name: String, deep: Bool) -> PyDict {
    var cfg = m.config.layerConfig(name: l.name, className: l.className)
    if deep { cfg = cfg.deepCopy() }
    m.config.setNameConfig(name, cfg)
    m.config.parseNameConfig(name, cfg)
    return cfg
  }

  /// `config.setdefault('Precision', {})['result'] = str(precision)`.
  static func forceResult(_ m: HLSModel, _ cfg: PyDict, _ p: HLSType, _ l: HLayer) throws(TrigRTError) {
    switch cfg["Precision"] {
    case nil:
      cfg["Precision"] = .dict(PyDict([("result", .str(pyString(p)))]))
    case .dict(let d)?:
      d["result"] = .str(pyString(p))
    case let v?:
      throw m.configFail("TypeError: hls4ml's \(l.name) entry has Precision \(v), which quant_to_activation cannot extend with a result type ('str' object does not support item assignment)")
    }
  }

  /// `_make_scalar` of scale_down_mat_mul.
  static func makeScalar(_ a: NDArray) -> NDArray {
    if let f = a.data.first, a.allEqual(f) { return .scalar(f, a.dtype) }
    return a
  }

  /// A copy of an ApplyAlpha's attributes for re-creating it (scale_down_*); the fixed
  /// precisions it may carry are wrapped types by now, which makes the new layer fail.
  static func copyAlpha(_ src: HLayer, into l: HLayer, dropBiasPrecision: Bool = false) {
    for (k, v) in src.attrs where !["trace", "precision", "scale", "bias", "scale_data", "bias_data"].contains(k) { l.attrs[k] = v }
    l.scaleQuantizer = src.scaleQuantizer
    l.biasQuantizer = src.biasQuantizer
    l.scalePrecision = src.scalePrecision
    l.biasPrecision = dropBiasPrecision ? nil : src.biasPrecision
    l.nFilt = src.nFilt
    if l.scalePrecision != nil || l.biasPrecision != nil { l.attrs["__wrapped"] = .bool(true) }
  }

  // MARK: match

  static func match(_ p: Pass, _ m: HLSModel, _ l: HLayer) throws(TrigRTError) -> Bool {
    switch p {
    case .reshapeConstant:
      return l.cls == .reshape && l.inputs.count > 1 && m.producer(l.inputs[1]) != nil
    case .quantConstantParameters:
      return l.cls == .quant && l.inputs.count == 4 && (1...3).contains { m.producer(l.inputs[$0])?.cls == .constant }
    case .bipolarQuantConstantParameters:
      return l.cls == .bipolarQuant && l.inputs.count == 2 && m.producer(l.inputs[1])?.cls == .constant
    case .fuseQuantWithConstant, .quantToActivation:
      guard l.cls == .quant, l.inputs.count == 1 else { return false }
      let fromConst = m.producer(l.inputs[0])?.cls == .constant
      guard fromConst == (p == .fuseQuantWithConstant) else { return false }
      return unitOrPowerOfTwo(try quantParams(m, l).scale)
    case .constQuantToConstAlpha:
      return l.cls == .quant && l.inputs.count == 1 && m.producer(l.inputs[0])?.cls == .constant
    case .quantToAlphaActivationAlpha:
      return l.cls == .quant && l.inputs.count == 1 && m.producer(l.inputs[0])?.cls != .constant
    case .fuseBipolarQuantWithConstant, .bipolarQuantToActivation:
      guard l.cls == .bipolarQuant, l.inputs.count == 1 else { return false }
      let fromConst = m.producer(l.inputs[0])?.cls == .constant
      guard fromConst == (p == .fuseBipolarQuantWithConstant), let s = l.qScale else { return false }
      return s.allEqual(1)
    case .constBipolarQuantToConstAlpha:
      guard l.cls == .bipolarQuant, l.inputs.count == 1, m.producer(l.inputs[0])?.cls == .constant, let s = l.qScale else { return false }
      return !s.allEqual(1)
    case .bipolarQuantToAlphaActivationAlpha:
      return l.cls == .bipolarQuant && l.inputs.count == 1 && m.producer(l.inputs[0])?.cls != .constant
    case .batchNormOnnxConstantParameters:
      return l.cls == .batchNormOnnx && l.inputs.dropFirst().contains { !$0.isEmpty }
    case .constantBatchNormFusion:
      guard l.cls.isBatchNorm, !l.inputs.dropFirst().contains(where: { !$0.isEmpty }), let c = m.producer(l.inputs[0]), c.cls == .constant else { return false }
      return c.resultType.isUnspecified
    case .mergeTwoConstants:
      return l.cls.isMerge && l.inputs.count >= 2 && m.producer(l.inputs[0])?.cls == .constant && m.producer(l.inputs[1])?.cls == .constant
    case .scaleDownAdd:
      guard l.cls.isMerge, l.inputs.count == 2, l.op == "add", let a = m.producer(l.inputs[0]), let b = m.producer(l.inputs[1]),
            a.cls == .applyAlpha, b.cls == .applyAlpha else { return false }
      guard let eq = NDArray.binary(.sub, a.weights["scale"]!.unquantized, b.weights["scale"]!.unquantized) else {
        throw m.fail("ValueError: scale_down_add compares scales of different shapes (\(a.name), \(b.name))")
      }
      return eq.allEqual(0)
    case .biasDownAdd:
      guard l.cls.isMerge, l.inputs.count == 2, l.op == "add" else { return false }
      let a = m.producer(l.inputs[0])?.cls == .applyAlpha, b = m.producer(l.inputs[1])?.cls == .applyAlpha
      return a != b
    case .scaleDownMatMul:
      return l.cls == .matMul && l.inputs.count == 2 && (m.producer(l.inputs[0])?.cls == .applyAlpha || m.producer(l.inputs[1])?.cls == .applyAlpha)
    case .mergeToApplyAlpha:
      guard l.cls.isMerge, ["add", "subtract", "multiply"].contains(l.op), l.inputs.count >= 2 else { return false }
      return (m.producer(l.inputs[0])?.cls == .constant) != (m.producer(l.inputs[1])?.cls == .constant)
    case .mergeToApplyAlphaDiv:
      return l.cls.isMerge && l.op == "divide" && l.inputs.count >= 2 && m.producer(l.inputs[1])?.cls == .constant
    case .matmulConstToDense:
      return l.cls == .matMul && l.inputs.count == 2 && m.producer(l.inputs[1])?.cls == .constant
    case .fuseConsecutiveBatchNormalization:
      guard l.cls.isBatchNorm, let prev = m.inputNode(l), prev.cls.isBatchNorm, prev.resultType.isUnspecified else { return false }
      let s0 = prev.weights["scale"]!.unquantized, b0 = prev.weights["bias"]!.unquantized
      let s1 = l.weights["scale"]!.unquantized, b1 = l.weights["bias"]!.unquantized
      let scaleOK = prev.scaleQuantizer == nil || l.scaleQuantizer == nil || s0.allEqual(1) || s1.allEqual(1)
      let biasOK = prev.biasQuantizer == nil || l.biasQuantizer == nil || b0.allEqual(0) || b1.allEqual(0)
      return scaleOK && biasOK
    case .fuseBatchNormalization:
      guard l.cls.isBatchNorm, let prev = m.inputNode(l), prev.cls == .dense, prev.resultType.isUnspecified else { return false }
      if prev.types["weight_t"]?.precision.kind == .xnor { return false }
      let s0 = prev.weights["weight"]!.unquantized, b0 = prev.weights["bias"]!.unquantized
      let s1 = l.weights["scale"]!.unquantized, b1 = l.weights["bias"]!.unquantized
      let scaleOK = (prev.weightQuantizer == nil && l.scaleQuantizer == nil) || (s0.allEqual(1) && prev.weightQuantizer == nil)
        || (s1.allEqual(1) && l.scaleQuantizer == nil)
      let biasOK = (prev.biasQuantizer == nil && l.biasQuantizer == nil) || (b0.allEqual(0) && prev.biasQuantizer == nil)
        || (b1.allEqual(0) && l.biasQuantizer == nil)
      return scaleOK && biasOK
    case .replaceMultidimensionalDenseWithConv:
      guard l.cls == .dense else { return false }
      return try m.inputVar(l).shape.count > 1
    case .eliminateLinearActivation:
      guard l.cls.isActivation else { return false }
      let inT = try m.inputVar(l).type.precision
      let cast = !inT.pyEquals(l.resultType)
      return l.activation == "linear" && !cast
    case .mergeLinearActivation:
      guard l.cls.isActivation, l.activation == "linear", let parent = m.producer(l.inputs[0]) else { return false }
      // _safe_parents = (Dense, Conv1D, Conv2D, BatchNormalization, Activation); PointwiseConv1D
      // is a Conv1D.
      let safe = parent.cls == .dense || parent.cls.isConv || parent.cls.isBatchNorm || parent.cls.isActivation
      return safe && parent.resultType.isUnspecified
    case .inferPrecisionTypes:
      // `node.get_input_variable()` indexes inputs[0]: a layer without inputs (a Constant no
      // pass absorbed) raises here.
      guard !l.inputs.isEmpty else {
        throw m.fail("IndexError: list index out of range (infer_precision_types on \(l.name), a \(l.className) no pass absorbed: hls4ml cannot use this constant here)")
      }
      return l.typeOrder.contains { l.types[$0]!.precision.isUnspecified }
    case .removeNopBatchNormalization:
      guard l.cls.isBatchNorm else { return false }
      return l.weights["scale"]!.unquantized.allEqual(1) && l.weights["bias"]!.unquantized.allEqual(0)
    case .mergeBatchNormQuantizedTanh:
      guard l.cls == .activation, ["binary", "binary_tanh", "ternary", "ternary_tanh"].contains(l.activation) else { return false }
      return m.inputNode(l)?.cls.isBatchNorm == true
    case .quantizeDenseOutput:
      guard l.cls == .dense, m.inputNode(l)?.cls == .bnQuantizedTanh, case .binary? = l.weightQuantizer else { return false }
      return true
    case .removeFinalReshape:
      return l.cls == .reshape && m.outputNodes(l).isEmpty
    case .inplaceParallelReshape:
      return l.cls == .reshape
    case .skipSoftmax:
      return l.cls == .softmax && l.attrs["skip"]?.truthy == true
    case .fixSoftmaxTableSize:
      return l.cls == .softmax && l.attrs["inv_table_size"] == nil
    }
  }

  // MARK: transform

  static func transform(_ p: Pass, _ m: HLSModel, _ l: HLayer) throws(TrigRTError) -> Bool {
    switch p {
    case .reshapeConstant:
      let shapeNode = m.producer(l.inputs[1])!
      l.inputs[1] = ""
      guard shapeNode.cls == .constant else { throw m.fail("RuntimeError: Nonconstant shape inputs are not currently supported (\(l.name))") }
      try m.remove(shapeNode)
      return true

    case .quantConstantParameters:
      for i in 1...3 {
        guard let c = m.producer(l.inputs[i]), c.cls == .constant else { continue }
        let v = c.value!
        switch i {
        case 1: l.qScale = v
        case 2: l.qZeropt = v
        default:
          guard v.count == 1 else { throw m.fail("RuntimeError: Only scalar bitwidth values are supporeted by the Quant node (\(l.name))") }
          l.qBitwidth = v.data[0]
        }
        l.inputs[i] = ""
        try m.remove(c)
      }
      l.inputs = l.inputs.filter { !$0.isEmpty }
      guard l.inputs.count == 1 else { throw m.fail("RuntimeError: hls4ml only supports constant scale, zeropt, and bitwidth values (\(l.name))") }
      return true

    case .bipolarQuantConstantParameters:
      if let c = m.producer(l.inputs[1]), c.cls == .constant {
        l.qScale = c.value
        l.inputs[1] = ""
        try m.remove(c)
      }
      l.inputs = l.inputs.filter { !$0.isEmpty }
      guard l.inputs.count == 1 else { throw m.fail("RuntimeError: hls4ml only supports constant scale (\(l.name))") }
      return true

    case .fuseQuantWithConstant:
      let q = try quantParams(m, l)
      var integer = q.bitwidth
      if !q.scale.allEqual(1) { integer = q.bitwidth + Double(frexp(q.scale.data[0]).1) - 1 }
      let prec = try quantPrecision(m, bitwidth: q.bitwidth, integer: integer, signed: l.attrs["signed"]?.truthy ?? false,
                                    narrow: l.attrs["narrow"]?.truthy ?? false, rounding: l.attrs["rounding_mode"]?.string)
      let c = m.producer(l.inputs[0])!
      c.quantizer = .quantNode(prec)
      c.outVar.type.precision = prec
      try m.remove(l)
      return true

    case .fuseBipolarQuantWithConstant:
      let c = m.producer(l.inputs[0])!
      c.quantizer = .binary
      c.outVar.type.precision = .xnor
      try m.remove(l)
      return true

    case .quantToActivation:
      let q = try quantParams(m, l)
      var integer = q.bitwidth
      if !q.scale.allEqual(1) { integer = q.bitwidth + Double(frexp(q.scale.data[0]).1) - 1 }
      let prec = try quantPrecision(m, bitwidth: q.bitwidth, integer: integer, signed: l.attrs["signed"]?.truthy ?? false,
                                    narrow: l.attrs["narrow"]?.truthy ?? false, rounding: l.attrs["rounding_mode"]?.string)
      let cfg = m.config.layerConfig(name: l.name, className: l.className)
      try forceResult(m, cfg, prec, l)
      let name = l.name + "_act"
      m.config.setNameConfig(name, cfg)
      m.config.parseNameConfig(name, cfg)
      let act = try m.make(.activation, name, inputs: [l.inputs[0]], outputs: l.outputs) {
        $0.attrs["activation"] = .str("linear")
        $0.quantizer = .quantNode(prec)
      }
      try m.replace(l, with: act)
      return true

    case .bipolarQuantToActivation:
      _ = copyConfig(m, from: l, to: l.name + "_act", deep: false)
      let act = try m.make(.activation, l.name + "_act", inputs: [l.inputs[0]], outputs: l.outputs) {
        $0.attrs["activation"] = .str("binary_tanh")
        $0.quantizer = .binary
        $0.quantizerPrecision = .xnor
      }
      try m.replace(l, with: act)
      return true

    case .constQuantToConstAlpha:
      let q = try quantParams(m, l)
      let prec = try quantPrecision(m, bitwidth: q.bitwidth, integer: q.bitwidth, signed: l.attrs["signed"]?.truthy ?? false,
                                    narrow: l.attrs["narrow"]?.truthy ?? false, rounding: l.attrs["rounding_mode"]?.string)
      let c = m.producer(l.inputs[0])!
      if let sh = NDArray.broadcastShape(c.value!.shape, q.scale.shape) { try m.checkPerElement(sh, "the quantized constant of \(l.name) (\(sh))") }
      guard let scaled = NDArray.binary(.div, c.value!, q.scale), let shifted = scaled + q.zeropt else {
        throw m.fail("ValueError: the Quant parameters of \(l.name) do not broadcast against its constant")
      }
      c.value = shifted
      c.quantizer = .quantNode(prec)
      c.outVar.type.precision = prec
      let inShape = try m.inputVar(l).shape
      _ = copyConfig(m, from: l, to: l.name + "_rescale", deep: true)
      try m.checkPerElement(inShape, "hls4ml's ApplyAlpha \(l.name)_rescale, a scale per element of \(inShape),")
      guard let rebias = q.zeropt.negated * q.scale, let s = q.scale.broadcast(to: inShape), let b = rebias.broadcast(to: inShape) else {
        throw m.fail("ValueError: the Quant scale of \(l.name) does not broadcast to its input \(inShape)")
      }
      let r = try m.make(.applyAlpha, l.name + "_rescale", inputs: l.inputs, outputs: l.outputs) {
        $0.nFilt = -1
        $0.scaleData = s
        $0.biasData = b
      }
      try m.replace(l, with: r)
      return true

    case .constBipolarQuantToConstAlpha:
      let c = m.producer(l.inputs[0])!
      let scale = l.qScale!
      c.quantizer = .binary
      c.outVar.type.precision = .xnor
      let inShape = try m.inputVar(l).shape
      _ = copyConfig(m, from: l, to: l.name + "_rescale", deep: true)
      try m.checkPerElement(inShape, "hls4ml's ApplyAlpha \(l.name)_rescale, a scale per element of \(inShape),")
      guard let rebias = NDArray.scalar(0, .i64).negated * scale, let s = scale.broadcast(to: inShape), let b = rebias.broadcast(to: inShape) else {
        throw m.fail("ValueError: the BipolarQuant scale of \(l.name) does not broadcast to its input \(inShape)")
      }
      let r = try m.make(.applyAlpha, l.name + "_rescale", inputs: l.inputs, outputs: l.outputs) {
        $0.nFilt = -1
        $0.scaleData = s
        $0.biasData = b
      }
      try m.replace(l, with: r)
      return true

    case .quantToAlphaActivationAlpha, .bipolarQuantToAlphaActivationAlpha:
      let bipolar = p == .bipolarQuantToAlphaActivationAlpha
      let scale: NDArray, zeropt: NDArray
      var prec = HLSType.xnor
      if bipolar {
        scale = l.qScale!
        zeropt = .scalar(0, .i64)
      } else {
        let q = try quantParams(m, l)
        scale = q.scale
        zeropt = q.zeropt
        prec = try quantPrecision(m, bitwidth: q.bitwidth, integer: q.bitwidth, signed: l.attrs["signed"]?.truthy ?? false,
                                  narrow: l.attrs["narrow"]?.truthy ?? false, rounding: l.attrs["rounding_mode"]?.string)
      }
      let cfg = m.config.layerConfig(name: l.name, className: l.className)
      let actCfg = cfg.deepCopy()
      if !bipolar { try forceResult(m, actCfg, prec, l) }
      m.config.setNameConfig(l.name + "_act", actCfg)
      m.config.parseNameConfig(l.name + "_act", actCfg)
      let act = try m.make(.activation, l.name + "_act", inputs: [l.inputs[0]], outputs: l.outputs) {
        $0.attrs["activation"] = .str(bipolar ? "binary_tanh" : "linear")
        $0.quantizer = bipolar ? .binary : .quantNode(prec)
        if bipolar { $0.quantizerPrecision = .xnor }
      }
      try m.replace(l, with: act)
      let inShape = try m.inputVar(l).shape
      try m.checkPerElement(inShape, "hls4ml's ApplyAlpha \(l.name)_rescale, a scale per element of \(inShape),")
      if !bipolar {
        let scaleCfg = cfg.deepCopy()
        m.config.setNameConfig(l.name + "_scale", scaleCfg)
        m.config.parseNameConfig(l.name + "_scale", scaleCfg)
      }
      m.config.setNameConfig(l.name + "_rescale", cfg)
      m.config.parseNameConfig(l.name + "_rescale", cfg)
      if !bipolar {
        let first = scale.scalarOp(.div, 1, isInt: true, scalarFirst: true)
        guard let s = first.broadcast(to: inShape), let b = zeropt.broadcast(to: inShape) else {
          throw m.fail("ValueError: the Quant parameters of \(l.name) do not broadcast to its input \(inShape)")
        }
        let sn = try m.make(.applyAlpha, l.name + "_scale", inputs: [l.inputs[0]]) {
          $0.nFilt = -1
          $0.scaleData = s
          $0.biasData = b
        }
        try m.insert(sn)
      }
      guard let rebias = zeropt.negated * scale, let s = scale.broadcast(to: inShape), let b = rebias.broadcast(to: inShape) else {
        throw m.fail("ValueError: the Quant parameters of \(l.name) do not broadcast to its input \(inShape)")
      }
      let rn = try m.make(.applyAlpha, l.name + "_rescale", inputs: [act.outputs[0]]) {
        $0.nFilt = -1
        $0.scaleData = s
        $0.biasData = b
      }
      try m.insert(rn)
      return true

    case .batchNormOnnxConstantParameters:
      guard l.inputs.count == 5, l.inputs.allSatisfy({ !$0.isEmpty }) else {
        throw m.fail("ValueError: All 5 BatchNormOnnnx inputs need to be defined (\(l.name))")
      }
      var params: [NDArray] = []
      for (i, what) in [(1, "gammas"), (2, "betas"), (3, "moving_means"), (4, "moving_variances")] {
        guard let c = m.producer(l.inputs[i]), c.cls == .constant else { throw m.fail("TypeError: Only constant \(what) supported (\(l.name))") }
        params.append(c.value!)
        l.inputs[i] = ""
        try m.remove(c)
      }
      l.inputs = l.inputs.filter { !$0.isEmpty }
      guard l.inputs.count == 1 else { throw m.fail("RuntimeError: The QONNX batchnorm had unexpected inputs.") }
      let eps = l.epsilon, nIn = l.nIn, nFilt = l.nFilt
      let bn = try m.make(.batchNormalization, l.name, inputs: [l.inputs[0]], outputs: l.outputs) {
        $0.bn = (params[0], params[1], params[2], params[3])
        $0.epsilon = eps
        $0.nIn = nIn
        $0.nFilt = nFilt
      }
      try m.replace(l, with: bn)
      return true

    case .constantBatchNormFusion:
      throw m.fail("constant_batch_norm_fusion (a BatchNormalization on an unquantised constant) is not reproduced by trigrt (\(l.name))")

    case .mergeTwoConstants:
      let c1 = m.producer(l.inputs[1])!
      try m.remove(c1)
      try m.remove(l)   // a two-input Merge: hls4ml's remove_node raises
      return true

    case .scaleDownAdd:
      let a = m.producer(l.inputs[0])!, b = m.producer(l.inputs[1])!
      let scale = a.weights["scale"]!.unquantized
      guard let bias = a.weights["bias"]!.unquantized + b.weights["bias"]!.unquantized else { return false }
      try m.remove(a)
      try m.remove(b)
      let n = try m.make(.applyAlpha, a.name, inputs: l.outputs) {
        copyAlpha(a, into: $0)
        $0.scaleData = scale
        $0.biasData = bias
      }
      try m.insert(n)
      return true

    case .biasDownAdd:
      let a = m.producer(l.inputs[0]).flatMap { $0.cls == .applyAlpha ? $0 : nil } ?? m.producer(l.inputs[1])!
      guard a.weights["scale"]!.unquantized.allEqual(0) else { return false }   // hls4ml warns: cannot move
      try m.remove(a)
      let n = try m.make(.applyAlpha, a.name, inputs: l.outputs) {
        copyAlpha(a, into: $0)
        $0.scaleData = a.weights["scale"]!.unquantized
        $0.biasData = a.weights["bias"]!.unquantized
      }
      try m.insert(n)
      return true

    case .scaleDownMatMul:
      let inp = [m.producer(l.inputs[0]), m.producer(l.inputs[1])]
      let isAA = inp.map { $0?.cls == .applyAlpha }
      let fromConst = inp.map { x in x?.cls == .applyAlpha && m.producer(x!.inputs[0])?.cls == .constant }
      let k = fromConst[0] ? 0 : (fromConst[1] ? 1 : (isAA[0] ? 0 : 1))
      let aa = inp[k]!
      let other = inp[1 - k]
      let scale = makeScalar(aa.weights["scale"]!.unquantized), bias = makeScalar(aa.weights["bias"]!.unquantized)
      let outShape = l.outVar.shape
      var newScale: NDArray? = nil, newBias: NDArray? = nil
      var dropBias = false
      try m.checkPerElement(outShape, "the scale \(aa.name) propagates through \(l.name), one per element of \(outShape),")
      if bias.shape.isEmpty && bias.data[0] == 0, let s = scale.broadcast(to: outShape) {
        newScale = s
        newBias = .zeros(outShape)
      }
      if newScale == nil, let c = other, c.cls == .constant, let s = scale.broadcast(to: outShape),
         let prod = c.value! * bias, let b = prod.broadcast(to: outShape) {
        newScale = s
        newBias = b
        dropBias = true
      }
      guard let ns = newScale, let nb = newBias else { return false }   // hls4ml warns: cannot propagate
      try m.remove(aa)
      let n = try m.make(.applyAlpha, aa.name, inputs: l.outputs) {
        copyAlpha(aa, into: $0, dropBiasPrecision: dropBias)
        $0.scaleData = ns
        $0.biasData = nb
      }
      try m.insert(n)
      return true

    case .mergeToApplyAlpha:
      let constSecond = m.producer(l.inputs[1])?.cls == .constant
      let c = m.producer(l.inputs[constSecond ? 1 : 0])!
      let xi = constSecond ? 0 : 1, ci = constSecond ? 1 : 0
      let inShape = try m.inputVar(l, xi).shape
      var scale = NDArray.scalar(1, .i64), bias = c.value!
      var scalePrec: HLSType? = nil, biasPrec: HLSType? = nil
      var scaleQ: Quantizer? = nil, biasQ: Quantizer? = nil
      switch l.op {
      case "add":
        scalePrec = .int(1, signed: false)
        biasQ = c.quantizer
      case "subtract":
        biasQ = c.quantizer
        if constSecond {
          scalePrec = .int(1, signed: false)
          bias = c.value!.negated
          if case .quantNode(let t)? = biasQ, t.isFixedOrInteger, !t.signed {
            let np = HLSType.fixed(t.width + 1, t.integer + 1, signed: true, t.rounding, t.saturation, t.saturationBits)
            biasPrec = np
            biasQ = .quantNode(np)
          }
        } else {
          scale = .scalar(-1, .i64)
          scalePrec = .int(2, signed: true)
        }
      default:   // multiply
        scale = c.value!
        scaleQ = c.quantizer
        bias = .scalar(0, .i64)
        biasPrec = .int(1, signed: false)
      }
      func fit(_ a: NDArray) throws(TrigRTError) -> NDArray {
        if a.shape == inShape || a.squeezedShape == inShape { return a }
        try m.checkPerElement(inShape, "hls4ml's ApplyAlpha bn_\(l.name), a scale and bias per element of \(inShape),")
        guard let b = a.broadcast(to: inShape) else {
          throw m.fail("ValueError: the constant of \(l.name) (shape \(c.value!.shape)) does not broadcast to its input \(inShape)")
        }
        return b
      }
      let s = try fit(scale), b = try fit(bias)
      _ = copyConfig(m, from: l, to: "bn_" + l.name, deep: false)
      let n = inShape.reduce(1, *)
      let aa = try m.make(.applyAlpha, "bn_" + l.name, inputs: [l.inputs[xi]], outputs: l.outputs) {
        $0.scaleData = s
        $0.biasData = b
        $0.nIn = n
        $0.nOut = n
        $0.nFilt = -1
        $0.scalePrecision = scalePrec
        $0.scaleQuantizer = scaleQ
        $0.biasPrecision = biasPrec
        $0.biasQuantizer = biasQ
      }
      aa.attrs["__wrapped"] = .bool(true)   // its fixed precisions become NamedTypes
      try m.remove(c)
      l.inputs.remove(at: ci)
      try m.replace(l, with: aa)
      return true

    case .mergeToApplyAlphaDiv:
      let inShape = try m.inputVar(l).shape
      let c = m.producer(l.inputs[1])!
      let scale = c.value!.scalarOp(.div, 1, isInt: true, scalarFirst: true)
      var scaleQ = c.quantizer
      if case .quantNode(let t)? = scaleQ {
        let s = t.signed ? 1 : 0
        let f = t.width - t.integer
        scaleQ = .quantNode(.fixed(1 + s + max(f, 0), 1 + s + f, signed: t.signed, t.rounding, t.saturation, t.saturationBits))
      }
      func fit(_ a: NDArray) throws(TrigRTError) -> NDArray {
        if a.shape == inShape || a.squeezedShape == inShape { return a }
        try m.checkPerElement(inShape, "hls4ml's ApplyAlpha bn_\(l.name), a scale and bias per element of \(inShape),")
        guard let b = a.broadcast(to: inShape) else {
          throw m.fail("ValueError: the constant of \(l.name) (shape \(c.value!.shape)) does not broadcast to its input \(inShape)")
        }
        return b
      }
      let s = try fit(scale), b = try fit(.scalar(0, .i64))
      _ = copyConfig(m, from: l, to: "bn_" + l.name, deep: false)
      let n = inShape.reduce(1, *)
      let aa = try m.make(.applyAlpha, "bn_" + l.name, inputs: [l.inputs[0]], outputs: l.outputs) {
        $0.scaleData = s
        $0.biasData = b
        $0.scaleQuantizer = scaleQ
        $0.biasPrecision = .int(1, signed: false)
        $0.nIn = n
        $0.nOut = n
        $0.nFilt = -1
      }
      aa.attrs["__wrapped"] = .bool(true)
      try m.remove(c)
      l.inputs.remove(at: 1)
      try m.replace(l, with: aa)
      return true

    case .matmulConstToDense:
      let c = m.producer(l.inputs[1])!
      let x = try m.inputVar(l, 0)
      let w = c.value!
      _ = copyConfig(m, from: l, to: "Dense_" + l.name, deep: false)
      guard let wl = w.shape.last else { throw m.fail("IndexError: MatMul \(l.name) with a scalar constant") }
      let outShape = Array(x.shape.dropLast()) + [wl]
      let d = try m.make(.dense, "Dense_" + l.name, inputs: [l.inputs[0]], outputs: l.outputs) {
        $0.weightData = w
        $0.weightQuantizer = c.quantizer
        $0.biasData = .zeros(outShape)
        $0.attrs["use_bias"] = .bool(false)
        $0.nIn = x.size
        $0.nOut = outShape.reduce(1, *)
      }
      try m.remove(c)
      l.inputs.remove(at: 1)
      try m.replace(l, with: d)
      return true

    case .fuseConsecutiveBatchNormalization:
      let prev = m.inputNode(l)!
      if m.uses(prev) > 1 { return false }
      let s0 = prev.weights["scale"]!.unquantized, b0 = prev.weights["bias"]!.unquantized
      let s1 = l.weights["scale"]!.unquantized, b1 = l.weights["bias"]!.unquantized
      let sq: Quantizer? = s0.allEqual(1) ? l.scaleQuantizer : (s1.allEqual(1) ? prev.scaleQuantizer : nil)
      // hls4ml compares the biases with ones here, not zeros.
      let bq: Quantizer? = b0.allEqual(1) ? l.biasQuantizer : (b1.allEqual(1) ? prev.biasQuantizer : nil)
      l.scaleQuantizer = sq
      l.biasQuantizer = bq
      guard let scale = s0 * s1, let sb = s1 * b0, let bias = sb + b1 else {
        throw m.fail("ValueError: fuse_consecutive_batch_normalization of \(prev.name) and \(l.name): shapes do not broadcast")
      }
      try m.addWeight(l, "scale", data: scale, quantizer: sq, precision: nil)
      try m.addWeight(l, "bias", data: bias, quantizer: bq, precision: nil)
      l.notes.append("\(prev.name) merged into this layer (fuse_consecutive_batch_normalization)")
      try m.remove(prev)
      return true

    case .fuseBatchNormalization:
      let parent = m.inputNode(l)!
      if m.uses(parent) > 1 { return false }
      let pw = parent.weights["weight"]!, pb = parent.weights["bias"]!, bs = l.weights["scale"]!, bb = l.weights["bias"]!
      for t in [pw, pb, bs, bb] where !(t.type.precision.isFixedOrInteger || t.type.precision.isUnspecified) { return false }
      guard let fw = bs.data * pw.data, let fb0 = bs.data * pb.data, let fb = fb0 + bb.data else {
        throw m.fail("ValueError: fuse_batch_normalization of \(l.name) into \(parent.name): shapes do not broadcast")
      }
      let wq = l.scaleQuantizer ?? parent.weightQuantizer, bq = l.biasQuantizer ?? parent.biasQuantizer
      try m.addWeight(parent, "weight", data: fw, quantizer: wq, precision: nil)
      try m.addWeight(parent, "bias", data: fb, quantizer: bq, precision: nil)
      parent.notes.append("\(l.name) fused into this layer (fuse_batch_normalization: the Dense's result is auto)")
      try m.remove(l)
      return true

    case .replaceMultidimensionalDenseWithConv:
      throw m.fail("\(l.name): a MatMul on a rank > 1 input becomes a pointwise convolution in hls4ml (replace_multidimensional_dense_with_conv), which is out of scope", code: .unsupported)

    case .eliminateLinearActivation:
      try m.remove(l)
      return true

    case .mergeLinearActivation:
      let prev = m.producer(l.inputs[0])!
      if let q = l.quantizer {
        prev.quantizer = q
        prev.outVar.type.precision = q.hlsType
      }
      prev.notes.append("\(l.name) merged into this layer (merge_linear_activation: its result was auto)")
      try m.remove(l)
      return true

    case .inferPrecisionTypes:
      return try Inference.infer(m, l)

    case .removeNopBatchNormalization:
      try m.remove(l)
      return true

    case .mergeBatchNormQuantizedTanh:
      let bn = m.inputNode(l)!
      let q = l.activation.contains("binary") ? 2 : (l.activation.contains("ternary") ? 3 : 0)
      let bt = try m.make(.bnQuantizedTanh, "bnbt_" + bn.name, inputs: bn.inputs) {
        $0.nIn = bn.nIn
        $0.nOut = bn.nIn
        $0.nFilt = bn.nFilt
        $0.quantize = q
        if let t = bn.attrs["trace"] { $0.attrs["trace"] = t }
      }
      try m.remove(bn)
      try m.replace(l, with: bt)
      return true

    case .quantizeDenseOutput:
      // Returns False after changing the layer; applied again on every sweep (idempotent but
      // for the weights, which end up all 1: §10).
      let nbits = Int(Double(l.nIn).log2Ceil) + 2
      let out = HLSType.int(nbits)
      l.setType("accum_t", NamedT(out))
      l.outVar.type.precision = out
      let w = l.weights["weight"]!
      w.data = try Quantizer.binary.apply(w.data)
      w.type.precision = .xnor
      let b = l.weights["bias"]!
      b.data = .zeros([l.nOut])
      b.type.precision = .xnor
      return false

    case .removeFinalReshape:
      try m.remove(l)
      return true

    case .inplaceParallelReshape:
      let inV = try m.inputVar(l)
      l.setOutput(TensorVar(shape: l.outVar.shape, type: inV.type))
      m.register(l)
      l.inplace = true
      return false

    case .skipSoftmax:
      try m.remove(l)
      return true

    case .fixSoftmaxTableSize:
      guard let inp = m.inputNode(l) else { throw m.fail("RuntimeError: Softmax layer \(l.name) does not have an input layer") }
      let inBW = inp.types["result_t"]!.precision.width, tBW = l.types["inv_table_t"]!.precision.width
      let size = l.intAttr("table_size") ?? Int(l.attrs["table_size"]?.string ?? "") ?? 1024
      let b = min(inBW, tBW)
      if b < 62 && (1 << b) < size {
        l.attrs["table_size"] = .str("\(1 << b)")
        l.notes.append("table_size \(size) reduced to \(1 << b) (fix_softmax_table_size: 2^min(input width, inv_table_t width))")
      }
      return false
    }
  }
}

extension Double {
  /// `math.ceil(np.log2(x))`.
  var log2Ceil: Double {
    var b = 0
    while Double(sign: .plus, exponent: b, significand: 1) < self { b += 1 }
    return Double(b)
  }
}

/// `infer_precision_types` (§6.3).
enum Inference {
  static func infer(_ m: HLSModel, _ l: HLayer) throws(TrigRTError) -> Bool {
    let toInfer = l.typeOrder.filter { l.types[$0]!.precision.isUnspecified }
    var inferred: [String]
    switch l.cls {
    case .dense: inferred = try common(m, l, toInfer, nOps: l.nIn)
    case .batchNormalization, .applyAlpha: inferred = try batchNorm(m, l, toInfer)
    case .conv1d, .conv2d, .pointwiseConv1d:
      // _infer_conv_precision: n_ops = n_chan · filt_height · filt_width, the products per output.
      guard let g = l.conv else { throw m.fail("\(l.name): no convolution geometry") }
      inferred = try common(m, l, toInfer, nOps: g.channels * g.kH * g.kW)
    case .pooling1d, .pooling2d: inferred = try pooling(m, l, toInfer)
    case .reshape, .transpose: inferred = try matching(m, l, toInfer)
    case .merge: inferred = try merge(m, l, toInfer)
    case .concatenate: inferred = try concat(m, l, toInfer)
    case .parametrizedActivation: inferred = try parametrized(m, l, toInfer)
    default: inferred = []
    }
    for t in toInfer where !inferred.contains(t) { l.types[t]!.precision = try defaultType(m) }
    return toInfer.contains("result_t")
  }

  static func defaultType(_ m: HLSModel) throws(TrigRTError) -> HLSType {
    do { return try m.config.defaultPrecision() } catch { throw m.configFail(error.message) }
  }

  static func maximum(_ m: HLSModel) throws(TrigRTError) -> HLSType? {
    do { return try m.config.maximumPrecision() } catch { throw m.configFail(error.message) }
  }

  static func clamp(_ m: HLSModel, _ w: inout Int, _ i: inout Int) throws(TrigRTError) {
    if let mx = try maximum(m) {
      w = min(w, mx.width)
      i = min(i, mx.integer)
    }
  }

  static func inputType(_ m: HLSModel, _ l: HLayer, _ k: Int = 0) throws(TrigRTError) -> HLSType {
    try m.inputVar(l, k).type.precision
  }

  static func b(_ x: Bool) -> Int { x ? 1 : 0 }

  /// Dense: the weight and bias from their quantisers or D, then the lossless accumulator.
  static func common(_ m: HLSModel, _ l: HLayer, _ toInfer: [String], nOps: Int) throws(TrigRTError) -> [String] {
    var out: [String] = []
    let x = try inputType(m, l)
    if toInfer.contains("weight_t") {
      if let q = l.weightQuantizer { l.types["weight_t"]!.precision = q.hlsType } else { l.types["weight_t"]!.precision = try defaultType(m) }
      out.append("weight_t")
    }
    if toInfer.contains("bias_t") {
      if let q = l.biasQuantizer { l.types["bias_t"]!.precision = q.hlsType } else { l.types["bias_t"]!.precision = try defaultType(m) }
      out.append("bias_t")
    }
    let w = l.types["weight_t"]!.precision, bt = l.types["bias_t"]!.precision
    var newType: HLSType
    if x.isFixedOrInteger && w.isFixedOrInteger && bt.isFixedOrInteger {
      let g = Int(Double(nOps).log2Ceil)
      var width = w.width + x.width + g
      var integer = w.integer + x.integer + g
      var signed = w.signed || x.signed
      let frac = width - integer
      integer = max(integer + b(bt.signed && !signed), bt.integer + b(signed && !bt.signed)) + 1
      width = integer + max(frac, bt.width - bt.integer)
      signed = signed || bt.signed
      try clamp(m, &width, &integer)
      newType = .fixed(width, integer, signed: signed)
    } else {
      newType = try defaultType(m)
    }
    for k in ["accum_t", "result_t"] where toInfer.contains(k) {
      l.types[k]!.precision = newType
      out.append(k)
    }
    return out
  }

  static func batchNorm(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) -> [String] {
    var out: [String] = []
    for k in ["scale_t", "bias_t"] where toInfer.contains(k) {
      l.types[k]!.precision = try defaultType(m)
      out.append(k)
    }
    if toInfer.contains("result_t") {
      let x = try inputType(m, l), s = l.types["scale_t"]!.precision, bt = l.types["bias_t"]!.precision
      var r: HLSType
      if x.isFixedOrInteger && s.isFixedOrInteger && bt.isFixedOrInteger {
        let s1 = s.signed || x.signed
        let w1 = x.width + s.width, i1 = x.integer + s.integer
        var integer = max(i1 + b(bt.signed && !s1), bt.integer + b(s1 && !bt.signed)) + 1
        var width = integer + max(w1 - i1, bt.fractional)
        try clamp(m, &width, &integer)
        r = .fixed(width, integer, signed: s1 || bt.signed)
      } else {
        r = try defaultType(m)
      }
      l.types["result_t"]!.precision = r
      out.append("result_t")
    }
    return out
  }

  static func requireOnlyResult(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) {
    guard toInfer == ["result_t"] else {
      throw m.fail("AssertionError: infer_precision_types on \(l.name) (\(l.className)) with auto types \(toInfer); it only infers result_t")
    }
  }

  static func matching(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) -> [String] {
    try requireOnlyResult(m, l, toInfer)
    l.outVar.type.precision = try inputType(m, l)
    return ["result_t"]
  }

  /// `_infer_pooling_precision` (Pooling1D / Pooling2D; GlobalPooling has no rule and takes the
  /// default): Max accumulates in the input's type itself; Average in the input's width + 2e,
  /// integer + e, signedness kept, e = ⌈log2(pool_height · pool_width)⌉ (AP_TRN, AP_WRAP; the
  /// maximum precision is not applied); the result is the input's type.
  static func pooling(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) -> [String] {
    var out: [String] = []
    let x = try inputType(m, l)
    if toInfer.contains("accum_t") {
      guard let g = l.conv else { throw m.fail("\(l.name): no pooling geometry") }
      let accum: HLSType
      switch l.attrs["pool_op"]?.string?.lowercased() {
      case "max":
        accum = x
      case "average":
        if x.isFixedOrInteger {
          let e = Passes.ceilLog2(g.kH * g.kW)
          accum = .fixed(x.width + 2 * e, x.integer + e, signed: x.signed)
        } else {
          accum = try defaultType(m)
        }
      case let op:
        throw m.fail("ValueError: Unknown pooling operation: \(op ?? "none") (\(l.name))")
      }
      l.types["accum_t"]!.precision = accum
      out.append("accum_t")
    }
    if toInfer.contains("result_t") {
      l.outVar.type.precision = x
      out.append("result_t")
    }
    return out
  }

  static func merge(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) -> [String] {
    try requireOnlyResult(m, l, toInfer)
    let a = try inputType(m, l, 0), c = try inputType(m, l, 1)
    let op = l.op.lowercased()
    var r: HLSType
    switch op {
    case "add", "subtract", "average":
      if a.isFixedOrInteger && c.isFixedOrInteger {
        let signed = a.signed || c.signed || op == "subtract"
        var integer = max(a.integer + b(c.signed && !a.signed), c.integer + b(a.signed && !c.signed)) + 1
        var width = integer + max(a.fractional, c.fractional)
        try clamp(m, &width, &integer)
        r = .fixed(width, integer, signed: signed)
      } else {
        r = try defaultType(m)
      }
    case "multiply":
      if a.isFixedOrInteger && c.isFixedOrInteger {
        var integer = a.integer + c.integer, width = a.width + c.width
        try clamp(m, &width, &integer)
        r = .fixed(width, integer, signed: a.signed || c.signed)
      } else {
        r = try defaultType(m)
      }
    case "maximum", "minimum":
      if a.pyEquals(c) {
        r = a
      } else if a.isFixedOrInteger && c.isFixedOrInteger {
        let s = a.signed || c.signed
        let ia = a.integer + b(s && !a.signed), ic = c.integer + b(s && !c.signed)
        r = .fixed(max(a.fractional, c.fractional) + max(ia, ic), max(ia, ic), signed: s)
      } else {
        r = try defaultType(m)
      }
    default:
      m.notes.append("\(l.name): hls4ml does not propagate types through \(op); its result is the default")
      r = try defaultType(m)
    }
    l.types["result_t"]!.precision = r
    return ["result_t"]
  }

  static func concat(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) -> [String] {
    try requireOnlyResult(m, l, toInfer)
    let a = try inputType(m, l, 0), c = try inputType(m, l, 1)
    var r: HLSType
    if a.pyEquals(c) {
      r = a
    } else if a.isFixedOrInteger && c.isFixedOrInteger {
      let s = a.signed || c.signed
      let ia = a.integer + b(s && !a.signed), ic = c.integer + b(s && !c.signed)
      var width = max(a.fractional, c.fractional) + max(ia, ic)
      var integer = max(ia, ic)
      try clamp(m, &width, &integer)
      r = .fixed(width, integer, signed: s, a.rounding != .trn ? a.rounding : c.rounding, a.saturation != .wrap ? a.saturation : c.saturation,
                 a.saturationBits != 0 ? a.saturationBits : c.saturationBits)
    } else {
      r = try defaultType(m)
    }
    l.types["result_t"]!.precision = r
    return ["result_t"]
  }

  /// ParametrizedActivation `param_t`: the input type (ThresholdedReLU) or the smallest fixed
  /// type holding the parameter (`minimal_kif`).
  static func parametrized(_ m: HLSModel, _ l: HLayer, _ toInfer: [String]) throws(TrigRTError) -> [String] {
    guard toInfer.contains("param_t") else { return [] }
    if l.activation.lowercased() == "thresholdedrelu" {
      l.types["param_t"]!.precision = try inputType(m, l)
    } else {
      l.types["param_t"]!.precision = constantPrecision(l.activParam ?? 0)
    }
    return ["param_t"]
  }

  static func constantPrecision(_ v: Double, maxWidth: Int = 8) -> HLSType {
    if v == 0 { return .fixed(1, 1, signed: false) }
    // _minimal_f: binary search for the fewest fractional bits in -32…32.
    var lo = -32, hi = 32
    while lo < hi - 1 {
      let mid = Int((Double(lo + hi) / 2).rounded(.down))
      let scaled = v * Double(sign: .plus, exponent: mid, significand: 1)
      if scaled != scaled.rounded(.towardZero) { lo = mid } else { hi = mid }
    }
    let f = hi
    let i = Int(Foundation_log2(max(v + Double(sign: .plus, exponent: -f, significand: 1), -v)).rounded(.up))
    let k = v < 0 ? 1 : 0
    let width = min(k + i + f, k + maxWidth)
    return .fixed(width, k + i, signed: k == 1)
  }
}


func Foundation_log2(_ x: Double) -> Double { Glibc.log2(x) }
