import FixedPoint
/// ONNX `Add`, `Sub`, `Mul`, `Div` (numpy broadcasting, float32). hls4ml counterparts: the
/// merge layers (add, subtract, multiply) and, for a constant operand, the input normalisation
/// it folds into `normalize`. The lowering lives here; the element-wise kernels in
/// Kernels/Elementwise.swift.

enum Add { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Arithmetic.lower(.add, n, &c) } }
enum Sub { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Arithmetic.lower(.sub, n, &c) } }
enum Mul { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Arithmetic.lower(.mul, n, &c) } }
enum Div { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Arithmetic.lower(.div, n, &c) } }

enum Arithmetic {
  static func lower(_ op: BinaryOp, _ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 2...2)
    try ctx.attributes(node, allowed: [])
    let a = try ctx.input(node, 0, "A"), b = try ctx.input(node, 1, "B")
    let va = ctx.values[a], vb = ctx.values[b]
    if va.isBatched && vb.isBatched && va.shape.count != vb.shape.count {
      throw ctx.fail(.unsupported, node, "operands \(ctx.describe(a)) and \(ctx.describe(b)) have different ranks; broadcasting two run-time tensors needs equal ranks")
    }
    // A constant with as many dimensions as the batched operand's full shape broadcasts along
    // the batch only if its first dimension is 1.
    for (id, v, other) in [(a, va, vb), (b, vb, va)] where !v.isBatched && other.isBatched {
      if v.shape.count > other.shape.count + 1 {
        throw ctx.fail(.shape, node, "constant \(ctx.describe(id)) has more dimensions than the run-time operand")
      }
      if v.shape.count == other.shape.count + 1 && v.shape.first != 1 {
        throw ctx.fail(.unsupported, node, "constant \(ctx.describe(id)) spans the batch dimension; only constants that broadcast over the batch (leading dimension 1 or fewer dimensions) are supported")
      }
    }
    guard let full = Shapes.broadcast(Shapes.full(va), Shapes.full(vb)), full.first == 1 || !(va.isBatched || vb.isBatched) else {
      throw ctx.fail(.shape, node, "cannot broadcast \(ctx.describe(a)) with \(ctx.describe(b))")
    }
    let outShape = Array(full.dropFirst())
    try ctx.layer(node, .binary(BinarySpec(op: op, shape: outShape)), inputs: [a, b], outputShape: outShape)
  }

  /// Folding rule: both operands constant; computed in float32 as ONNX Runtime does.
  static func fold(_ op: BinaryOp, _ x: Constant, _ y: Constant) -> Constant? {
    guard let out = Shapes.broadcast(x.dims, y.dims) else { return nil }
    let sx = Shapes.broadcastStrides(x.dims, outShape: out), sy = Shapes.broadcastStrides(y.dims, outShape: out)
    let n = Shapes.count(out)
    var values = [Double](repeating: 0, count: n)
    let isInt = !x.dataType.isFloatingPoint && !y.dataType.isFloatingPoint
    for i in 0..<n {
      var rem = i, ix = 0, iy = 0
      for d in stride(from: out.count - 1, through: 0, by: -1) {
        let c = rem % out[d]; rem /= out[d]
        ix += c * sx[d]; iy += c * sy[d]
      }
      if isInt {
        let p = x.values[ix], q = y.values[iy]
        switch op {
        case .add: values[i] = p + q
        case .sub: values[i] = p - q
        case .mul: values[i] = p * q
        case .div: values[i] = q == 0 ? 0 : (p / q).rounded(.towardZero)
        }
      } else {
        let p = Float(x.values[ix]), q = Float(y.values[iy])
        values[i] = Double(apply(op, p, q))
      }
    }
    return Constant(dims: out, dataType: isInt ? x.dataType : .float, values: values)
  }

  @inline(__always)
  static func apply(_ op: BinaryOp, _ p: Float, _ q: Float) -> Float {
    switch op {
    case .add: return p + q
    case .sub: return p - q
    case .mul: return p * q
    case .div: return p / q
    }
  }
}

// MARK: - Fixed point (hls4ml nnet_merge.h)

/// add, subtract, multiply, average, maximum, minimum of two tensors: `res[i] = res_T(a op b)`
/// with the exact result of the operation (average: (a + b) · 0.5 exactly), operands indexed
/// i mod n_elem as hls4ml broadcasts; maximum/minimum convert the chosen operand.
struct MergeFixedStep {
  enum Op: UInt8 { case add, sub, mul, average, maximum, minimum }
  var a: Int32
  var b: Int32
  var y: Int32
  var op: Op
  var count: Int
  var countA: Int
  var countB: Int
  /// Shifts that bring a and b to the common fractional bits (add/sub/avg/max/min).
  var shiftA: Int
  var shiftB: Int
  var cast: UnsafePointer<FixedCast>        // exact result → res_T
  var castA: UnsafePointer<FixedCast>       // data1_T → res_T (maximum/minimum)
  var castB: UnsafePointer<FixedCast>
  var stats: Int32
}

enum MergeFixedKernel {
  static func run<O: FixedObserver>(_ s: MergeFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if O.enabled, let st = stats {
      var o = StatsObserver(stats: st + Int(s.stats))
      body(s, slots, batch, &o)
    } else {
      var o = NoObserver()
      body(s, slots, batch, &o)
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: MergeFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    let pa = UnsafePointer(raws(slots, s.a)), pb = UnsafePointer(raws(slots, s.b)), y = raws(slots, s.y)
    let cast = s.cast.pointee, castA = s.castA.pointee, castB = s.castB.pointee
    for n in 0..<batch {
      let ab = pa + n &* s.countA, bb = pb + n &* s.countB, yb = y + n &* s.count
      for i in 0..<s.count {
        let a = Int128(ab[i % s.countA]), b = Int128(bb[i % s.countB])
        let av = a << s.shiftA, bv = b << s.shiftB
        switch s.op {
        case .add, .average: yb[i] = cast.toResult(wide: av &+ bv, &o)
        case .sub: yb[i] = cast.toResult(wide: av &- bv, &o)
        case .mul: yb[i] = cast.toResult(wide: a &* b, &o)
        case .maximum: yb[i] = av > bv ? castA.toResult(wide: a, &o) : castB.toResult(wide: b, &o)
        case .minimum: yb[i] = av < bv ? castA.toResult(wide: a, &o) : castB.toResult(wide: b, &o)
        }
      }
    }
  }
}
