/// Fixed-point window step: hls4ml's max pooling (`nnet::pooling1d_cl` / `pooling2d_cl`, pool_op
/// Max), the im2col gather of `nnet::conv_1d_cl` / `conv_2d_cl` (Latency, io_parallel: each
/// output pixel's column (kh, kw, c) read from the channels-last input, padding cells read 0;
/// the product, accumulation and result conversions are then a `DenseFixedStep` over the
/// pixels) and `nnet::transpose`. All index tables are built at plan time
/// (Fixed/HLSConv.swift `ConvGeometry`); run reads them and allocates nothing.
///
/// For output element i of a sample, the inputs are `indices[i * window ..< (i + 1) * window]`
/// (−1 = a padding cell):
/// - `copy` (window 1): the raw value, 0 for padding (im2col; the format is the input's);
/// - `cast` (window 1): the value converted into the result type (Transpose);
/// - `max`: `y = x[0]; y = x[k] > y ? x[k] : y` in data_T (padding holds data_T with only its
///   top bit set, hls4ml's `pad_val`: the most negative value of a signed type, 2^(W−1) LSBs of
///   an unsigned one), then converted into accum_t, then into res_T;
/// - `average` (global and 2-D average pooling, `nnet::avg`): `accum_t y = 0; y += x[k]` (each
///   exact sum converted into accum_t; a padding cell adds 0, which changes nothing), then
///   `y /= n` (ap_fixed ÷ unsigned: the raw integer quotient, truncated toward zero, at accum_t's
///   LSB) with n = `divisors[i]` (the window's real cells, `pooling2d_cl`'s `overlap_pixel`) or
///   `window` when there is no padding, then converted into res_T.
import FixedPoint

struct WindowFixedStep {
  enum Mode { case copy, cast, max, average }
  var x: Int32
  var y: Int32
  var mode: Mode
  var inCount: Int            // input elements per sample
  var outCount: Int           // output elements per sample
  var window: Int
  var indices: UnsafePointer<Int32>
  var padRaw: Int64
  var toAccum: UnsafePointer<FixedCast>
  var toResult: UnsafePointer<FixedCast>
  var stats: Int32
  /// `average`: the exact sum accum_t + data_T (both raws shifted to its fractional bits) → accum_t.
  var sumCast: UnsafePointer<FixedCast>? = nil
  var accumShift: Int64 = 0
  var dataShift: Int64 = 0
  /// `average`: the divisor of output i (padded pooling), or nil: every output divides by `window`.
  var divisors: UnsafePointer<Int32>? = nil
  /// `cast`: the conversion changes no raw (same fractional bits, no overflow possible): a copy.
  var identityCast: Bool {
    let c = toResult.pointee
    return !c.canOverflow && c.source.fractionalBits == c.target.fractionalBits
  }

  /// `average` with a wrapping accum_t (AP_WRAP, no saturation bits, no `ap_int`) that keeps
  /// every fractional bit of data_T: the per-add conversions only wrap, and wrapping each partial
  /// sum to `wrapWidth` bits equals wrapping the whole sum once (arithmetic mod 2^W).
  var wrapWidth: Int64 = 0
  var wrapSigned = true

  /// The `average` fields for data_T `input` and accum_t `accum` (nil when the exact sum does
  /// not fit 62 bits; HLSGraph refuses such a layer).
  static func averaging(input: FixedFormat, accum: FixedFormat, store: ConstantStore) -> (UnsafePointer<FixedCast>, Int64, Int64)? {
    let sum = ExactFormat.sum(accum.exact, input.exact)
    guard sum.width <= 62 else { return nil }
    return (store.cast(FixedCast(from: sum, to: accum)), Int64(sum.fractionalBits - accum.fractionalBits),
            Int64(sum.fractionalBits - input.fractionalBits))
  }

