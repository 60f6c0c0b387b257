/// LaneCast: a FixedCast specialised at plan time into branch-free integer arithmetic on eight
/// Int64 lanes, for the element-wise fixed-point kernels. The planner builds one only where it
/// is exactly FixedCast's conversion for every value the source format can hold (`make`
/// returns nil otherwise, and the kernel keeps FixedCast); tests compare the two on random
/// formats and values.
///
/// The conversion of a source raw r (F_s fractional bits) into a target with F_t:
///  1. resolution: d = F_s − F_t > 0: t = r >> d, rem = r − (t << d),
///     q = t + ((rem + c0 + (r < 0 ? cs : 0) + (t odd ? cl : 0)) >> d)   (the Q mode's rule);
///     d < 0: q = r << −d;
///  2. range: q in [lo, hi] stays; otherwise AP_WRAP keeps the low W bits (sign- or
///     zero-extended), AP_SAT clamps, AP_SAT_ZERO gives 0, AP_SAT_SYM clamps to ±max.
import FixedPoint

struct LaneCast {
  enum Overflow: UInt8 { case none, wrapSigned, wrapUnsigned, sat, satZero }
  var rightShift: Int64
  var leftShift: Int64
  var c0: Int64
  var cs: Int64
  var cl: Int64
  var overflow: Overflow
  var lo: Int64
  var hi: Int64
  /// 64 − W for the wrap.
  var wrapShift: Int64
  /// Built by make32: every intermediate fits 32-bit lanes.
  var sourceWidth32 = false

  /// The lane version of `FixedCast(from: source, to: target)`, or nil when it would not be
  /// exact (wide sources, AP_WRAP with saturation bits, integer kinds, extreme shifts).
  static func make(from source: ExactFormat, to target: FixedFormat) -> LaneCast? {
    guard target.kind == .apFixed, source.width <= 62, target.width <= 62 else { return nil }
    let d = source.fractionalBits - target.fractionalBits
    var c = LaneCast(rightShift: 0, leftShift: 0, c0: 0, cs: 0, cl: 0, overflow: .none, lo: 0, hi: 0, wrapShift: Int64(64 - target.width))
    if d > 0 {
      guard d <= 60, let r = ProductRounding.rightShift(target.quantization, min(d, 29)) else { return nil }
      if d > 29 {
        // Constants of the rule for wider shifts, computed the same way in 64 bits.
        let half = Int64(1) << (d - 1), all = (Int64(1) << d) - 1
        switch target.quantization {
        case .trn: (c.c0, c.cs, c.cl) = (0, 0, 0)
        case .trnZero: (c.c0, c.cs, c.cl) = (0, all, 0)
        case .rnd: (c.c0, c.cs, c.cl) = (half, 0, 0)
        case .rndZero: (c.c0, c.cs, c.cl) = (half - 1, 1, 0)
        case .rndMinInf: (c.c0, c.cs, c.cl) = (half - 1, 0, 0)
        case .rndInf: (c.c0, c.cs, c.cl) = (half, -1, 0)
        case .rndConv: (c.c0, c.cs, c.cl) = (half - 1, 0, 1)
        case .rndConvOdd: (c.c0, c.cs, c.cl) = (half, 0, -1)
        }
      } else {
        (c.c0, c.cs, c.cl) = (Int64(r.c0), Int64(r.cs), Int64(r.cl))
      }
      c.rightShift = Int64(d)
    } else if d < 0 {
      // The shifted source must stay inside Int64 with a spare bit.
      guard source.width - d <= 62 else { return nil }
      c.leftShift = Int64(-d)
    }
    // Range of quantized values and what happens outside it.
    let signed = target.isSigned, w = target.width
    let maxRaw: Int64 = signed ? (Int64(1) << (w - 1)) - 1 : (Int64(1) << w) - 1
    let minRaw: Int64 = signed ? -(Int64(1) << (w - 1)) : 0
    switch target.overflow {
    case .wrap:
      guard target.saturationBits == 0 else { return nil }
      c.overflow = signed ? .wrapSigned : .wrapUnsigned
      c.lo = minRaw; c.hi = maxRaw
    case .sat:
      c.overflow = .sat; c.lo = minRaw; c.hi = maxRaw
    case .satZero:
      c.overflow = .satZero; c.lo = minRaw; c.hi = maxRaw
    case .satSym:
      c.overflow = .sat; c.lo = signed && w > 1 ? -maxRaw : minRaw; c.hi = maxRaw
    }
    // No overflow handling needed when every source value lands in range.
    if let range = source.rawRange {
      let f = FixedCast(from: source, to: target)
      if !f.canOverflow && range.lowerBound >= Int128(Int64.min / 4) && range.upperBound <= Int128(Int64.max / 4) { c.overflow = .none }
    }
    return c
  }

