// Exact arithmetic with the result formats ap_fixed_base.h (RType) and ac_fixed.h (rt) define.
//
// C++ operators on fixed-point values are exact: `a*b`, `a+b`, `a-b` and `a/b` return a wider
// type, and only the assignment converts (with the target's Q and O). These helpers give the
// result format and the exact raw result; convert it with a FixedCast.

extension ExactFormat {
  /// `a * b`: W1 + W2 bits, I1 + I2 integer bits, signed if either is.
  ///
  /// `ap_fixed<16,6> * ap_fixed<8,3>` is `ap_fixed<24,9>`.
  public static func product(_ a: ExactFormat, _ b: ExactFormat) -> ExactFormat {
    ExactFormat(_width: a.width + b.width, integerBits: a.integerBits + b.integerBits, isSigned: a.isSigned || b.isSigned)
  }

  /// `a + b`: I = max(I1 + (S2 ∧ ¬S1), I2 + (S1 ∧ ¬S2)) + 1 integer bits, F = max(F1, F2)
  /// fractional bits, signed if either is. (An unsigned operand gains a bit when the other is
  /// signed.)
  ///
  /// `ap_fixed<16,6> + ap_fixed<8,3>` is `ap_fixed<17,7>`; `ap_ufixed<8,4> + ap_fixed<8,4>` is
  /// `ap_fixed<10,6>`.
  public static func sum(_ a: ExactFormat, _ b: ExactFormat) -> ExactFormat {
    let i = _sumIntegerBits(a, b)
    return ExactFormat(_width: i + max(a.fractionalBits, b.fractionalBits), integerBits: i, isSigned: a.isSigned || b.isSigned)
  }

  /// `a - b`: the integer and fractional bits of ``sum(_:_:)``, always signed.
  ///
  /// `ap_ufixed<8,4> - ap_ufixed<8,4>` is `ap_fixed<9,5>`.
  public static func difference(_ a: ExactFormat, _ b: ExactFormat) -> ExactFormat {
    let i = _sumIntegerBits(a, b)
    return ExactFormat(_width: i + max(a.fractionalBits, b.fractionalBits), integerBits: i, isSigned: true)
  }

  /// `a / b`: W = S2 + W1 + max(F2, 0), I = S2 + I1 + F2, signed if either is. The result has
  /// F1 fractional bits when F2 ≥ 0 (F1 − F2 when F2 < 0): the dividend is shifted left by
  /// max(F2, 0) and divided as an integer, truncating toward zero, so `x / int` truncates at x's
  /// resolution.
  ///
  /// `ap_fixed<16,6> / ap_fixed<8,3>` is `ap_fixed<22,12>` (10 fractional bits, like the dividend); `ap_fixed<16,6> / int` (an `int` is
  /// `ap_fixed<32,32>`) is `ap_fixed<17,7>`.
  public static func quotient(_ a: ExactFormat, _ b: ExactFormat) -> ExactFormat {
    let s2 = b.isSigned ? 1 : 0
    return ExactFormat(
      _width: s2 + a.width + max(b.fractionalBits, 0), integerBits: s2 + a.integerBits + b.fractionalBits,
      isSigned: a.isSigned || b.isSigned)
  }

  static func _sumIntegerBits(_ a: ExactFormat, _ b: ExactFormat) -> Int {
    max(a.integerBits + (b.isSigned && !a.isSigned ? 1 : 0), b.integerBits + (a.isSigned && !b.isSigned ? 1 : 0)) + 1
  }
}

extension FixedFormat {
  /// The format of `a * b` (see ``ExactFormat/product(_:_:)``).
  public static func product(_ a: FixedFormat, _ b: FixedFormat) -> ExactFormat { .product(a.exact, b.exact) }
  /// The format of `a + b` (see ``ExactFormat/sum(_:_:)``).
  public static func sum(_ a: FixedFormat, _ b: FixedFormat) -> ExactFormat { .sum(a.exact, b.exact) }
  /// The format of `a - b` (see ``ExactFormat/difference(_:_:)``).
  public static func difference(_ a: FixedFormat, _ b: FixedFormat) -> ExactFormat { .difference(a.exact, b.exact) }
  /// The format of `a / b` (see ``ExactFormat/quotient(_:_:)``).
  public static func quotient(_ a: FixedFormat, _ b: FixedFormat) -> ExactFormat { .quotient(a.exact, b.exact) }
}

