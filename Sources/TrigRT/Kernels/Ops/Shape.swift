/// ONNX `Shape` (with opset 15's `start` / `end`): always folded at load into an int64
/// constant, so shape arithmetic (Gather → Unsqueeze → Concat → Reshape, as exporters write a
/// flatten) folds with it. On a run-time tensor the batch dimension reads as 1, which trigrt's
/// Reshape takes as the batch.
enum ShapeOp {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ctx.opset >= 15 ? ["start", "end"] : [])
    let x = try ctx.input(node, 0, "data")
    let v = ctx.values[x]
    let full = v.isBatched ? [1] + v.shape : v.shape
    let r = full.count
    var s = try ctx.int(node, "start", default: 0), e = try ctx.int(node, "end", default: r)
    if s < 0 { s += r }
    if e < 0 { e += r }
    s = min(max(s, 0), r)
    e = min(max(e, 0), r)
    let dims = e > s ? Array(full[s..<e]) : []
    try ctx.constant(node, Constant(dims: [dims.count], dataType: .int64, values: dims.map(Double.init)))
    ctx.folded.insert(node.index)
  }
}
