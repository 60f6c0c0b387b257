/// The fixed-point Dense layer, as hls4ml 1.3.0 computes `nnet::dense` (io_parallel, Latency
/// strategy, `nnet_dense_latency.h`):
///
///     acc[j] = accum_t(bias[j])
///     for i in 0..<n_in, for j in 0..<n_out:      // input-major
///         acc[j] = accum_t(acc[j] + accum_t(x[i] * w[i][j]))
///     res[j] = res_t(acc[j])
///
/// Every product is exact, then converted into accum_t with its Q and O; every add is exact, then
/// converted again; one conversion gives the result. With AP_WRAP accumulators the order of
/// additions does not matter (arithmetic mod 2^W); with saturating or rounding ones it does, so
/// the kernels keep hls4ml's order for each output (i ascending).
///
/// `runGeneral` is the reference: every conversion through `FixedCast`, 128-bit where a product
/// or sum needs it. `runFast` is picked by the planner only where it is provably identical (see
/// `DenseFixedStep.fastEligible`): 32-bit lanes, AP_WRAP accumulation deferred to the end.
import FixedPoint

struct DenseFixedStep {
  var x: Int32
  var y: Int32
  var k: Int
  var m: Int
  var rowsPerSample: Int
  /// Row-major [K][M] weight raws.
  var w: UnsafePointer<Int64>
  /// accum_t(bias[j]), converted at plan time.
  var accBias: UnsafePointer<Int64>
  var productCast: UnsafePointer<FixedCast>   // exact product → accum_t
  var sumCast: UnsafePointer<FixedCast>       // accum_t + accum_t (exact) → accum_t
  var resultCast: UnsafePointer<FixedCast>    // accum_t → res_t
  var productFitsInt64: Bool
  var sumFitsInt64: Bool
  var stats: Int32             // index of this layer's LayerStats
  var fast: DenseFastPlan?
  /// Arena scratch slot for the 32-bit copy of one input row (fast path).
  var scratch: Int32 = -1
  /// Element-wise layers after this one folded into the fast path's epilogue (unobserved runs).
  var epilogue: DenseEpilogue? = nil
  /// The high-half form with its epilogue on the 16-bit lanes (unobserved runs; `FixedPlanner.chain16`).
  var chain: UnsafePointer<Dense16Step>? = nil
}

/// The element-wise layers that follow a fast Dense, applied to its result lanes before they
/// are stored: hls4ml's bias `ApplyAlpha` with scale 1 (`res_t(x + b)`, exact sum, one
/// conversion) and linear / ReLU (`x > 0 ? res_t(x) : 0`), each with its own LaneCast, in the
/// layers' order. Built by `FixedPlanner.foldEpilogues` only where the intermediate tensors
/// have no other reader; an unobserved run then writes the last folded layer's output `y`
/// and skips the `skip` steps it stands for. Observed runs (traces, overflow reports) execute
/// every layer on its own, so each layer's output and counters stay visible — and the
/// unfolded steps are the reference the folded epilogue is tested against.
struct DenseEpilogue {
  // (Words first, then the small fields: `Step` must stay ≤ 256 bytes, `stepsAreCopiedInline`.)
  var skip: Int
  var stages: UnsafePointer<EpilogueStage>
  var count: Int
  /// lanes32: where the Dense's result row (Int32, padded to a multiple of 8) starts in the
  /// step's scratch region, in Int32 elements.
  var rowOffset: Int
  var y: Int32
  /// Every stage (and the Dense's own result conversion) is exact on 32-bit lanes.
  var lanes32: Bool
  /// No stages left (the bias merged into the fast path's): `max(v, 0)` on the result, the
  /// identity ReLU that followed the merged layer.
  var relu = false

  /// lanes32: the stages over one result row in place, each a loop specialised on its cast's
  /// policies; the last one stores the row widened into `y`.
  @inline(__always)
  func row32(_ v: UnsafeMutablePointer<Int32>, _ y: UnsafeMutablePointer<Int64>, _ m: Int) {
    let padded = (m &+ 7) & ~7
    for i in 0..<count {
      let st = stages + i
      st.pointee.cast.specialise32(EpilogueStage.Loop32(v: v, n: padded, m: m, stage: st, out: i &+ 1 == count ? y : nil))
    }
  }

  @inline(__always)
  func apply(_ v: SIMD8<Int64>, _ m0: Int) -> SIMD8<Int64> {
    var v = v
    for i in 0..<count {
      let st = stages[i]
      switch st.kind {
      case .addBias:
        v = st.cast.apply((v &<< SIMD8(repeating: Int64(st.shift))) &+ load8(st.bias + m0))
      case .relu:
        v = st.cast.apply(v).replacing(with: 0, where: v .<= SIMD8<Int64>(repeating: 0))
      case .linear:
        v = st.cast.apply(v)
      }
      if st.reluAfter { v = v.replacing(with: 0, where: v .<= SIMD8<Int64>(repeating: 0)) }
    }
    return v
  }
}

