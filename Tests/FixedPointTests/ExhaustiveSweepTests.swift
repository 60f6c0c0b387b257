// (a) Exhaustive sweeps: every value of 12-bit sources converted into 8-bit targets under every
// quantization × overflow mode, checked against a reference written here independently of the
// module (exact rational rounding by cases, overflow by modular arithmetic and bit arrays).

import Testing
import FixedPoint

/// The reference: the rules of HLS4ML-SEMANTICS.md §3 (and ac_fixed.h), spelled out the slow way.
enum Reference {
  /// The source value raw·2^−fs rounded to the target's LSB (2^−f) with mode q.
  static func quantize(_ raw: Int, fs: Int, f: Int, _ q: FixedFormat.Quantization) -> Int {
    let e = f - fs
    if e >= 0 { return raw * (1 << e) }
    let d = 1 << -e
    let m = ((raw % d) + d) % d  // raw − floor(raw/d)·d, in [0, d)
    let lo = (raw - m) / d  // floor
    if m == 0 { return lo }
    let hi = lo + 1  // ceil
    let nonNegative = raw >= 0
    let above = 2 * m > d
    let half = 2 * m == d
    switch q {
    case .trn: return lo
    case .trnZero: return nonNegative ? lo : hi
    case .rnd: return above || half ? hi : lo
    case .rndZero: return above ? hi : (half ? (nonNegative ? lo : hi) : lo)
    case .rndMinInf: return above ? hi : lo
    case .rndInf: return above ? hi : (half ? (nonNegative ? hi : lo) : lo)
    case .rndConv: return above ? hi : (half ? (lo % 2 == 0 ? lo : hi) : lo)
    case .rndConvOdd: return above ? hi : (half ? (lo % 2 != 0 ? lo : hi) : lo)
    }
  }

  /// The overflow rule applied to a quantized value; nil status when nothing happened.
  static func overflow(_ v: Int, width w: Int, signed: Bool, _ o: FixedFormat.Overflow, n: Int) -> (Int, FixedStatus) {
    let modulus = 1 << w
    let minV = signed ? -(modulus / 2) : 0
    let maxV = signed ? modulus / 2 - 1 : modulus - 1
    let symmetricMin = o == .satSym && signed && w > 1 && v == minV
    if v >= minV && v <= maxV && !symmetricMin { return (v, []) }
    switch o {
    case .sat:
      return (v > maxV ? maxV : minV, .saturated)
    case .satSym:
      if v > maxV { return (maxV, .saturated) }
      return (signed ? (w > 1 ? -maxV : minV) : 0, .saturated)
    case .satZero:
      return (0, .saturated)
    case .wrap:
      var pattern = ((v % modulus) + modulus) % modulus
      if n > 0 {
        var bits = (0..<w).map { (pattern >> $0) & 1 == 1 }
        let negative = v < 0
        if signed {
          bits[w - 1] = negative
          for b in (w - n)..<(w - 1) { bits[b] = !negative }
        } else {
          for b in (w - n)..<w { bits[b] = true }
        }
        pattern = 0
        for (k, bit) in bits.enumerated() where bit { pattern += 1 << k }
      }
      return (signed && pattern >= modulus / 2 ? pattern - modulus : pattern, .wrapped)
    }
  }

  /// A whole conversion of raw·2^−(sw−si) (source signed: ss) into a target format.
  static func convert(_ raw: Int, sourceWidth sw: Int, sourceIntegerBits si: Int, sourceSigned ss: Bool, to t: FixedFormat)
    -> (Int, FixedStatus)
  {
    let fs = sw - si
    switch t.kind {
    case .apInt:
      // Truncate toward zero, then wrap; ap_fixed_base.h gives −1 for negative values when I = 0.
      var v = quantize(raw, fs: fs, f: 0, raw >= 0 ? .trn : .trnZero)
      if ss && si == 0 && raw < 0 && fs > 0 { v = -1 }
      return overflow(v, width: t.width, signed: t.isSigned, .wrap, n: 0)
    case .acInt:
      return overflow(quantize(raw, fs: fs, f: 0, .trn), width: t.width, signed: t.isSigned, .wrap, n: 0)
    case .apFixed, .acFixed:
      let v = quantize(raw, fs: fs, f: t.fractionalBits, t.quantization)
      return overflow(v, width: t.width, signed: t.isSigned, t.overflow, n: t.saturationBits)
    }
  }
}

@Suite("Exhaustive 12-bit → 8-bit sweeps against an independent reference")
struct ExhaustiveSweepTests {
  static let sourceIntegerBits = [0, 5, 12]
  static let targetIntegerBits = [-2, 3, 8]

