/// ONNX `Cast`. Run-time values are float32 in trigrt, so a cast to float or double is an alias
/// (no copy); a cast to an integer type truncates toward zero and wraps into the type's range,
/// a cast to bool gives 0 or 1 (CastKernel). Constants are folded. Casts to float16, bfloat16,
/// strings and the float8 types are refused. hls4ml has no Cast layer (fixed mode refuses it).
enum Cast {
  static func target(_ node: Node, _ ctx: LoweringContext) throws(TrigRTError) -> DataType {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ctx.opset >= 19 ? ["to", "saturate"] : ["to"])
    guard node.attributes["to"] != nil else { throw ctx.fail(.malformed, node, "attribute 'to' is required") }
    let code = try ctx.int(node, "to", default: 0)
    guard let t = DataType(rawValue: Int32(truncatingIfNeeded: code)), t != .float16 else {
      throw ctx.fail(.unsupported, node, "cast to \(DataType.name(ofCode: Int32(truncatingIfNeeded: code))) is not supported (trigrt casts to float, double, bool and the integer types)")
    }
    return t
  }

  static func integerMode(_ t: DataType) -> CastSpec.Mode? {
    switch t {
    case .float, .double, .float16: return nil
    case .bool: return .bool
    case .int8: return .integer(bits: 8, signed: true)
    case .uint8: return .integer(bits: 8, signed: false)
    case .int16: return .integer(bits: 16, signed: true)
    case .uint16: return .integer(bits: 16, signed: false)
    case .int32: return .integer(bits: 32, signed: true)
    case .uint32: return .integer(bits: 32, signed: false)
    case .int64: return .integer(bits: 64, signed: true)
    case .uint64: return .integer(bits: 64, signed: false)
    }
  }

  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let t = try target(node, ctx)
    let x = try ctx.batchedInput(node, 0, "input")
    guard let mode = integerMode(t) else {
      try ctx.alias(node, of: x, shape: ctx.values[x].shape)
      return
    }
    if case .integer(let bits, false) = mode, bits == 64 {
      throw ctx.fail(.unsupported, node, "cast of a run-time tensor to uint64 is not supported")
    }
    try ctx.layer(node, .cast(CastSpec(mode: mode)), inputs: [x], outputShape: ctx.values[x].shape)
  }

  static func fold(_ node: Node, _ c: Constant, _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    let t = try target(node, ctx)
    var out = c
    out.dataType = t
    out.quantFormat = nil
    switch integerMode(t) {
    case nil:
      if t == .float { out.values = c.values.map { Double(Float($0)) } }
    case .bool?:
      out.values = c.values.map { $0 != 0 ? 1 : 0 }
    case .integer(let bits, let signed)?:
      out.values = try c.values.map { v throws(TrigRTError) in
        guard v.isFinite, v.magnitude < 9.0e18 else { throw ctx.fail(.unsupported, node, "constant \(v) does not fit the integer target") }
        var k = Int64(v.rounded(.towardZero))
        if bits < 64 {
          let m = Int64(1) << Int64(bits)
          k &= m &- 1
          if signed && k >= m >> 1 { k &-= m }
        }
        return Double(k)
      }
    }
    return out
  }
}
