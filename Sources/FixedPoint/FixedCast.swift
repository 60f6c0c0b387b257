// FixedCast: a conversion between fixed-point formats, precomputed once and applied in hot loops.
//
// Semantics (ap_fixed_base.h `operator=`, ac_fixed.h converting constructor), on the exact value
// raw·2^-Fs of the source:
//   1. quantize to the target's resolution with the target's Q (FixedFormat.Quantization);
//   2. apply the target's O (and N) to the quantized value (FixedFormat.Overflow).
// Converting into `ap_int`/`ap_uint` instead truncates toward zero, then wraps.
// Everything here is wrapping integer arithmetic: no input traps.

/// A precomputed conversion from a source format into a target ``FixedFormat``.
///
/// Build it once per (source, target) pair, outside the loop; `apply` is `@inlinable`, allocation
/// free, and never traps.
///
/// ```swift
/// let mul = FixedProduct(x.exact, w.exact)              // ap_fixed<16,6> * ap_fixed<16,6>: ap_fixed<32,12>
/// let toAccum = FixedCast(from: mul.format, to: accum)  // ap_fixed<32,12> -> accum_t
/// var overflows: UInt32 = 0
/// for i in 0..<n { out[i] = toAccum.apply(wide: mul.apply(x[i], w[i]), overflows: &overflows) }
/// ```
///
/// Inputs: `apply(_: Int64)` takes the source's raw bit pattern (see ``FixedFormat``: the numeric
/// raw value for every source except 64-bit unsigned ones); `apply(wide:)` takes the numeric raw
/// value of a source up to 128 bits wide (e.g. the exact product of two 40-bit values). Raw values
/// must be values of the source format; the result is the target's raw bit pattern.
///
/// Worked examples (`ap_fixed<16,6>` has 10 fractional bits):
///
/// | source                | value      | target                         | result raw | value     | status     |
/// |-----------------------|------------|--------------------------------|------------|-----------|------------|
/// | `ap_fixed<32,12>`     | 1.00048828 | `ap_fixed<16,6>` (AP_TRN)      | 1024       | 1.0       |            |
/// | `ap_fixed<32,12>`     | −1.0004883 | `ap_fixed<16,6>` (AP_TRN)      | −1025      | −1.0009766|            |
/// | `ap_fixed<32,12>`     | 31.9995117 | `ap_fixed<16,6,AP_RND>`        | −32768     | −32.0     | wrapped    |
/// | `ap_fixed<32,12>`     | 31.9995117 | `ap_fixed<16,6,AP_RND,AP_SAT>` | 32767      | 31.999023 | saturated  |
/// | `ap_fixed<16,6>`      | −2.5       | `ap_int<8>`                    | −2         | −2        |            |
/// | `ap_fixed<16,6>`      | −2.5       | `ap_fixed<8,8>`                | −3         | −3        |            |
///
/// Planner preconditions (not checked in `apply`, never trapping): raw values are valid values of
/// the source format. For an `ac_fixed` source with `AC_SAT_SYM` this means it never holds its
/// minimum code: ac_fixed.h skips the overflow check for some SAT_SYM→SAT_SYM conversions on
/// that assumption.
public struct FixedCast: Hashable, Sendable {
  /// The source format (as an exact format: only W, I and signedness matter).
  public let source: ExactFormat
  /// The target format.
  public let target: FixedFormat
  /// Whether some value of the source can wrap or saturate in the target. When false, the
  /// overflow-counting variants never count anything and `apply` alone is enough.
  public let canOverflow: Bool

