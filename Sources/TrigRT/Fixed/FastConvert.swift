/// Conversions at the model boundary on the run path: float/double inputs into the input
/// format (what hls4ml's bridge does with `nnet::convert_data`: ap_fixed(double) with the type's
/// Q/O), and raw outputs back to double/float. Each has an exact fast path for the common case
/// and falls back to FixedFormat's complete implementation (NaN, ±inf, huge or subnormal
/// values, integer kinds), so results are always those of FixedFormat.
import FixedPoint

struct InputQuantizer {
  let format: FixedFormat
  /// A float-domain input (QONNX fixed mode: qonnx reads float32): stored as float32, `quantize`
  /// returns the float32 bit pattern.
  let float32: Bool
  /// 2^F, exact.
  let scale: Double
  let fast: Bool
  /// Raw integers at the target's resolution → the target (the overflow rule only).
  let overflow: FixedCast
  let lane: LaneCast?
  /// Eight float inputs at a time (`quantize8`), when the format allows it.
  let vector: VectorPlan?

  /// The float32 lane version: x·2^F is exact in float (a power-of-two scale of a normal result),
  /// floor and the fractional part are exact, and the quantization mode's increment is a
  /// branch-free mask formula; the overflow rule runs on 32-bit lanes. Values that leave the
  /// plan's range (|x·2^F| ≥ 2^22, subnormal results, ±inf, NaN) take the scalar path.
  struct VectorPlan {
    var scale: Float
    /// Masks (0 or −1) selecting the parts of the increment rule of the quantization mode.
    var gtHalf: Int32, eqAlways: Int32, eqNeg: Int32, eqPos: Int32, eqOdd: Int32, eqEven: Int32, trnZero: Int32
    var range: LaneCast
  }

  init(_ f: FixedFormat, float32: Bool = false) {
    format = f
    self.float32 = float32
    let fb = f.fractionalBits
    fast = f.kind == .apFixed && fb >= -900 && fb <= 900
    scale = fast ? Double(sign: .plus, exponent: fb, significand: 1) : 1
    let source = (try? ExactFormat(width: 64, integerBits: 64 - fb, isSigned: true)) ?? f.exact
    overflow = FixedCast(from: source, to: f)
    // Quantized values of magnitude < 2^60 (the guard below) as a 62-bit source.
    lane = (try? ExactFormat(width: 62, integerBits: 62 - fb, isSigned: true)).flatMap { LaneCast.make(from: $0, to: f) }
    vector = fast && !float32 && fb >= -100 && fb <= 100 ? InputQuantizer.vectorPlan(f) : nil
  }

  static func vectorPlan(_ f: FixedFormat) -> VectorPlan? {
    let fb = f.fractionalBits
    // Quantized values of magnitude < 2^29 as a 30-bit source of the same resolution: the cast is
    // the overflow rule alone.
    guard let source = try? ExactFormat(width: 30, integerBits: 30 - fb, isSigned: true),
          let range = LaneCast.make32(from: source, to: f), range.rightShift == 0, range.leftShift == 0 else { return nil }
    let on: Int32 = -1
    var v = VectorPlan(scale: Float(sign: .plus, exponent: fb, significand: 1), gtHalf: on, eqAlways: 0, eqNeg: 0, eqPos: 0,
                       eqOdd: 0, eqEven: 0, trnZero: 0, range: range)
    switch f.quantization {
    case .trn: v.gtHalf = 0
    case .trnZero: v.gtHalf = 0; v.trnZero = on
    case .rnd: v.eqAlways = on
    case .rndZero: v.eqNeg = on
    case .rndMinInf: break
    case .rndInf: v.eqPos = on
    case .rndConv: v.eqOdd = on
    case .rndConvOdd: v.eqEven = on
    }
    return v
  }

  /// Eight float inputs into `out`: the vector plan `v` (the quantizer's own), and `quantize`
  /// for the lanes outside its range. By pointer: a copy of the quantizer (which a method call
  /// on `q.pointee` makes) is a memcpy call, needed only for those lanes.
  @inline(__always)
  static func quantize8(_ x: SIMD8<Float>, _ v: VectorPlan, _ out: UnsafeMutablePointer<Int64>, _ q: UnsafePointer<InputQuantizer>) {
    if !quantize8(x, v, out) {
      for l in 0..<8 where !inVectorRange(x[l], v) { out[l] = q.pointee.quantize(Double(x[l])) }
    }
  }

