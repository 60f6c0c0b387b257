/// ONNX `Unsqueeze`: inserts size-1 dimensions at `axes` of the output (attribute before opset
/// 13, second input from 13). An alias: no copy. A new dimension 0 would displace the batch and
/// is refused.
enum Unsqueeze {
  static func axes(_ node: Node, _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    if ctx.opset >= 13 {
      try ctx.arity(node, inputs: 2...2)
      try ctx.attributes(node, allowed: [])
      let c = try ctx.constantInput(node, 1, "axes")
      guard let a = c.integers else { throw ctx.fail(.malformed, node, "axes must be integers") }
      return a
    }
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["axes"])
    guard let a = try ctx.ints(node, "axes") else { throw ctx.fail(.malformed, node, "attribute 'axes' is required") }
    return a
  }

  static func unsqueezed(_ full: [Int], axes: [Int], node: Node, ctx: LoweringContext, batched: Bool) throws(TrigRTError) -> [Int] {
    let rank = full.count + axes.count
    var insert = Set<Int>()
    for a in axes {
      let n = try ctx.axis(node, a, rank: rank)
      guard insert.insert(n).inserted else { throw ctx.fail(.malformed, node, "axis \(a) is listed twice") }
    }
    if batched && insert.contains(0) { throw ctx.fail(.unsupported, node, "a new axis 0 would displace the batch dimension") }
    var out: [Int] = []
    var it = full.makeIterator()
    for i in 0..<rank { out.append(insert.contains(i) ? 1 : it.next()!) }
    return out
  }

  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let a = try axes(node, ctx)
    let x = try ctx.batchedInput(node, 0, "data")
    let out = try unsqueezed([1] + ctx.values[x].shape, axes: a, node: node, ctx: ctx, batched: true)
    try ctx.alias(node, of: x, shape: Array(out.dropFirst()))
  }

  static func foldedDims(_ node: Node, _ dims: [Int], _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    try unsqueezed(dims, axes: try axes(node, ctx), node: node, ctx: ctx, batched: false)
  }
}
