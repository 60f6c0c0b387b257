/// ONNX `Dropout` in inference: an alias of its input. The optional mask output is a training
/// artefact and must be unused.
enum Dropout {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...3, outputs: 1...2)
    try ctx.attributes(node, allowed: ["seed", "ratio", "is_test"])
    if node.outputs.count == 2, !node.outputs[1].isEmpty {
      throw ctx.fail(.unsupported, node, "the mask output '\(node.outputs[1])' is used; trigrt runs Dropout in inference only")
    }
    if let t = try ctx.optionalConstantInput(node, 2, "training_mode"), t.values.first ?? 0 != 0 {
      throw ctx.fail(.unsupported, node, "training_mode is true; trigrt runs Dropout in inference only")
    }
    let x = try ctx.batchedInput(node, 0, "data")
    try ctx.alias(node, of: x, shape: ctx.values[x].shape)
  }
}
