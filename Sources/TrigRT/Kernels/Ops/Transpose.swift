/// ONNX `Transpose`. On constants it is folded at load (any perm). On a run-time tensor the
/// batch axis must stay first (perm[0] = 0); a perm that keeps the order of every axis longer
/// than 1 is an alias (no copy), any other runs as a Transpose layer: axes merged at load into
/// the fewest runs that stay contiguous, then one strided gather per output row. hls4ml
/// counterpart: `nnet::transpose` (a no-op layout change in channels-last designs).
enum Transpose {
  static func perm(_ node: Node, _ ctx: LoweringContext, rank: Int) throws(TrigRTError) -> [Int] {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["perm"])
    guard let p = try ctx.ints(node, "perm") else { return Array((0..<rank).reversed()) }
    guard p.count == rank, Set(p) == Set(0..<rank) else {
      throw ctx.fail(.malformed, node, "perm \(p) is not a permutation of the \(rank) axes of the input")
    }
    return p
  }

  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let x = try ctx.batchedInput(node, 0, "data")
    let shape = ctx.values[x].shape
    let p = try perm(node, ctx, rank: shape.count + 1)
    guard p[0] == 0 else {
      throw ctx.fail(.unsupported, node, "perm \(p) moves the batch axis 0 of \(ctx.describe(x)); trigrt keeps the batch first (perm[0] must be 0)")
    }
    let sample = p.dropFirst().map { $0 - 1 }
    let out = sample.map { shape[$0] }
    // Only the order of axes longer than 1 decides the element order.
    let moved = sample.filter { shape[$0] > 1 }
    if moved == moved.sorted() {
      try ctx.alias(node, of: x, shape: out)
      return
    }
    try ctx.layer(node, .transpose(TransposeSpec(inShape: shape, perm: sample)), inputs: [x], outputShape: out)
  }

  static func fold(_ node: Node, _ c: Constant, _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    let p = try perm(node, ctx, rank: c.dims.count)
    let plan = TransposeFloatStep.runs(inShape: c.dims, perm: p)
    var values = [Double](repeating: 0, count: c.count)
    var o = 0
    TransposeFloatStep.forEachSource(dims: plan.dims, strides: plan.strides) { values[o] = c.values[$0]; o += 1 }
    return Constant(dims: p.map { c.dims[$0] }, dataType: c.dataType, values: values)
  }
}

/// Run-time Transpose of each sample: output element i (row-major over `dims`) reads the input
/// at Σ coordinate·stride.
struct TransposeFloatStep {
  var x: Int32
  var y: Int32
  var count: Int          // elements per sample
  var rank: Int           // merged axes (≥ 1)
  var dims: UnsafePointer<Int>
  var strides: UnsafePointer<Int>

  /// Merges the permuted axes into the fewest runs: size-1 axes dropped, neighbours that are
  /// neighbours in the input too joined. Returns the output dims and the input stride of each.
  static func runs(inShape: [Int], perm: [Int]) -> (dims: [Int], strides: [Int]) {
    var inStride = [Int](repeating: 1, count: inShape.count)
    var s = 1
    for a in stride(from: inShape.count - 1, through: 0, by: -1) { inStride[a] = s; s *= inShape[a] }
    var dims: [Int] = [], strides: [Int] = [], last: [Int] = []   // last: input axis ending each run
    for a in perm where inShape[a] > 1 {
      if let l = last.last, l + 1 == a {
        dims[dims.count - 1] *= inShape[a]
        strides[strides.count - 1] = inStride[a]
        last[last.count - 1] = a
      } else {
        dims.append(inShape[a]); strides.append(inStride[a]); last.append(a)
      }
    }
    return dims.isEmpty ? ([1], [1]) : (dims, strides)
  }

  /// Calls `body` with the input index of every output element in order (load-time helper).
  static func forEachSource(dims: [Int], strides: [Int], _ body: (Int) -> Void) {
    let n = Shapes.count(dims)
    for i in 0..<n {
      var rem = i, off = 0
      for a in stride(from: dims.count - 1, through: 0, by: -1) { off += rem % dims[a] * strides[a]; rem /= dims[a] }
      body(off)
    }
  }

  init(_ t: TransposeSpec, x: Int32, y: Int32, store: ConstantStore) {
    let (d, s) = TransposeFloatStep.runs(inShape: t.inShape, perm: t.perm)
    self.x = x
    self.y = y
    count = Shapes.count(t.inShape)
    rank = d.count
    dims = UnsafePointer(store.store(d))
    strides = UnsafePointer(store.store(s))
  }
}

enum TransposeKernel {
  static func run(_ s: TransposeFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let inner = s.dims[s.rank &- 1], innerStride = s.strides[s.rank &- 1]
    let rows = s.count / inner
    for n in 0..<batch {
      let src = x + n &* s.count
      var dst = y + n &* s.count
      if s.rank == 2 {
        // The common case (NCHW ↔ NHWC): a 2-D transpose.
        let outerStride = s.strides[0]
        for r in 0..<rows {
          let row = src + r &* outerStride
          for j in 0..<inner { dst[j] = row[j &* innerStride] }
          dst += inner
        }
        continue
      }
      for r in 0..<rows {
        var rem = r, off = 0
        var a = s.rank &- 2
        while a >= 0 {
          let d = s.dims[a]
          off &+= (rem % d) &* s.strides[a]
          rem /= d
          a &-= 1
        }
        let row = src + off
        for j in 0..<inner { dst[j] = row[j &* innerStride] }
        dst += inner
      }
    }
  }
}
