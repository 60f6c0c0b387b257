/// ONNX `AveragePool` and `GlobalAveragePool` over NCW / NCHW, float32. Lowers to a Pool layer
/// (Kernels/ConvKernels.swift). hls4ml counterpart: `nnet::pooling1d_cl` / `pooling2d_cl`
/// (average).
///
/// The divisor of a window, as ONNX Runtime computes it: with count_include_pad = 0 the number
/// of its input elements; with count_include_pad = 1 the number of its positions inside the
/// padded input (so with ceil_mode a window reaching past the end padding counts only the
/// positions up to it).
///
/// Supported: kernel_shape, strides, pads (asymmetric, smaller than the kernel),
/// count_include_pad, ceil_mode (opset ≥ 10), dilations (opset ≥ 19), auto_pad (SAME with
/// dilation 1). Refused: 3-D and higher pooling, windows that hold only padding.
enum AveragePool {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try Pooling.since(node, ctx, ["ceil_mode": 10, "dilations": 19])
    try ctx.attributes(node, allowed: ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
    let include = try ctx.int(node, "count_include_pad", default: 0)
    guard include == 0 || include == 1 else { throw ctx.fail(.malformed, node, "count_include_pad \(include) must be 0 or 1") }
    try Pooling.lower(node, .average(countIncludePad: include == 1), &ctx)
  }
}

/// ONNX `GlobalAveragePool`: the mean of each channel over all spatial elements (any spatial rank).
enum GlobalAveragePool {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try Pooling.lowerGlobal(node, .average(countIncludePad: false), &ctx)
  }
}
