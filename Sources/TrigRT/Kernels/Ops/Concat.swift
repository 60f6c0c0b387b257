import FixedPoint
/// ONNX `Concat` of run-time tensors along a non-batch axis. hls4ml counterpart:
/// `nnet::concatenate`.
enum Concat {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...64)
    try ctx.attributes(node, allowed: ["axis"])
    guard node.attributes["axis"] != nil else { throw ctx.fail(.malformed, node, "attribute 'axis' is required") }
    var ids: [Int] = []
    for i in 0..<node.inputs.count {
      let id = try ctx.input(node, i, "input \(i)")
      guard ctx.values[id].isBatched else {
        throw ctx.fail(.unsupported, node, "input \(i) is a constant; trigrt concatenates run-time tensors only")
      }
      ids.append(id)
    }
    let first = ctx.values[ids[0]].shape
    let axis = try ctx.axis(node, try ctx.int(node, "axis", default: 0), rank: first.count + 1)
    guard axis >= 1 else { throw ctx.fail(.unsupported, node, "concatenation along the batch dimension (axis 0) is not supported") }
    let a = axis - 1
    var out = first
    out[a] = 0
    var blocks: [Int] = []
    for id in ids {
      let s = ctx.values[id].shape
      guard s.count == first.count, s.indices.allSatisfy({ $0 == a || s[$0] == first[$0] }) else {
        throw ctx.fail(.shape, node, "inputs \(ctx.describe(ids[0])) and \(ctx.describe(id)) differ outside axis \(axis)")
      }
      out[a] += s[a]
      blocks.append(Shapes.count(Array(s[a...])))
    }
    let outer = Shapes.count(Array(first[..<a]))
    try ctx.layer(node, .concat(ConcatSpec(blocks: blocks, outer: outer)), inputs: ids, outputShape: out)
  }

  static func fold(_ node: Node, _ cs: [Constant], _ ctx: LoweringContext) throws(TrigRTError) -> Constant {
    guard let first = cs.first?.dims else { throw ctx.fail(.malformed, node, "has no inputs") }
    guard !first.isEmpty else { throw ctx.fail(.shape, node, "input 0 is a scalar; Concat needs inputs of rank 1 or more") }
    let axis = try ctx.axis(node, try ctx.int(node, "axis", default: 0), rank: first.count)
    var out = first
    out[axis] = 0
    for c in cs {
      guard c.dims.count == first.count, c.dims.indices.allSatisfy({ $0 == axis || c.dims[$0] == first[$0] }) else {
        throw ctx.fail(.shape, node, "constant inputs \(first) and \(c.dims) differ outside axis \(axis)")
      }
      out[axis] += c.dims[axis]
    }
    let outer = Shapes.count(Array(first[..<axis]))
    var values: [Double] = []
    values.reserveCapacity(Shapes.count(out))
    for o in 0..<outer {
      for c in cs {
        let block = Shapes.count(Array(c.dims[axis...]))
        values.append(contentsOf: c.values[(o * block)..<((o + 1) * block)])
      }
    }
    return Constant(dims: out, dataType: cs[0].dataType, values: values)
  }
}

// MARK: - Fixed point (hls4ml nnet::concatenate)

/// Element copies, each converted into res_T (`res[ii] = data1[ii]`).
struct ConcatFixedStep {
  var inputs: UnsafePointer<Int32>
  var blocks: UnsafePointer<Int>
  var casts: UnsafePointer<FixedCast>
  var count: Int
  var outer: Int
  var y: Int32
  var outBlock: Int
  var stats: Int32
}

enum ConcatFixedKernel {
  static func run<O: FixedObserver>(_ s: ConcatFixedStep, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>?, _: O.Type) {
    if O.enabled, let st = stats {
      var o = StatsObserver(stats: st + Int(s.stats))
      body(s, slots, batch, &o)
    } else {
      var o = NoObserver()
      body(s, slots, batch, &o)
    }
  }

  @inline(__always)
  static func body<O: FixedObserver>(_ s: ConcatFixedStep, _ slots: Slots, _ batch: Int, _ o: inout O) {
    let y = raws(slots, s.y)
    for r in 0..<(batch &* s.outer) {
      var off = r &* s.outBlock
      for j in 0..<s.count {
        let blk = s.blocks[j]
        let src = UnsafePointer(raws(slots, s.inputs[j])) + r &* blk
        let c = s.casts + j
        for e in 0..<blk { y[off &+ e] = c.pointee.toResult(src[e], &o) }
        off &+= blk
      }
    }
  }
}
