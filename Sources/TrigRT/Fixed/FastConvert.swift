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
