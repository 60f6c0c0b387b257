/// qonnx's channels-last ops (domain `qonnx.custom_op.channels_last`), which
/// `ConvertToChannelsLastAndClean` writes into the graph it hands hls4ml: `Conv`, `MaxPool` and
/// `BatchNormalization` with a channels-last input [N, (H,) W, C] (and a Conv weight stored
/// [F, (kH,) kW, C]), same attributes as the ONNX op; and `AveragePool`, which qonnx 1.0.0 does
/// not convert but hls4ml's ONNX frontend reads in that domain (firmware-sim's preprocessing
/// moves it through qonnx's MaxPool rule, HLS4ML-FRONTEND.md §9a). In float mode each runs as Transpose to channels-first → the ONNX
/// op → Transpose back (the weight is transposed into ONNX's layout at load), so trigrt runs the
/// cleaned model and computes what the original export computes. Fixed mode reads these nodes in
/// Fixed/HLSConv.swift.
enum ChannelsLast {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    guard ["Conv", "MaxPool", "AveragePool", "BatchNormalization"].contains(node.opType) else {
      throw ctx.fail(.unsupported, node, "the channels-last \(node.opType) of qonnx is not supported (Conv, MaxPool, AveragePool and BatchNormalization are)")
    }
    guard node.outputs.count == 1, !node.outputs[0].isEmpty else { throw ctx.fail(.malformed, node, "needs one output") }
    let x = try ctx.batchedInput(node, 0, "X")
    let r = ctx.values[x].shape.count
    guard r == 2 || r == 3 || node.opType == "BatchNormalization" && r >= 2 else {
      throw ctx.fail(.shape, node, "X is \(ctx.describe(x)); a channels-last \(node.opType) needs [N, W, C] or [N, H, W, C]")
    }
    let out = node.outputs[0]
    let first = "\(out)/channels_first_in", firstOut = "\(out)/channels_first_out"
    var ins = node.inputs
    ins[0] = first
    if node.opType == "Conv", ins.count >= 2, !ins[1].isEmpty {
      let w = try ctx.constantInput(node, 1, "W")
      guard w.dims.count == r + 1 else { throw ctx.fail(.shape, node, "W has shape \(w.dims) for X \(ctx.describe(x))") }
      // [F, (kH,) kW, C] → [F, C, (kH,) kW]
      let f = w.dims[0], c = w.dims[r], k = w.count / max(f * c, 1)
      var v = [Double](repeating: 0, count: w.count)
      for o in 0..<f { for j in 0..<k { for ch in 0..<c { v[(o * c + ch) * k + j] = w.values[(o * k + j) * c + ch] } } }
      let name = "\(out)/channels_first_W"
      let cw = Constant(dims: [f, c] + Array(w.dims[1..<r]), dataType: w.dataType, values: v)
      ctx.byName[name] = ctx.add(Value(name: name, shape: cw.dims, isBatched: false, constant: cw, aliasOf: nil))
      ins[1] = name
    }
    let toFirst = Node(name: "\(node.name)/to_channels_first", opType: "Transpose", domain: "", inputs: [node.inputs[0]], outputs: [first],
                       attributes: ["perm": .ints([0, r] + Array(1..<r))], index: node.index)
    let op = Node(name: node.name, opType: node.opType, domain: "", inputs: ins, outputs: [firstOut], attributes: node.attributes, index: node.index)
    let toLast = Node(name: "\(node.name)/to_channels_last", opType: "Transpose", domain: "", inputs: [firstOut], outputs: [out],
                      attributes: ["perm": .ints([0] + Array(2...r) + [1])], index: node.index)
    try Transpose.lower(toFirst, &ctx)
    switch node.opType {
    case "Conv": try Conv.lower(op, &ctx)
    case "MaxPool": try MaxPool.lower(op, &ctx)
    case "AveragePool": try AveragePool.lower(op, &ctx)
    default: try BatchNormalization.lower(op, &ctx)
    }
    try Transpose.lower(toLast, &ctx)
  }
}
