/// QONNX `Quant` and `BipolarQuant` (domains qonnx.custom_op.general, finn.custom_op.general,
/// onnx.brevitas): quantisation with a scale, zero point and bit width.
///
/// Float mode runs them as fake quantisation exactly as qonnx's `int_quant` / `binary_quant` do
/// in float32: y = x / scale + zeropt; clamp to [min_int, max_int]; round; (y − zeropt) · scale.
/// On constants (weights, biases) they are folded at load time.
///
/// Fixed mode needs the result to be an ap_fixed value: a single power-of-two scale 2^k, zero
/// point 0, an integer bit width b ≥ 2 and a rounding mode with an ap_fixed counterpart. Then
/// Quant is exactly a conversion into `ap_fixed<b, b + k, Q, O>` (`ap_ufixed` when unsigned),
/// because clamping to integer bounds before a monotone rounding equals rounding and then
/// saturating:
///
/// | rounding_mode        | Q              |   | signed, narrow | O          |
/// |----------------------|----------------|---|----------------|------------|
/// | ROUND, HALF_EVEN     | AP_RND_CONV    |   | yes, no        | AP_SAT     |
/// | FLOOR                | AP_TRN         |   | yes, yes       | AP_SAT_SYM |
/// | DOWN (toward zero)   | AP_TRN_ZERO    |   | no, no         | AP_SAT     |
/// | HALF_UP (away)       | AP_RND_INF     |   | no, yes        | refused (max 2^b − 2) |
/// | HALF_DOWN            | AP_RND_ZERO    |   |                |            |
/// | CEIL, UP             | refused        |   |                |            |
import FixedPoint
import Glibc

/// Domains whose `Quant` / `BipolarQuant` trigrt reads (real files use all of them, often
/// without declaring the domain in opset_import).
let qonnxDomains: Set<String> = ["qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas", "qonnx", "finn",
                                 "finn.custom_op"]

struct QuantSpec {
  enum Kind: Equatable { case quant, bipolar }
  var kind: Kind
  var bitWidth: Int
  var signed: Bool
  var narrow: Bool
  var rounding: String
  /// Scale and zero point as float32 values, broadcast along the trailing dimensions
  /// (one value, or `period` values repeating).
  var scale: [Float]
  var zeroPoint: [Float]
  /// The exact ap_fixed format when the quantiser is one (see the table above), else the reason
  /// it is not.
  var format: Result<FixedFormat, TrigRTError>

  var minInt: Float {
    if !signed { return 0 }
    return narrow ? -Float(sign: .plus, exponent: bitWidth - 1, significand: 1) + 1 : -Float(sign: .plus, exponent: bitWidth - 1, significand: 1)
  }
  var maxInt: Float {
    if signed { return Float(sign: .plus, exponent: bitWidth - 1, significand: 1) - 1 }
    return Float(sign: .plus, exponent: bitWidth, significand: 1) - (narrow ? 2 : 1)
  }

  /// qonnx `resolve_rounding_mode`, on float32.
  static func round(_ y: Float, _ mode: String) -> Float {
    switch mode {
    case "ROUND", "HALF_EVEN": return y.rounded(.toNearestOrEven)
    case "CEIL": return y.rounded(.up)
    case "FLOOR": return y.rounded(.down)
    case "UP": return y.rounded(.awayFromZero)
    case "DOWN": return y.rounded(.towardZero)
    case "HALF_UP": return sign(y) * (abs(y) + 0.5).rounded(.down)
    case "HALF_DOWN": return sign(y) * (abs(y) - 0.5).rounded(.up)
    default: return .nan
    }
  }

  @inline(__always) static func sign(_ y: Float) -> Float { y > 0 ? 1 : (y < 0 ? -1 : (y.isNaN ? .nan : 0)) }

  static let roundingModes: Set<String> = ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]

  /// One element, as qonnx computes it in float32.
  @inline(__always)
  func apply(_ x: Float, scale s: Float, zeroPoint z: Float) -> Float {
    var y = x / s
    y = y + z
    if kind == .bipolar || (bitWidth == 1 && signed) {
      y = y >= 0 ? 1 : -1
    } else {
      let hi = maxInt, lo = minInt
      if y > hi { y = hi }
      if y < lo { y = lo }
      y = QuantSpec.round(y, rounding)
    }
    return (y - z) * s
  }
}

enum Quant {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let spec = try QuantSpecReader.read(node, &ctx)
    let x = try ctx.batchedInput(node, 0, "X")
    try ctx.layer(node, .quant(spec), inputs: [x], outputShape: ctx.values[x].shape)
  }
}

enum BipolarQuant {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try Quant.lower(node, &ctx)
  }
}