struct EpilogueStage {
  enum Kind: UInt8 { case addBias, relu, linear }
  var kind: Kind
  /// addBias: the left shift of x to the sum's fractional bits.
  var shift: Int32
  /// addBias: the biases as raws of the sum's fractional bits, zero padded to a multiple of 8.
  var bias: UnsafePointer<Int64>
  /// The layer's conversion into its result.
  var cast: LaneCast
  /// lanes32 addBias: the same biases as Int32.
  var bias32: UnsafePointer<Int32>
  /// A following ReLU whose conversion is the identity, applied as `max(v, 0)` in this pass.
  var reluAfter = false

  /// One stage over a padded Int32 row, in place; with `out`, the row's m values are stored
  /// widened there instead.
  struct Loop32: LaneLoop32 {
    let v: UnsafeMutablePointer<Int32>
    let n: Int
    let m: Int
    let stage: UnsafePointer<EpilogueStage>
    let out: UnsafeMutablePointer<Int64>?

    @inline(__always)
    func run<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ c: LaneCast, _: S.Type, _: R.Type) {
      switch (stage.pointee.kind, stage.pointee.reluAfter) {
      case (.addBias, false): pass(StageAddBias.self, false, c, S.self, R.self)
      case (.addBias, true): pass(StageAddBias.self, true, c, S.self, R.self)
      case (.relu, let r): pass(StageRelu.self, r, c, S.self, R.self)
      case (.linear, false): pass(StageLinear.self, false, c, S.self, R.self)
      case (.linear, true): pass(StageLinear.self, true, c, S.self, R.self)
      }
    }

    /// Out of line: one small function per (kind, shift, range), rather than one huge row32
    /// whose prologue computes every variant's loop constants.
    @inline(never)
    func pass<K: StageKind, S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_: K.Type, _ relu: Bool, _ c: LaneCast, _: S.Type, _: R.Type) {
      let sh = SIMD8<Int32>(repeating: stage.pointee.shift), b = stage.pointee.bias32
      let zero = SIMD8<Int32>(repeating: 0)
      var i = 0
      while i < n {
        let x = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Int32>.self)
        var q = K.apply(x, sh, b + i, c, S.self, R.self)
        if relu { q = q.replacing(with: zero, where: q .<= zero) }
        if let o = out, i &+ 8 <= m {
          widen8(q, o + i)
        } else {
          UnsafeMutableRawPointer(v + i).storeBytes(of: q, as: SIMD8<Int32>.self)
        }
        i &+= 8
      }
      if let o = out {
        var j = m & ~7
        while j < m { o[j] = Int64(v[j]); j &+= 1 }
      }
    }
  }
}

protocol StageKind {
  static func apply<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ x: SIMD8<Int32>, _ sh: SIMD8<Int32>, _ b: UnsafePointer<Int32>,
                                                                           _ c: LaneCast, _: S.Type, _: R.Type) -> SIMD8<Int32>
}
enum StageAddBias: StageKind {
  @inline(__always)
  static func apply<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ x: SIMD8<Int32>, _ sh: SIMD8<Int32>, _ b: UnsafePointer<Int32>,
                                                                           _ c: LaneCast, _: S.Type, _: R.Type) -> SIMD8<Int32> {
    R.apply(S.apply((x &<< sh) &+ UnsafeRawPointer(b).loadUnaligned(as: SIMD8<Int32>.self), c), c)
  }
}
enum StageRelu: StageKind {
  @inline(__always)
  static func apply<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ x: SIMD8<Int32>, _ sh: SIMD8<Int32>, _ b: UnsafePointer<Int32>,
                                                                           _ c: LaneCast, _: S.Type, _: R.Type) -> SIMD8<Int32> {
    R.apply(S.apply(x, c), c).replacing(with: 0, where: x .<= SIMD8<Int32>(repeating: 0))
  }
}
enum StageLinear: StageKind {
  @inline(__always)
  static func apply<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ x: SIMD8<Int32>, _ sh: SIMD8<Int32>, _ b: UnsafePointer<Int32>,
                                                                           _ c: LaneCast, _: S.Type, _: R.Type) -> SIMD8<Int32> {
    R.apply(S.apply(x, c), c)
  }
}