  @usableFromInline let _rules: _TargetRules
  /// The path for `Int64` inputs (raw bit patterns): `.wide` for 64-bit unsigned sources.
  @usableFromInline let _path: _Path
  /// The path for numeric values that fit an `Int64` (`apply(wide:)`); the fast paths are exact
  /// for every Int64 value, whatever the source's width.
  @usableFromInline let _numericPath: _Path
  /// Right shift (`.right`, `.truncate`) or left shift (`.left`) amount.
  @usableFromInline let _shift: Int
  /// Rounding bias constants of the `.right` path: inc = (rem + c0 + (s ? cs : 0) + (lsb ? cl : 0)) >> shift.
  @usableFromInline let _c0: Int64
  @usableFromInline let _cs: Int64
  @usableFromInline let _cl: Int64
  /// In-range source raws of the `.left` path.
  @usableFromInline let _rlo: Int64
  @usableFromInline let _rhi: Int64
  /// Fs − F, any size (the `.wide` path).
  @usableFromInline let _wideShift: Int
  /// The target is `ap_int`/`ap_uint` and the source has fractional bits: truncate toward zero.
  @usableFromInline let _truncateTowardZero: Bool
  /// ap_fixed_base.h `to_ap_int_base` quirk: a signed source with I = 0 gives −1 for every
  /// negative value (it starts from 0 and adds the C-native correction to a 1-bit result).
  @usableFromInline let _negativeGivesMinusOne: Bool
  @usableFromInline let _sourceIsUnsigned64: Bool

  @usableFromInline enum _Path: UInt8, Hashable, Sendable { case right, left, truncate, wide }

  /// A conversion from values of `source` to `target`.
  public init(from source: FixedFormat, to target: FixedFormat) {
    self.init(from: source.exact, to: target)
  }

  /// A conversion from values of an exact intermediate format (e.g. a product) to `target`.
  public init(from source: ExactFormat, to target: FixedFormat) {
    self.source = source
    self.target = target
    let rules = _TargetRules(target)
    _rules = rules
    let fs = source.fractionalBits
    let d = fs - target.fractionalBits
    _wideShift = d
    _sourceIsUnsigned64 = !source.isSigned && source.width == 64
    _truncateTowardZero = target.kind == .apInt && fs > 0
    _negativeGivesMinusOne = _truncateTowardZero && source.isSigned && source.integerBits == 0
    var path: _Path = .wide
    var shift = 0
    var c0: Int64 = 0, cs: Int64 = 0, cl: Int64 = 0
    var rlo: Int64 = 0, rhi: Int64 = 0
    if _truncateTowardZero {
      if fs <= 62 {
        path = .truncate
        shift = fs
      }
    } else if d >= 0 && d <= 62 {
      path = .right
      shift = d
      if d > 0 { (c0, cs, cl) = _FixedMath.biasConstants(target.quantization, shift: d) }
    } else if d < 0 && d >= -63 {
      path = .left
      shift = -d
      // r·2^s in [qmin, qmax]  <=>  ceil(qmin / 2^s) <= r <= floor(qmax / 2^s)
      rlo = Int64(truncatingIfNeeded: -((-rules.qmin128) >> shift))
      rhi = Int64(truncatingIfNeeded: rules.qmax128 >> shift)
    }
    _numericPath = path
    _path = _sourceIsUnsigned64 ? .wide : path  // a 64-bit unsigned source's Int64 inputs are bit patterns
    _shift = shift
    _c0 = c0
    _cs = cs
    _cl = cl
    _rlo = rlo
    _rhi = rhi
    var can = true
    if let range = source.rawRange {
      can = false
      for end in [range.lowerBound, range.upperBound] {
        let (_, status) = FixedCast._applyWide(
          end, rules: rules, quantization: target.quantization, shift: d,
          truncate: _truncateTowardZero, sourceFractionalBits: fs, negativeGivesMinusOne: _negativeGivesMinusOne)
        if status.isOverflow { can = true }
      }
    }
    canOverflow = can
  }

  // MARK: Int64 inputs (the source's raw bit pattern)

  /// Converts one raw value.
  @inlinable @inline(__always)
  public func apply(_ raw: Int64) -> Int64 { _apply(raw).raw }

  /// Converts one raw value and adds 1 to `overflows` if it wrapped or saturated.
  @inlinable @inline(__always)
  public func apply(_ raw: Int64, overflows: inout UInt32) -> Int64 {
    let (v, s) = _apply(raw)
    if s.isOverflow { overflows &+= 1 }
    return v
  }

  /// Converts one raw value and says whether it wrapped or saturated.
  @inlinable @inline(__always)
  public func applyReportingStatus(_ raw: Int64) -> (raw: Int64, status: FixedStatus) { _apply(raw) }

