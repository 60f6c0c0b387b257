// Conversions between fixed point and Double / Float / C integers, bit-exact with the C++ headers.

extension FixedFormat {
  // MARK: From floating point

  /// Quantizes a `Double` into this format, as the C++ constructor from `double` does.
  ///
  /// `ap_fixed` (`.apFixed`): the exact IEEE value goes through the format's Q, then O, like any
  /// conversion (``FixedCast``), with two header details kept:
  /// - Infinities and NaNs are read as if their exponent field were a normal exponent, i.e.
  ///   ±(1.f)·2^1024 with the sign bit as sign. So +∞ into AP_SAT gives max, into AP_WRAP 0 (for
  ///   every format with F > −972); −∞ gives min / 0; a NaN behaves like the infinity of its sign bit
  ///   (the default NaN of x86, `0.0/0.0`, has the sign bit set).
  /// - Subnormals get the implicit leading 1 as well: (1.f)·2^−1023 instead of (0.f)·2^−1022. This
  ///   changes results only for formats with F ≥ 1023.
  ///
  /// `ap_int` (`.apInt`): truncate toward zero, then wrap. Header quirk kept: a negative value of
  /// magnitude below 0.5 gives **+1** (`ap_int<8>(-0.25)` is 1), because the header sets the
  /// magnitude register to −1 and then negates it. ±∞ and NaN give 0.
  ///
  /// `ac_fixed` / `ac_int`: computed the way ac_fixed.h does, in floating point (scale by a power
  /// of two, then peel off 32-bit words); exact while the scaled value stays a normal double.
  /// ac_int floors (−0.25 gives −1). For ±∞ and NaN the header converts NaN to `unsigned` and `int`
  /// (undefined behaviour in C++); the results here are what g++ on x86-64 produces: +∞ and NaN
  /// behave like a huge positive value whose dropped bits are all ones (AC_WRAP gives 0, or 1 LSB
  /// with a rounding mode that rounds up; AC_SAT gives max), −∞ like a huge negative one (AC_WRAP
  /// gives −1 LSB, AC_SAT min).
  ///
  /// The status reports `.wrapped`/`.saturated` when the rounded value did not fit (for NaN and
  /// infinities too), and `.nan` for every NaN.
  @inlinable
  public func quantize(_ x: Double) -> (raw: Int64, status: FixedStatus) {
    switch kind {
    case .apFixed: return _quantizeAPFixed(x.bitPattern)
    case .apInt: return _quantizeAPInt(x.bitPattern)
    case .acFixed, .acInt: return _quantizeAC(x)
    }
  }

  /// Quantizes a `Float`: the C++ headers widen it to `double` first (x86 `cvtss2sd`: exact, and a
  /// NaN keeps its payload with the quiet bit set), then proceed as ``quantize(_:)-(Double)``.
  @inlinable
  public func quantize(_ x: Float) -> (raw: Int64, status: FixedStatus) {
    let b = x.bitPattern
    if b & 0x7F80_0000 == 0x7F80_0000 && b & 0x007F_FFFF != 0 {
      let bits = (UInt64(b >> 31) << 63) | (0x7FF << 52) | (1 << 51) | (UInt64(b & 0x003F_FFFF) << 29)
      return quantize(Double(bitPattern: bits))
    }
    return quantize(Double(x))
  }

  @inlinable
  func _quantizeAPFixed(_ bits: UInt64) -> (raw: Int64, status: FixedStatus) {
    let magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
    if magnitude == 0 { return (0, []) }
    let exponentField = Int(truncatingIfNeeded: magnitude >> 52)
    let fraction = magnitude & 0x000F_FFFF_FFFF_FFFF
    let m = Int64(bitPattern: fraction | (1 << 52))  // the implicit 1 is set even for subnormals
    let r = bits >> 63 != 0 ? 0 &- m : m
    // value = r · 2^(e − 52), e = field − 1023; shift to the target's resolution:
    let d = 1075 - exponentField - fractionalBits
    let rules = _TargetRules(self)
    var result: (raw: Int64, status: FixedStatus)
    if d > 0 {
      let q = _FixedMath.roundShift64(r, d, quantization)
      result = q >= rules.qmin && q <= rules.qmax ? (q, []) : rules.overflowed(q, negative: r < 0)
    } else if -d <= 63 {
      result = rules.finish(Int128(r) << -d)
    } else {
      result = rules.overflowed(0, negative: r < 0)
    }
    if exponentField == 2047 && fraction != 0 { result.status.insert(.nan) }
    return result
  }

