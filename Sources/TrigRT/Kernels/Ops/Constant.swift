/// ONNX `Constant`: a constant value from one of its attributes. Never a layer.
enum ConstantOp {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 0...0)
    try ctx.attributes(node, allowed: ["value", "value_float", "value_floats", "value_int", "value_ints"])
    guard node.attributes.count == 1, let (name, a) = node.attributes.first else {
      throw ctx.fail(.malformed, node, "needs exactly one value attribute (value, value_float(s), value_int(s))")
    }
    let c: Constant
    switch (name, a) {
    case ("value", .tensor(let t)): c = t
    case ("value_float", .float(let f)): c = Constant(dims: [], dataType: .float, values: [Double(f)])
    case ("value_floats", .floats(let f)): c = Constant(dims: [f.count], dataType: .float, values: f.map { Double($0) })
    case ("value_int", .int(let i)): c = Constant(dims: [], dataType: .int64, values: [Double(i)])
    case ("value_ints", .ints(let i)): c = Constant(dims: [i.count], dataType: .int64, values: i.map { Double($0) })
    default: throw ctx.fail(.malformed, node, "attribute '\(name)' has type \(a.typeName)")
    }
    try ctx.constant(node, c)
  }
}
