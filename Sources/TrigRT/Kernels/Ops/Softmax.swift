import FixedPoint
import Glibc
/// ONNX `Softmax`. Opset 13+: over one axis (default −1). Opsets 11–12: the input is coerced to
/// 2-D at `axis` (default 1) and softmax runs over everything from the axis on. hls4ml
/// counterpart: `nnet::softmax` (stable / latency / legacy / argmax in fixed mode).
enum Softmax {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["axis"])
    let x = try ctx.batchedInput(node, 0, "input")
    let shape = ctx.values[x].shape
    let rank = shape.count + 1
    let legacy = ctx.opset < 13
    let axis = try ctx.axis(node, try ctx.int(node, "axis", default: legacy ? 1 : -1), rank: rank)
    guard axis >= 1 else {
      throw ctx.fail(.unsupported, node, "softmax over the batch dimension (axis 0) is not supported")
    }
    let spec: SoftmaxSpec
    if legacy {
      spec = SoftmaxSpec(outer: Shapes.count(Array(shape[..<(axis - 1)])), axisSize: Shapes.count(Array(shape[(axis - 1)...])), inner: 1)
    } else {
      spec = SoftmaxSpec(outer: Shapes.count(Array(shape[..<(axis - 1)])), axisSize: shape[axis - 1],
                         inner: Shapes.count(Array(shape[axis...])))
    }
    try ctx.layer(node, .softmax(spec), inputs: [x], outputShape: shape)
  }
}

// MARK: - Fixed point (hls4ml nnet::softmax, all four implementations of 1.3.0)

/// The tables of hls4ml's softmax, built at plan time as `init_exp_table`, `init_invert_table`
/// and their legacy variants build them at the first C-simulation call.
enum SoftmaxTables {
  /// `softmax_idx_from_real_val`: the top `bits` bits of the raw two's-complement word, unsigned.
  @inline(__always)
  static func index(_ raw: Int64, width: Int, bits: Int) -> Int {
    let pattern = width >= 64 ? UInt64(bitPattern: raw) : UInt64(bitPattern: raw) & ((1 << UInt64(width)) - 1)
    return Int(truncatingIfNeeded: pattern >> UInt64(width - bits))
  }

  /// `softmax_real_val_from_idx`: the value whose top `bits` bits are i and the rest 0, as float.
  static func realValue(_ i: Int, bits: Int, format: FixedFormat) -> Float {
    let w = format.width
    var pattern = UInt64(i) << UInt64(w - bits)
    if format.isSigned && w < 64 && (pattern >> UInt64(w - 1)) & 1 == 1 { pattern |= ~((1 << UInt64(w)) - 1) }
    return format.toFloat(Int64(bitPattern: pattern))
  }

  /// ceillog2 of nnet_helpers.h (1 for sizes up to 2).
  static func ceilLog2(_ x: Int) -> Int { x <= 2 ? 1 : 1 + ceilLog2((x + 1) / 2) }

  /// exp_table[i] = exp_table_t(expf(±value_i · exp_scale)), indexed by `index` over `format`.
  static func exp(size: Int, indexFormat: FixedFormat, scale: Float, negate: Bool, table: FixedFormat) -> [Int64] {
    let bits = ceilLog2(size)
    return (0..<size).map { i in
      var x = realValue(i, bits: bits, format: indexFormat) * scale
      if negate { x = -x }
      return table.quantize(expf(x)).raw
    }
  }

  /// invert_table[i] = inv_table_t(1 / value_i) (index 0: 1/0 = +inf, as float division gives).
  static func invert(size: Int, indexFormat: FixedFormat, table: FixedFormat) -> [Int64] {
    let bits = ceilLog2(size)
    return (0..<size).map { i in table.quantize(Float(1) / realValue(i, bits: bits, format: indexFormat)).raw }
  }

  /// Legacy: exp_table[i] = table_t(expf(float(16·(i − N/2)/N))).
  static func legacyExp(size n: Int, table: FixedFormat) -> [Int64] {
    (0..<n).map { i in table.quantize(expf(ActivationTables.tableInput(i, size: n, range: 8))).raw }
  }