/// Numeric values of raw bit patterns: masks that zero-extend 64-bit unsigned operands.
@inlinable @inline(__always)
func _operandMask(_ f: ExactFormat) -> Int128 {
  !f.isSigned && f.width == 64 ? Int128(UInt64.max) : -1
}

/// The exact product of two fixed-point values.
///
/// ```swift
/// let mul = FixedProduct(x.exact, w.exact)           // format ap_fixed<Wx+Ww, Ix+Iw>
/// let toAccum = FixedCast(from: mul.format, to: accum)
/// acc = toAccum.apply(wide: mul.apply(xRaw, wRaw))
/// ```
public struct FixedProduct: Hashable, Sendable {
  public let format: ExactFormat
  @usableFromInline let _maskA: Int128
  @usableFromInline let _maskB: Int128

  public init(_ a: ExactFormat, _ b: ExactFormat) {
    format = .product(a, b)
    _maskA = _operandMask(a)
    _maskB = _operandMask(b)
  }

  /// Every product is exact in `apply`'s `Int128` (true when both operands are at most 64 bits).
  public var isExactInInt128: Bool { format.fitsInInt128 }

  /// The exact raw product of two raw bit patterns (64-bit operands at most).
  @inlinable @inline(__always)
  public func apply(_ a: Int64, _ b: Int64) -> Int128 { (Int128(a) & _maskA) &* (Int128(b) & _maskB) }

  /// The raw product of two numeric raw values; exact when ``isExactInInt128``, else wraps.
  @inlinable @inline(__always)
  public func apply(wide a: Int128, _ b: Int128) -> Int128 { a &* b }

  /// The raw product in an `Int64`: exact when `format.fitsInInt64` (e.g. two 32-bit operands,
  /// signed), else wraps. The operands are numeric values.
  @inlinable @inline(__always)
  public func apply64(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
}

/// The exact sum or difference of two fixed-point values: both operands are aligned to the finer
/// resolution, then added.
public struct FixedSum: Hashable, Sendable {
  public let format: ExactFormat
  public let isSubtraction: Bool
  /// Left shifts aligning each operand to `format`'s resolution.
  public let shiftA: Int
  public let shiftB: Int
  @usableFromInline let _maskA: Int128
  @usableFromInline let _maskB: Int128

  /// `a + b` (`subtracting: false`) or `a - b` (`subtracting: true`).
  public init(_ a: ExactFormat, _ b: ExactFormat, subtracting: Bool) {
    format = subtracting ? .difference(a, b) : .sum(a, b)
    isSubtraction = subtracting
    shiftA = format.fractionalBits - a.fractionalBits
    shiftB = format.fractionalBits - b.fractionalBits
    _maskA = _operandMask(a)
    _maskB = _operandMask(b)
  }

  /// Every result is exact in `Int128` (`format.width` ≤ 128, signed); otherwise `apply` wraps.
  public var isExactInInt128: Bool { format.fitsInInt128 && shiftA < 128 && shiftB < 128 }

  /// The exact raw sum/difference of two raw bit patterns (64-bit operands at most).
  @inlinable @inline(__always)
  public func apply(_ a: Int64, _ b: Int64) -> Int128 {
    apply(wide: Int128(a) & _maskA, Int128(b) & _maskB)
  }

  /// The raw sum/difference of two numeric raw values; exact when ``isExactInInt128``, else wraps.
  @inlinable @inline(__always)
  public func apply(wide a: Int128, _ b: Int128) -> Int128 {
    let x = a &<< shiftA
    let y = b &<< shiftB
    return isSubtraction ? x &- y : x &+ y
  }

  /// The raw result in an `Int64`: exact when `format.fitsInInt64`, else wraps. Numeric operands.
  @inlinable @inline(__always)
  public func apply64(_ a: Int64, _ b: Int64) -> Int64 {
    let x = a &<< shiftA
    let y = b &<< shiftB
    return isSubtraction ? x &- y : x &+ y
  }
}

/// The quotient of two fixed-point values, as the C++ `operator/` computes it: the dividend shifted
/// left by max(F2, 0), integer division truncating toward zero, result in ``ExactFormat/quotient(_:_:)``.
///
/// The three headers differ in the corners, and each rule is kept:
///
/// | rule       | operands                | how                                                            |
/// |------------|-------------------------|----------------------------------------------------------------|
/// | `.apFixed` | ap_fixed (either side)  | divide in W' = max(W1 + max(F2,0) + (S2 ∧ ¬S1), W2 + (S1 ∧ ¬S2)) bits, signed if either operand is; the one quotient needing W' + 1 bits wraps: the most negative shifted dividend / raw −1 (−8 / −0.0625 in `ap_fixed<8,4>` / `ap_fixed<4,0>` gives −128, not 128) |
/// | `.apInt`   | ap_int / ap_int         | both operands are first converted to W'' = max(W1, W2) + (S1 ∨ S2) bits whose signedness is that of the *wider* operand (S1 ∨ S2 if equal); if that is unsigned, the bit patterns are divided unsigned: `ap_uint<4>(15) / ap_int<3>(−3)` is 0, `ap_int<5>(−12) / ap_uint<23>(8388606)` is 1 |
/// | `.ac`      | ac_fixed, ac_int        | exact                                                          |
///
/// Division by zero traps in the headers (SIGFPE); here it returns 0 and reports `.divisionByZero`.
public struct FixedQuotient: Hashable, Sendable {
  /// Which header's division algorithm is followed.
  public enum Rule: UInt8, Hashable, Sendable { case apFixed, apInt, ac }

