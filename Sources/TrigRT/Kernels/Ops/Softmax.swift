/// ONNX `Softmax`. Opset 13+: over one axis (default −1). Opsets 11–12: the input is coerced to
/// 2-D at `axis` (default 1) and softmax runs over everything from the axis on. hls4ml
/// counterpart: `nnet::softmax` (stable / latency / legacy / argmax in fixed mode).
enum Softmax {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["axis"])
    let x = try ctx.batchedInput(node, 0, "input")
    let shape = ctx.values[x].shape
    let rank = shape.count + 1
    let legacy = ctx.opset < 13
    let axis = try ctx.axis(node, try ctx.int(node, "axis", default: legacy ? 1 : -1), rank: rank)
    guard axis >= 1 else {
      throw ctx.fail(.unsupported, node, "softmax over the batch dimension (axis 0) is not supported")
    }
    let spec: SoftmaxSpec
    if legacy {
      spec = SoftmaxSpec(outer: Shapes.count(Array(shape[..<(axis - 1)])), axisSize: Shapes.count(Array(shape[(axis - 1)...])), inner: 1)
    } else {
      spec = SoftmaxSpec(outer: Shapes.count(Array(shape[..<(axis - 1)])), axisSize: shape[axis - 1],
                         inner: Shapes.count(Array(shape[axis...])))
    }
    try ctx.layer(node, .softmax(spec), inputs: [x], outputShape: shape)
  }
}
