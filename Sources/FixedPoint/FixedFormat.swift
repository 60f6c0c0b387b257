// FixedFormat: the number format of an ap_fixed / ap_ufixed / ap_int / ap_uint / ac_fixed / ac_int
// value, as Xilinx's `ap_fixed.h` (shipped in hls4ml 1.3.0) and Mentor's `ac_fixed.h` define it.
//
// Everything in this module works on *raw* integers: a value of a format with `F` fractional bits is
// `raw · 2^-F`. See `FixedCast` for conversions, `FixedFormat+Float.swift` for floating point,
// `FixedArithmetic.swift` for exact products, sums and quotients.

/// The number format of a fixed-point value: `ap_fixed<W,I,Q,O,N>` and its relatives.
///
/// A value of a format with width `W`, `I` integer bits and `F = W − I` fractional bits is
/// `raw · 2^−F`, where `raw` is a `W`-bit two's-complement (signed) or plain binary (unsigned)
/// integer. `I` may be negative (all bits are fractional, `|value| < 2^(I−1)`) or larger than `W`
/// (the value is a multiple of `2^(I−W)`).
///
/// | spelling                                   | kind       | W  | I  | signed | Q            | O          | N |
/// |--------------------------------------------|------------|----|----|--------|--------------|------------|---|
/// | `ap_fixed<16,6>`                           | `.apFixed` | 16 | 6  | yes    | `.trn`       | `.wrap`    | 0 |
/// | `ap_ufixed<8,3,AP_RND_CONV,AP_SAT>`        | `.apFixed` | 8  | 3  | no     | `.rndConv`   | `.sat`     | 0 |
/// | `fixed<10,4,RND,WRAP,2>` (hls4ml)          | `.apFixed` | 10 | 4  | yes    | `.rnd`       | `.wrap`    | 2 |
/// | `ap_int<8>`, `int<8>` (hls4ml)             | `.apInt`   | 8  | 8  | yes    | `.trn`       | `.wrap`    | 0 |
/// | `ac_fixed<12,4,false,AC_RND,AC_SAT_SYM>`   | `.acFixed` | 12 | 4  | no     | `.rnd`       | `.satSym`  | 0 |
/// | `ac_int<7,true>`                           | `.acInt`   | 7  | 7  | yes    | `.trn`       | `.wrap`    | 0 |
///
/// ## Raw values
///
/// A raw value is held in an `Int64` as the format's `W`-bit pattern, sign-extended for signed
/// formats and zero-extended for unsigned ones. For every format except the 64-bit unsigned ones
/// (`ap_ufixed<64,…>`, `ap_uint<64>`, `ac_int<64,false>`, …) that is simply the numeric raw value.
/// For those, the `Int64` holds the bit pattern (read it with `UInt64(bitPattern:)`, or use
/// ``value(ofRaw:)``). Operations that take an `Int128` take the *numeric* value.
///
/// ## Kinds
///
/// `ap_int<W>` is not the same as `ap_fixed<W,W>`: converting a fixed-point value *into* an `ap_int`
/// truncates toward zero and wraps, ignoring Q and O (−2.5 → `ap_int<8>` gives −2, but
/// `ap_fixed<8,8>` gives −3). `ac_int` behaves like `ac_fixed<W,W,S>` (floor, wrap); the kind
/// keeps the spelling and selects ac_fixed's arithmetic where it differs from Xilinx's (see
/// ``Kind``).
public struct FixedFormat: Hashable, Sendable {
  /// Which library type the format spells, and therefore whose conversion rules apply.
  ///
  /// | kind       | C++ type                    | conversion *into* it                              |
  /// |------------|-----------------------------|---------------------------------------------------|
  /// | `.apFixed` | `ap_fixed`, `ap_ufixed`     | quantize with Q, then overflow with O (and N)     |
  /// | `.apInt`   | `ap_int`, `ap_uint`         | truncate toward zero, then wrap (Q, O ignored)    |
  /// | `.acFixed` | `ac_fixed<W,I,S,Q,O>`       | quantize with Q, then overflow with O (no N)      |
  /// | `.acInt`   | `ac_int<W,S>`               | floor, then wrap (as `ac_fixed<W,W,S>`)           |
  ///
  /// Where ac_fixed.h and ap_fixed.h differ (conversion from `double`, to `double`, to `int`,
  /// division), the kind of the format selects the library. Mixing libraries in one expression is
  /// not something C++ allows; here the target format decides.
  public enum Kind: UInt8, Hashable, Sendable, CaseIterable {
    /// Xilinx `ap_fixed<W,I,Q,O,N>` / `ap_ufixed<W,I,Q,O,N>`; hls4ml `fixed<…>` / `ufixed<…>`.
    case apFixed
    /// Xilinx `ap_int<W>` / `ap_uint<W>`; hls4ml `int<W>` / `uint<W>`.
    case apInt
    /// Mentor/Siemens `ac_fixed<W,I,S,Q,O>`.
    case acFixed
    /// Mentor/Siemens `ac_int<W,S>`.
    case acInt
  }