/// Parameters of the 32-bit fast path.
struct DenseFastPlan {
  /// Tile-major [tiles][K][8] Int32 weight raws, zero padded.
  var w: UnsafePointer<Int32>
  var tiles: Int
  /// The per-product conversion to the accumulator's resolution without its wrap.
  var rounding: ProductRounding
  var accumWidth: Int
  var accumSigned: Bool
  /// res_t(acc) is the identity (same format, or a wider one with the same resolution).
  var resultIsIdentity: Bool
  /// res_t(acc) on lanes, when LaneCast is exact for it.
  var resultLane: UnsafePointer<LaneCast>?
  /// The same on 32-bit lanes (accum_t and res_t at most 30 bits).
  var resultLane32: UnsafePointer<LaneCast>?
  /// 16-bit path: [M][kPad] Int16 weights (zero padded) when inputs and weights fit 16 bits,
  /// every product converts into accum_t exactly (accum_t has at least the products' fractional
  /// bits: a left shift) and accum_t wraps: then pairs of products can be summed before the
  /// conversion (`vpmaddwd`), mod 2^32 like everything else on this path.
  var int16Weights: UnsafePointer<Int16>?
  var kPad: Int = 0
  /// The 16-bit high-half path (DenseFixedHigh16.swift), preferred to both others where it applies.
  /// Boxed: `Step` stays within 256 bytes, which LLVM copies inline (a larger one is a memcpy
  /// call per step on every run; `FixedKernelTests.stepsAreCopiedInline`).
  var high16: UnsafePointer<DenseHigh16Plan>? = nil
  /// How partial sums are kept in accum_t.
  var accumulation: Accumulation
  /// The bias the fast path adds: the step's `accBias`, or, where a folded epilogue merged a
  /// following unit-scale bias into it (`FixedPlanner.foldEpilogues`), the sum of both (then
  /// accumWidth and accumSigned are that layer's result type's).
  var bias: UnsafePointer<Int64>
  /// The per-product conversion can leave accum_t's range (then it saturates like the sums).
  var productCanOverflow: Bool

  enum Accumulation: Equatable {
    /// AP_WRAP: every partial sum mod 2^32, one wrap to W bits at the end (order-free).
    case wrapDeferred
    /// AP_SAT / AP_SAT_SYM (lo = −max) / AP_SAT_ZERO: each product and each partial sum is
    /// brought back into [lo, hi] in hls4ml's order (i ascending for every output).
    case saturate(lo: Int32, hi: Int32, zero: Bool)
  }
}

/// The per-product conversion of a fast Dense: a left shift (the accumulator has more
/// fractional bits), nothing, a flooring right shift (AP_TRN) or a rounding right shift with
/// FixedCast's bias constants: t = p >> d; inc = (p − (t << d) + c0 + (p < 0 ? cs : 0) +
/// (t odd ? cl : 0)) >> d.
struct ProductRounding: Equatable {
  /// roundAdd and roundShort: (p + c0 [+ the sign and lsb terms]) >> d, which equals the rule
  /// (see RightShift in LaneCast.swift) when no lane can overflow: products of at most 30 bits.
  enum Kind: UInt8 { case exact, left, floor, round, roundAdd, roundShort }
  var kind: Kind
  var shift: Int32
  var c0: Int32
  var cs: Int32
  var cl: Int32

  /// The constants for quantization mode `q` dropping `d` bits (d ≥ 1), from the increment rules
  /// of FixedFormat.Quantization: qb is rem ≥ half, r is rem mod half ≠ 0.
  static func rightShift(_ q: FixedFormat.Quantization, _ d: Int) -> ProductRounding? {
    guard d >= 1 && d <= 29 else { return nil }
    let half = Int32(1) << (d - 1), all = (Int32(1) << d) - 1
    switch q {
    case .trn: return ProductRounding(kind: .floor, shift: Int32(d), c0: 0, cs: 0, cl: 0)
    case .trnZero: return ProductRounding(kind: .round, shift: Int32(d), c0: 0, cs: all, cl: 0)       // s ∧ rem ≠ 0
    case .rnd: return ProductRounding(kind: .round, shift: Int32(d), c0: half, cs: 0, cl: 0)          // qb
    case .rndZero: return ProductRounding(kind: .round, shift: Int32(d), c0: half - 1, cs: 1, cl: 0)  // rem > half ∨ (= ∧ s)
    case .rndMinInf: return ProductRounding(kind: .round, shift: Int32(d), c0: half - 1, cs: 0, cl: 0) // rem > half
    case .rndInf: return ProductRounding(kind: .round, shift: Int32(d), c0: half, cs: -1, cl: 0)      // rem > half ∨ (= ∧ ¬s)
    case .rndConv: return ProductRounding(kind: .round, shift: Int32(d), c0: half - 1, cs: 0, cl: 1)  // rem > half ∨ (= ∧ lsb)
    case .rndConvOdd: return ProductRounding(kind: .round, shift: Int32(d), c0: half, cs: 0, cl: -1)  // rem > half ∨ (= ∧ ¬lsb)
    }
  }

