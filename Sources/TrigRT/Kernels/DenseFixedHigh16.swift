/// The 16-bit high-half path of the fixed-point Dense (see DenseFixed.swift for hls4ml's loop).
///
/// Where the accumulator wraps (AP_WRAP) and is at most 16 bits wide, only Σ accum_t(x·w) mod
/// 2^16 matters. With AP_TRN the per-product conversion is floor(x·w / 2^s), s = the product's
/// fractional bits minus accum_t's (s ≤ 0: a left shift, exact). Write W′ = w·2^(16−s) = A·2^16 + B
/// with B the signed low half (B ∈ [−2^15, 2^15)) at plan time. Then, exactly,
///
///     floor(x·w / 2^s) = floor(x·W′ / 2^16) = x·A + floor(x·B / 2^16)
///
/// and mod 2^16 that is `vpmullw(x, A) + vpmulhw(x, B)`: the high half of a signed 16 × 16
/// product is its floor division by 2^16, and x·A is only needed mod 2^16. Sixteen outputs per
/// vector, two instructions per sixteen MACs where every A of a tile is 0 (|W′| < 2^15: small
/// weights), four otherwise, against one multiply, shift and add per eight on the 32-bit path.
/// The planner picks it (`FixedPlanner.high16Plan`) only under those conditions; inputs
/// and every raw fit Int16. The sums go into the common 32-bit epilogue (`finish`, `toRow32`),
/// which adds the bias and wraps to accum_t's W bits: mod 2^W of a value known mod 2^16, W ≤ 16.
///
/// Where nothing but wraps follows the sum (hls4ml's default Dense → bn_Add → ReLU, once
/// `FixedPlanner.foldEpilogues` has merged the bias), `FixedPlanner.chain16` plans the chained
/// form instead (`Dense16Step`, `runChain`): the epilogue on the 16-bit lanes, and Int16 results
/// passed straight to the next such Dense.
import FixedPoint

struct DenseHigh16Plan {
  /// [tiles][K][16] Int16: B per weight; within a tile, lane 2i is output i and lane 2i + 1
  /// output 8 + i, so that the Int32 halves of a vector are outputs 0…7 and 8…15.
  var high: UnsafePointer<Int16>
  /// The same layout: A mod 2^16.
  var low: UnsafePointer<Int16>
  var tiles: Int
  /// Per tile: 1 = B only (every A is 0), 2 = A only (every B is 0), 3 = both.
  var kinds: UnsafePointer<UInt8>

  /// Lane of output j within its tile: interleaved for the 32-bit epilogue (`Dense16Step`'s tiles
  /// are in natural order, lane j = output j).
  @inline(__always) static func lane(_ j: Int) -> Int { j < 8 ? 2 * j : 2 * (j - 8) + 1 }
}

/// A high-half Dense whose result is only wrapped after the sum, as `FixedPlanner.chain16` plans
/// it for unobserved runs: with a wrapping accum_t of W ≤ 16 bits and the identity result
/// conversion (or a unit-scale bias merged into it, `DenseFastPlan.bias`), res = wrap_W(Σ + bias),
/// then max(·, 0) for a merged identity ReLU. All of it holds mod 2^16, so it stays on the
/// sixteen Int16 lanes of a tile: add, then sign extension from bit W − 1 (a shift pair) or a
/// mask, then the max. Where the result tensor's only reader is another such Dense, it is stored
/// as Int16 (`outputInt16`) in place of the Int64 raws and that Dense reads it so (`inputInt16`):
/// no widening, no narrowing. Boxed, with everything the kernel reads, so the executor passes
/// one pointer instead of copying the step.
struct Dense16Step {
  var x: Int32
  /// The slot the result goes to (the folded epilogue's, or the Dense's own).
  var y: Int32
  var scratch: Int32
  var k: Int
  var m: Int
  var rowsPerSample: Int
  /// Steps folded into this one (`DenseEpilogue.skip`), which an unobserved run skips.
  var skip: Int
  /// The tiles, in natural lane order.
  var tiles: DenseHigh16Plan
  /// Per block of up to four tiles, which kernel runs it (`DenseFixedKernel.blockCodes`).
  var blocks: UnsafePointer<UInt8>
  var blockCount: Int
  /// wrap bias per output, mod 2^16, [tiles · 16], zero padded.
  var bias: UnsafePointer<Int16>
  /// 16 − W: the sign-extending shift pair (signed).
  var shift: Int16
  /// 2^W − 1 (unsigned, W ≤ 15).
  var mask: Int16
  var signed: Bool
  var relu: Bool
  var inputInt16: Bool = false
  var outputInt16: Bool = false
}