  // MARK: Int128 inputs (numeric values of sources up to 128 bits)

  /// Converts the numeric raw value of a (possibly wide) source.
  @inlinable @inline(__always)
  public func apply(wide value: Int128) -> Int64 { _applyNumeric(value).raw }

  /// Converts the numeric raw value of a (possibly wide) source, counting overflows.
  @inlinable @inline(__always)
  public func apply(wide value: Int128, overflows: inout UInt32) -> Int64 {
    let (v, s) = _applyNumeric(value)
    if s.isOverflow { overflows &+= 1 }
    return v
  }

  /// Converts the numeric raw value of a (possibly wide) source, reporting overflow.
  @inlinable @inline(__always)
  public func applyReportingStatus(wide value: Int128) -> (raw: Int64, status: FixedStatus) { _applyNumeric(value) }

  // MARK: Implementation

  @inlinable @inline(__always)
  func _apply(_ r: Int64) -> (raw: Int64, status: FixedStatus) { _apply(r, path: _path, isPattern: true) }

  /// Values that fit an Int64 take the fast paths; wider ones the general one.
  @inlinable @inline(__always)
  func _applyNumeric(_ value: Int128) -> (raw: Int64, status: FixedStatus) {
    let low = Int64(truncatingIfNeeded: value)
    if Int128(low) == value { return _apply(low, path: _numericPath, isPattern: false) }
    return _applyWide(value)
  }

  // The common case (a right shift with rounding, in range) is straight-line code; everything else
  // is a call, so that the loop around `apply` stays small.
  @inlinable @inline(__always)
  func _apply(_ r: Int64, path: _Path, isPattern: Bool) -> (raw: Int64, status: FixedStatus) {
    if path == .right {
      let t = r &>> _shift
      let rem = r &- (t &<< _shift)
      let inc = (rem &+ _c0 &+ ((r &>> 63) & _cs) &+ ((0 &- (t & 1)) & _cl)) &>> _shift
      let q = t &+ inc
      if q >= _rules.qmin && q <= _rules.qmax { return (q, []) }
      return _overflowed(q, negative: r < 0)
    }
    if path == .left {
      let q = r &<< _shift
      if r >= _rlo && r <= _rhi { return (q, []) }
      return _overflowed(q, negative: r < 0)
    }
    if path == .truncate {
      let t = r &>> _shift
      let negative = r &>> 63  // 0 or −1
      let frac: Int64 = r &- (t &<< _shift) == 0 ? 0 : 1
      var v = t &+ (negative & frac)  // floor, +1 for negative values with a fraction
      if _negativeGivesMinusOne { v = negative == 0 ? v : -1 }
      if v >= _rules.qmin && v <= _rules.qmax { return (v, []) }
      return _overflowed(v, negative: v < 0)
    }
    return _applyWide(isPattern && _sourceIsUnsigned64 ? Int128(UInt64(bitPattern: r)) : Int128(r))
  }

  /// The overflow result, as a call on `self` (which is already in memory: no copy of the rules
  /// in the caller's loop).
  @usableFromInline @inline(never)
  func _overflowed(_ low64: Int64, negative: Bool) -> (raw: Int64, status: FixedStatus) {
    _rules.overflowed(low64, negative: negative)
  }


  @usableFromInline
  func _applyWide(_ value: Int128) -> (raw: Int64, status: FixedStatus) {
    FixedCast._applyWide(
      value, rules: _rules, quantization: target.quantization, shift: _wideShift,
      truncate: _truncateTowardZero, sourceFractionalBits: source.fractionalBits,
      negativeGivesMinusOne: _negativeGivesMinusOne)
  }

