/// ONNX `MatMul` with a run-time A of shape [N, …, K] and a constant 2-D B of shape [K, M].
/// Lowers to a Dense layer with one row per leading index. hls4ml counterpart: `nnet::dense`
/// (`Dense_MatMul_k`).
enum MatMul {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 2...2)
    try ctx.attributes(node, allowed: [])
    let a = try ctx.input(node, 0, "A")
    guard ctx.values[a].isBatched else { throw ctx.fail(.unsupported, node, "A is a constant; trigrt supports MatMul with a run-time A and constant B") }
    let b = try ctx.constantInput(node, 1, "B")
    let sa = ctx.values[a].shape
    guard !sa.isEmpty else { throw ctx.fail(.shape, node, "A is \(ctx.describe(a)); MatMul needs at least [N, K]") }
    guard b.dims.count == 2 else {
      throw ctx.fail(.unsupported, node, "B has shape \(b.dims); trigrt supports a 2-D constant B")
    }
    let k = sa[sa.count - 1], m = b.dims[1]
    guard b.dims[0] == k else { throw ctx.fail(.shape, node, "A is \(ctx.describe(a)) but B is \(b.dims): inner dimensions differ") }
    let rows = Shapes.count(Array(sa.dropLast()))
    let w = b.values.map { Float($0) }
    var spec = DenseSpec(inFeatures: k, outFeatures: m, rowsPerSample: rows, weights: w, bias: nil, activation: .identity)
    spec.weightFormat = b.quantFormat
    try ctx.layer(node, .dense(spec), inputs: [a], outputShape: Array(sa.dropLast()) + [m])
  }
}