/// How many tiles a block of the high-half kernel computes side by side.
protocol TileCount { static var n: Int { get } }
enum One: TileCount { static var n: Int { 1 } }
enum Two: TileCount { static var n: Int { 2 } }
enum Three: TileCount { static var n: Int { 3 } }
enum Four: TileCount { static var n: Int { 4 } }

protocol High16Products {
  static func add(_ acc: SIMD16<Int16>, _ x: SIMD16<Int16>, _ high: UnsafePointer<Int16>, _ low: UnsafePointer<Int16>) -> SIMD16<Int16>
}

extension DenseFixedKernel {
  enum HighOnly: High16Products {
    @inline(__always)
    static func add(_ acc: SIMD16<Int16>, _ x: SIMD16<Int16>, _ high: UnsafePointer<Int16>, _ low: UnsafePointer<Int16>) -> SIMD16<Int16> {
      acc &+ mulhi(x, load16(high))
    }
  }
  enum LowOnly: High16Products {
    @inline(__always)
    static func add(_ acc: SIMD16<Int16>, _ x: SIMD16<Int16>, _ high: UnsafePointer<Int16>, _ low: UnsafePointer<Int16>) -> SIMD16<Int16> {
      acc &+ x &* load16(low)
    }
  }
  enum HighLow: High16Products {
    @inline(__always)
    static func add(_ acc: SIMD16<Int16>, _ x: SIMD16<Int16>, _ high: UnsafePointer<Int16>, _ low: UnsafePointer<Int16>) -> SIMD16<Int16> {
      acc &+ mulhi(x, load16(high)) &+ x &* load16(low)
    }
  }