  /// Legacy: invert_table[i] = table_t(1.0 / in_val) with in_val = float(64.0·i/N), 0 at i = 0.
  static func legacyInvert(size n: Int, table: FixedFormat) -> [Int64] {
    (0..<n).map { i in
      let v = Float(64.0 * Double(i) / Double(Float(n)))
      return v > 0 ? table.quantize(1.0 / Double(v)).raw : 0
    }
  }
}

struct SoftmaxFixedStep {
  enum Impl: UInt8 { case latency = 0, legacy = 1, stable = 2, argmax = 3 }
  var x: Int32
  var y: Int32
  var impl: Impl
  var outer: Int
  var slice: Int
  var inner: Int
  // stable / latency
  var normCast: UnsafePointer<FixedCast>          // x_max − x_i (exact) → inp_norm_t
  var indexWidth: Int              // width of the type the exp table is addressed by
  var expBits: Int
  var expAccum: UnsafePointer<Int64>?   // exp_table entries converted into accum_t
  var sumCast: UnsafePointer<FixedCast>           // accum_t + accum_t → accum_t (the reduce tree's Op_add)
  var toInvInput: UnsafePointer<FixedCast>        // accum_t → inv_inp_t
  var invWidth: Int
  var invBits: Int
  var invTable: UnsafePointer<Int64>?
  var resultCast: UnsafePointer<FixedCast>        // accum_t · inv_table_t (exact) → res_T
  // legacy
  var legacyExp: UnsafePointer<Int64>?    // table_t raws
  var legacyInvResult: UnsafePointer<Int64>?  // invert table converted into res_T
  var legacyOne: Int64             // table_t(1)
  var legacySum: UnsafePointer<FixedCast>         // table_t + table_t → table_t
  var expSize: Int
  var invSize: Int
  var dataFractionalBits: Int
  var tableFractionalBits: Int
  // argmax
  var zero: Int64
  var one: Int64
  var stats: Int32
  /// stable / latency, unobserved: the four conversions as LaneCasts (scalar use), when each is
  /// exact for its source (the planner's `LaneCast.make`).
  var lanes: UnsafePointer<SoftmaxLanes>? = nil
}

struct SoftmaxLanes {
  var norm: LaneCast      // x_max − x_i → inp_norm_t (stable)
  var sum: LaneCast       // accum_t + accum_t → accum_t
  var invInput: LaneCast  // accum_t → inv_inp_t
  var result: LaneCast    // accum_t × inv_table_t → res_t
}

enum SoftmaxFixedKernel {
  static func run<O: FixedObserver>(_ s: SoftmaxFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if O.enabled, let st = stats {
      var o = StatsObserver(stats: st + Int(s.stats))
      body(s, slots, batch, &o)
    } else {
      var o = NoObserver()
      body(s, slots, batch, &o)
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: SoftmaxFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.y)
    let sliceStride = s.slice &* s.inner
    for r in 0..<(batch &* s.outer) {
      for k in 0..<s.inner {
        let base = r &* sliceStride &+ k
        switch s.impl {
        case .stable, .latency: expNormalised(s, x + base, y + base, &o)
        case .legacy: legacy(s, x + base, y + base, &o)
        case .argmax: argmax(s, x + base, y + base)
        }
      }
    }
  }

  /// `reduce<accum_t, N, Op_add>`: split into 2^floor(log2(N−1)) and the rest, recursively; each
  /// add converted into accum_t.
  static func reduce(_ v: UnsafePointer<Int64>, _ n: Int, stride: Int, _ cp: FixedCast) -> Int64 {
    if n == 1 { return v[0] }
    if n == 2 { return cp.apply(wide: Int128(v[0]) &+ Int128(v[stride])) }
    let left = reduceSplit(n)
    let a = reduce(v, left, stride: stride, cp), b = reduce(v + left &* stride, n - left, stride: stride, cp)
    return cp.apply(wide: Int128(a) &+ Int128(b))
  }

  /// Where `reduce` splits n ≥ 3 values: the largest power of two below n.
  @inline(__always)
  static func reduceSplit(_ n: Int) -> Int {
    var left = 1
    while left &* 2 <= n &- 1 { left &*= 2 }
    return left
  }

