/// Evaluates a node whose inputs are all constants at load time (weights reshaped, transposed,
/// scaled, …). Returns nil for ops without a folding rule; those are then lowered normally and
/// report that they need a run-time input.
enum ConstantFolding {
  static func fold(_ kind: OpKind, _ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) -> Constant? {
    func const(_ i: Int) throws(TrigRTError) -> Constant { try ctx.constantInput(node, i, "input \(i)") }
    switch kind {
    case .identity, .dropout:
      return try const(0)
    case .reshape:
      var c = try const(0); c.dims = try Reshape.foldedDims(node, c.dims, ctx); return c
    case .flatten:
      var c = try const(0); c.dims = try Flatten.foldedDims(node, c.dims, ctx); return c
    case .squeeze:
      var c = try const(0); c.dims = try Squeeze.foldedDims(node, c.dims, ctx); return c
    case .unsqueeze:
      var c = try const(0); c.dims = try Unsqueeze.foldedDims(node, c.dims, ctx); return c
    case .add, .sub, .mul, .div:
      try ctx.arity(node, inputs: 2...2)
      guard let op = BinaryOp(rawValue: kind.rawValue) else { return nil }
      let a = try const(0), b = try const(1)
      guard let shape = Shapes.broadcast(a.dims, b.dims) else {
        throw ctx.fail(.shape, node, "cannot broadcast constants \(a.dims) and \(b.dims)")
      }
      // Broadcasting can make the result far larger than both inputs: check before computing.
      try ctx.checkFoldedShape(node, shape)
      guard let r = Arithmetic.fold(op, a, b) else {
        throw ctx.fail(.shape, node, "cannot broadcast constants \(a.dims) and \(b.dims)")
      }
      return r
    case .transpose:
      return try Transpose.fold(node, try const(0), ctx)
    case .pad:
      return try Pad.fold(node, try const(0), ctx)
    case .concat:
      var cs: [Constant] = []
      var n = 0
      for i in 0..<node.inputs.count {
        let c = try const(i)
        let (t, o) = n.addingReportingOverflow(c.count)
        guard !o else { throw ctx.fail(.limit, node, "folded result has more than 2^63 elements") }
        n = t
        cs.append(c)
      }
      try ctx.checkConstantBudget(node, adding: n)   // one input listed many times multiplies its size
      return try Concat.fold(node, cs, ctx)
    case .cast:
      return try Cast.fold(node, try const(0), ctx)
    case .gather:
      return try Gather.fold(node, try const(0), try const(1), ctx)
    case .reduceSum, .reduceMean, .reduceMax:
      let k: ReduceKind = kind == .reduceSum ? .sum : (kind == .reduceMean ? .mean : .max)
      return try Reduce.fold(k, node, try const(0), ctx)
    case .max, .min:
      var cs: [Constant] = []
      for i in 0..<node.inputs.count { cs.append(try const(i)) }
      return try MinMax.fold(isMax: kind == .max, node, cs, ctx)
    case .relu, .sigmoid, .tanh, .leakyRelu:
      var c = try const(0)
      let act: Activation
      switch kind {
      case .relu: act = .relu
      case .sigmoid: act = .sigmoid
      case .tanh: act = .tanh
      default: act = .leakyRelu(alpha: try ctx.float(node, "alpha", default: 0.01))
      }
      c.values = c.values.map { Double(ActivationOp.apply(act, Float($0))) }
      return c
    default:
      return nil
    }
  }
}