  @usableFromInline
  func _quantizeAPInt(_ bits: UInt64) -> (raw: Int64, status: FixedStatus) {
    let magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
    if magnitude == 0 { return (0, []) }
    let negative = bits >> 63 != 0
    let exponentField = Int(truncatingIfNeeded: magnitude >> 52)
    let fraction = magnitude & 0x000F_FFFF_FFFF_FFFF
    let m = fraction | (1 << 52)
    let e = exponentField - 1023
    let sh = 52 - e
    // ap_int_base(double): the magnitude register, then negated if the input is negative.
    var register: UInt64
    if sh == 0 {
      register = m
    } else if sh > 0 {
      register = sh < 54 ? m >> sh : (negative ? UInt64.max : 0)  // the header's −1, negated below
    } else {
      register = -sh < width ? m &<< -sh : 0
    }
    if negative { register = 0 &- register }
    let rules = _TargetRules(self)
    let raw = rules.extend(Int64(bitPattern: register))
    // Status: did trunc(x) fit?
    var fits = true
    if e >= 0 {
      if e <= 126 {
        let t = e <= 52 ? Int128(m >> (52 - e)) : Int128(m) << (e - 52)
        let v = negative ? -t : t
        fits = v >= rules.qmin128 && v <= rules.qmax128
      } else {
        fits = false
      }
    }
    var status: FixedStatus = fits ? [] : .wrapped
    if exponentField == 2047 && fraction != 0 { status.insert(.nan) }
    return (raw, status)
  }

  @usableFromInline
  func _quantizeAC(_ x: Double) -> (raw: Int64, status: FixedStatus) {
    let notS = isSigned ? 0 : 1
    let words = (width + 31 + notS) / 32
    let scaled =
      kind == .acInt
      ? _AC.ldexpr32(x, -words)
      : _AC.ldexpr(x, -(integerBits + notS + ((32 - width - notS) & 31)))
    let (converted, qb, rbits, o) = _AC.convFromFraction(scaled, words: words)
    var v = converted
    let rules = _TargetRules(self)
    let nan: FixedStatus = x.isNaN ? .nan : []
    if kind == .acInt {
      let fits = !o && v >= rules.qmin128 && v <= rules.qmax128
      return (rules.extend(Int64(truncatingIfNeeded: v)), fits ? nan : nan.union(.wrapped))
    }
    let bits = 32 * words
    var negativeSource = x < 0
    if _FixedMath.increment(quantization, qb: qb, rest: rbits, negative: negativeSource, lsb: v & 1 != 0) {
      v = _AC.wrap(v + 1, bits: bits)
    }
    negativeSource = negativeSource && (o || v < 0)
    var overflowed = o
    if !o {
      let negativeTarget = isSigned && (v >> (width - 1)) & 1 != 0
      let extra = bits - width
      let all = extra == 0 ? Int128(0) : (Int128(1) << extra) - 1
      let deleted = extra == 0 ? Int128(0) : (v >> width) & all
      overflowed =
        (!negativeSource && (negativeTarget || deleted != 0)) || (negativeSource && (!negativeTarget || deleted != all))
    }
    if overflow == .satSym && isSigned {
      overflowed = overflowed || (negativeSource && (width == 1 || v & ((Int128(1) << (width - 1)) - 1) == 0))
    }
    if !overflowed { return (rules.extend(Int64(truncatingIfNeeded: v)), nan) }
    var r = rules.overflowed(Int64(truncatingIfNeeded: v), negative: negativeSource)
    r.status.formUnion(nan)
    return r
  }

  // MARK: To floating point