  /// Every ap_fixed / ap_ufixed target: 7 Q × (WRAP N=0,1,2, SAT, SAT_ZERO, SAT_SYM) × signedness × I.
  static func apTargets() throws -> [FixedFormat] {
    var out: [FixedFormat] = []
    let overflows: [(FixedFormat.Overflow, Int)] = [(.wrap, 0), (.wrap, 1), (.wrap, 2), (.sat, 0), (.satZero, 0), (.satSym, 0)]
    for signed in [true, false] {
      for i in targetIntegerBits {
        for q in FixedFormat.Quantization.allCases where q != .rndConvOdd {
          for (o, n) in overflows {
            out.append(try FixedFormat(kind: .apFixed, width: 8, integerBits: i, isSigned: signed, quantization: q, overflow: o, saturationBits: n))
          }
        }
      }
    }
    return out
  }

  static func acTargets() throws -> [FixedFormat] {
    var out: [FixedFormat] = []
    for signed in [true, false] {
      for i in targetIntegerBits {
        for q in FixedFormat.Quantization.allCases {
          for o in FixedFormat.Overflow.allCases {
            out.append(try FixedFormat(kind: .acFixed, width: 8, integerBits: i, isSigned: signed, quantization: q, overflow: o, saturationBits: 0))
          }
        }
      }
    }
    return out
  }

  static func intTargets() throws -> [FixedFormat] {
    [try .integer(.apInt, width: 8, isSigned: true), try .integer(.apInt, width: 8, isSigned: false),
     try .integer(.apInt, width: 3, isSigned: true), try .integer(.acInt, width: 8, isSigned: true),
     try .integer(.acInt, width: 8, isSigned: false)]
  }

  func sweep(_ targets: [FixedFormat], checkDouble: Bool) throws -> (compared: Int, mismatches: [String]) {
    var compared = 0
    var mismatches: [String] = []
    for signed in [true, false] {
      for si in Self.sourceIntegerBits {
        let source = try FixedFormat(kind: .apFixed, width: 12, integerBits: si, isSigned: signed, quantization: .trn, overflow: .wrap, saturationBits: 0)
        let values = signed ? Array(-2048...2047) : Array(0...4095)
        for target in targets {
          let cast = FixedCast(from: source, to: target)
          var overflows: UInt32 = 0
          var expectedOverflows: UInt32 = 0
          for raw in values {
            let (expected, expectedStatus) = Reference.convert(raw, sourceWidth: 12, sourceIntegerBits: si, sourceSigned: signed, to: target)
            let r64 = Int64(raw)
            let got = cast.apply(r64, overflows: &overflows)
            let (reported, status) = cast.applyReportingStatus(r64)
            let wide = cast.apply(wide: Int128(raw))
            if expectedStatus.isOverflow { expectedOverflows += 1 }
            compared += 1
            if got != Int64(expected) || reported != got || wide != got || status != expectedStatus {
              if mismatches.count < 20 {
                mismatches.append("\(source) raw \(raw) -> \(target): expected \(expected) \(expectedStatus), got \(got) (reporting \(reported) \(status), wide \(wide))")
              }
            }
            if status.isOverflow && !cast.canOverflow {
              mismatches.append("\(source) -> \(target): canOverflow is false but raw \(raw) overflowed")
            }
            // The same value as an exact Double must quantize identically.
            if checkDouble {
              let x = Double(raw) * source.resolution
              let (q, qs) = target.quantize(x)
              compared += 1
              if q != Int64(expected) || qs != expectedStatus {
                if mismatches.count < 20 { mismatches.append("quantize(\(x)) -> \(target): expected \(expected) \(expectedStatus), got \(q) \(qs)") }
              }
            }
          }
          if overflows != expectedOverflows {
            mismatches.append("\(source) -> \(target): counted \(overflows) overflows, expected \(expectedOverflows)")
          }
        }
      }
    }
    return (compared, mismatches)
  }

  @Test("ap_fixed / ap_ufixed targets: 7 Q × 6 O/N variants")
  func apFixedTargets() throws {
    let (n, bad) = try sweep(Self.apTargets(), checkDouble: true)
    print("exhaustive ap_fixed sweep: \(n) conversions compared, \(bad.count) mismatches")
    #expect(bad.isEmpty, "\(bad.prefix(20).joined(separator: "\n"))")
    #expect(n > 1_000_000)
  }

  @Test("ac_fixed targets: 8 Q (with AC_RND_CONV_ODD) × 4 O")
  func acFixedTargets() throws {
    let (n, bad) = try sweep(Self.acTargets(), checkDouble: true)
    print("exhaustive ac_fixed sweep: \(n) conversions compared, \(bad.count) mismatches")
    #expect(bad.isEmpty, "\(bad.prefix(20).joined(separator: "\n"))")
  }

  @Test("ap_int / ac_int targets: truncate toward zero (ap) or floor (ac), then wrap")
  func integerTargets() throws {
    let (n, bad) = try sweep(Self.intTargets(), checkDouble: false)
    print("exhaustive integer-target sweep: \(n) conversions compared, \(bad.count) mismatches")
    #expect(bad.isEmpty, "\(bad.prefix(20).joined(separator: "\n"))")
  }
}