  /// `reduce` with the conversion on a LaneCast (every partial sum fits Int64).
  static func reduceLane(_ v: UnsafePointer<Int64>, _ n: Int, stride: Int, _ c: UnsafePointer<SoftmaxLanes>) -> Int64 {
    if n == 1 { return v[0] }
    if n == 2 { return c.pointee.sum.apply(v[0] &+ v[stride]) }
    let left = reduceSplit(n)
    let a = reduceLane(v, left, stride: stride, c), b = reduceLane(v + left &* stride, n &- left, stride: stride, c)
    return c.pointee.sum.apply(a &+ b)
  }

  @inline(__always)
  static func expNormalised<O: FixedObserver>(_ s: SoftmaxFixedStep, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>, _ o: inout O) {
    guard let expAccum = s.expAccum, let invTable = s.invTable else { return }
    if !O.enabled, let l = s.lanes {
      let st = s.inner
      if takesSmall(s) {
        withUnsafePointer(to: s) { small($0, x, y) }
        return
      }
      if s.impl == .stable {
        var mx = x[0]
        for j in 1..<s.slice where x[j &* st] > mx { mx = x[j &* st] }
        for j in 0..<s.slice {
          y[j &* st] = expAccum[SoftmaxTables.index(l.pointee.norm.apply(mx &- x[j &* st]), width: s.indexWidth, bits: s.expBits)]
        }
      } else {
        for j in 0..<s.slice { y[j &* st] = expAccum[SoftmaxTables.index(x[j &* st], width: s.indexWidth, bits: s.expBits)] }
      }
      let sum = l.pointee.invInput.apply(reduceLane(UnsafePointer(y), s.slice, stride: st, l))
      let inv = invTable[SoftmaxTables.index(sum, width: s.invWidth, bits: s.invBits)]
      for j in 0..<s.slice { y[j &* st] = l.pointee.result.apply(y[j &* st] &* inv) }
      return
    }
    let st = s.inner
    let normCast = s.normCast.pointee, sumCast = s.sumCast.pointee, resultCast = s.resultCast.pointee
    if s.impl == .stable {
      var mx = x[0]
      for j in 1..<s.slice where x[j &* st] > mx { mx = x[j &* st] }
      for j in 0..<s.slice {
        let d = normCast.toAccum(mx &- x[j &* st], &o)
        y[j &* st] = expAccum[SoftmaxTables.index(d, width: s.indexWidth, bits: s.expBits)]
      }
    } else {
      for j in 0..<s.slice {
        y[j &* st] = expAccum[SoftmaxTables.index(x[j &* st], width: s.indexWidth, bits: s.expBits)]
      }
    }
    let sum = s.toInvInput.pointee.apply(reduce(UnsafePointer(y), s.slice, stride: st, sumCast))
    let inv = invTable[SoftmaxTables.index(sum, width: s.invWidth, bits: s.invBits)]
    for j in 0..<s.slice {
      y[j &* st] = resultCast.toResult(wide: Int128(y[j &* st]) &* Int128(inv), &o)
    }
  }

  /// Unobserved stable / latency softmax with lane casts over contiguous slices of at most
  /// eight values: `small`.
  static func takesSmall(_ s: SoftmaxFixedStep) -> Bool {
    (s.impl == .stable || s.impl == .latency) && s.lanes != nil && s.expAccum != nil && s.invTable != nil
      && s.inner == 1 && s.slice >= 1 && s.slice <= 8
  }

  /// The plan's FastStep form (`takesSmall`): the boxed step, each row's slice.
  @inline(never)
  static func runSmall(_ s: UnsafePointer<SoftmaxFixedStep>, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(raws(slots, s.pointee.x)), y = raws(slots, s.pointee.y)
    let n = s.pointee.slice
    for r in 0..<(batch &* s.pointee.outer) { small(s, x + r &* n, y + r &* n) }
  }