  /// The quantization (rounding) mode, applied when a conversion drops fractional bits.
  ///
  /// Notation: `t` is the value floored to the target's resolution, `qb` the first dropped bit (the
  /// half bit), `r` the OR of the dropped bits below `qb`, `s` the sign of the source, `lsb` the last
  /// kept bit of `t`. The result is `t + 1 LSB` when the condition holds, else `t`.
  ///
  /// | mode           | C++ name          | increment when    | rule                            |
  /// |----------------|-------------------|-------------------|---------------------------------|
  /// | `.trn`         | `AP_TRN`          | never             | floor (toward −∞); the default  |
  /// | `.trnZero`     | `AP_TRN_ZERO`     | s ∧ (qb ∨ r)      | toward zero                     |
  /// | `.rnd`         | `AP_RND`          | qb                | nearest, ties toward +∞         |
  /// | `.rndZero`     | `AP_RND_ZERO`     | qb ∧ (s ∨ r)      | nearest, ties toward zero       |
  /// | `.rndMinInf`   | `AP_RND_MIN_INF`  | qb ∧ r            | nearest, ties toward −∞         |
  /// | `.rndInf`      | `AP_RND_INF`      | qb ∧ (¬s ∨ r)     | nearest, ties away from zero    |
  /// | `.rndConv`     | `AP_RND_CONV`     | qb ∧ (lsb ∨ r)    | nearest, ties to even           |
  /// | `.rndConvOdd`  | `AC_RND_CONV_ODD` | qb ∧ (¬lsb ∨ r)   | nearest, ties to odd (ac only)  |
  ///
  /// Worked examples, quantizing to an integer format (F = 0):
  ///
  /// | mode          | 1.25 | 1.5 | 1.75 | 2.5 | −1.25 | −1.5 | −1.75 | −2.5 |
  /// |---------------|------|-----|------|-----|-------|------|-------|------|
  /// | `.trn`        | 1    | 1   | 1    | 2   | −2    | −2   | −2    | −3   |
  /// | `.trnZero`    | 1    | 1   | 1    | 2   | −1    | −1   | −1    | −2   |
  /// | `.rnd`        | 1    | 2   | 2    | 3   | −1    | −1   | −2    | −2   |
  /// | `.rndZero`    | 1    | 1   | 2    | 2   | −1    | −1   | −2    | −2   |
  /// | `.rndMinInf`  | 1    | 1   | 2    | 2   | −1    | −2   | −2    | −3   |
  /// | `.rndInf`     | 1    | 2   | 2    | 3   | −1    | −2   | −2    | −3   |
  /// | `.rndConv`    | 1    | 2   | 2    | 2   | −1    | −2   | −2    | −2   |
  /// | `.rndConvOdd` | 1    | 1   | 2    | 3   | −1    | −1   | −2    | −3   |
  ///
  /// Rounding happens before the overflow check, so it can itself overflow: 31.9995 into
  /// `ap_fixed<16,6,AP_RND>` (max 31.999) rounds to 32, which wraps to −32.
  ///
  /// `.rndConvOdd` exists only in ac_fixed.h; `ap_fixed` formats reject it. (hls4ml 1.3.0's
  /// precision parser does not know it either; trigrt accepts it in `ac_fixed<…>` spellings.)
  public enum Quantization: UInt8, Hashable, Sendable, CaseIterable {
    case trn, trnZero, rnd, rndZero, rndInf, rndMinInf, rndConv, rndConvOdd
  }