enum QuantSpecReader {
  static func read(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) -> QuantSpec {
    let bipolar = node.opType == "BipolarQuant"
    if bipolar {
      try ctx.arity(node, inputs: 2...2)
      try ctx.attributes(node, allowed: [])
    } else {
      try ctx.arity(node, inputs: 4...4)
      try ctx.attributes(node, allowed: ["signed", "narrow", "rounding_mode"])
    }
    let xValue = ctx.values[try ctx.input(node, 0, "X")]
    let xShape = Shapes.full(xValue)
    func vector(_ i: Int, _ role: String) throws(TrigRTError) -> [Float] {
      let c = try ctx.constantInput(node, i, role)
      if c.count == 1 { return [Float(c.values[0])] }
      guard Shapes.broadcast(xShape, c.dims) == xShape || (xValue.isBatched && Shapes.broadcast(xShape, c.dims).map { Array($0.dropFirst()) } == Array(xShape.dropFirst())) else {
        throw ctx.fail(.shape, node, "\(role) has shape \(c.dims), which does not broadcast to X \(xShape)")
      }
      let trimmed = Array(c.dims.drop(while: { $0 == 1 }))
      guard xValue.isConstant || Array(xShape.suffix(trimmed.count)) == trimmed else {
        throw ctx.fail(.unsupported, node, "\(role) has shape \(c.dims); trigrt supports a scalar \(role) or one that varies along the trailing dimensions of X \(xShape)")
      }
      return c.values.map { Float($0) }
    }
    let scale = try vector(1, "scale")
    guard scale.allSatisfy({ $0.isFinite && $0 != 0 }) else { throw ctx.fail(.malformed, node, "scale must be finite and non-zero") }
    var spec = QuantSpec(kind: bipolar ? .bipolar : .quant, bitWidth: 1, signed: true, narrow: false, rounding: "ROUND",
                         scale: scale, zeroPoint: [0], format: .failure(TrigRTError(.unsupported, "")))
    if !bipolar {
      spec.zeroPoint = try vector(2, "zeropt")
      let bw = try ctx.constantInput(node, 3, "bitwidth")
      guard bw.count == 1, let b = bw.integers?.first, b >= 1, b <= 64 else {
        throw ctx.fail(.unsupported, node, "bitwidth must be one integer between 1 and 64, has \(bw.values.prefix(4))")
      }
      spec.bitWidth = b
      spec.signed = try ctx.int(node, "signed", default: 1) != 0
      spec.narrow = try ctx.int(node, "narrow", default: 0) != 0
      if let a = node.attributes["rounding_mode"] {
        guard case .string(let m) = a else { throw ctx.fail(.malformed, node, "rounding_mode should be a string") }
        spec.rounding = m.uppercased()
      }
      guard QuantSpec.roundingModes.contains(spec.rounding) else {
        throw ctx.fail(.unsupported, node, "rounding_mode '\(spec.rounding)' is not one of \(QuantSpec.roundingModes.sorted().joined(separator: ", "))")
      }
    }
    spec.format = fixedFormat(spec, node: node, ctx: ctx)
    return spec
  }

  /// The ap_fixed format equal to this quantiser, or why there is none.
  static func fixedFormat(_ s: QuantSpec, node: Node, ctx: LoweringContext) -> Result<FixedFormat, TrigRTError> {
    func no(_ m: String) -> Result<FixedFormat, TrigRTError> {
      .failure(ctx.fail(.unsupported, node, "is not representable in fixed point: \(m)"))
    }
    if s.kind == .bipolar || s.bitWidth == 1 { return no("a bipolar (±scale) quantiser has no ap_fixed type") }
    guard s.zeroPoint.allSatisfy({ $0 == 0 }) else { return no("zero point \(s.zeroPoint.first ?? 0) is not 0") }
    guard let s0 = s.scale.first, s.scale.allSatisfy({ $0 == s0 }), s0 > 0, s0.significand == 1 else {
      return no("scale \(s.scale.prefix(3)) is not a single power of two")
    }
    let k = Int(s0.exponent)
    let q: FixedFormat.Quantization
    switch s.rounding {
    case "ROUND", "HALF_EVEN": q = .rndConv
    case "FLOOR": q = .trn
    case "DOWN": q = .trnZero
    case "HALF_UP": q = .rndInf
    case "HALF_DOWN": q = .rndZero
    default: return no("rounding mode \(s.rounding) has no ap_fixed counterpart")
    }
    if !s.signed && s.narrow { return no("unsigned narrow range (max 2^b − 2) has no ap_fixed overflow mode") }
    let o: FixedFormat.Overflow = s.signed && s.narrow ? .satSym : .sat
    do {
      return .success(try FixedFormat(kind: .apFixed, width: s.bitWidth, integerBits: s.bitWidth + k, isSigned: s.signed,
                                      quantization: q, overflow: o, saturationBits: 0))
    } catch {
      return no("\(error)")
    }
  }

