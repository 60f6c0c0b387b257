/// ONNX `Identity`: an alias of its input (no copy, no layer).
enum Identity {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    let x = try ctx.batchedInput(node, 0, "input")
    try ctx.alias(node, of: x, shape: ctx.values[x].shape)
  }
}