  /// Converts a raw value to `Double` as the C++ `to_double()` does: round to nearest, ties to
  /// even (exact up to 53 significant bits).
  ///
  /// ap_fixed.h builds the IEEE bits itself and does not handle an exponent outside `double`'s
  /// normal range: for formats whose values can exceed 2^1024 or fall below 2^−1022 (I > 1024 or
  /// F > 1022) the exponent field is taken modulo 2048, as in the header, which is not the value.
  /// `ap_int` converts the integer with the C cast (round to nearest even). ac_fixed converts 32-bit
  /// words and scales by powers of two in floating point, as ac_fixed.h does.
  @inlinable
  public func toDouble(_ raw: Int64) -> Double {
    switch kind {
    case .apFixed:
      // Exact, normal results (W ≤ 53, exponents inside the normal range) are what the header's
      // bit construction gives too: take the short way.
      if width <= 53 && fractionalBits <= 1022 && integerBits <= 1023 {
        return Double(raw) * Double(bitPattern: UInt64(1023 - fractionalBits) << 52)
      }
      return Double(bitPattern: _apToBinary(raw, mantissaBits: 52, exponentBits: 11))
    case .apInt: return isSigned ? Double(raw) : Double(UInt64(bitPattern: raw) & (UInt64.max >> (64 - width)))
    case .acFixed, .acInt: return _acToDouble(raw)
    }
  }

  /// Converts a raw value to `Float` as the C++ `to_float()` does (round to nearest even; the same
  /// exponent caveat as ``toDouble(_:)``, here for I > 128 or F > 126). ac_fixed has no float
  /// conversion; for ac kinds this is `(float)x.to_double()`, which rounds twice.
  @inlinable
  public func toFloat(_ raw: Int64) -> Float {
    switch kind {
    case .apFixed:
      if width <= 24 && fractionalBits <= 126 && integerBits <= 127 {
        return Float(raw) * Float(bitPattern: UInt32(127 - fractionalBits) << 23)
      }
      return Float(bitPattern: UInt32(truncatingIfNeeded: _apToBinary(raw, mantissaBits: 23, exponentBits: 8)))
    case .apInt: return isSigned ? Float(raw) : Float(UInt64(bitPattern: raw) & (UInt64.max >> (64 - width)))
    case .acFixed, .acInt: return Float(_acToDouble(raw))
    }
  }

  /// ap_fixed_base.h `to_double()` / `to_float()`, transcribed.
  @inlinable
  func _apToBinary(_ raw: Int64, mantissaBits: Int, exponentBits: Int) -> UInt64 {
    if raw == 0 { return 0 }
    let negative = isSigned && raw < 0
    let magnitude = UInt64(bitPattern: negative ? 0 &- raw : raw) & (UInt64.max >> (64 - width))
    let l = magnitude.leadingZeroBitCount - (64 - width)
    var e = integerBits - l - 1 + ((1 << (exponentBits - 1)) - 1)
    let lsb = width - l - 1 - mantissaBits
    var a = lsb >= 2 ? magnitude & ((1 << (lsb - 1)) - 1) != 0 : false
    if lsb >= 0 { a = a || (magnitude >> lsb) & 1 != 0 }
    var m = lsb >= 1 ? magnitude >> (lsb - 1) : magnitude << (1 - lsb)
    m = (m + (a ? 1 : 0)) >> 1
    if (m >> (mantissaBits + 1)) & 1 != 0 { e += 1 }
    let signBit = UInt64(1) << (mantissaBits + exponentBits)
    let exponentMask = (UInt64(1) << exponentBits) - 1
    m &= (UInt64(1) << mantissaBits) - 1
    return (negative ? signBit : 0) | ((UInt64(truncatingIfNeeded: e) & exponentMask) << mantissaBits) | m
  }

  @usableFromInline
  func _acToDouble(_ raw: Int64) -> Double {
    let v = value(ofRaw: raw)
    let words = (width + 31 + (isSigned ? 0 : 1)) / 32
    var a = Double(Int32(truncatingIfNeeded: v >> (32 * (words - 1))))
    var i = words - 2
    while i >= 0 {
      a *= 4294967296.0
      a += Double(UInt32(truncatingIfNeeded: v >> (32 * i)))
      i -= 1
    }
    return kind == .acInt ? a : _AC.ldexpr(a, integerBits - width)
  }

  // MARK: To C integers