  /// Folding on a constant: qonnx's float32 arithmetic, element by element with numpy
  /// broadcasting of scale and zero point.
  static func fold(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) -> Constant {
    let spec = try read(node, &ctx)
    var c = try ctx.constantInput(node, 0, "X")
    let sDims = try ctx.constantInput(node, 1, "scale").dims
    let zDims = spec.kind == .bipolar ? [] : try ctx.constantInput(node, 2, "zeropt").dims
    let out = c.dims
    let ss = Shapes.broadcastStrides(spec.scale.count == 1 ? [] : sDims, outShape: out)
    let zs = Shapes.broadcastStrides(spec.zeroPoint.count == 1 ? [] : zDims, outShape: out)
    c.values = (0..<c.count).map { i in
      var rem = i, si = 0, zi = 0
      for d in stride(from: out.count - 1, through: 0, by: -1) {
        let k = rem % out[d]; rem /= out[d]
        si += k * ss[d]; zi += k * zs[d]
      }
      return Double(spec.apply(Float(c.values[i]), scale: spec.scale[si], zeroPoint: spec.zeroPoint[zi]))
    }
    c.dataType = .float
    if case .success(let f) = spec.format { c.quantFormat = f }
    return c
  }
}

/// Float kernel of a run-time Quant (fake quantisation).
struct QuantFloatStep {
  var x: Int32
  var y: Int32
  var count: Int
  var spec: UnsafePointer<QuantSpecPOD>
}

/// The parts of QuantSpec the kernel reads, as a trivial type.
struct QuantSpecPOD {
  var bipolar: Bool
  var minInt: Float
  var maxInt: Float
  var rounding: UInt8
  var scale: UnsafePointer<Float>
  var zeroPoint: UnsafePointer<Float>
  var scaleCount: Int
  var zeroPointCount: Int
}

enum QuantFloatKernel {
  static func roundingCode(_ m: String) -> UInt8 {
    ["ROUND": 0, "HALF_EVEN": 0, "CEIL": 1, "FLOOR": 2, "UP": 3, "DOWN": 4, "HALF_UP": 5, "HALF_DOWN": 6][m] ?? 0
  }

  @inline(__always)
  static func round(_ y: Float, _ code: UInt8) -> Float {
    switch code {
    case 0: return y.rounded(.toNearestOrEven)
    case 1: return y.rounded(.up)
    case 2: return y.rounded(.down)
    case 3: return y.rounded(.awayFromZero)
    case 4: return y.rounded(.towardZero)
    case 5: return QuantSpec.sign(y) * (abs(y) + 0.5).rounded(.down)
    default: return QuantSpec.sign(y) * (abs(y) - 0.5).rounded(.up)
    }
  }

  static func run(_ s: QuantFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let q = s.spec.pointee
    for b in 0..<batch {
      let base = b &* s.count
      for i in 0..<s.count {
        let sc = q.scale[i % q.scaleCount], zp = q.zeroPoint[i % q.zeroPointCount]
        var v = x[base &+ i] / sc
        v = v + zp
        if q.bipolar {
          v = v >= 0 ? 1 : -1
        } else {
          if v > q.maxInt { v = q.maxInt }
          if v < q.minInt { v = q.minInt }
          v = round(v, q.rounding)
        }
        y[base &+ i] = (v - zp) * sc
      }
    }
  }
}

// MARK: - Fixed point

/// A QONNX Quant of a float tensor in fixed mode: `y = format(x)` with the quantiser's exact
/// ap_fixed format (see the table at the top), from the float32 value as qonnx holds it.
struct QuantizeFixedStep {
  var x: Int32
  var y: Int32
  var count: Int
  var quantizer: UnsafePointer<InputQuantizer>
}

/// The way back: a fixed tensor as float32 (round to nearest even), for float ops that follow
/// (qonnx runs everything outside Quant in float32).
struct ToFloatStep {
  var x: Int32
  var y: Int32
  var count: Int
  var converter: UnsafePointer<OutputConverter>
}

enum QuantFixedKernel {
  static func quantize(_ s: QuantizeFixedStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = raws(slots, s.y)
    let q = s.quantizer.pointee
    for i in 0..<(batch &* s.count) { y[i] = q.quantize(x[i]) }
  }

  static func toFloat(_ s: ToFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(raws(slots, s.x)), y = floats(slots, s.y)
    let c = s.converter.pointee
    for i in 0..<(batch &* s.count) { y[i] = c.float(x[i]) }
  }
}
