/// ONNX `Gemm`: Y = alpha · A' · B' + beta · C, with A the run-time input (transA = 0) and B, C
/// constants. Lowers to a Dense layer (Kernels/Dense.swift). hls4ml counterpart: `nnet::dense`
/// (hls4ml itself first rewrites Gemm into MatMul + Add).
enum Gemm {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 2...3)
    try ctx.attributes(node, allowed: ["alpha", "beta", "transA", "transB"])
    let alpha = try ctx.float(node, "alpha", default: 1)
    let beta = try ctx.float(node, "beta", default: 1)
    let transA = try ctx.int(node, "transA", default: 0)
    let transB = try ctx.int(node, "transB", default: 0)
    let a = try ctx.input(node, 0, "A")
    guard ctx.values[a].isBatched else { throw ctx.fail(.unsupported, node, "A is a constant; trigrt supports Gemm with a run-time A and constant B") }
    guard transA == 0 else { throw ctx.fail(.unsupported, node, "transA = \(transA): A is the batched input, so it cannot be transposed") }
    guard ctx.values[a].shape.count == 1 else {
      throw ctx.fail(.shape, node, "A is \(ctx.describe(a)); Gemm takes a 2-D A")
    }
    let k = ctx.values[a].shape[0]
    let b = try ctx.constantInput(node, 1, "B")
    guard b.dims.count == 2 else { throw ctx.fail(.shape, node, "B has shape \(b.dims); Gemm takes a 2-D B") }
    let (bk, m) = transB != 0 ? (b.dims[1], b.dims[0]) : (b.dims[0], b.dims[1])
    guard bk == k else { throw ctx.fail(.shape, node, "A is \(ctx.describe(a)) but B' is [\(bk), \(m)]: inner dimensions differ") }
    var w = [Float](repeating: 0, count: k * m)
    for kk in 0..<k {
      for mm in 0..<m {
        let v = Float(transB != 0 ? b.values[mm * k + kk] : b.values[kk * m + mm])
        w[kk * m + mm] = alpha == 1 ? v : alpha * v
      }
    }
    var bias: [Float]? = nil
    if let c = try ctx.optionalConstantInput(node, 2, "C") {
      bias = try Gemm.biasVector(c, m: m, beta: beta, node: node, ctx: ctx)
    }
    var spec = DenseSpec(inFeatures: k, outFeatures: m, rowsPerSample: 1, weights: w, bias: bias, activation: .identity)
    spec.fromGemm = true
    spec.weightFormat = b.quantFormat
    if let c = try ctx.optionalConstantInput(node, 2, "C") { spec.biasFormat = c.quantFormat }
    spec.alpha = alpha
    spec.beta = beta
    try ctx.layer(node, .dense(spec), inputs: [a], outputShape: [m])
  }

  /// C broadcast to one row of M values: scalar, [M], [1, M] or [1, 1].
  static func biasVector(_ c: Constant, m: Int, beta: Float, node: Node, ctx: LoweringContext) throws(TrigRTError) -> [Float] {
    let d = c.dims.drop(while: { $0 == 1 && c.dims.count > 1 })
    let vals: [Float]
    if c.count == 1 {
      vals = [Float](repeating: Float(c.values[0]), count: m)
    } else if c.count == m, d.last == m, d.count <= 2, c.dims.count <= 2, (c.dims.count < 2 || c.dims[0] == 1) {
      vals = c.values.map { Float($0) }
    } else {
      throw ctx.fail(.unsupported, node, "C has shape \(c.dims); trigrt supports a bias that broadcasts over the batch (scalar, [\(m)] or [1, \(m)])")
    }
    return beta == 1 ? vals : vals.map { beta * $0 }
  }
}