  /// Whether `quantize8` handles x on its lanes (else `quantize` does).
  @inline(__always)
  static func inVectorRange(_ x: Float, _ v: VectorPlan) -> Bool {
    let a = abs(x * v.scale)
    return (a < 0x1p22 && a >= Float.leastNormalMagnitude) || x == 0
  }

  /// The lanes of `quantize8` without the quantizer itself (a copy of it is a memcpy call):
  /// false when some lane is out of the vector plan's range; those lanes of `out` are then
  /// garbage, for the caller to redo with `quantize`.
  @inline(__always)
  static func quantize8(_ x: SIMD8<Float>, _ v: VectorPlan, _ out: UnsafeMutablePointer<Int64>) -> Bool {
    let y = x * SIMD8<Float>(repeating: v.scale)
    let a = y.replacing(with: -y, where: y .< SIMD8<Float>(repeating: 0))   // |y| (pointwiseMax is an unspecialised call)
    let ok = ((a .< SIMD8<Float>(repeating: 0x1p22)) .& (a .>= SIMD8<Float>(repeating: Float.leastNormalMagnitude)))
      .| (x .== SIMD8<Float>(repeating: 0))
    let t = y.rounded(.down)
    let frac = y - t                                    // exact, in [0, 1)
    // Integral |t| < 2^22 to Int32 exactly: t + 1.5·2^23 has exponent 23, its low bits are t + 2^22
    // (the stdlib's SIMD float-to-int conversion is a generic per-lane call).
    let magic = t.replacing(with: 0, where: .!ok) + SIMD8<Float>(repeating: 12582912)
    let ti = unsafeBitCast(magic, to: SIMD8<Int32>.self) &- SIMD8<Int32>(repeating: 0x4B40_0000)
    let half = SIMD8<Float>(repeating: 0.5)
    let neg = SIMD8<Int32>(repeating: 0).replacing(with: -1, where: x .< SIMD8<Float>(repeating: 0))
    let gt = SIMD8<Int32>(repeating: 0).replacing(with: -1, where: frac .> half)
    let eq = SIMD8<Int32>(repeating: 0).replacing(with: -1, where: frac .== half)
    let nz = SIMD8<Int32>(repeating: 0).replacing(with: -1, where: frac .!= SIMD8<Float>(repeating: 0))
    let odd = SIMD8<Int32>.zero &- (ti & 1)
    let tie = SIMD8(repeating: v.eqAlways) | (neg & SIMD8(repeating: v.eqNeg)) | (~neg & SIMD8(repeating: v.eqPos))
      | (odd & SIMD8(repeating: v.eqOdd)) | (~odd & SIMD8(repeating: v.eqEven))
    let inc = (gt & SIMD8(repeating: v.gtHalf)) | (eq & tie) | (nz & neg & SIMD8(repeating: v.trnZero))
    let q = v.range.apply32(ti &- inc)
    UnsafeMutableRawPointer(out).storeBytes(of: SIMD8<Int64>(truncatingIfNeeded: q), as: SIMD8<Int64>.self)
    return all(ok)
  }

  /// Eight doubles into `out` (run_f64), the same rule on 64-bit lanes: x·2^F is exact for a
  /// normal result, floor and the fractional part are exact, and an integral |t| < 2^51 is t's
  /// bit pattern after adding 1.5·2^52. Lanes with |x·2^F| ≥ 2^29 (the plan's 30-bit range
  /// source), subnormal results, ±inf or NaN take `quantize`.
  @inline(__always)
  func quantize8(_ x0: SIMD4<Double>, _ x1: SIMD4<Double>, _ v: VectorPlan, _ out: UnsafeMutablePointer<Int64>) {
    let (q0, ok0) = Self.half(x0, v, scale)
    let (q1, ok1) = Self.half(x1, v, scale)
    let q = v.range.apply(SIMD8<Int64>(lowHalf: q0, highHalf: q1))
    if all(ok0) && all(ok1) {
      store8(q, out)
    } else {
      for l in 0..<4 {
        out[l] = ok0[l] ? q[l] : quantize(x0[l])
        out[l &+ 4] = ok1[l] ? q[l &+ 4] : quantize(x1[l])
      }
    }
  }