  /// Stable / latency over one contiguous slice of at most eight values (a classifier's
  /// outputs) on eight lanes: the normalisation, the table indices and the final products as
  /// vectors, the lookups and hls4ml's reduce tree (split at the largest power of two below n,
  /// recursively: `reduce`) written out per n.
  @inline(__always)
  static func small(_ s: UnsafePointer<SoftmaxFixedStep>, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>) {
    let l = s.pointee.lanes.unsafelyUnwrapped, expAccum = s.pointee.expAccum.unsafelyUnwrapped, invTable = s.pointee.invTable.unsafelyUnwrapped
    let n = s.pointee.slice, last = n &- 1
    // Lanes past the slice repeat its last value: valid table indices, never read back.
    var v = SIMD8<Int64>(x[0], x[min(1, last)], x[min(2, last)], x[min(3, last)], x[min(4, last)], x[min(5, last)], x[min(6, last)], x[last])
    if s.pointee.impl == .stable {
      var mx = x[0]
      for j in 1..<n where x[j] > mx { mx = x[j] }
      v = l.pointee.norm.apply(SIMD8(repeating: mx) &- v)
    }
    let width = UInt64(s.pointee.indexWidth)
    let mask = width >= 64 ? ~UInt64(0) : (UInt64(1) << width) &- 1
    let idx = (SIMD8<UInt64>(truncatingIfNeeded: v) & SIMD8(repeating: mask)) &>> SIMD8(repeating: width &- UInt64(s.pointee.expBits))
    @inline(__always) func at(_ j: Int) -> Int64 { expAccum[Int(truncatingIfNeeded: idx[j])] }
    let e = SIMD8<Int64>(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7))
    @inline(__always) func add(_ a: Int64, _ b: Int64) -> Int64 { l.pointee.sum.apply(a &+ b) }
    let sum: Int64
    switch n {
    case 1: sum = e[0]
    case 2: sum = add(e[0], e[1])
    case 3: sum = add(add(e[0], e[1]), e[2])
    case 4: sum = add(add(e[0], e[1]), add(e[2], e[3]))
    case 5: sum = add(add(add(e[0], e[1]), add(e[2], e[3])), e[4])
    case 6: sum = add(add(add(e[0], e[1]), add(e[2], e[3])), add(e[4], e[5]))
    case 7: sum = add(add(add(e[0], e[1]), add(e[2], e[3])), add(add(e[4], e[5]), e[6]))
    default: sum = add(add(add(e[0], e[1]), add(e[2], e[3])), add(add(e[4], e[5]), add(e[6], e[7])))
    }
    let inv = invTable[SoftmaxTables.index(l.pointee.invInput.apply(sum), width: s.pointee.invWidth, bits: s.pointee.invBits)]
    let r = l.pointee.result.apply(e &* SIMD8(repeating: inv))
    for j in 0..<n { y[j] = r[j] }
  }

  @inline(__always)
  static func legacy<O: FixedObserver>(_ s: SoftmaxFixedStep, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>, _ o: inout O) {
    guard let expT = s.legacyExp, let invR = s.legacyInvResult else { return }
    let st = s.inner
    let legacySum = s.legacySum.pointee
    let half = Int32(truncatingIfNeeded: s.expSize / 2)
    // y holds the results; exp_res[i] for every i is computed before any result is written.
    // hls4ml computes all exp_res first, then inverts: do the same, keeping exp_res in y.
    for i in 0..<s.slice {
      var acc: Int64 = 0
      for j in 0..<s.slice {
        let e: Int64
        if i == j {
          e = s.legacyOne
        } else {
          let k = ActivationFixedKernel.tableIndex(x[j &* st] &- x[i &* st], size: s.expSize, divisor: 16, fractionalBits: s.dataFractionalBits)
          var idx = k &+ half
          if idx < 0 { idx = 0 }
          if idx > Int32(truncatingIfNeeded: s.expSize &- 1) { idx = Int32(truncatingIfNeeded: s.expSize &- 1) }
          e = expT[Int(idx)]
        }
        acc = legacySum.apply(acc &+ e)
      }
      y[i &* st] = acc
    }
    for i in 0..<s.slice {
      var idx = ActivationFixedKernel.tableIndex(y[i &* st], size: s.invSize, divisor: 64, fractionalBits: s.tableFractionalBits)
      if idx < 0 { idx = 0 }
      if idx > Int32(truncatingIfNeeded: s.invSize &- 1) { idx = Int32(truncatingIfNeeded: s.invSize &- 1) }
      y[i &* st] = invR[Int(idx)]
      if O.enabled { o.result(exact: y[i &* st], raw: y[i &* st], []) }
    }
  }

  @inline(__always)
  static func argmax(_ s: SoftmaxFixedStep, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>) {
    let st = s.inner
    var best = 0
    for j in 1..<s.slice where x[j &* st] > x[best &* st] { best = j }
    for j in 0..<s.slice { y[j &* st] = j == best ? s.one : s.zero }
  }
}