  /// floor(a·b / 2^16) per lane. Written per element so that LLVM's SLP vectoriser forms the
  /// sext–mul–shift–trunc pattern it lowers to `vpmulhw` (the stdlib's SIMD16<Int16> →
  /// SIMD16<Int32> widening is an out-of-line call here: SWIFT-NOTES P2/P3).
  @inline(__always) static func mulhi(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD16<Int16> {
    var r = SIMD16<Int16>()
    for i in 0..<16 { r[i] = Int16(truncatingIfNeeded: (Int32(a[i]) &* Int32(b[i])) &>> 16) }
    return r
  }

  @inline(__always) static func load16(_ p: UnsafePointer<Int16>) -> SIMD16<Int16> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int16>.self)
  }

  /// The chained form (`Dense16Step`): blocks of up to four tiles, each tile's
  /// result finished on its lanes and stored as Int16 or Int64.
  @inline(never)
  static func runChain(_ c: UnsafePointer<Dense16Step>, _ slots: Slots, batch: Int) {
    let rows = batch &* c.pointee.rowsPerSample
    let k = c.pointee.k, m = c.pointee.m, ts = k &* 16
    let high = c.pointee.tiles.high, low = c.pointee.tiles.low
    let blocks = c.pointee.blocks, blockCount = c.pointee.blockCount
    let out = slots[Int(c.pointee.y)]
    let int16In = c.pointee.inputInt16
    let xs = slots[Int(c.pointee.scratch)].assumingMemoryBound(to: Int16.self)
    for r in 0..<rows {
      let x: UnsafePointer<Int16>
      if int16In {
        x = UnsafePointer(slots[Int(c.pointee.x)].assumingMemoryBound(to: Int16.self) + r &* k)
      } else {
        let xr = UnsafePointer(raws(slots, c.pointee.x)) + r &* k
        for i in 0..<k { xs[i] = Int16(truncatingIfNeeded: xr[i]) }
        x = UnsafePointer(xs)
      }
      let o = Out16(y16: out.assumingMemoryBound(to: Int16.self) + r &* m, y64: out.assumingMemoryBound(to: Int64.self) + r &* m, m: m)
      var t = 0
      for b in 0..<blockCount {
        let hi = high + t &* ts, lo = low + t &* ts
        // The block's code (`Dense16Step.blocks`): 3 · (tiles − 1) + products kind.
        switch blocks[b] {
        case 9: tiles16(x, k, hi, lo, c, o, t, HighOnly.self, Four.self); t &+= 4
        case 10: tiles16(x, k, hi, lo, c, o, t, LowOnly.self, Four.self); t &+= 4
        case 11: tiles16(x, k, hi, lo, c, o, t, HighLow.self, Four.self); t &+= 4
        case 6: tiles16(x, k, hi, lo, c, o, t, HighOnly.self, Three.self); t &+= 3
        case 7: tiles16(x, k, hi, lo, c, o, t, LowOnly.self, Three.self); t &+= 3
        case 8: tiles16(x, k, hi, lo, c, o, t, HighLow.self, Three.self); t &+= 3
        case 3: tiles16(x, k, hi, lo, c, o, t, HighOnly.self, Two.self); t &+= 2
        case 4: tiles16(x, k, hi, lo, c, o, t, LowOnly.self, Two.self); t &+= 2
        case 5: tiles16(x, k, hi, lo, c, o, t, HighLow.self, Two.self); t &+= 2
        case 0: tiles16(x, k, hi, lo, c, o, t, HighOnly.self, One.self); t &+= 1
        case 1: tiles16(x, k, hi, lo, c, o, t, LowOnly.self, One.self); t &+= 1
        default: tiles16(x, k, hi, lo, c, o, t, HighLow.self, One.self); t &+= 1
        }
      }
    }
  }

  /// The block codes of `tiles` high-half tiles with these kinds (`DenseHigh16Plan.kinds`):
  /// four tiles per block, then one block of the 1…3 left; 3 · (tiles − 1) + 0 (B only),
  /// 1 (A only) or 2 (both).
  static func blockCodes(tiles: Int, kinds: UnsafePointer<UInt8>) -> [UInt8] {
    var codes: [UInt8] = []
    var t = 0
    while t < tiles {
      let n = min(4, tiles - t)
      var kind: UInt8 = 0
      for j in t..<(t + n) { kind |= kinds[j] }
      codes.append(UInt8(3 * (n - 1)) + (kind <= 1 ? 0 : kind == 2 ? 1 : 2))
      t += n
    }
    return codes
  }

  /// Where one row's results go: Int16 (`outputInt16`) or Int64 raws, m of them.
  struct Out16 {
    let y16: UnsafeMutablePointer<Int16>
    let y64: UnsafeMutablePointer<Int64>
    let m: Int
  }

  /// One input joins N tiles' sums.
  @inline(__always)
  static func mac<P: High16Products, N: TileCount>(_ a0: inout SIMD16<Int16>, _ a1: inout SIMD16<Int16>, _ a2: inout SIMD16<Int16>, _ a3: inout SIMD16<Int16>,
                                                   _ xi: Int16, _ hi: UnsafePointer<Int16>, _ lo: UnsafePointer<Int16>, _ ts: Int, _: P.Type, _: N.Type) {
    let xv = SIMD16<Int16>(repeating: xi)
    a0 = P.add(a0, xv, hi, lo)
    if N.n > 1 { a1 = P.add(a1, xv, hi + ts, lo + ts) }
    if N.n > 2 { a2 = P.add(a2, xv, hi + 2 &* ts, lo + 2 &* ts) }
    if N.n > 3 { a3 = P.add(a3, xv, hi + 3 &* ts, lo + 3 &* ts) }
  }

  /// N (1…4) tiles side by side, four inputs per iteration, then each tile finished and stored.
  @inline(__always)
  static func tiles16<P: High16Products, N: TileCount>(_ x: UnsafePointer<Int16>, _ k: Int, _ hi: UnsafePointer<Int16>, _ lo: UnsafePointer<Int16>,
                                                       _ e: UnsafePointer<Dense16Step>, _ o: Out16, _ t: Int, _: P.Type, _: N.Type) {
    let ts = k &* 16
    var a0 = SIMD16<Int16>(), a1 = SIMD16<Int16>(), a2 = SIMD16<Int16>(), a3 = SIMD16<Int16>()
    var i = 0
    while i &+ 4 <= k {
      let o0 = i &* 16
      mac(&a0, &a1, &a2, &a3, x[i], hi + o0, lo + o0, ts, P.self, N.self)
      mac(&a0, &a1, &a2, &a3, x[i &+ 1], hi + (o0 &+ 16), lo + (o0 &+ 16), ts, P.self, N.self)
      mac(&a0, &a1, &a2, &a3, x[i &+ 2], hi + (o0 &+ 32), lo + (o0 &+ 32), ts, P.self, N.self)
      mac(&a0, &a1, &a2, &a3, x[i &+ 3], hi + (o0 &+ 48), lo + (o0 &+ 48), ts, P.self, N.self)
      i &+= 4
    }
    while i < k {
      mac(&a0, &a1, &a2, &a3, x[i], hi + i &* 16, lo + i &* 16, ts, P.self, N.self)
      i &+= 1
    }
    store16(a0, e, o, t &* 16)
    if N.n > 1 { store16(a1, e, o, (t &+ 1) &* 16) }
    if N.n > 2 { store16(a2, e, o, (t &+ 2) &* 16) }
    if N.n > 3 { store16(a3, e, o, (t &+ 3) &* 16) }
  }

  /// A tile's sums (mod 2^16) finished: + bias, wrapped to W bits, the ReLU; outputs m0…m0+15.
  @inline(__always)
  static func store16(_ a: SIMD16<Int16>, _ e: UnsafePointer<Dense16Step>, _ o: Out16, _ m0: Int) {
    var v = a &+ load16(e.pointee.bias + m0)
    if e.pointee.signed {
      let sh = SIMD16<Int16>(repeating: e.pointee.shift)
      v = (v &<< sh) &>> sh
    } else {
      v = v & SIMD16<Int16>(repeating: e.pointee.mask)
    }
    if e.pointee.relu { v = v.replacing(with: 0, where: v .< SIMD16<Int16>(repeating: 0)) }
    let n = o.m &- m0
    if e.pointee.outputInt16 {
      if n >= 16 {
        UnsafeMutableRawPointer(o.y16 + m0).storeBytes(of: v, as: SIMD16<Int16>.self)
      } else {
        for j in 0..<n { o.y16[m0 &+ j] = v[j] }
      }
    } else if n >= 16 {
      for j in 0..<16 { o.y64[m0 &+ j] = Int64(v[j]) }
    } else {
      for j in 0..<n { o.y64[m0 &+ j] = Int64(v[j]) }
    }
  }

  static func runHigh16(_ s: DenseFixedStep, _ f: DenseFastPlan, _ h: DenseHigh16Plan, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.epilogue?.y ?? s.y)
    let rows = batch &* s.rowsPerSample
    let rc = s.resultCast
    let xs = slots[Int(s.scratch)].assumingMemoryBound(to: Int16.self)
    let row = raws32(slots, s.scratch) + (s.epilogue?.rowOffset ?? 0)
    let k = s.k, ts = k &* 16
    for r in 0..<rows {
      let xr = x + r &* s.k
      for i in 0..<k { xs[i] = Int16(truncatingIfNeeded: xr[i]) }
      let yr = y + r &* s.m
      var t = 0
      while t < h.tiles {
        // Blocks of four tiles (64 outputs), then one block of the 1…3 left.
        let n = min(4, h.tiles &- t)
        var kind: UInt8 = 0
        for j in t..<(t &+ n) { kind |= h.kinds[j] }
        let hi = h.high + t &* ts, lo = h.low + t &* ts
        switch (n, kind) {
        case (4, 0), (4, 1): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighOnly.self, Four.self)
        case (4, 2): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, LowOnly.self, Four.self)
        case (4, _): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighLow.self, Four.self)
        case (3, 0), (3, 1): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighOnly.self, Three.self)
        case (3, 2): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, LowOnly.self, Three.self)
        case (3, _): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighLow.self, Three.self)
        case (2, 0), (2, 1): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighOnly.self, Two.self)
        case (2, 2): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, LowOnly.self, Two.self)
        case (2, _): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighLow.self, Two.self)
        case (_, 0), (_, 1): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighOnly.self, One.self)
        case (_, 2): tiles(xs, k, hi, lo, s, f, rc, yr, t, row, LowOnly.self, One.self)
        default: tiles(xs, k, hi, lo, s, f, rc, yr, t, row, HighLow.self, One.self)
        }
        t &+= n
      }
      if let e = s.epilogue, e.lanes32 { e.row32(row, yr, s.m) }
    }
  }

  /// N (1…4) tiles side by side: one broadcast per input, two inputs per iteration, the sums
  /// in registers; then each tile's epilogue.
  @inline(__always)
  static func tiles<P: High16Products, N: TileCount>(_ x: UnsafePointer<Int16>, _ k: Int, _ hi: UnsafePointer<Int16>, _ lo: UnsafePointer<Int16>,
                                                     _ s: DenseFixedStep, _ f: DenseFastPlan, _ rc: UnsafePointer<FixedCast>,
                                                     _ y: UnsafeMutablePointer<Int64>, _ t: Int, _ row: UnsafeMutablePointer<Int32>,
                                                     _: P.Type, _: N.Type) {
    let ts = k &* 16, t1 = ts, t2 = 2 &* ts, t3 = 3 &* ts
    var a0 = SIMD16<Int16>(), a1 = SIMD16<Int16>(), a2 = SIMD16<Int16>(), a3 = SIMD16<Int16>()
    var i = 0
    while i &+ 2 <= k {
      let x0 = SIMD16<Int16>(repeating: x[i]), x1 = SIMD16<Int16>(repeating: x[i &+ 1])
      let o0 = i &* 16, o1 = o0 &+ 16
      a0 = P.add(P.add(a0, x0, hi + o0, lo + o0), x1, hi + o1, lo + o1)
      if N.n > 1 { a1 = P.add(P.add(a1, x0, hi + (o0 &+ t1), lo + (o0 &+ t1)), x1, hi + (o1 &+ t1), lo + (o1 &+ t1)) }
      if N.n > 2 { a2 = P.add(P.add(a2, x0, hi + (o0 &+ t2), lo + (o0 &+ t2)), x1, hi + (o1 &+ t2), lo + (o1 &+ t2)) }
      if N.n > 3 { a3 = P.add(P.add(a3, x0, hi + (o0 &+ t3), lo + (o0 &+ t3)), x1, hi + (o1 &+ t3), lo + (o1 &+ t3)) }
      i &+= 2
    }
    if i < k {
      let x0 = SIMD16<Int16>(repeating: x[i]), o0 = i &* 16
      a0 = P.add(a0, x0, hi + o0, lo + o0)
      if N.n > 1 { a1 = P.add(a1, x0, hi + (o0 &+ t1), lo + (o0 &+ t1)) }
      if N.n > 2 { a2 = P.add(a2, x0, hi + (o0 &+ t2), lo + (o0 &+ t2)) }
      if N.n > 3 { a3 = P.add(a3, x0, hi + (o0 &+ t3), lo + (o0 &+ t3)) }
    }
    finish16(a0, s, f, rc, y, t &* 16, row)
    if N.n > 1 { finish16(a1, s, f, rc, y, (t &+ 1) &* 16, row) }
    if N.n > 2 { finish16(a2, s, f, rc, y, (t &+ 2) &* 16, row) }
    if N.n > 3 { finish16(a3, s, f, rc, y, (t &+ 3) &* 16, row) }
  }

  /// A tile's sums (mod 2^16) into the common epilogue: the Int32 halves of the vector, sign
  /// extended, are outputs m0…m0+7 and m0+8…m0+15.
  @inline(__always)
  static func finish16(_ a: SIMD16<Int16>, _ s: DenseFixedStep, _ f: DenseFastPlan, _ rc: UnsafePointer<FixedCast>, _ y: UnsafeMutablePointer<Int64>,
                       _ m0: Int, _ row: UnsafeMutablePointer<Int32>) {
    let u = unsafeBitCast(a, to: SIMD8<Int32>.self), sixteen = SIMD8<Int32>(repeating: 16)
    let first = (u &<< sixteen) &>> sixteen, second = u &>> sixteen
    if let e = s.epilogue, e.count == 0 {
      storeMerged(first, s, f, e, y, m0)
      if m0 &+ 8 < s.m { storeMerged(second, s, f, e, y, m0 &+ 8) }
    } else if s.epilogue?.lanes32 ?? false {
      toRow32(first, s, f, m0, row)
      if m0 &+ 8 < s.m { toRow32(second, s, f, m0 &+ 8, row) }
    } else {
      finish(first, s, f, rc, y, m0, row)
      if m0 &+ 8 < s.m { finish(second, s, f, rc, y, m0 &+ 8, row) }
    }
  }
}
