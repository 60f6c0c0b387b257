/// Shared pieces of the fixed-point kernels: raw-value slot access, and the observer that counts
/// overflows and records value ranges per layer when a session asks for it (trace / overflow
/// report). Kernels are generic over the observer; `NoObserver` compiles to nothing, so the
/// counters cost nothing unless requested.
import FixedPoint

@inline(__always) func raws(_ slots: Slots, _ i: Int32) -> UnsafeMutablePointer<Int64> {
  slots[Int(i)].assumingMemoryBound(to: Int64.self)
}

@inline(__always) func raws32(_ slots: Slots, _ i: Int32) -> UnsafeMutablePointer<Int32> {
  slots[Int(i)].assumingMemoryBound(to: Int32.self)
}

/// Per-layer counters: conversions into the accumulator (per product, per add) and into the
/// result, and the range of the exact values before the result conversion.
public struct LayerStats: Sendable, Equatable {
  public var accumWrapped: UInt64 = 0
  public var accumSaturated: UInt64 = 0
  public var resultWrapped: UInt64 = 0
  public var resultSaturated: UInt64 = 0
  public var conversions: UInt64 = 0
  /// Range of the values converted into the result format, in units of 2^-exactFractionalBits.
  public var minExact: Int64 = .max
  public var maxExact: Int64 = .min
  /// Range of the result raw values.
  public var minResult: Int64 = .max
  public var maxResult: Int64 = .min
  public init() {}
}

protocol FixedObserver {
  static var enabled: Bool { get }
  mutating func accum(_ s: FixedStatus)
  /// A value converted into the layer's result: its exact value in the source format (as a
  /// raw integer of `sourceFractionalBits`; wide values are clamped into Int64), the result raw
  /// and the conversion status.
  mutating func result(exact: Int64, raw: Int64, _ s: FixedStatus)
}

struct NoObserver: FixedObserver {
  static var enabled: Bool { false }
  @inline(__always) mutating func accum(_ s: FixedStatus) {}
  @inline(__always) mutating func result(exact: Int64, raw: Int64, _ s: FixedStatus) {}
}

struct StatsObserver: FixedObserver {
  let stats: UnsafeMutablePointer<LayerStats>
  static var enabled: Bool { true }
  @inline(__always) mutating func accum(_ s: FixedStatus) {
    if s.contains(.wrapped) { stats.pointee.accumWrapped &+= 1 }
    if s.contains(.saturated) { stats.pointee.accumSaturated &+= 1 }
  }
  @inline(__always) mutating func result(exact: Int64, raw: Int64, _ s: FixedStatus) {
    if s.contains(.wrapped) { stats.pointee.resultWrapped &+= 1 }
    if s.contains(.saturated) { stats.pointee.resultSaturated &+= 1 }
    stats.pointee.conversions &+= 1
    if exact < stats.pointee.minExact { stats.pointee.minExact = exact }
    if exact > stats.pointee.maxExact { stats.pointee.maxExact = exact }
    if raw < stats.pointee.minResult { stats.pointee.minResult = raw }
    if raw > stats.pointee.maxResult { stats.pointee.maxResult = raw }
  }
}

extension FixedCast {
  /// Converts into an accumulator, telling the observer.
  @inline(__always)
  func toAccum<O: FixedObserver>(_ v: Int64, _ o: inout O) -> Int64 {
    if O.enabled { let (r, s) = applyReportingStatus(v); o.accum(s); return r }
    return apply(v)
  }

  @inline(__always)
  func toAccum<O: FixedObserver>(wide v: Int128, _ o: inout O) -> Int64 {
    if O.enabled { let (r, s) = applyReportingStatus(wide: v); o.accum(s); return r }
    return apply(wide: v)
  }

  /// Converts into a layer's result, telling the observer.
  @inline(__always)
  func toResult<O: FixedObserver>(_ v: Int64, _ o: inout O) -> Int64 {
    if O.enabled { let (r, s) = applyReportingStatus(v); o.result(exact: v, raw: r, s); return r }
    return apply(v)
  }

  @inline(__always)
  func toResult<O: FixedObserver>(wide v: Int128, _ o: inout O) -> Int64 {
    if O.enabled {
      let (r, s) = applyReportingStatus(wide: v)
      let clamped = v > Int128(Int64.max) ? Int64.max : (v < Int128(Int64.min) ? Int64.min : Int64(v))
      o.result(exact: clamped, raw: r, s)
      return r
    }
    return apply(wide: v)
  }
}

/// Whether an exact format's values (raw integers) always fit in a signed 64-bit integer with
/// one spare bit, so sums of two never overflow.
@inline(__always) func fitsInt62(_ f: ExactFormat) -> Bool { f.width <= 62 }
