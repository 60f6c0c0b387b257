/// The overflow report of a fixed-mode session: per layer, how many conversions wrapped or
/// saturated (in the accumulator and in the result), and the range of the exact values before
/// the result conversion against the range of the result format, with the integer bits that
/// would have held them. Counters accumulate over runs while `Session.reporting` is on.
import FixedPoint

public struct LayerReport: Sendable {
  /// Index of the layer in `Model.layers` (the `#` of `trigrt inspect`).
  public var layer: Int
  public var name: String
  public var result: FixedFormat
  public var values: UInt64
  public var accumWrapped: UInt64
  public var accumSaturated: UInt64
  public var resultWrapped: UInt64
  public var resultSaturated: UInt64
  /// Range of the exact values converted into the result (nil before any run).
  public var seen: ClosedRange<Double>?
  /// Range of the result raws actually produced, as values.
  public var produced: ClosedRange<Double>?
  public var formatRange: ClosedRange<Double>

  /// The integer bits of the result format's signedness, fractional bits and overflow mode that
  /// hold `seen` (nil when nothing was seen, or an unsigned format saw negative values). A signed
  /// AP_SAT_SYM / AC_SAT_SYM format holds [-max, max]: its most negative code is never produced.
  public var neededIntegerBits: Int? { seen.flatMap { LayerReport.neededIntegerBits($0, like: result) } }

  /// The integer bits that hold `seen` in a format of `format`'s signedness, fractional bits and
  /// overflow mode (nil when an unsigned format saw negative values, or nothing fits).
  public static func neededIntegerBits(_ s: ClosedRange<Double>, like format: FixedFormat) -> Int? {
    let f = format.fractionalBits
    let lsb = Double(sign: .plus, exponent: -f, significand: 1)
    if !format.isSigned && s.lowerBound < 0 { return nil }
    for i in (-64)...200 {
      let hi: Double, lo: Double
      if format.isSigned {
        hi = Double(sign: .plus, exponent: i - 1, significand: 1) - lsb
        lo = format.overflow == .satSym ? -hi : -Double(sign: .plus, exponent: i - 1, significand: 1)
      } else {
        hi = Double(sign: .plus, exponent: i, significand: 1) - lsb
        lo = 0
      }
      if s.upperBound <= hi && s.lowerBound >= lo { return i }
    }
    return nil
  }

  /// The range a format's conversions produce: a signed symmetric-saturation format never
  /// produces its most negative code.
  public static func range(of f: FixedFormat) -> ClosedRange<Double> {
    let hi = f.toDouble(f.maxRaw)
    let lo = f.isSigned && f.overflow == .satSym ? -hi : f.toDouble(f.minRaw)
    return min(lo, hi)...max(lo, hi)
  }

  public var overflowed: Bool { accumWrapped + accumSaturated + resultWrapped + resultSaturated > 0 }
}

extension Session {
  /// The report of fixed layer `i` (0 ..< statsCount).
  public func report(_ i: Int) -> LayerReport {
    let plan = header.plan
    let r = plan.reportLayers[i]
    let st = stats(i)
    let f = r.result
    let scale = Double(sign: .plus, exponent: -r.exactFractionalBits, significand: 1)
    let seen: ClosedRange<Double>? = st.conversions > 0 && st.minExact <= st.maxExact
      ? (Double(st.minExact) * scale)...(Double(st.maxExact) * scale) : nil
    let produced: ClosedRange<Double>? = st.conversions > 0 && st.minResult <= st.maxResult
      ? f.toDouble(st.minResult)...f.toDouble(st.maxResult) : nil
    return LayerReport(layer: r.step, name: plan.layers[r.step].name, result: f, values: st.conversions,
                       accumWrapped: st.accumWrapped, accumSaturated: st.accumSaturated,
                       resultWrapped: st.resultWrapped, resultSaturated: st.resultSaturated,
                       seen: seen, produced: produced, formatRange: LayerReport.range(of: f))
  }
}