  /// Sets `wrapWidth` when the sum may be wrapped once (see there), for `window` terms.
  mutating func wrapOnce(input: FixedFormat, accum: FixedFormat) {
    guard mode == .average, accum.overflow == .wrap, accum.saturationBits == 0, accum.kind == .apFixed, accumShift == 0,
          accum.fractionalBits >= input.fractionalBits, accum.width <= 62,
          input.width + (accum.fractionalBits - input.fractionalBits) + 64 - Int(UInt64(window).leadingZeroBitCount) <= 62
    else { return }
    wrapWidth = Int64(accum.width)
    wrapSigned = accum.isSigned
  }
}

/// What the planner hands FixedPlanner for a window layer.
struct WindowSpec {
  var mode: WindowFixedStep.Mode
  var window: Int
  var outCount: Int
  var indices: [Int32]
  /// `average` only: per output, the divisor (nil: `window` for every output).
  var divisors: [Int32]? = nil
}

enum WindowFixedKernel {
  static func run<O: FixedObserver>(_ s: WindowFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if O.enabled, let st = stats, s.mode != .copy {
      var o = StatsObserver(stats: st + Int(s.stats))
      body(s, slots, batch, &o)
    } else {
      var o = NoObserver()
      body(s, slots, batch, &o)
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: WindowFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    let y = raws(slots, s.y)
    let x = UnsafePointer(raws(slots, s.x))
    let idx = s.indices
    for r in 0..<batch {
      let xr = x + r &* s.inCount
      let yr = y + r &* s.outCount
      switch s.mode {
      case .copy:
        for i in 0..<s.outCount {
          let j = idx[i]
          yr[i] = j < 0 ? 0 : xr[Int(j)]
        }
      case .cast where !O.enabled && s.identityCast:
        for i in 0..<s.outCount {
          let j = idx[i]
          yr[i] = j < 0 ? 0 : xr[Int(j)]
        }
      case .cast:
        for i in 0..<s.outCount {
          let j = idx[i]
          yr[i] = s.toResult.pointee.toResult(j < 0 ? 0 : xr[Int(j)], &o)
        }
      case .max:
        var k = 0
        for i in 0..<s.outCount {
          let j0 = idx[k]
          var m = j0 < 0 ? s.padRaw : xr[Int(j0)]
          var w = 1
          while w < s.window {
            let j = idx[k &+ w]
            let v = j < 0 ? s.padRaw : xr[Int(j)]
            if v > m { m = v }
            w &+= 1
          }
          k &+= s.window
          let a = s.toAccum.pointee.toAccum(m, &o)
          yr[i] = s.toResult.pointee.toResult(a, &o)
        }
      case .average where !O.enabled && s.wrapWidth > 0:
        var k = 0
        let d = Int64(s.window)
        let up = 64 &- s.wrapWidth
        let mask: Int64 = s.wrapWidth >= 63 ? -1 : (1 &<< s.wrapWidth) &- 1
        for i in 0..<s.outCount {
          var a: Int64 = 0
          for w in 0..<s.window {
            let j = idx[k &+ w]
            a &+= j < 0 ? 0 : xr[Int(j)] &<< s.dataShift
          }
          k &+= s.window
          a = s.wrapSigned ? (a &<< up) &>> up : a & mask
          yr[i] = s.toResult.pointee.toResult(a / (s.divisors.map { Int64($0[i]) } ?? d), &o)
        }
      case .average:
        guard let sc = s.sumCast else { return }   // set for every average step (HLSGraph refuses otherwise)
        var k = 0
        let d = Int64(s.window)
        for i in 0..<s.outCount {
          var a: Int64 = 0
          for w in 0..<s.window {
            let j = idx[k &+ w]
            let v = j < 0 ? 0 : xr[Int(j)]
            a = sc.pointee.toAccum((a &<< s.accumShift) &+ (v &<< s.dataShift), &o)
          }
          k &+= s.window
          yr[i] = s.toResult.pointee.toResult(a / (s.divisors.map { Int64($0[i]) } ?? d), &o)
        }
      }
    }
  }
}