  @inline(__always)
  func apply(_ r: SIMD8<Int64>) -> SIMD8<Int64> {
    var q: SIMD8<Int64>
    if rightShift > 0 {
      q = RightShift.apply(r, self)
    } else if leftShift > 0 {
      q = r &<< SIMD8(repeating: leftShift)
    } else {
      q = r
    }
    switch overflow {
    case .none:
      return q
    case .wrapSigned:
      let s = SIMD8<Int64>(repeating: wrapShift)
      return (q &<< s) &>> s
    case .wrapUnsigned:
      let s = SIMD8<UInt64>(repeating: UInt64(wrapShift))
      return SIMD8<Int64>(truncatingIfNeeded: (SIMD8<UInt64>(truncatingIfNeeded: q) &<< s) &>> s)
    case .sat:
      let l = SIMD8<Int64>(repeating: lo), h = SIMD8<Int64>(repeating: hi)
      return q.replacing(with: l, where: q .< l).replacing(with: h, where: q .> h)
    case .satZero:
      let l = SIMD8<Int64>(repeating: lo), h = SIMD8<Int64>(repeating: hi)
      return q.replacing(with: 0, where: (q .< l) .| (q .> h))
    }
  }

  @inline(__always)
  func apply(_ r: Int64) -> Int64 {
    var q: Int64
    if rightShift > 0 {
      q = RightShift.apply(r, self)
    } else if leftShift > 0 {
      q = r &<< leftShift
    } else {
      q = r
    }
    switch overflow {
    case .none: return q
    case .wrapSigned: return (q &<< wrapShift) &>> wrapShift
    case .wrapUnsigned: return Int64(bitPattern: (UInt64(bitPattern: q) &<< UInt64(wrapShift)) &>> UInt64(wrapShift))
    case .sat: return q < lo ? lo : (q > hi ? hi : q)
    case .satZero: return q < lo || q > hi ? 0 : q
    }
  }
}

@inline(__always) func load8(_ p: UnsafePointer<Int64>) -> SIMD8<Int64> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int64>.self)
}

@inline(__always) func store8(_ v: SIMD8<Int64>, _ p: UnsafeMutablePointer<Int64>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Int64>.self)
}

// MARK: - Static specialisation
//
// A loop calling `apply` would test the shift and overflow kinds on every element. Kernels
// instead hand a `LaneLoop` to `specialise`, which picks the concrete (shift, range) policies
// once, so the loop body is straight-line code.

