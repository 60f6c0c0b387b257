import FixedPoint
import Glibc
/// ONNX `Relu`, `LeakyRelu`, `Sigmoid`, `Tanh`, `Clip`: element-wise activations. When they
/// follow a Dense layer the planner fuses them into its epilogue; otherwise they run as their own
/// layer (Kernels/Elementwise.swift). hls4ml counterparts: `nnet::relu`, `leaky_relu`,
/// `sigmoid`, `tanh`, `relu6` / clip.

enum Relu {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try ActivationOp.lower(node, .relu, &ctx)
  }
}

enum LeakyRelu {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["alpha"])
    try ActivationOp.lower(node, .leakyRelu(alpha: try ctx.float(node, "alpha", default: 0.01)), &ctx)
  }
}

enum Sigmoid {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try ActivationOp.lower(node, .sigmoid, &ctx)
  }
}

enum Tanh {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try ActivationOp.lower(node, .tanh, &ctx)
  }
}

/// Opset ≥ 11: bounds are optional scalar inputs (min, max); before 11 they are attributes.
enum Clip {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    if ctx.opset < 11 {
      try ctx.arity(node, inputs: 1...1)
      try ctx.attributes(node, allowed: ["min", "max"])
      let lo = try ctx.float(node, "min", default: -.infinity), hi = try ctx.float(node, "max", default: .infinity)
      try ActivationOp.lower(node, .clip(min: lo, max: hi), &ctx)
      return
    }
    try ctx.arity(node, inputs: 1...3)
    try ctx.attributes(node, allowed: [])
    func bound(_ i: Int, _ role: String, _ d: Float) throws(TrigRTError) -> Float {
      guard let c = try ctx.optionalConstantInput(node, i, role) else { return d }
      guard c.count == 1 else { throw ctx.fail(.malformed, node, "\(role) must be a scalar, has shape \(c.dims)") }
      return Float(c.values[0])
    }
    let lo = try bound(1, "min", -.infinity), hi = try bound(2, "max", .infinity)
    try ActivationOp.lower(node, .clip(min: lo, max: hi), &ctx)
  }
}

enum ActivationOp {
  static func lower(_ node: Node, _ act: Activation, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let x = try ctx.batchedInput(node, 0, "X")
    try ctx.layer(node, .activation(act), inputs: [x], outputShape: ctx.values[x].shape)
  }

  /// Reference scalar definition, used for folding and as the test oracle of the SIMD kernels.
  static func apply(_ act: Activation, _ x: Float) -> Float {
    switch act {
    case .identity: return x
    case .relu: return x < 0 ? 0 : x
    case .leakyRelu(let a): return x < 0 ? a * x : x
    case .sigmoid: return 1 / (1 + expf(-x))
    case .tanh: return tanhf(x)
    case .clip(let lo, let hi): return x < lo ? lo : (x > hi ? hi : x)
    }
  }
}

// MARK: - Fixed point (hls4ml nnet_activation.h)

/// Lookup-table activations of hls4ml: the table and its indexing, built at plan time exactly as
/// `init_sigmoid_table` / `init_tanh_table` build theirs at the first C-simulation call (float
/// libm `expf`/`tanhf`, the index formula in double then float, entries converted from float into
/// table_t with its Q/O).
enum ActivationTables {
  /// x_i = float(2·range·(i − float(N)/2.0)/float(N)), as the C++ computes it in double.
  static func tableInput(_ i: Int, size n: Int, range: Double) -> Float {
    let fn = Double(Float(n))
    return Float(2 * range * (Double(i) - fn / 2.0) / fn)
  }

  /// `table_t(float(1.0 / (1 + expf(-x))))` for each index.
  static func sigmoid(size n: Int, table: FixedFormat) -> [Int64] {
    (0..<n).map { i in
      let x = tableInput(i, size: n, range: 8)
      let v = Float(1.0 / Double(Float(1) + expf(-x)))
      return table.quantize(v).raw
    }
  }

  /// `table_t(tanhf(x))` for each index.
  static func tanh(size n: Int, table: FixedFormat) -> [Int64] {
    (0..<n).map { i in table.quantize(tanhf(tableInput(i, size: n, range: 4))).raw }
  }
}

struct ActivationFixedStep {
  enum Kind: UInt8 { case linear, relu, leakyRelu, clip, table }
  var x: Int32
  var y: Int32
  var count: Int
  var kind: Kind
  /// data_T → res_T.
  var cast: UnsafePointer<FixedCast>
  /// LeakyReLU: alpha (raw in param_t) and the exact product → res_T conversion.
  var alpha: Int64
  var alphaCast: UnsafePointer<FixedCast>
  /// Clip / relu_max: bounds as raws of data_T (x < lo → res_T(lo-value), x > hi → res_T(hi)).
  var lo: Int64
  var hi: Int64
  var loResult: Int64
  var hiResult: Int64
  /// Tables: index k = trunc0(x · N / divisor) + N/2, clamped; entries already in res_T.
  var table: UnsafePointer<Int64>?
  var tableSize: Int
  var divisor: Int
  var inputFractionalBits: Int
  var paramFractionalBits: Int = 0
  var stats: Int32
  /// linear / relu with data_T → res_T on lanes.
  var lane: UnsafePointer<LaneCast>?
}

