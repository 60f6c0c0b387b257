/// ONNX `Gather`. Three forms: both inputs constant (folded at load); run-time data with
/// constant indices along a non-batch axis (a table of source positions, GatherKernel); constant
/// data with run-time indices along axis 0 (an embedding lookup, EmbeddingKernel: the indices
/// arrive as float values, e.g. from an int64 graph input). Constant indices out of range are
/// refused; run-time ones give a row of zeros.
enum Gather {
  static func indices(_ node: Node, _ c: Constant, size: Int, _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    guard let idx = c.integers else { throw ctx.fail(.malformed, node, "indices must be integers") }
    return try idx.map { i throws(TrigRTError) in
      guard i >= -size, i < size else { throw ctx.fail(.shape, node, "index \(i) is out of range for an axis of size \(size)") }
      return i < 0 ? i + size : i
    }
  }

  /// Source offsets of a gather along `axis` of `dims` (row-major).
  static func sources(dims: [Int], axis: Int, idx: [Int]) -> [Int] {
    let outer = Shapes.count(Array(dims[..<axis])), inner = Shapes.count(Array(dims[(axis + 1)...])), d = dims[axis]
    var src: [Int] = []
    src.reserveCapacity(outer * idx.count * inner)
    for o in 0..<outer { for j in idx { for k in 0..<inner { src.append((o * d + j) * inner + k) } } }
    return src
  }

  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 2...2)
    try ctx.attributes(node, allowed: ["axis"])
    let data = try ctx.input(node, 0, "data"), ind = try ctx.input(node, 1, "indices")
    let vd = ctx.values[data], vi = ctx.values[ind]
    if vd.isBatched, let c = vi.constant {
      let full = [1] + vd.shape
      let axis = try ctx.axis(node, try ctx.int(node, "axis", default: 0), rank: full.count)
      guard axis >= 1 else { throw ctx.fail(.unsupported, node, "gathering along the batch axis 0 of \(ctx.describe(data)) is not supported") }
      let a = axis - 1
      let idx = try indices(node, c, size: vd.shape[a], ctx)
      let out = Array(vd.shape[..<a]) + c.dims + Array(vd.shape[(a + 1)...])
      try ctx.checkSize(node, out)
      try ctx.checkTable(node, "the gather table (one source per output element of \(out))", elements: Shapes.count(out))
      let src = sources(dims: vd.shape, axis: a, idx: idx)
      try ctx.layer(node, .gather(GatherSpec(inCount: vd.count, source: src.map { Int32($0) })), inputs: [data], outputShape: out)
    } else if let t = vd.constant, vi.isBatched {
      guard t.dims.count >= 1 else { throw ctx.fail(.shape, node, "data is a scalar") }
      let axis = try ctx.axis(node, try ctx.int(node, "axis", default: 0), rank: t.dims.count)
      guard axis == 0 else {
        throw ctx.fail(.unsupported, node, "with run-time indices trigrt gathers along axis 0 of the constant data (an embedding lookup), not axis \(axis)")
      }
      let rowSize = Shapes.count(Array(t.dims.dropFirst()))
      try ctx.layer(node, .embedding(EmbeddingSpec(rows: t.dims[0], rowSize: rowSize, indices: vi.count, table: t.values.map { Float($0) })),
                    inputs: [ind], outputShape: vi.shape + Array(t.dims.dropFirst()))
    } else {
      throw ctx.fail(.unsupported, node, "data \(ctx.describe(data)) and indices \(ctx.describe(ind)) are both run-time tensors; trigrt gathers with constant indices or from constant data")
    }
  }

  static func fold(_ node: Node, _ data: Constant, _ ind: Constant, _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    try ctx.arity(node, inputs: 2...2)
    try ctx.attributes(node, allowed: ["axis"])
    guard data.dims.count >= 1 else { throw ctx.fail(.shape, node, "data is a scalar") }
    let axis = try ctx.axis(node, try ctx.int(node, "axis", default: 0), rank: data.dims.count)
    let idx = try indices(node, ind, size: data.dims[axis], ctx)
    // Many indices make the result larger than data: check before computing.
    try ctx.checkFoldedShape(node, Array(data.dims[..<axis]) + ind.dims + Array(data.dims[(axis + 1)...]))
    let src = sources(dims: data.dims, axis: axis, idx: idx)
    var out = Constant(dims: Array(data.dims[..<axis]) + ind.dims + Array(data.dims[(axis + 1)...]), dataType: data.dataType,
                       values: src.map { data.values[$0] })
    out.quantFormat = data.quantFormat
    return out
  }
}