  public let format: ExactFormat
  public let rule: Rule
  /// The dividend's left shift, max(F2, 0).
  public let dividendShift: Int
  /// The working width (0: none, exact).
  @usableFromInline let _workingWidth: Int
  /// The working signedness.
  @usableFromInline let _workingSigned: Bool
  @usableFromInline let _maskA: Int128
  @usableFromInline let _maskB: Int128

  /// The quotient of two storage formats; the rule follows their kinds (`.apInt` only when both are
  /// ap_int/ap_uint, `.ac` when the dividend is an ac kind).
  public init(_ a: FixedFormat, _ b: FixedFormat) {
    let rule: Rule = a.library == .ac ? .ac : (a.kind == .apInt && b.kind == .apInt ? .apInt : .apFixed)
    self.init(a.exact, b.exact, rule: rule)
  }

  /// The quotient of two exact formats with the given rule.
  public init(_ a: ExactFormat, _ b: ExactFormat, rule: Rule) {
    format = .quotient(a, b)
    self.rule = rule
    dividendShift = max(b.fractionalBits, 0)
    switch rule {
    case .apFixed:
      _workingWidth = max(a.width + dividendShift + (b.isSigned && !a.isSigned ? 1 : 0), b.width + (a.isSigned && !b.isSigned ? 1 : 0))
      _workingSigned = a.isSigned || b.isSigned
    case .apInt:
      let s = a.isSigned || b.isSigned ? 1 : 0
      _workingWidth = max(a.width + s, b.width + s)
      _workingSigned = a.width > b.width ? a.isSigned : (b.width > a.width ? b.isSigned : a.isSigned || b.isSigned)
    case .ac:
      _workingWidth = 0
      _workingSigned = true
    }
    _maskA = _operandMask(a)
    _maskB = _operandMask(b)
  }

  /// The shifted dividend and every quotient are exact in `Int128`.
  public var isExactInInt128: Bool { format.fitsInInt128 && format.width + 1 <= 128 }

  /// The raw quotient of two raw bit patterns (64-bit operands at most).
  @inlinable @inline(__always)
  public func apply(_ a: Int64, _ b: Int64) -> (raw: Int128, status: FixedStatus) {
    apply(wide: Int128(a) & _maskA, Int128(b) & _maskB)
  }

  /// The raw quotient of two numeric raw values (exact when ``isExactInInt128``).
  @inlinable
  public func apply(wide a: Int128, _ b: Int128) -> (raw: Int128, status: FixedStatus) {
    if b == 0 { return (0, .divisionByZero) }
    var x = a &<< dividendShift
    var y = b
    if rule == .apInt && _workingWidth < 128 {
      x = FixedQuotient._wrap(x, _workingWidth, signed: _workingSigned)
      y = FixedQuotient._wrap(y, _workingWidth, signed: _workingSigned)
      if y == 0 { return (0, .divisionByZero) }
    }
    var q = y == -1 ? 0 &- x : x / y
    if _workingWidth > 0 && _workingWidth < 128 { q = FixedQuotient._wrap(q, _workingWidth, signed: _workingSigned) }
    if format.width < 128 { q = FixedQuotient._wrap(q, format.width, signed: format.isSigned) }
    return (q, [])
  }

  /// The low `bits` bits of `x`, sign- or zero-extended.
  @inlinable @inline(__always)
  static func _wrap(_ x: Int128, _ bits: Int, signed: Bool) -> Int128 {
    let k = 128 - bits
    return signed ? (x &<< k) &>> k : Int128(bitPattern: UInt128(bitPattern: x &<< k) &>> k)
  }
}