  /// The overflow (saturation) mode, applied to the *quantized* value when it is outside the
  /// target's range: signed `[−2^(W−1), 2^(W−1) − 1]`, unsigned `[0, 2^W − 1]` (in raw units).
  ///
  /// | mode       | C++ name      | result on overflow or underflow                                      |
  /// |------------|---------------|----------------------------------------------------------------------|
  /// | `.wrap`    | `AP_WRAP`     | N = 0: keep the low W bits (two's complement); the default           |
  /// | `.wrap`    | `AP_WRAP`, N>0| keep the low W bits, then force the top N bits: signed, the MSB      |
  /// |            |               | becomes the true sign and bits W−N…W−2 become 1 if positive, 0 if    |
  /// |            |               | negative; unsigned, the top N bits become 1 (also on underflow)      |
  /// | `.sat`     | `AP_SAT`      | clamp to min / max                                                   |
  /// | `.satZero` | `AP_SAT_ZERO` | 0                                                                    |
  /// | `.satSym`  | `AP_SAT_SYM`  | signed: clamp to ±max, and a value *equal* to min also becomes −max  |
  /// |            |               | (W = 1 is the exception: both headers give min, −1); unsigned: as SAT|
  ///
  /// Worked examples, `ap_fixed<4,4,AP_TRN,O,N>` (range −8…7) and `ap_ufixed<4,4,AP_TRN,O,N>` (0…15):
  ///
  /// | mode             | 9  | −9 | −8 | 20 | unsigned 17 | unsigned −1 |
  /// |------------------|----|----|----|----|-------------|-------------|
  /// | `.wrap`, N = 0   | −7 | 7  | −8 | 4  | 1           | 15          |
  /// | `.wrap`, N = 1   | 1  | −1 | −8 | 4  | 9           | 15          |
  /// | `.wrap`, N = 2   | 5  | −5 | −8 | 4  | 13          | 15          |
  /// | `.sat`           | 7  | −8 | −8 | 7  | 15          | 0           |
  /// | `.satZero`       | 0  | 0  | −8 | 0  | 0           | 0           |
  /// | `.satSym`        | 7  | −7 | −7 | 7  | 15          | 0           |
  ///
  /// `AP_WRAP_SM` (sign-magnitude wrap) is not supported: hls4ml cannot select it.
  public enum Overflow: UInt8, Hashable, Sendable, CaseIterable {
    case wrap, sat, satZero, satSym
  }

  /// The library whose rules a format follows.
  public enum Library: UInt8, Hashable, Sendable {
    /// Xilinx `ap_fixed.h` / `ap_int.h` (hls4ml's Vivado/Vitis backends).
    case ap
    /// Mentor/Siemens `ac_fixed.h` / `ac_int.h` (hls4ml's Catapult and oneAPI backends).
    case ac
  }

  /// The largest supported width.
  public static let maxWidth = 64
  /// The supported range of integer bits. The C++ templates accept any `int`; values this far out
  /// already make every representable value overflow or underflow a `double`.
  public static let integerBitsRange = -(1 << 20)...(1 << 20)

  public let kind: Kind
  /// W: the total number of bits, 1…64.
  public let width: Int
  /// I: the number of integer bits, including the sign bit. May be negative or larger than W.
  public let integerBits: Int
  public let isSigned: Bool
  public let quantization: Quantization
  public let overflow: Overflow
  /// N: the number of saturation bits of `AP_WRAP` (0…W). It is kept for every overflow mode
  /// (ap_fixed accepts it and ignores it unless O is `AP_WRAP`), and is always 0 for ac and integer
  /// kinds.
  public let saturationBits: Int

  /// Creates a format, checking it the way the C++ templates (and hls4ml) would.
  ///
  /// There are no defaults: spell out every field, or parse a string with
  /// ``init(parsing:)``. Integer kinds (`.apInt`, `.acInt`) need `integerBits == width`, `.trn`,
  /// `.wrap` and `saturationBits == 0`; see ``integer(_:width:isSigned:)``.
  public init(
    kind: Kind, width: Int, integerBits: Int, isSigned: Bool,
    quantization: Quantization, overflow: Overflow, saturationBits: Int
  ) throws(FixedFormatError) {
    guard (1...FixedFormat.maxWidth).contains(width) else { throw .widthOutOfRange(width) }
    guard FixedFormat.integerBitsRange.contains(integerBits) else { throw .integerBitsOutOfRange(integerBits) }
    switch kind {
    case .apInt, .acInt:
      guard integerBits == width else { throw .integerKindNeedsIntegerBitsEqualToWidth(integerBits: integerBits, width: width) }
      guard quantization == .trn, overflow == .wrap, saturationBits == 0 else { throw .integerKindHasNoModes(kind) }
    case .apFixed:
      guard quantization != .rndConvOdd else { throw .quantizationNotSupported(quantization, kind) }
      guard (0...width).contains(saturationBits) else {
        throw .saturationBitsOutOfRange(saturationBits: saturationBits, width: width)
      }
    case .acFixed:
      guard saturationBits == 0 else { throw .saturationBitsNotSupported(kind) }
    }
    self.kind = kind
    self.width = width
    self.integerBits = integerBits
    self.isSigned = isSigned
    self.quantization = quantization
    self.overflow = overflow
    self.saturationBits = saturationBits
  }