  /// `to_int()`: the C `int` (32 bits) the headers return.
  ///
  /// ap_fixed truncates toward zero (−7.5 gives −7), then keeps the low 32 bits. Header quirk kept:
  /// with I = 0 a signed negative value gives −1, not 0. (With I < 0 the header reads an
  /// uninitialized variable; this returns 0, the truncated value, which is also what g++ -O2
  /// produced.) ac_fixed floors (−7.5 gives −8). Integer kinds return their low 32 bits.
  @inlinable
  public func toCInt(_ raw: Int64) -> Int32 { Int32(truncatingIfNeeded: toInt64(raw)) }

  /// `to_int64()`: as ``toCInt(_:)``, keeping the low 64 bits.
  @inlinable
  public func toInt64(_ raw: Int64) -> Int64 {
    if isInteger { return raw }
    let v = value(ofRaw: raw)
    let f = fractionalBits
    if f <= 0 { return -f >= 64 ? 0 : Int64(truncatingIfNeeded: v << -f) }
    switch library {
    case .ap:
      if integerBits == 0 { return isSigned && v < 0 ? -1 : 0 }
      if integerBits < 0 { return 0 }
      var t = v >> f
      if v < 0 && v & ((Int128(1) << f) - 1) != 0 { t += 1 }
      return Int64(truncatingIfNeeded: t)
    case .ac:
      return f >= 127 ? (v < 0 ? -1 : 0) : Int64(truncatingIfNeeded: v >> f)
    }
  }
}

/// ac_fixed.h / ac_int.h floating-point helpers, transcribed operation for operation.
@usableFromInline
enum _AC {
  static var two32: Double { 4294967296.0 }

  /// `ac_private::ldexpr32<K>`: multiply or divide by 2^32, |K| times.
  @usableFromInline
  static func ldexpr32(_ d: Double, _ k: Int) -> Double {
    switch k {
    case 0: return d
    case 1: return d * two32
    case -1: return d / two32
    case 2: return (d * two32) * two32
    case -2: return (d / two32) / two32
    default:
      var d2 = d
      var i = 0
      while i < abs(k) && d2 != 0 && d2.isFinite {  // once 0, ±inf or NaN it stays so
        d2 = k < 0 ? d2 / two32 : d2 * two32
        i += 1
      }
      return d2
    }
  }

  /// `ac_private::ldexpr<N>`.
  @usableFromInline
  static func ldexpr(_ d: Double, _ n: Int) -> Double {
    let inner = n < 0 ? d / Double(UInt32(1) << UInt32((-n) & 31)) : d * Double(UInt32(1) << UInt32(n & 31))
    return ldexpr32(inner, n / 32)
  }

  /// Sign-extends the low `bits` bits of `x`.
  @inlinable
  static func wrap(_ x: Int128, bits: Int) -> Int128 { (x << (128 - bits)) >> (128 - bits) }

  /// `ac_private::iv_conv_from_fraction<N>`: the 32N-bit value floor(d · 2^32N) (two's complement,
  /// sign-extended here), the first dropped bit, whether any later bit is set, and whether the
  /// integer part was non-zero or the sign flipped.
  @usableFromInline
  static func convFromFraction(_ d: Double, words n: Int) -> (Int128, qb: Bool, rbits: Bool, o: Bool) {
    let b = d < 0
    var d2 = b ? -d : d
    let dfloor = d2.rounded(.down)
    var o = dfloor != 0
    d2 = d2 - dfloor
    var acc: UInt128 = 0
    for _ in 0..<n {
      d2 *= two32
      // (unsigned int)d2: d2 is in [0, 2^32) unless NaN, where x86-64 g++ yields 0.
      let k: UInt32 = d2.isNaN ? 0 : UInt32(d2)
      acc = (acc << 32) | UInt128(b ? ~k : k)
      d2 -= Double(k)
    }
    d2 *= 2
    // (int)d2 is 0 or 1; for NaN x86 gives INT_MIN, which is non-zero.
    let k = d2.isNaN || Int32(d2) != 0
    if k { d2 -= 1 }
    let rbits = d2 != 0
    let qb = (b && rbits) != k
    let bits = 32 * n
    var v = wrap(Int128(bitPattern: acc), bits: bits)
    if b && !rbits && !qb { v = wrap(v + 1, bits: bits) }
    o = o || (b != (v < 0))
    return (v, qb, rbits, o)
  }
}
