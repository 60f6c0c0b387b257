/// ONNX `Reshape` with a constant shape. An alias: no copy. With a run-time input, dimension 0
/// of the target shape must stand for the batch: 0 (copy), −1, or 1 as batch-1 exports write it;
/// the remaining dimensions describe one sample.
enum Reshape {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 2...2)
    try ctx.attributes(node, allowed: ["allowzero"])
    let x = try ctx.batchedInput(node, 0, "data")
    let spec = try target(node, ctx)
    let allowZero = try ctx.int(node, "allowzero", default: 0) != 0
    let sample = ctx.values[x].shape
    guard let first = spec.first else {
      throw ctx.fail(.unsupported, node, "reshape of \(ctx.describe(x)) to a scalar removes the batch dimension")
    }
    guard first == 0 || first == -1 || first == 1 else {
      throw ctx.fail(.unsupported, node, "target shape \(spec) fixes dimension 0 to \(first); trigrt keeps dimension 0 as the batch (use 0, -1 or 1 there)")
    }
    var rest = Array(spec.dropFirst())
    if !allowZero {
      for (i, d) in rest.enumerated() where d == 0 {
        guard i < sample.count else { throw ctx.fail(.shape, node, "target shape \(spec) copies dimension \(i + 1), which \(ctx.describe(x)) does not have") }
        rest[i] = sample[i]
      }
    }
    let count = Shapes.count(sample)
    if first == -1 && rest.contains(-1) {
      throw ctx.fail(.shape, node, "target shape \(spec) has two -1 dimensions")
    }
    let out = try resolve(rest, count: count, node: node, ctx: ctx, input: x)
    try ctx.alias(node, of: x, shape: out)
  }

  static func target(_ node: Node, _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    let c = try ctx.constantInput(node, 1, "shape")
    guard c.dims.count == 1, let spec = c.integers else {
      throw ctx.fail(.malformed, node, "shape must be a 1-D integer tensor, has dims \(c.dims)")
    }
    return spec
  }

  /// Replaces one −1 so that the product is `count`.
  static func resolve(_ dims: [Int], count: Int, node: Node, ctx: LoweringContext, input: Int?) throws(TrigRTError) -> [Int] {
    var out = dims
    let what = input.map { ctx.describe($0) } ?? "the constant"
    let unknown = dims.indices.filter { dims[$0] == -1 }
    guard unknown.count <= 1, dims.allSatisfy({ $0 >= -1 }) else {
      throw ctx.fail(.shape, node, "target shape \(dims) is invalid (at most one -1, no other negative dimension)")
    }
    // The file's dimensions can multiply past Int (fuzz_load_float: [-1, 2^63-1, 3]).
    guard let known = Shapes.checkedCount(dims.filter { $0 != -1 }) else {
      throw ctx.fail(.shape, node, "cannot reshape \(what) (\(count) elements per sample) to \(dims): more than 2^31 elements")
    }
    if let u = unknown.first {
      guard known > 0, count % known == 0 else { throw ctx.fail(.shape, node, "cannot reshape \(what) (\(count) elements per sample) to \(dims)") }
      out[u] = count / known
    } else if known != count {
      throw ctx.fail(.shape, node, "cannot reshape \(what) (\(count) elements per sample) to \(dims)")
    }
    return out
  }

  static func foldedDims(_ node: Node, _ dims: [Int], _ ctx: LoweringContext) throws(TrigRTError) -> [Int] {
    var spec = try target(node, ctx)
    if try ctx.int(node, "allowzero", default: 0) == 0 {
      for (i, d) in spec.enumerated() where d == 0 && i < dims.count { spec[i] = dims[i] }
    }
    return try resolve(spec, count: Shapes.count(dims), node: node, ctx: ctx, input: nil)
  }
}