  /// The general conversion of a numeric value `r · 2^-fs`; the definition the fast paths follow.
  static func _applyWide(
    _ r: Int128, rules: _TargetRules, quantization: FixedFormat.Quantization, shift d: Int,
    truncate: Bool, sourceFractionalBits fs: Int, negativeGivesMinusOne: Bool
  ) -> (raw: Int64, status: FixedStatus) {
    if truncate {
      // ap_int target: truncate toward zero at the integer point (fs > 0 here), then wrap.
      var t: Int128
      let frac: Bool
      if fs >= 127 {
        t = r < 0 ? -1 : 0
        frac = r != 0
      } else {
        t = r >> fs
        frac = r &- (t &<< fs) != 0
      }
      if r < 0 && frac { t += 1 }
      if negativeGivesMinusOne && r < 0 { t = -1 }
      return rules.finish(t)
    }
    if d > 0 { return rules.finish(_FixedMath.roundShift(r, d, quantization)) }
    if d == 0 || r == 0 { return rules.finish(r) }
    let s = -d
    if s < 127, (r &<< s) >> s == r { return rules.finish(r &<< s) }
    // |r · 2^s| >= 2^127: out of every 64-bit range; its low 64 bits are those of r << s.
    return rules.overflowed(s >= 64 ? 0 : Int64(truncatingIfNeeded: r) &<< s, negative: r < 0)
  }
}

/// The target side of a conversion: range, overflow results and wrap masks, precomputed.
@usableFromInline
struct _TargetRules: Hashable, Sendable {
  /// In-range quantized values (numeric raws). For a signed AP_SAT_SYM target with W > 1 the
  /// minimum is excluded: it becomes −max.
  @usableFromInline let qmin128: Int128
  @usableFromInline let qmax128: Int128
  /// The same, clamped to Int64 (exact for every target but 64-bit unsigned, whose upper bound is
  /// clamped to Int64.max; that is exact for every quantized value that fits an Int64).
  @usableFromInline let qmin: Int64
  @usableFromInline let qmax: Int64
  @usableFromInline let satLow: Int64
  @usableFromInline let satHigh: Int64
  /// 64 − W.
  @usableFromInline let extendShift: Int
  @usableFromInline let isSigned: Bool
  @usableFromInline let overflow: FixedFormat.Overflow
  /// AP_WRAP saturation bits: clear `nClear`, then set `nNeg` (negative) or `nPos` (positive).
  @usableFromInline let nClear: UInt64
  @usableFromInline let nPos: UInt64
  @usableFromInline let nNeg: UInt64

  @inlinable init(_ f: FixedFormat) {
    let w = f.width
    let min = f.minValueRaw
    let max = f.maxValueRaw
    isSigned = f.isSigned
    overflow = f.overflow
    extendShift = 64 - w
    let symmetric = f.overflow == .satSym && f.isSigned && w > 1
    qmin128 = symmetric ? min + 1 : min
    qmax128 = max
    qmin = Int64(qmin128)
    qmax = max > Int128(Int64.max) ? Int64.max : Int64(max)
    switch f.overflow {
    case .sat, .satSym:
      satHigh = Int64(truncatingIfNeeded: max)
      satLow = Int64(truncatingIfNeeded: symmetric ? -max : min)
    case .satZero, .wrap:
      satHigh = 0
      satLow = 0
    }
    let n = f.overflow == .wrap ? f.saturationBits : 0
    if n > 0 {
      let field = (UInt64.max >> (64 - n)) << (w - n)
      let msb = UInt64(1) << (w - 1)
      nClear = field
      if f.isSigned {
        nPos = field & ~msb
        nNeg = msb
      } else {
        nPos = field
        nNeg = field
      }
    } else {
      nClear = 0
      nPos = 0
      nNeg = 0
    }
  }

  /// The low W bits of `x`, sign- or zero-extended: AP_WRAP with N = 0.
  @inlinable @inline(__always)
  func extend(_ x: Int64) -> Int64 {
    isSigned
      ? (x &<< extendShift) &>> extendShift
      : Int64(bitPattern: UInt64(bitPattern: x &<< extendShift) &>> extendShift)
  }

  /// The result for a quantized value outside the range. `low64` holds the low 64 bits of the
  /// quantized value, `negative` its sign.
  @inlinable @inline(__always)
  func overflowed(_ low64: Int64, negative: Bool) -> (raw: Int64, status: FixedStatus) {
    switch overflow {
    case .wrap:
      if nClear == 0 { return (extend(low64), .wrapped) }
      let u = (UInt64(bitPattern: low64) & ~nClear) | (negative ? nNeg : nPos)
      return (extend(Int64(bitPattern: u)), .wrapped)
    case .satZero:
      return (0, .saturated)
    case .sat, .satSym:
      return (negative ? satLow : satHigh, .saturated)
    }
  }