  /// `ap_int<W>` / `ap_uint<W>` (kind `.apInt`) or `ac_int<W,S>` (kind `.acInt`).
  public static func integer(_ kind: Kind, width: Int, isSigned: Bool) throws(FixedFormatError) -> FixedFormat {
    guard kind == .apInt || kind == .acInt else { throw .notAnIntegerKind(kind) }
    return try FixedFormat(
      kind: kind, width: width, integerBits: width, isSigned: isSigned,
      quantization: .trn, overflow: .wrap, saturationBits: 0)
  }

  // MARK: Derived properties

  /// F = W − I: the number of fractional bits (negative when I > W).
  @inlinable public var fractionalBits: Int { width - integerBits }

  /// The smallest raw value (−2^(W−1) signed, 0 unsigned).
  @inlinable public var minRaw: Int64 { isSigned ? Int64.min >> (64 - width) : 0 }

  /// The largest raw value as a bit pattern (2^(W−1) − 1 signed, 2^W − 1 unsigned). For 64-bit
  /// unsigned formats this is `UInt64.max`'s pattern, i.e. `-1` as an `Int64`.
  @inlinable public var maxRaw: Int64 {
    isSigned ? Int64.max >> (64 - width) : Int64(bitPattern: UInt64.max >> (64 - width))
  }

  /// The smallest numeric raw value.
  @inlinable public var minValueRaw: Int128 { isSigned ? -(Int128(1) << (width - 1)) : 0 }
  /// The largest numeric raw value (2^64 − 1 for 64-bit unsigned formats).
  @inlinable public var maxValueRaw: Int128 { isSigned ? (Int128(1) << (width - 1)) - 1 : (Int128(1) << width) - 1 }

  /// The value of one LSB, 2^−F (0 or +∞ when that is outside `Double`'s range).
  public var resolution: Double { Double(sign: .plus, exponent: -fractionalBits, significand: 1) }

  /// Whose rules apply: `.ap` for `.apFixed`/`.apInt`, `.ac` for `.acFixed`/`.acInt`.
  @inlinable public var library: Library { kind == .apFixed || kind == .apInt ? .ap : .ac }

  /// True for `.apInt` and `.acInt`.
  @inlinable public var isInteger: Bool { kind == .apInt || kind == .acInt }

  /// The format as an exact intermediate (`ap_fixed_base<W,I,S>`), for the arithmetic helpers.
  @inlinable public var exact: ExactFormat { ExactFormat(_width: width, integerBits: integerBits, isSigned: isSigned) }

  /// The numeric raw value of a raw bit pattern: the identity except for 64-bit unsigned formats.
  @inlinable public func value(ofRaw raw: Int64) -> Int128 {
    isSigned ? Int128(raw) : Int128(UInt64(bitPattern: raw) & (UInt64.max >> (64 - width)))
  }

  /// Whether `raw` is a valid raw value of this format (a sign- or zero-extended W-bit pattern).
  @inlinable public func isValidRaw(_ raw: Int64) -> Bool {
    let k = 64 - width
    return isSigned ? (raw &<< k) &>> k == raw : width == 64 || UInt64(bitPattern: raw) >> width == 0
  }

  /// The exact value of a raw value as a `Double` when it is representable (|raw| < 2^53 and the
  /// scale inside `Double`'s range); for display and tests. ``toDouble(_:)`` is the C++ conversion.
  public func approximateValue(ofRaw raw: Int64) -> Double {
    Double(value(ofRaw: raw)) * resolution
  }
}

/// A format is invalid, or an operation does not apply to it.
public enum FixedFormatError: Error, Hashable, Sendable, CustomStringConvertible {
  case widthOutOfRange(Int)
  case integerBitsOutOfRange(Int)
  case saturationBitsOutOfRange(saturationBits: Int, width: Int)
  case saturationBitsNotSupported(FixedFormat.Kind)
  case integerKindNeedsIntegerBitsEqualToWidth(integerBits: Int, width: Int)
  case integerKindHasNoModes(FixedFormat.Kind)
  case quantizationNotSupported(FixedFormat.Quantization, FixedFormat.Kind)
  case notAnIntegerKind(FixedFormat.Kind)
  case exactWidthOutOfRange(Int)