protocol LaneShift {
  static func apply(_ r: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64>
  static func apply(_ r: Int64, _ c: LaneCast) -> Int64
}
protocol LaneRange {
  static func apply(_ q: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64>
  static func apply(_ q: Int64, _ c: LaneCast) -> Int64
}

enum NoShift: LaneShift {
  @inline(__always) static func apply(_ r: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> { r }
  @inline(__always) static func apply(_ r: Int64, _ c: LaneCast) -> Int64 { r }
}
enum LeftShift: LaneShift {
  @inline(__always) static func apply(_ r: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> { r &<< SIMD8(repeating: c.leftShift) }
  @inline(__always) static func apply(_ r: Int64, _ c: LaneCast) -> Int64 { r &<< c.leftShift }
}
/// The rounding right shift: with t = r >> d and rem = r − (t << d), the rule's
/// t + ((rem + X) >> d) equals (r + X) >> d for any integer X (floor division), so
/// q = (r + c0 + (r < 0 ? cs : 0) + (t odd ? cl : 0)) >> d, the terms whose constant is 0
/// skipped. No lane overflows: sources are at most 62 bits (30 on 32-bit lanes) and the
/// constants below 2^d ≤ 2^60 (2^29).
enum RightShift: LaneShift {
  @inline(__always) static func apply(_ r: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> {
    let sh = SIMD8<Int64>(repeating: c.rightShift)
    var x = SIMD8<Int64>(repeating: c.c0)
    if c.cs != 0 { x &+= (r &>> 63) & SIMD8(repeating: c.cs) }
    if c.cl != 0 { x &+= (SIMD8<Int64>.zero &- ((r &>> sh) & 1)) & SIMD8(repeating: c.cl) }
    return (r &+ x) &>> sh
  }
  @inline(__always) static func apply(_ r: Int64, _ c: LaneCast) -> Int64 {
    var x = c.c0
    if c.cs != 0 { x &+= (r &>> 63) & c.cs }
    if c.cl != 0 { x &+= (0 &- ((r &>> c.rightShift) & 1)) & c.cl }
    return (r &+ x) &>> c.rightShift
  }
}
enum InRange: LaneRange {
  @inline(__always) static func apply(_ q: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> { q }
  @inline(__always) static func apply(_ q: Int64, _ c: LaneCast) -> Int64 { q }
}
enum WrapSigned: LaneRange {
  @inline(__always) static func apply(_ q: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> {
    let s = SIMD8<Int64>(repeating: c.wrapShift)
    return (q &<< s) &>> s
  }
  @inline(__always) static func apply(_ q: Int64, _ c: LaneCast) -> Int64 { (q &<< c.wrapShift) &>> c.wrapShift }
}
enum WrapUnsigned: LaneRange {
  @inline(__always) static func apply(_ q: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> {
    let s = SIMD8<UInt64>(repeating: UInt64(c.wrapShift))
    return SIMD8<Int64>(truncatingIfNeeded: (SIMD8<UInt64>(truncatingIfNeeded: q) &<< s) &>> s)
  }
  @inline(__always) static func apply(_ q: Int64, _ c: LaneCast) -> Int64 {
    Int64(bitPattern: (UInt64(bitPattern: q) &<< UInt64(c.wrapShift)) &>> UInt64(c.wrapShift))
  }
}
enum Saturate: LaneRange {
  @inline(__always) static func apply(_ q: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> {
    let l = SIMD8<Int64>(repeating: c.lo), h = SIMD8<Int64>(repeating: c.hi)
    return q.replacing(with: l, where: q .< l).replacing(with: h, where: q .> h)
  }
  @inline(__always) static func apply(_ q: Int64, _ c: LaneCast) -> Int64 { q < c.lo ? c.lo : (q > c.hi ? c.hi : q) }
}
enum SaturateZero: LaneRange {
  @inline(__always) static func apply(_ q: SIMD8<Int64>, _ c: LaneCast) -> SIMD8<Int64> {
    let l = SIMD8<Int64>(repeating: c.lo), h = SIMD8<Int64>(repeating: c.hi)
    return q.replacing(with: 0, where: (q .< l) .| (q .> h))
  }
  @inline(__always) static func apply(_ q: Int64, _ c: LaneCast) -> Int64 { q < c.lo || q > c.hi ? 0 : q }
}

/// A loop body written once and instantiated per (shift, range) policy pair.
protocol LaneLoop {
  func run<S: LaneShift, R: LaneRange>(_ c: LaneCast, _: S.Type, _: R.Type)
}

extension LaneCast {
  @inline(__always)
  func specialise<L: LaneLoop>(_ loop: L) {
    if rightShift > 0 { specialiseRange(loop, RightShift.self) }
    else if leftShift > 0 { specialiseRange(loop, LeftShift.self) }
    else { specialiseRange(loop, NoShift.self) }
  }

  @inline(__always)
  func specialiseRange<L: LaneLoop, S: LaneShift>(_ loop: L, _ s: S.Type) {
    switch overflow {
    case .none: loop.run(self, S.self, InRange.self)
    case .wrapSigned: loop.run(self, S.self, WrapSigned.self)
    case .wrapUnsigned: loop.run(self, S.self, WrapUnsigned.self)
    case .sat: loop.run(self, S.self, Saturate.self)
    case .satZero: loop.run(self, S.self, SaturateZero.self)
    }
  }
}

// MARK: - 32-bit lanes
//
// The same conversion on SIMD8<Int32> (one AVX2 register, native arithmetic shifts and
// min/max) for sources and targets of at most 31 bits. `LaneCast.lanes32` says whether a cast
// qualifies; the data stay Int64 in memory and are narrowed and widened around the arithmetic.

extension LaneCast {
  /// True when every step of the conversion fits 32-bit lanes exactly.
  var fits32: Bool { sourceWidth32 }

