/// What happened in a conversion or operation, besides ordinary rounding.
///
/// A conversion reports `.wrapped` or `.saturated` exactly when its result differs from the
/// quantized value (the source rounded to the target's resolution with the target's Q): that is,
/// the quantized value was outside the target's range, or it equalled the minimum of an
/// `AP_SAT_SYM` target (which becomes −max). `.wrapped` is reported for `AP_WRAP` targets (with or
/// without saturation bits) and for integer targets, `.saturated` for `AP_SAT`, `AP_SAT_ZERO` and
/// `AP_SAT_SYM`.
///
/// `.nan` is reported for every NaN input, together with whatever the result was (see
/// ``FixedFormat/quantize(_:)-(Double)``). `.divisionByZero` is reported by ``FixedQuotient``.
public struct FixedStatus: OptionSet, Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt8
  @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

  // Computed, not `static let`: a stored global would be reached through a lazy-initialization
  // accessor call from other modules, in the hot loop.
  @inlinable public static var wrapped: FixedStatus { FixedStatus(rawValue: 1) }
  @inlinable public static var saturated: FixedStatus { FixedStatus(rawValue: 2) }
  @inlinable public static var nan: FixedStatus { FixedStatus(rawValue: 4) }
  @inlinable public static var divisionByZero: FixedStatus { FixedStatus(rawValue: 8) }

  /// `.wrapped` or `.saturated`: the value did not fit.
  @inlinable public var isOverflow: Bool { rawValue & 3 != 0 }

  public var description: String {
    var parts: [String] = []
    if contains(.wrapped) { parts.append("wrapped") }
    if contains(.saturated) { parts.append("saturated") }
    if contains(.nan) { parts.append("nan") }
    if contains(.divisionByZero) { parts.append("divisionByZero") }
    return parts.isEmpty ? "ok" : parts.joined(separator: "+")
  }
}