  @inline(__always)
  func apply(_ p: SIMD8<Int32>) -> SIMD8<Int32> {
    switch kind {
    case .exact: return p
    case .left: return p &<< SIMD8(repeating: shift)
    case .floor: return p &>> SIMD8(repeating: shift)
    case .round:
      let sh = SIMD8<Int32>(repeating: shift)
      let t = p &>> sh
      let rem = p &- (t &<< sh)
      let sign = p &>> 31                        // 0 or −1
      let lsb = SIMD8<Int32>.zero &- (t & 1)     // 0 or −1
      return t &+ ((rem &+ SIMD8(repeating: c0) &+ (sign & SIMD8(repeating: cs)) &+ (lsb & SIMD8(repeating: cl))) &>> sh)
    case .roundAdd: return DenseFixedKernel.RoundAdd.apply(p, self)
    case .roundShort: return DenseFixedKernel.RoundShort.apply(p, self)
    }
  }

  @inline(__always)
  func apply(_ p: Int32) -> Int32 {
    switch kind {
    case .exact: return p
    case .left: return p &<< shift
    case .floor: return p &>> shift
    case .round, .roundAdd, .roundShort:
      let t = p &>> shift
      let rem = p &- (t &<< shift)
      return t &+ ((rem &+ c0 &+ ((p &>> 31) & cs) &+ ((0 &- (t & 1)) & cl)) &>> shift)
    }
  }
}

