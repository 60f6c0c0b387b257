/// ONNX `ReduceSum`, `ReduceMean`, `ReduceMax` over non-batch axes (axes from the attribute, or
/// from the second input from opset 13 for ReduceSum and opset 18 for the others; keepdims;
/// noop_with_empty_axes). One table maps each input element of a sample to its output element
/// (ReduceKernel: in input order, so ReduceSum adds in row-major order; ReduceMean divides the
/// sum by the count). Constants are folded. hls4ml has no Reduce layer in io_parallel (fixed
/// mode refuses them).
enum Reduce {
  static func axes(_ node: Node, _ kind: ReduceKind, _ ctx: LoweringContext) throws(TrigRTError) -> (axes: [Int]?, keep: Bool, noop: Bool) {
    let fromInput = ctx.opset >= (kind == .sum ? 13 : 18)
    var axes: [Int]? = nil
    if fromInput {
      try ctx.arity(node, inputs: 1...2)
      try ctx.attributes(node, allowed: ["keepdims", "noop_with_empty_axes"])
      if let c = try ctx.optionalConstantInput(node, 1, "axes") {
        guard let a = c.integers else { throw ctx.fail(.malformed, node, "axes must be integers") }
        axes = a.isEmpty ? nil : a
      }
    } else {
      try ctx.arity(node, inputs: 1...1)
      try ctx.attributes(node, allowed: ["axes", "keepdims"])
      axes = try ctx.ints(node, "axes")
    }
    return (axes, try ctx.int(node, "keepdims", default: 1) != 0, try ctx.int(node, "noop_with_empty_axes", default: 0) != 0)
  }

  /// For `dims` reduced over `reduce`: each element's output index, the output dims (keepdims
  /// and not) and the elements per output.
  static func table(_ dims: [Int], reduce: Set<Int>, keep: Bool) -> (target: [Int], out: [Int], per: Int) {
    let kept = dims.enumerated().map { reduce.contains($0.0) ? 1 : $0.1 }
    var outStride = [Int](repeating: 0, count: dims.count)
    var s = 1
    for a in stride(from: dims.count - 1, through: 0, by: -1) { outStride[a] = reduce.contains(a) ? 0 : s; s *= kept[a] }
    let n = Shapes.count(dims)
    var target = [Int](repeating: 0, count: n)
    for i in 0..<n {
      var rem = i, t = 0
      for a in stride(from: dims.count - 1, through: 0, by: -1) { t += (rem % dims[a]) * outStride[a]; rem /= dims[a] }
      target[i] = t
    }
    let out = keep ? kept : dims.enumerated().filter { !reduce.contains($0.0) }.map(\.1)
    return (target, out, reduce.map { dims[$0] }.reduce(1, *))
  }

  static func lower(_ kind: ReduceKind, _ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let (axes, keep, noop) = try axes(node, kind, ctx)
    let x = try ctx.batchedInput(node, 0, "data")
    let full = [1] + ctx.values[x].shape
    guard let axes else {
      if noop { try ctx.alias(node, of: x, shape: ctx.values[x].shape); return }
      throw ctx.fail(.unsupported, node, "no axes: the reduction would run over the batch axis 0 of \(ctx.describe(x)); trigrt reduces within a sample")
    }
    var set = Set<Int>()
    for a in axes { set.insert(try ctx.axis(node, a, rank: full.count)) }
    guard !set.contains(0) else { throw ctx.fail(.unsupported, node, "axes \(axes) include the batch axis 0 of \(ctx.describe(x)); trigrt reduces within a sample") }
    try ctx.checkTable(node, "the reduction table (one target per input element of \(ctx.describe(x)))", elements: ctx.values[x].count)
    let t = table(ctx.values[x].shape, reduce: Set(set.map { $0 - 1 }), keep: keep)
    try ctx.layer(node, .reduce(ReduceSpec(kind: kind, outCount: Shapes.count(t.out), target: t.target.map { Int32($0) }, divisor: Float(t.per))),
                  inputs: [x], outputShape: t.out)
  }

  static func fold(_ kind: ReduceKind, _ node: Node, _ c: Constant, _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    let (axes, keep, noop) = try axes(node, kind, ctx)
    if axes == nil && noop { return c }
    var set = Set<Int>()
    // (a scalar has no axis to name: ONNX allows axes in [-r, r - 1])
    for a in axes ?? Array(0..<c.dims.count) { set.insert(try ctx.axis(node, a, rank: c.dims.count)) }
    let t = table(c.dims, reduce: set, keep: keep)
    let n = Shapes.count(t.out)
    var v = [Float](repeating: kind == .max ? -.infinity : 0, count: n)
    for (i, x) in c.values.enumerated() {
      let f = Float(x)
      if kind == .max { if f > v[t.target[i]] || f.isNaN { v[t.target[i]] = f } } else { v[t.target[i]] += f }
    }
    if kind == .mean { v = v.map { $0 / Float(t.per) } }
    return Constant(dims: t.out, dataType: .float, values: v.map(Double.init))
  }
}

enum ReduceSum { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Reduce.lower(.sum, n, &c) } }
enum ReduceMean { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Reduce.lower(.mean, n, &c) } }
enum ReduceMax { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Reduce.lower(.max, n, &c) } }