  public var description: String {
    switch self {
    case .widthOutOfRange(let w):
      return "width \(w) is out of range: trigrt supports 1…\(FixedFormat.maxWidth) bits"
    case .integerBitsOutOfRange(let i):
      return "integer bits \(i) are out of range \(FixedFormat.integerBitsRange.lowerBound)…\(FixedFormat.integerBitsRange.upperBound)"
    case .saturationBitsOutOfRange(let n, let w):
      return "saturation bits \(n) are out of range 0…\(w) (they cannot exceed the width)"
    case .saturationBitsNotSupported(let k):
      return "\(k.cName) has no saturation-bits parameter"
    case .integerKindNeedsIntegerBitsEqualToWidth(let i, let w):
      return "an integer type needs integer bits equal to the width (got W=\(w), I=\(i))"
    case .integerKindHasNoModes(let k):
      return "\(k.cName) has no quantization, overflow or saturation-bits parameters"
    case .quantizationNotSupported(let q, let k):
      return "\(k.cName) does not support \(q.name(for: .ac)) (only ac_fixed has it)"
    case .notAnIntegerKind(let k):
      return "\(k.cName) is not an integer kind (use .apInt or .acInt)"
    case .exactWidthOutOfRange(let w):
      return "an exact format needs a width of at least 1 (got \(w))"
    }
  }
}

/// The format of an exact intermediate result: Xilinx's `ap_fixed_base<W,I,S>` (or
/// `ac_fixed<W,I,S>`) with no quantization or overflow of its own, as the C++ operators return it.
///
/// Unlike ``FixedFormat`` its width is not limited to 64 bits: the product of two 40-bit values has
/// 80, and a sum of values with very different I and F can be wider still. Raw values of an exact
/// format are passed as *numeric* `Int128`s; ``fitsInInt128`` says whether every value fits.
public struct ExactFormat: Hashable, Sendable, CustomStringConvertible {
  public let width: Int
  public let integerBits: Int
  public let isSigned: Bool

  /// Creates an exact format; the width must be at least 1.
  public init(width: Int, integerBits: Int, isSigned: Bool) throws(FixedFormatError) {
    guard width >= 1 else { throw .exactWidthOutOfRange(width) }
    self.init(_width: width, integerBits: integerBits, isSigned: isSigned)
  }

  @inlinable init(_width width: Int, integerBits: Int, isSigned: Bool) {
    self.width = width
    self.integerBits = integerBits
    self.isSigned = isSigned
  }

  @inlinable public var fractionalBits: Int { width - integerBits }

  /// Every numeric raw value fits an `Int64`.
  @inlinable public var fitsInInt64: Bool { isSigned ? width <= 64 : width <= 63 }
  /// Every numeric raw value fits an `Int128`.
  @inlinable public var fitsInInt128: Bool { isSigned ? width <= 128 : width <= 127 }

  /// The smallest and largest numeric raw values, when they fit an `Int128`.
  public var rawRange: ClosedRange<Int128>? {
    guard fitsInInt128 else { return nil }
    // Signed W = 128 (a product of two 64-bit formats) spans all of Int128; −(1 << 127) would trap.
    return isSigned
      ? (width == 128 ? Int128.min : -(Int128(1) << (width - 1))) ... (width == 128 ? Int128.max : (Int128(1) << (width - 1)) - 1)
      : 0 ... (Int128(1) << width) - 1
  }

  /// The format as `ap_fixed<W,I>` / `ap_ufixed<W,I>` (AP_TRN, AP_WRAP), when W ≤ 64.
  public var fixedFormat: FixedFormat? {
    try? FixedFormat(
      kind: .apFixed, width: width, integerBits: integerBits, isSigned: isSigned,
      quantization: .trn, overflow: .wrap, saturationBits: 0)
  }

  /// `ap_fixed<W,I>` or `ap_ufixed<W,I>`, the spelling of the Xilinx result typedef.
  public var description: String { "\(isSigned ? "ap_fixed" : "ap_ufixed")<\(width),\(integerBits)>" }
}

extension FixedFormat.Kind {
  /// The C++ family name, for messages.
  public var cName: String {
    switch self {
    case .apFixed: return "ap_fixed"
    case .apInt: return "ap_int"
    case .acFixed: return "ac_fixed"
    case .acInt: return "ac_int"
    }
  }
}
