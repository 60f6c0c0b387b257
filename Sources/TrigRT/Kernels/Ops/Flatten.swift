/// ONNX `Flatten`: [d0, …, d(a−1), da, …] → [d0·…·d(a−1), da·…]. With a run-time input the
/// leading part must be the batch alone (axis 1, or only size-1 dimensions before the axis).
/// An alias: no copy. hls4ml counterpart: `Flatten` (a no-op, channels-last).
enum Flatten {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["axis"])
    let x = try ctx.batchedInput(node, 0, "input")
    let shape = ctx.values[x].shape
    let rank = shape.count + 1
    var axis = try ctx.int(node, "axis", default: 1)
    if axis < 0 { axis += rank }
    guard axis >= 0, axis <= rank else { throw ctx.fail(.malformed, node, "axis \(axis) is out of range for rank \(rank)") }
    guard axis >= 1, Shapes.count(Array(shape[..<(axis - 1)])) == 1 else {
      throw ctx.fail(.unsupported, node, "axis \(axis) merges the batch dimension of \(ctx.describe(x)) with others")
    }
    try ctx.alias(node, of: x, shape: [Shapes.count(Array(shape[(axis - 1)...]))])
  }

  static func foldedDims(_ node: Node, _ dims: [Int], _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    var axis = try ctx.int(node, "axis", default: 1)
    if axis < 0 { axis += dims.count }
    guard axis >= 0, axis <= dims.count else { throw ctx.fail(.malformed, node, "axis \(axis) is out of range for rank \(dims.count)") }
    return [Shapes.count(Array(dims[..<axis])), Shapes.count(Array(dims[axis...]))]
  }
}
