/// ONNX `Squeeze`: removes size-1 dimensions (axes from the attribute before opset 13, from the
/// optional second input from opset 13). An alias: no copy. The batch dimension is never removed.
enum Squeeze {
  static func axes(_ node: Node, _ ctx: LoweringContext) throws(TrigRTError) -> [Int]? {
    if ctx.opset >= 13 {
      try ctx.arity(node, inputs: 1...2)
      try ctx.attributes(node, allowed: [])
      guard let c = try ctx.optionalConstantInput(node, 1, "axes") else { return nil }
      guard let a = c.integers else { throw ctx.fail(.malformed, node, "axes must be integers") }
      return a
    }
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["axes"])
    return try ctx.ints(node, "axes")
  }

  static func squeezed(_ full: [Int], axes: [Int]?, node: Node, ctx: LoweringContext, batched: Bool) throws(TrigRTError) -> [Int] {
    guard let axes else {
      // No axes: every size-1 dimension goes, except the batch.
      return full.enumerated().filter { (i, d) in d != 1 || (batched && i == 0) }.map(\.1)
    }
    var drop = Set<Int>()
    for a in axes {
      let n = try ctx.axis(node, a, rank: full.count)
      if batched && n == 0 { throw ctx.fail(.unsupported, node, "squeezing axis 0 removes the batch dimension") }
      guard full[n] == 1 else { throw ctx.fail(.shape, node, "axis \(a) has size \(full[n]), not 1") }
      drop.insert(n)
    }
    return full.enumerated().filter { !drop.contains($0.0) }.map(\.1)
  }

  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let a = try axes(node, ctx)
    let x = try ctx.batchedInput(node, 0, "data")
    let full = [1] + ctx.values[x].shape
    let out = try squeezed(full, axes: a, node: node, ctx: ctx, batched: true)
    try ctx.alias(node, of: x, shape: Array(out.dropFirst()))
  }

  static func foldedDims(_ node: Node, _ dims: [Int], _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    try squeezed(dims, axes: try axes(node, ctx), node: node, ctx: ctx, batched: false)
  }
}