  /// Range check and overflow of an exact quantized value.
  @inlinable
  func finish(_ q: Int128) -> (raw: Int64, status: FixedStatus) {
    if q >= qmin128 && q <= qmax128 { return (Int64(truncatingIfNeeded: q), []) }
    return overflowed(Int64(truncatingIfNeeded: q), negative: q < 0)
  }
}

/// Rounding arithmetic shared by every conversion.
@usableFromInline
enum _FixedMath {
  /// Whether quantization adds one LSB (the table of ``FixedFormat/Quantization``).
  @inlinable @inline(__always)
  static func increment(_ q: FixedFormat.Quantization, qb: Bool, rest: Bool, negative s: Bool, lsb: Bool) -> Bool {
    switch q {
    case .trn: return false
    case .trnZero: return s && (qb || rest)
    case .rnd: return qb
    case .rndZero: return qb && (s || rest)
    case .rndMinInf: return qb && rest
    case .rndInf: return qb && (!s || rest)
    case .rndConv: return qb && (lsb || rest)
    case .rndConvOdd: return qb && (!lsb || rest)
    }
  }

  /// Bias constants such that, with `rem` the dropped bits (0 ≤ rem < 2^d) and `half` = 2^(d−1),
  /// `(rem + c0 + (negative ? cs : 0) + (lsb ? cl : 0)) >> d` is the increment. 1 ≤ d ≤ 62.
  static func biasConstants(_ q: FixedFormat.Quantization, shift d: Int) -> (Int64, Int64, Int64) {
    let half = Int64(1) << (d - 1)
    switch q {
    case .trn: return (0, 0, 0)
    case .trnZero: return (0, (Int64(1) << d) - 1, 0)  // negative and rem != 0
    case .rnd: return (half, 0, 0)  // rem >= half
    case .rndZero: return (half - 1, 1, 0)  // rem > half, or rem == half and negative
    case .rndMinInf: return (half - 1, 0, 0)  // rem > half
    case .rndInf: return (half, -1, 0)  // rem > half, or rem == half and positive
    case .rndConv: return (half - 1, 0, 1)  // rem > half, or rem == half and lsb odd
    case .rndConvOdd: return (half, 0, -1)  // rem > half, or rem == half and lsb even
    }
  }

  /// floor(r / 2^d) plus the quantization increment, for any d ≥ 1.
  @inlinable
  static func roundShift(_ r: Int128, _ d: Int, _ q: FixedFormat.Quantization) -> Int128 {
    let t: Int128 = d >= 127 ? (r < 0 ? -1 : 0) : r >> d
    let qb: Bool
    let rest: Bool
    if d - 1 <= 126 {
      qb = (r >> (d - 1)) & 1 != 0
      rest = r & ((Int128(1) << (d - 1)) &- 1) != 0
    } else if d - 1 == 127 {
      qb = r < 0
      rest = r & Int128.max != 0
    } else {
      qb = r < 0
      rest = r != 0
    }
    return increment(q, qb: qb, rest: rest, negative: r < 0, lsb: t & 1 != 0) ? t + 1 : t
  }

  /// floor(r / 2^d) plus the quantization increment, for any d ≥ 1, in Int64.
  @inlinable
  static func roundShift64(_ r: Int64, _ d: Int, _ q: FixedFormat.Quantization) -> Int64 {
    let t: Int64 = r &>> (d >= 63 ? 63 : d)
    let qb: Bool
    let rest: Bool
    if d - 1 <= 62 {
      qb = (r &>> (d - 1)) & 1 != 0
      rest = r & ((Int64(1) &<< (d - 1)) &- 1) != 0
    } else if d - 1 == 63 {
      qb = r < 0
      rest = r & Int64.max != 0
    } else {
      qb = r < 0
      rest = r != 0
    }
    return increment(q, qb: qb, rest: rest, negative: r < 0, lsb: t & 1 != 0) ? t &+ 1 : t
  }
}
