/// ONNX `Max` and `Min` (element-wise, numpy broadcasting, one or more inputs): clipped ReLUs as
/// Keras/QKeras exports write them (Max(x, 0), Min(x, 6)). Constant inputs are combined at load;
/// the rest become a chain of two-operand layers (MinMaxKernel, NaN-propagating as ONNX
/// Runtime). One input is an alias. Fixed mode refuses them for now.
enum MinMax {
  static func lower(isMax: Bool, _ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...64)
    try ctx.attributes(node, allowed: [])
    var ids: [Int] = []
    var constant: Constant? = nil
    for i in 0..<node.inputs.count {
      let id = try ctx.input(node, i, "data_\(i)")
      if let c = ctx.values[id].constant {
        if let k = constant {
          guard let r = combine(isMax, k, c) else { throw ctx.fail(.shape, node, "cannot broadcast constants \(k.dims) and \(c.dims)") }
          constant = r
        } else { constant = c }
      } else { ids.append(id) }
    }
    if ids.count == 1 && constant == nil {
      try ctx.alias(node, of: ids[0], shape: ctx.values[ids[0]].shape)
      return
    }
    if let c = constant {
      ids.append(ctx.add(Value(name: "\(node.outputs[0]) (constant operand)", shape: c.dims, isBatched: false, constant: c, aliasOf: nil)))
    }
    var acc = ids[0]
    for (k, b) in ids.dropFirst().enumerated() {
      let shape = try broadcast(node, acc, b, ctx)
      let spec = MinMaxSpec(isMax: isMax, shape: shape)
      if k == ids.count - 2 {
        try ctx.layer(node, .minMax(spec), inputs: [acc, b], outputShape: shape)
      } else {
        try ctx.checkSize(node, shape)
        let v = ctx.add(Value(name: "\(node.outputs[0]) (step \(k))", shape: shape, isBatched: true, constant: nil, aliasOf: nil))
        ctx.layers.append(Layer(name: node.name.isEmpty ? "#\(node.index)" : node.name, opTypes: [node.opType], op: .minMax(spec),
                                inputs: [acc, b], output: v, nodeIndex: node.index))
        acc = v
      }
    }
  }

  /// The per-sample output shape of a two-operand broadcast, with Arithmetic's rules.
  static func broadcast(_ node: Node, _ a: Int, _ b: Int, _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    let va = ctx.values[a], vb = ctx.values[b]
    if va.isBatched && vb.isBatched && va.shape.count != vb.shape.count {
      throw ctx.fail(.unsupported, node, "operands \(ctx.describe(a)) and \(ctx.describe(b)) have different ranks; broadcasting two run-time tensors needs equal ranks")
    }
    for (id, v, other) in [(a, va, vb), (b, vb, va)] where !v.isBatched && other.isBatched {
      if v.shape.count > other.shape.count + 1 || (v.shape.count == other.shape.count + 1 && v.shape.first != 1) {
        throw ctx.fail(.unsupported, node, "constant \(ctx.describe(id)) spans the batch dimension; only constants that broadcast over the batch are supported")
      }
    }
    guard let full = Shapes.broadcast(Shapes.full(va), Shapes.full(vb)), full.first == 1 else {
      throw ctx.fail(.shape, node, "cannot broadcast \(ctx.describe(a)) with \(ctx.describe(b))")
    }
    return Array(full.dropFirst())
  }

  static func combine(_ isMax: Bool, _ x: Constant, _ y: Constant) -> Constant? {
    guard let out = Shapes.broadcast(x.dims, y.dims) else { return nil }
    let sx = Shapes.broadcastStrides(x.dims, outShape: out), sy = Shapes.broadcastStrides(y.dims, outShape: out)
    let n = Shapes.count(out)
    var values = [Double](repeating: 0, count: n)
    for i in 0..<n {
      var rem = i, ix = 0, iy = 0
      for d in stride(from: out.count - 1, through: 0, by: -1) {
        let c = rem % out[d]; rem /= out[d]
        ix += c * sx[d]; iy += c * sy[d]
      }
      let p = x.values[ix], q = y.values[iy]
      values[i] = p.isNaN || q.isNaN ? .nan : (isMax ? max(p, q) : min(p, q))
    }
    return Constant(dims: out, dataType: x.dataType, values: values)
  }

  static func fold(isMax: Bool, _ node: Node, _ cs: [Constant], _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    try ctx.arity(node, inputs: 1...64)
    var acc = cs[0]
    for c in cs.dropFirst() {
      // Broadcasting can make the result far larger than both operands: check before computing.
      if let shape = Shapes.broadcast(acc.dims, c.dims) { try ctx.checkFoldedShape(node, shape) }
      guard let r = combine(isMax, acc, c) else { throw ctx.fail(.shape, node, "cannot broadcast constants \(acc.dims) and \(c.dims)") }
      acc = r
    }
    return acc
  }
}

enum Max { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try MinMax.lower(isMax: true, n, &c) } }
enum Min { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try MinMax.lower(isMax: false, n, &c) } }