enum ActivationFixedKernel {
  static func run<O: FixedObserver>(_ s: ActivationFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if O.enabled, let st = stats {
      var o = StatsObserver(stats: st + Int(s.stats))
      body(s, slots, batch, &o)
    } else {
      var o = NoObserver()
      body(s, slots, batch, &o)
    }
  }

  /// linear and relu, eight lanes at a time, specialised on the cast's policies.
  /// (Integer SIMD comparisons take a vector on both sides: Swift lowers `v .<= 0` with a scalar
  /// to a lane-by-lane loop through memory, 5x slower than the whole layer should be.)
  struct Lanes: LaneLoop {
    let x: UnsafePointer<Int64>
    let y: UnsafeMutablePointer<Int64>
    let n: Int
    let relu: Bool

    @inline(__always)
    func run<S: LaneShift, R: LaneRange>(_ c: LaneCast, _: S.Type, _: R.Type) {
      var i = 0
      while i &+ 8 <= n {
        let v = load8(x + i)
        let q = R.apply(S.apply(v, c), c)
        store8(relu ? q.replacing(with: 0, where: v .<= SIMD8<Int64>(repeating: 0)) : q, y + i)
        i &+= 8
      }
      while i < n {
        y[i] = relu && x[i] <= 0 ? 0 : R.apply(S.apply(x[i], c), c)
        i &+= 1
      }
    }
  }

  /// The same on 32-bit lanes.
  struct Lanes32: LaneLoop32 {
    let x: UnsafePointer<Int64>
    let y: UnsafeMutablePointer<Int64>
    let n: Int
    let relu: Bool

    @inline(__always)
    func run<S: LaneShift & LaneShift32, R: LaneRange & LaneRange32>(_ c: LaneCast, _: S.Type, _: R.Type) {
      var i = 0
      while i &+ 8 <= n {
        let v = narrow8(x + i)
        let q = R.apply(S.apply(v, c), c)
        widen8(relu ? q.replacing(with: 0, where: v .<= SIMD8<Int32>(repeating: 0)) : q, y + i)
        i &+= 8
      }
      while i < n {
        y[i] = relu && x[i] <= 0 ? 0 : R.apply(S.apply(x[i], c), c)
        i &+= 1
      }
    }
  }

  @inline(__always)
  static func lanes(_ s: ActivationFixedStep, _ lc: LaneCast, _ slots: Slots, _ batch: Int) {
    if lc.fits32 {
      lc.specialise32(Lanes32(x: UnsafePointer(raws(slots, s.x)), y: raws(slots, s.y), n: batch &* s.count, relu: s.kind == .relu))
    } else {
      lc.specialise(Lanes(x: UnsafePointer(raws(slots, s.x)), y: raws(slots, s.y), n: batch &* s.count, relu: s.kind == .relu))
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: ActivationFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    if !O.enabled, let lc = s.lane, s.kind == .linear || s.kind == .relu {
      lanes(s, lc.pointee, slots, batch)
      return
    }
    let x = UnsafePointer(raws(slots, s.x)), y = raws(slots, s.y)
    let n = batch &* s.count
    let cast = s.cast.pointee, alphaCast = s.alphaCast.pointee
    switch s.kind {
    case .linear:
      for i in 0..<n { y[i] = cast.toResult(x[i], &o) }
    case .relu:
      for i in 0..<n { y[i] = x[i] > 0 ? cast.toResult(x[i], &o) : 0 }
    case .leakyRelu:
      for i in 0..<n {
        let v = x[i]
        if v > 0 {
          // Observed in the units of the negative branch (the exact product's fractional bits).
          if O.enabled {
            let (r, st) = cast.applyReportingStatus(v)
            o.result(exact: v &<< Int64(s.paramFractionalBits), raw: r, st)
            y[i] = r
          } else {
            y[i] = cast.apply(v)
          }
        } else {
          y[i] = alphaCast.toResult(wide: Int128(s.alpha) &* Int128(v), &o)
        }
      }
    case .clip:
      for i in 0..<n {
        let v = x[i]
        y[i] = v < s.lo ? s.loResult : (v > s.hi ? s.hiResult : cast.toResult(v, &o))
      }
    case .table:
      guard let table = s.table else { return }
      let half = s.tableSize / 2
      for i in 0..<n {
        let k = tableIndex(x[i], size: s.tableSize, divisor: s.divisor, fractionalBits: s.inputFractionalBits)
        var idx = k &+ Int32(truncatingIfNeeded: half)
        if idx < 0 { idx = 0 }
        if idx > Int32(truncatingIfNeeded: s.tableSize &- 1) { idx = Int32(truncatingIfNeeded: s.tableSize &- 1) }
        y[i] = table[Int(idx)]
        if O.enabled { o.result(exact: y[i], raw: y[i], []) }
      }
    }
  }

  /// `int(data * table_size / divisor)`: the exact product, the ap_fixed division (truncating
  /// toward zero), the int conversion (truncating toward zero, then wrapping to 32 bits).
  @inline(__always)
  static func tableIndex(_ raw: Int64, size: Int, divisor: Int, fractionalBits f: Int) -> Int32 {
    let num = Int128(raw) &* Int128(size)
    let q: Int128
    if f >= 0 {
      q = num / (Int128(divisor) << f)
    } else {
      q = (num << (-f)) / Int128(divisor)
    }
    return Int32(truncatingIfNeeded: q)
  }
}