  static func make32(from source: ExactFormat, to target: FixedFormat) -> LaneCast? {
    guard source.width <= 30, target.width <= 30, var c = make(from: source, to: target) else { return nil }
    if c.leftShift > 0 && source.width + Int(c.leftShift) > 30 { return nil }
    if c.rightShift > 29 { return nil }
    c.sourceWidth32 = true
    return c
  }
}

protocol LaneShift32 {
  static func apply(_ r: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32>
}
protocol LaneRange32 {
  static func apply(_ q: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32>
}
extension NoShift: LaneShift32 {
  @inline(__always) static func apply(_ r: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> { r }
}
extension LeftShift: LaneShift32 {
  @inline(__always) static func apply(_ r: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> { r &<< SIMD8(repeating: Int32(truncatingIfNeeded: c.leftShift)) }
}
extension RightShift: LaneShift32 {
  @inline(__always) static func apply(_ r: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> {
    let sh = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.rightShift))
    var x = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.c0))
    if c.cs != 0 { x &+= (r &>> 31) & SIMD8(repeating: Int32(truncatingIfNeeded: c.cs)) }
    if c.cl != 0 { x &+= (SIMD8<Int32>.zero &- ((r &>> sh) & 1)) & SIMD8(repeating: Int32(truncatingIfNeeded: c.cl)) }
    return (r &+ x) &>> sh
  }
}
extension InRange: LaneRange32 {
  @inline(__always) static func apply(_ q: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> { q }
}
extension WrapSigned: LaneRange32 {
  @inline(__always) static func apply(_ q: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> {
    let s = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.wrapShift &- 32))
    return (q &<< s) &>> s
  }
}
extension WrapUnsigned: LaneRange32 {
  @inline(__always) static func apply(_ q: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> {
    let s = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: c.wrapShift &- 32))
    return SIMD8<Int32>(truncatingIfNeeded: (SIMD8<UInt32>(truncatingIfNeeded: q) &<< s) &>> s)
  }
}
extension Saturate: LaneRange32 {
  @inline(__always) static func apply(_ q: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> {
    let l = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.lo)), h = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.hi))
    return q.replacing(with: l, where: q .< l).replacing(with: h, where: q .> h)
  }
}
extension SaturateZero: LaneRange32 {
  @inline(__always) static func apply(_ q: SIMD8<Int32>, _ c: LaneCast) -> SIMD8<Int32> {
    let l = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.lo)), h = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: c.hi))
    return q.replacing(with: 0, where: (q .< l) .| (q .> h))
  }
}

protocol LaneLoop32 {
  func run<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ c: LaneCast, _: S.Type, _: R.Type)
}

extension LaneCast {
  @inline(__always)
  func specialise32<L: LaneLoop32>(_ loop: L) {
    if rightShift > 0 { specialiseRange32(loop, RightShift.self) }
    else if leftShift > 0 { specialiseRange32(loop, LeftShift.self) }
    else { specialiseRange32(loop, NoShift.self) }
  }

  @inline(__always)
  func specialiseRange32<L: LaneLoop32, S: LaneShift & LaneShift32>(_ loop: L, _ s: S.Type) {
    switch overflow {
    case .none: loop.run(self, S.self, InRange.self)
    case .wrapSigned: loop.run(self, S.self, WrapSigned.self)
    case .wrapUnsigned: loop.run(self, S.self, WrapUnsigned.self)
    case .sat: loop.run(self, S.self, Saturate.self)
    case .satZero: loop.run(self, S.self, SaturateZero.self)
    }
  }
}

extension LaneCast {
  /// One conversion on 32-bit lanes (branches on the kinds: for epilogues, not long loops).
  @inline(__always)
  func apply32(_ r: SIMD8<Int32>) -> SIMD8<Int32> {
    let q = rightShift > 0 ? RightShift.apply(r, self) : (leftShift > 0 ? LeftShift.apply(r, self) : r)
    switch overflow {
    case .none: return q
    case .wrapSigned: return WrapSigned.apply(q, self)
    case .wrapUnsigned: return WrapUnsigned.apply(q, self)
    case .sat: return Saturate.apply(q, self)
    case .satZero: return SaturateZero.apply(q, self)
    }
  }
}

/// The low halves of eight Int64 (little-endian: the even Int32 words). Spelled as a shuffle
/// because the stdlib's SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int64>) is an out-of-line call
/// where the inliner gives up (seen in the Dense fast path).
@inline(__always) func narrow8(_ p: UnsafePointer<Int64>) -> SIMD8<Int32> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int32>.self).evenHalf
}

@inline(__always) func widen8(_ v: SIMD8<Int32>, _ p: UnsafeMutablePointer<Int64>) {
  store8(SIMD8<Int64>(truncatingIfNeeded: v), p)
}
