/// ONNX `Pad` in constant mode with constant pads (opset < 11: the `pads` and `value`
/// attributes; opset ≥ 11: the `pads` and optional `constant_value` inputs; opset ≥ 18: the
/// optional `axes` input). Folded on constants; on a run-time tensor the batch axis must not be
/// padded, all-zero pads are an alias, and anything else runs as a Pad layer. A zero Pad that
/// only a Conv reads is folded into the Conv's own padding (Planner/Fusion.swift).
/// Refused: reflect / edge / wrap modes, negative pads (cropping), run-time pads or value.
enum Pad {
  /// (begin, end) per axis of the full tensor, and the padding value.
  static func parameters(_ node: Node, _ ctx: LoweringContext, rank: Int) throws(TrigRTError) -> (begin: [Int], end: [Int], value: Double) {
    let pads: [Int]
    var value = 0.0
    var axes = Array(0..<rank)
    if ctx.opset < 11 {
      try ctx.arity(node, inputs: 1...1)
      try ctx.attributes(node, allowed: ["mode", "pads", "value"])
      guard let p = try ctx.ints(node, "pads") else { throw ctx.fail(.malformed, node, "attribute 'pads' is required") }
      pads = p
      value = Double(try ctx.float(node, "value", default: 0))
    } else {
      try ctx.arity(node, inputs: 2...(ctx.opset >= 18 ? 4 : 3))
      try ctx.attributes(node, allowed: ["mode"])
      let c = try ctx.constantInput(node, 1, "pads")
      guard c.dims.count == 1, let p = c.integers else { throw ctx.fail(.malformed, node, "pads must be a 1-D integer tensor, has dims \(c.dims)") }
      pads = p
      if let v = try ctx.optionalConstantInput(node, 2, "constant_value") {
        guard v.count == 1 else { throw ctx.fail(.malformed, node, "constant_value must be a scalar, has shape \(v.dims)") }
        value = v.values[0]
      }
      if let a = try ctx.optionalConstantInput(node, 3, "axes") {
        guard a.dims.count == 1, let list = a.integers else { throw ctx.fail(.malformed, node, "axes must be a 1-D integer tensor") }
        var seen = Set<Int>()
        axes = []
        for v in list {
          let n = try ctx.axis(node, v, rank: rank)
          guard seen.insert(n).inserted else { throw ctx.fail(.malformed, node, "axis \(v) is listed twice") }
          axes.append(n)
        }
      }
    }
    let mode = try ctx.string(node, "mode", default: "constant")
    guard mode == "constant" else { throw ctx.fail(.unsupported, node, "mode '\(mode)' is not supported (trigrt pads with a constant)") }
    guard pads.count == 2 * axes.count else {
      throw ctx.fail(.malformed, node, "pads \(pads) has \(pads.count) values; \(2 * axes.count) expected (begin and end of each axis)")
    }
    if pads.contains(where: { $0 < 0 }) { throw ctx.fail(.unsupported, node, "negative pads \(pads) (cropping) are not supported") }
    if pads.contains(where: { $0 > 1 << 20 }) { throw ctx.fail(.malformed, node, "pads \(pads) are out of range") }
    var begin = [Int](repeating: 0, count: rank), end = [Int](repeating: 0, count: rank)
    for (i, a) in axes.enumerated() { begin[a] = pads[i]; end[a] = pads[axes.count + i] }
    return (begin, end, value)
  }

  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let x = try ctx.batchedInput(node, 0, "data")
    let shape = ctx.values[x].shape
    let (begin, end, value) = try parameters(node, ctx, rank: shape.count + 1)
    guard begin[0] == 0, end[0] == 0 else {
      throw ctx.fail(.unsupported, node, "pads the batch axis 0 of \(ctx.describe(x)); only per-sample axes may be padded")
    }
    let b = Array(begin.dropFirst()), e = Array(end.dropFirst())
    let out = shape.indices.map { shape[$0] + b[$0] + e[$0] }
    if b.allSatisfy({ $0 == 0 }) && e.allSatisfy({ $0 == 0 }) {
      try ctx.alias(node, of: x, shape: shape)
      return
    }
    try ctx.layer(node, .pad(PadSpec(inShape: shape, begin: b, end: e, value: Float(value))), inputs: [x], outputShape: out)
  }

  static func fold(_ node: Node, _ c: Constant, _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    let (begin, end, value) = try parameters(node, ctx, rank: c.dims.count)
    let out = c.dims.indices.map { c.dims[$0] + begin[$0] + end[$0] }
    try ctx.checkFoldedShape(node, out)   // padding makes the result larger than its input
    var values = [Double](repeating: value, count: Shapes.count(out))
    for i in 0..<c.count {
      var rem = i, o = 0, scale = 1
      for a in stride(from: c.dims.count - 1, through: 0, by: -1) {
        o += (rem % c.dims[a] + begin[a]) * scale
        rem /= c.dims[a]
        scale *= out[a]
      }
      values[o] = c.values[i]
    }
    return Constant(dims: out, dataType: c.dataType, values: values)
  }
}

/// Constant Pad of each sample: every output row (last axis) is either all padding or padding,
/// one input row, padding.
struct PadFloatStep {
  var x: Int32
  var y: Int32
  var inCount: Int
  var outCount: Int
  var rank: Int
  var outDims: UnsafePointer<Int>
  var inDims: UnsafePointer<Int>
  var begin: UnsafePointer<Int>
  var inStrides: UnsafePointer<Int>
  var value: Float

  init(_ p: PadSpec, x: Int32, y: Int32, store: ConstantStore) {
    let out = p.inShape.indices.map { p.inShape[$0] + p.begin[$0] + p.end[$0] }
    var strides = [Int](repeating: 1, count: p.inShape.count)
    var s = 1
    for a in stride(from: p.inShape.count - 1, through: 0, by: -1) { strides[a] = s; s *= p.inShape[a] }
    self.x = x
    self.y = y
    inCount = Shapes.count(p.inShape)
    outCount = Shapes.count(out)
    rank = p.inShape.count
    outDims = UnsafePointer(store.store(out))
    inDims = UnsafePointer(store.store(p.inShape))
    begin = UnsafePointer(store.store(p.begin))
    inStrides = UnsafePointer(store.store(strides))
    value = p.value
  }
}

enum PadKernel {
  static func run(_ s: PadFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let last = s.rank &- 1
    let outInner = s.outDims[last], inInner = s.inDims[last], lead = s.begin[last]
    let rows = s.outCount / outInner
    for n in 0..<batch {
      let src = x + n &* s.inCount
      var dst = y + n &* s.outCount
      for r in 0..<rows {
        // Outer coordinates of output row r; the row is padding if any falls outside the input.
        var rem = r, off = 0, inside = true
        var a = last &- 1
        while a >= 0 {
          let d = s.outDims[a]
          let c = rem % d &- s.begin[a]
          rem /= d
          if c < 0 || c >= s.inDims[a] { inside = false }
          off &+= c &* s.inStrides[a]
          a &-= 1
        }
        if inside {
          for j in 0..<lead { dst[j] = s.value }
          (dst + lead).update(from: src + off, count: inInner)
          for j in (lead &+ inInner)..<outInner { dst[j] = s.value }
        } else {
          dst.update(repeating: s.value, count: outInner)
        }
        dst += outInner
      }
    }
  }
}