enum DenseFixedKernel {
  static func run<O: FixedObserver>(_ s: DenseFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if !O.enabled, let c = s.chain {
      runChain(c, slots, batch: batch)
      return
    }
    if !O.enabled, let f = s.fast, let h = f.high16 {
      runHigh16(s, f, h.pointee, slots, batch: batch)
      return
    }
    if !O.enabled, let f = s.fast, let w16 = f.int16Weights {
      runInt16(s, f, w16, slots, batch: batch)
      return
    }
    if !O.enabled, let f = s.fast {
      switch (f.accumulation, f.rounding.kind) {
      case (.wrapDeferred, .exact): runFast(s, f, slots, batch: batch, Exact.self, WrapDeferred.self)
      case (.wrapDeferred, .left): runFast(s, f, slots, batch: batch, Left.self, WrapDeferred.self)
      case (.wrapDeferred, .floor): runFast(s, f, slots, batch: batch, Floor.self, WrapDeferred.self)
      case (.wrapDeferred, .round): runFast(s, f, slots, batch: batch, Round.self, WrapDeferred.self)
      case (.wrapDeferred, .roundAdd): runFast(s, f, slots, batch: batch, RoundAdd.self, WrapDeferred.self)
      case (.wrapDeferred, .roundShort): runFast(s, f, slots, batch: batch, RoundShort.self, WrapDeferred.self)
      case (.saturate(_, _, let zero), let k):
        switch (zero, f.productCanOverflow, k) {
        case (false, false, .exact): runFast(s, f, slots, batch: batch, Exact.self, SatSums.self)
        case (false, false, .left): runFast(s, f, slots, batch: batch, Left.self, SatSums.self)
        case (false, false, .floor): runFast(s, f, slots, batch: batch, Floor.self, SatSums.self)
        case (false, false, .round): runFast(s, f, slots, batch: batch, Round.self, SatSums.self)
        case (false, false, .roundAdd): runFast(s, f, slots, batch: batch, RoundAdd.self, SatSums.self)
        case (false, false, .roundShort): runFast(s, f, slots, batch: batch, RoundShort.self, SatSums.self)
        case (false, true, .exact): runFast(s, f, slots, batch: batch, Exact.self, SatAll.self)
        case (false, true, .left): runFast(s, f, slots, batch: batch, Left.self, SatAll.self)
        case (false, true, .floor): runFast(s, f, slots, batch: batch, Floor.self, SatAll.self)
        case (false, true, .round): runFast(s, f, slots, batch: batch, Round.self, SatAll.self)
        case (false, true, .roundAdd): runFast(s, f, slots, batch: batch, RoundAdd.self, SatAll.self)
        case (false, true, .roundShort): runFast(s, f, slots, batch: batch, RoundShort.self, SatAll.self)
        case (true, false, .exact): runFast(s, f, slots, batch: batch, Exact.self, ZeroSums.self)
        case (true, false, .left): runFast(s, f, slots, batch: batch, Left.self, ZeroSums.self)
        case (true, false, .floor): runFast(s, f, slots, batch: batch, Floor.self, ZeroSums.self)
        case (true, false, .round): runFast(s, f, slots, batch: batch, Round.self, ZeroSums.self)
        case (true, false, .roundAdd): runFast(s, f, slots, batch: batch, RoundAdd.self, ZeroSums.self)
        case (true, false, .roundShort): runFast(s, f, slots, batch: batch, RoundShort.self, ZeroSums.self)
        case (true, true, .exact): runFast(s, f, slots, batch: batch, Exact.self, ZeroAll.self)
        case (true, true, .left): runFast(s, f, slots, batch: batch, Left.self, ZeroAll.self)
        case (true, true, .floor): runFast(s, f, slots, batch: batch, Floor.self, ZeroAll.self)
        case (true, true, .round): runFast(s, f, slots, batch: batch, Round.self, ZeroAll.self)
        case (true, true, .roundAdd): runFast(s, f, slots, batch: batch, RoundAdd.self, ZeroAll.self)
        case (true, true, .roundShort): runFast(s, f, slots, batch: batch, RoundShort.self, ZeroAll.self)
        }
      }
      return
    }
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.y)
    let rows = batch &* s.rowsPerSample
    let pc = s.productCast.pointee, sc = s.sumCast.pointee, rc = s.resultCast.pointee
    if O.enabled, let st = stats {
      var o = StatsObserver(stats: st + Int(s.stats))
      for r in 0..<rows { rowGeneral(s, pc, sc, rc, x + r &* s.k, y + r &* s.m, &o) }
    } else {
      var o = NoObserver()
      for r in 0..<rows { rowGeneral(s, pc, sc, rc, x + r &* s.k, y + r &* s.m, &o) }
    }
  }

  /// The reference: hls4ml's loop, one FixedCast per conversion.
  @inline(__always)
  static func rowGeneral<O: FixedObserver>(_ s: DenseFixedStep, _ productCast: FixedCast, _ sumCast: FixedCast, _ resultCast: FixedCast,
                                           _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>, _ o: inout O) {
    for j in 0..<s.m {
      var acc = s.accBias[j]
      for i in 0..<s.k {
        let wv = s.w[i &* s.m &+ j]
        let pc: Int64
        if s.productFitsInt64 {
          pc = productCast.toAccum(x[i] &* wv, &o)
        } else {
          pc = productCast.toAccum(wide: Int128(x[i]) &* Int128(wv), &o)
        }
        if s.sumFitsInt64 {
          acc = sumCast.toAccum(acc &+ pc, &o)
        } else {
          acc = sumCast.toAccum(wide: Int128(acc) &+ Int128(pc), &o)
        }
      }
      y[j] = resultCast.toResult(acc, &o)
    }
  }

  protocol Rounder { static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> }
  enum Exact: Rounder { @inline(__always) static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> { p } }
  enum Left: Rounder { @inline(__always) static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> { p &<< SIMD8(repeating: r.shift) } }
  enum Floor: Rounder { @inline(__always) static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> { p &>> SIMD8(repeating: r.shift) } }
  enum Round: Rounder { @inline(__always) static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> { r.apply(p) } }
  enum RoundAdd: Rounder {
    @inline(__always) static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> {
      (p &+ SIMD8(repeating: r.c0)) &>> SIMD8(repeating: r.shift)
    }
  }
  enum RoundShort: Rounder {
    @inline(__always) static func apply(_ p: SIMD8<Int32>, _ r: ProductRounding) -> SIMD8<Int32> {
      let sh = SIMD8<Int32>(repeating: r.shift)
      let lsb = SIMD8<Int32>.zero &- ((p &>> sh) & 1)
      return (p &+ SIMD8(repeating: r.c0) &+ ((p &>> 31) & SIMD8(repeating: r.cs)) &+ (lsb & SIMD8(repeating: r.cl))) &>> sh
    }
  }

  /// How a product joins an accumulator: `acc = accum_t(acc + accum_t(p))` in lanes.
  protocol Accumulator {
    /// Whether partial sums start from accum_t(bias) (saturating modes) or from 0 with the bias
    /// added at the end (deferred wrap).
    static var biasFirst: Bool { get }
    static func add(_ acc: SIMD8<Int32>, _ pc: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32>
  }
  enum WrapDeferred: Accumulator {
    static var biasFirst: Bool { false }
    @inline(__always) static func add(_ acc: SIMD8<Int32>, _ pc: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> { acc &+ pc }
  }
  @inline(__always) static func clamp(_ v: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> {
    v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
  }
  @inline(__always) static func zeroOutside(_ v: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> {
    v.replacing(with: 0, where: (v .< lo) .| (v .> hi))
  }
  /// AP_SAT-style sums; the products always fit.
  enum SatSums: Accumulator {
    static var biasFirst: Bool { true }
    @inline(__always) static func add(_ acc: SIMD8<Int32>, _ pc: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> {
      clamp(acc &+ pc, lo, hi)
    }
  }
  /// AP_SAT-style products and sums.
  enum SatAll: Accumulator {
    static var biasFirst: Bool { true }
    @inline(__always) static func add(_ acc: SIMD8<Int32>, _ pc: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> {
      clamp(acc &+ clamp(pc, lo, hi), lo, hi)
    }
  }
  enum ZeroSums: Accumulator {
    static var biasFirst: Bool { true }
    @inline(__always) static func add(_ acc: SIMD8<Int32>, _ pc: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> {
      zeroOutside(acc &+ pc, lo, hi)
    }
  }
  enum ZeroAll: Accumulator {
    static var biasFirst: Bool { true }
    @inline(__always) static func add(_ acc: SIMD8<Int32>, _ pc: SIMD8<Int32>, _ lo: SIMD8<Int32>, _ hi: SIMD8<Int32>) -> SIMD8<Int32> {
      zeroOutside(acc &+ zeroOutside(pc, lo, hi), lo, hi)
    }
  }

  /// 32-bit lanes, 8 outputs per vector, up to 4 vectors per pass. Exact because the planner
  /// checked (`DenseFixedPlanning.fastPlan`): inputs, weights and products fit Int32; the
  /// accumulator is AP_WRAP (N = 0) and at most 32 bits wide, so wrapping every partial sum
  /// mod 2^32 and once at the end to W bits equals converting after every add; the per-product
  /// conversion is its rounding shift (its wrap is part of the final one).
  static func runFast<R: Rounder, A: Accumulator>(_ s: DenseFixedStep, _ f: DenseFastPlan, _ slots: Slots, batch: Int, _: R.Type, _: A.Type) {
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.epilogue?.y ?? s.y)
    let rows = batch &* s.rowsPerSample
    let rc = s.resultCast
    let xs = raws32(slots, s.scratch)
    let row = xs + (s.epilogue?.rowOffset ?? 0)
    for r in 0..<rows {
      let xr = x + r &* s.k
      for i in 0..<s.k { xs[i] = Int32(truncatingIfNeeded: xr[i]) }
      rowFast(s, f, rc, UnsafePointer(xs), y + r &* s.m, row, R.self, A.self)
      if let e = s.epilogue, e.lanes32 { e.row32(row, y + r &* s.m, s.m) }
    }
  }

  @inline(__always) static func initial<A: Accumulator>(_ s: DenseFixedStep, _ m0: Int, _: A.Type) -> SIMD8<Int32> {
    A.biasFirst ? narrow8(s.accBias + m0) : .zero   // saturating sums only: never a merged bias
  }

  @inline(__always)
  static func rowFast<R: Rounder, A: Accumulator>(_ s: DenseFixedStep, _ f: DenseFastPlan, _ rc: UnsafePointer<FixedCast>, _ x: UnsafePointer<Int32>,
                                                  _ y: UnsafeMutablePointer<Int64>, _ row: UnsafeMutablePointer<Int32>, _: R.Type, _: A.Type) {
    let k = s.k
    let ts = k &* 8
    let rd = f.rounding
    let toRow = s.epilogue?.lanes32 ?? false
    var lo = SIMD8<Int32>.zero, hi = SIMD8<Int32>.zero
    if case .saturate(let l, let h, _) = f.accumulation { lo = SIMD8(repeating: l); hi = SIMD8(repeating: h) }
    var t = 0
    while t &+ 4 <= f.tiles {
      let w0 = f.w + t &* ts, w1 = w0 + ts, w2 = w1 + ts, w3 = w2 + ts
      var a0 = initial(s, t &* 8, A.self), a1 = initial(s, (t &+ 1) &* 8, A.self)
      var a2 = initial(s, (t &+ 2) &* 8, A.self), a3 = initial(s, (t &+ 3) &* 8, A.self)
      for i in 0..<k {
        let xv = SIMD8<Int32>(repeating: x[i])
        let o = i &* 8
        a0 = A.add(a0, R.apply(xv &* load8(w0 + o), rd), lo, hi)
        a1 = A.add(a1, R.apply(xv &* load8(w1 + o), rd), lo, hi)
        a2 = A.add(a2, R.apply(xv &* load8(w2 + o), rd), lo, hi)
        a3 = A.add(a3, R.apply(xv &* load8(w3 + o), rd), lo, hi)
      }
      if toRow {
        toRow32(a0, s, f, t &* 8, row); toRow32(a1, s, f, (t &+ 1) &* 8, row)
        toRow32(a2, s, f, (t &+ 2) &* 8, row); toRow32(a3, s, f, (t &+ 3) &* 8, row)
      } else {
        finish(a0, s, f, rc, y, t &* 8, row); finish(a1, s, f, rc, y, (t &+ 1) &* 8, row)
        finish(a2, s, f, rc, y, (t &+ 2) &* 8, row); finish(a3, s, f, rc, y, (t &+ 3) &* 8, row)
      }
      t &+= 4
    }
    while t < f.tiles {
      let w0 = f.w + t &* ts
      if A.biasFirst {
        // Ordered accumulation: one chain.
        var a0 = initial(s, t &* 8, A.self)
        for i in 0..<k { a0 = A.add(a0, R.apply(SIMD8<Int32>(repeating: x[i]) &* load8(w0 + i &* 8), rd), lo, hi) }
        if toRow { toRow32(a0, s, f, t &* 8, row) } else { finish(a0, s, f, rc, y, t &* 8, row) }
      } else {
        var a0 = SIMD8<Int32>.zero, c0 = SIMD8<Int32>.zero
        var i = 0
        while i &+ 2 <= k {
          a0 &+= R.apply(SIMD8<Int32>(repeating: x[i]) &* load8(w0 + i &* 8), rd)
          c0 &+= R.apply(SIMD8<Int32>(repeating: x[i &+ 1]) &* load8(w0 + (i &* 8 &+ 8)), rd)
          i &+= 2
        }
        if i < k { a0 &+= R.apply(SIMD8<Int32>(repeating: x[i]) &* load8(w0 + i &* 8), rd) }
        if toRow { toRow32(a0 &+ c0, s, f, t &* 8, row) } else { finish(a0 &+ c0, s, f, rc, y, t &* 8, row) }
      }
      t &+= 1
    }
  }

  /// Adds the bias, wraps to accum_t's width, converts to the result, applies the folded
  /// epilogue (if any) and stores the first min(8, m − m0) lanes.
  @inline(__always)
  static func finish(_ a: SIMD8<Int32>, _ s: DenseFixedStep, _ f: DenseFastPlan, _ rc: UnsafePointer<FixedCast>, _ y: UnsafeMutablePointer<Int64>, _ m0: Int,
                     _ row: UnsafeMutablePointer<Int32>) {
    let v: SIMD8<Int64>
    if let e = s.epilogue, e.count == 0 {
      storeMerged(a, s, f, e, y, m0)
      return
    } else if let e = s.epilogue, e.lanes32 {
      // The row buffer gets accum_t's raws; `DenseEpilogue.row32` finishes the row (res_t(acc),
      // when it is not the identity, is its first pass).
      toRow32(a, s, f, m0, row)
      return
    } else if let e = s.epilogue {
      v = e.apply(result64(a, s, f, rc, m0), m0)
    } else {
      v = result64(a, s, f, rc, m0)
    }
    let n = min(8, s.m &- m0)
    if n == 8 { store8(v, y + m0); return }
    for l in 0..<n { y[m0 &+ l] = v[l] }
  }

  /// Everything folded merged into the fast path (accum_t is then the last layer's type, see
  /// `DenseFastPlan.bias`): wrap, the ReLU, widen, store the first min(8, m − m0) lanes.
  @inline(__always)
  static func storeMerged(_ a: SIMD8<Int32>, _ s: DenseFixedStep, _ f: DenseFastPlan, _ e: DenseEpilogue, _ y: UnsafeMutablePointer<Int64>, _ m0: Int) {
    var q = accumulated32(a, s, f, m0)
    if e.relu { q = q.replacing(with: 0, where: q .< SIMD8<Int32>(repeating: 0)) }
    // Per element, which vectorises (the stdlib's SIMD8<Int64>(truncatingIfNeeded:) is an
    // out-of-line call here).
    var v = SIMD8<Int64>()
    for l in 0..<8 { v[l] = Int64(q[l]) }
    let n = min(8, s.m &- m0)
    if n == 8 { store8(v, y + m0); return }
    for l in 0..<n { y[m0 &+ l] = v[l] }
  }

  /// A folded epilogue on 32-bit lanes: accum_t's raws into the row buffer (small enough to
  /// stay inline in the tile loop, where `finish` is a call).
  @inline(__always)
  static func toRow32(_ a: SIMD8<Int32>, _ s: DenseFixedStep, _ f: DenseFastPlan, _ m0: Int, _ row: UnsafeMutablePointer<Int32>) {
    UnsafeMutableRawPointer(row + m0).storeBytes(of: accumulated32(a, s, f, m0), as: SIMD8<Int32>.self)
  }

  /// accum_t's raws on 32-bit lanes: the saturated sums as they are, the deferred-wrap sums
  /// plus the bias wrapped to W bits.
  @inline(__always)
  static func accumulated32(_ a: SIMD8<Int32>, _ s: DenseFixedStep, _ f: DenseFastPlan, _ m0: Int) -> SIMD8<Int32> {
    if case .saturate = f.accumulation { return a }
    let sh = SIMD8<Int32>(repeating: Int32(32 &- f.accumWidth))
    let b = narrow8(f.bias + m0)
    return f.accumSigned ? ((a &+ b) &<< sh) &>> sh
                         : SIMD8<Int32>(truncatingIfNeeded: (SIMD8<UInt32>(truncatingIfNeeded: a &+ b) &<< SIMD8<UInt32>(truncatingIfNeeded: sh)) &>> SIMD8<UInt32>(truncatingIfNeeded: sh))
  }

  /// res_t(acc) on 64-bit lanes.
  @inline(__always)
  static func result64(_ a: SIMD8<Int32>, _ s: DenseFixedStep, _ f: DenseFastPlan, _ rc: UnsafePointer<FixedCast>, _ m0: Int) -> SIMD8<Int64> {
    if !f.resultIsIdentity, let lc = f.resultLane32 {
      // accum_t and res_t both fit 32-bit lanes: wrap (or keep) the Int32 sums, convert, widen.
      return SIMD8<Int64>(truncatingIfNeeded: lc.pointee.apply32(accumulated32(a, s, f, m0)))
    }
    let acc: SIMD8<Int64>
    if case .saturate = f.accumulation {
      acc = SIMD8<Int64>(truncatingIfNeeded: a)
    } else {
      let shift = UInt64(64 &- f.accumWidth)
      let wide = SIMD8<Int64>(truncatingIfNeeded: a) &+ UnsafeRawPointer(f.bias + m0).loadUnaligned(as: SIMD8<Int64>.self)
      acc = f.accumSigned ? (wide &<< SIMD8(repeating: Int64(shift))) &>> SIMD8(repeating: Int64(shift))
                          : SIMD8<Int64>(truncatingIfNeeded: (SIMD8<UInt64>(truncatingIfNeeded: wide) &<< SIMD8(repeating: shift)) &>> SIMD8(repeating: shift))
    }
    if f.resultIsIdentity { return acc }
    if let lc = f.resultLane { return lc.pointee.apply(acc) }
    var v = SIMD8<Int64>()
    for l in 0..<min(8, s.m &- m0) { v[l] = rc.pointee.apply(acc[l]) }
    return v
  }

  /// The 16-bit path: dot products of 16-element chunks (Int16 × Int16 → Int32, adjacent pairs
  /// summed: LLVM emits `vpmaddwd`), eight outputs at a time, then the common epilogue.
  static func runInt16(_ s: DenseFixedStep, _ f: DenseFastPlan, _ w: UnsafePointer<Int16>, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.epilogue?.y ?? s.y)
    let rows = batch &* s.rowsPerSample
    let rc = s.resultCast
    let xs = slots[Int(s.scratch)].assumingMemoryBound(to: Int16.self)
    let row = raws32(slots, s.scratch) + (s.epilogue?.rowOffset ?? 0)
    let kp = f.kPad
    let left = SIMD8<Int32>(repeating: f.rounding.kind == .left ? f.rounding.shift : 0)
    for r in 0..<rows {
      let xr = x + r &* s.k
      for i in 0..<s.k { xs[i] = Int16(truncatingIfNeeded: xr[i]) }
      for i in s.k..<kp { xs[i] = 0 }
      var m0 = 0
      while m0 < s.m {
        var a = SIMD8<Int32>.zero
        for l in 0..<8 where m0 &+ l < s.m {
          a[l] = dot16(UnsafePointer(xs), w + (m0 &+ l) &* kp, kp)
        }
        finish(a &<< left, s, f, rc, y + r &* s.m, m0, row)
        m0 &+= 8
      }
      if let e = s.epilogue, e.lanes32 { e.row32(row, y + r &* s.m, s.m) }
    }
  }

  /// Σ x[i]·w[i] mod 2^32 over k (a multiple of 16) Int16 pairs. Sixteen Int16 are loaded as
  /// eight Int32 lanes of two halves each and sign-extended by shifts (`(v << 16) >> 16` is the
  /// even element, `v >> 16` the odd one): the stdlib's SIMD16<Int16> → SIMD16<Int32> widening
  /// is an unspecialised out-of-line call here (SWIFT-NOTES P2/P3), 5× the cost of the MACs.
  @inline(__always)
  static func dot16(_ x: UnsafePointer<Int16>, _ w: UnsafePointer<Int16>, _ k: Int) -> Int32 {
    var acc = SIMD8<Int32>()
    let sixteen = SIMD8<Int32>(repeating: 16)
    var i = 0
    while i < k {
      let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int32>.self)
      let b = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Int32>.self)
      let ae = (a &<< sixteen) &>> sixteen, ao = a &>> sixteen
      let be = (b &<< sixteen) &>> sixteen, bo = b &>> sixteen
      acc &+= ae &* be &+ ao &* bo
      i &+= 16
    }
    return acc.wrappedSum()
  }

  @inline(__always) static func load8(_ p: UnsafePointer<Int32>) -> SIMD8<Int32> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int32>.self)
  }
}