  @inline(__always)
  static func half(_ x: SIMD4<Double>, _ v: VectorPlan, _ scale: Double) -> (SIMD4<Int64>, SIMDMask<SIMD4<Int64>>) {
    let y = x * SIMD4<Double>(repeating: scale)
    let a = y.replacing(with: -y, where: y .< SIMD4<Double>(repeating: 0))
    let ok = ((a .< SIMD4<Double>(repeating: 0x1p29)) .& (a .>= SIMD4<Double>(repeating: Double.leastNormalMagnitude)))
      .| (x .== SIMD4<Double>(repeating: 0))
    let t = y.rounded(.down)
    let frac = y - t
    let magic = t.replacing(with: 0, where: .!ok) + SIMD4<Double>(repeating: 6755399441055744)   // 1.5·2^52
    let ti = unsafeBitCast(magic, to: SIMD4<Int64>.self) &- SIMD4<Int64>(repeating: 0x4338_0000_0000_0000)
    let zero = SIMD4<Int64>(repeating: 0), on = SIMD4<Int64>(repeating: -1)
    let neg = zero.replacing(with: on, where: x .< SIMD4<Double>(repeating: 0))
    let gt = zero.replacing(with: on, where: frac .> SIMD4<Double>(repeating: 0.5))
    let eq = zero.replacing(with: on, where: frac .== SIMD4<Double>(repeating: 0.5))
    let nz = zero.replacing(with: on, where: frac .!= SIMD4<Double>(repeating: 0))
    let odd = zero &- (ti & 1)
    let tie = SIMD4(repeating: Int64(v.eqAlways)) | (neg & SIMD4(repeating: Int64(v.eqNeg))) | (~neg & SIMD4(repeating: Int64(v.eqPos)))
      | (odd & SIMD4(repeating: Int64(v.eqOdd))) | (~odd & SIMD4(repeating: Int64(v.eqEven)))
    let inc = (gt & SIMD4(repeating: Int64(v.gtHalf))) | (eq & tie) | (nz & neg & SIMD4(repeating: Int64(v.trnZero)))
    return (ti &- inc, ok)
  }

  @inline(__always)
  func quantize(_ x: Double) -> Int64 {
    if float32 { return Int64(Float(x).bitPattern) }
    let y = x * scale
    guard fast, y.magnitude < 0x1p60, y.isNormal || x == 0 else { return format.quantize(x).raw }
    let t = y.rounded(.down)
    let frac = y - t                 // exact, in [0, 1)
    let ti = Int64(t)
    let negative = x < 0
    let inc: Bool
    switch format.quantization {
    case .trn: inc = false
    case .trnZero: inc = negative && frac != 0
    case .rnd: inc = frac >= 0.5
    case .rndZero: inc = frac > 0.5 || (frac == 0.5 && negative)
    case .rndMinInf: inc = frac > 0.5
    case .rndInf: inc = frac > 0.5 || (frac == 0.5 && !negative)
    case .rndConv: inc = frac > 0.5 || (frac == 0.5 && ti & 1 != 0)
    case .rndConvOdd: inc = frac > 0.5 || (frac == 0.5 && ti & 1 == 0)
    }
    let q = ti &+ (inc ? 1 : 0)
    if let l = lane { return l.apply(q) }
    return overflow.apply(q)
  }

  @inline(__always)
  func quantize(_ x: Float) -> Int64 { float32 ? Int64(x.bitPattern) : quantize(Double(x)) }
}

struct OutputConverter {
  let format: FixedFormat
  /// A float-domain output: the raw is a float32 bit pattern.
  let float32: Bool
  /// 2^−F, exact.
  let scale: Double
  let fastDouble: Bool
  let fastFloat: Bool

  init(_ f: FixedFormat, float32: Bool = false) {
    format = f
    self.float32 = float32
    let fb = f.fractionalBits
    let ap = f.kind == .apFixed
    fastDouble = ap && f.width <= 53 && fb >= -900 && fb <= 900
    fastFloat = ap && f.width <= 63 && fb >= -60 && fb <= 100
    scale = Double(sign: .plus, exponent: -max(-900, min(900, fb)), significand: 1)
  }

  /// Exact: |raw| < 2^53 converts exactly, and scaling by a power of two is exact for normal results.
  @inline(__always)
  func double(_ raw: Int64) -> Double {
    if float32 { return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) }
    guard fastDouble else { return format.toDouble(raw) }
    let r = Double(raw) * scale
    return r.isNormal || raw == 0 ? r : format.toDouble(raw)
  }

  /// Rounded once (Int64 → Float is round-to-nearest-even), then scaled exactly.
  @inline(__always)
  func float(_ raw: Int64) -> Float {
    if float32 { return Float(bitPattern: UInt32(truncatingIfNeeded: raw)) }
    guard fastFloat else { return format.toFloat(raw) }
    let r = Float(raw) * Float(scale)
    return r.isNormal || raw == 0 ? r : format.toFloat(raw)
  }
}
