/// ONNX `MaxPool` and `GlobalMaxPool` over NCW / NCHW, float32. Lowers to a Pool layer
/// (Kernels/ConvKernels.swift); padded positions never win (they are skipped, as ONNX Runtime
/// skips them). hls4ml counterpart: `nnet::pooling1d_cl` / `pooling2d_cl` (max).
///
/// Supported: kernel_shape, strides, pads (asymmetric, smaller than the kernel), dilations and
/// ceil_mode (opset ≥ 10), auto_pad (SAME with dilation 1), storage_order (it only concerns the
/// Indices output). Refused: the Indices output, 3-D and higher pooling, windows that hold only
/// padding.
enum MaxPool {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1, outputs: 1...2)
    try Pooling.since(node, ctx, ["ceil_mode": 10, "dilations": 10])
    try ctx.attributes(node, allowed: ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"])
    if node.outputs.count == 2, !node.outputs[1].isEmpty {
      throw ctx.fail(.unsupported, node, "the Indices output ('\(node.outputs[1])') is not supported")
    }
    try Pooling.lower(node, .max, &ctx)
  }
}

/// ONNX `GlobalMaxPool`: the maximum of each channel over all spatial elements (any spatial rank).
enum GlobalMaxPool {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try Pooling.lowerGlobal(node, .max, &ctx)
  }
}

/// The lowering the four pooling ops share.
enum Pooling {
  /// Refuses attributes that the model's opset does not define yet for this op.
  static func since(_ node: Node, _ ctx: LoweringContext, _ opsets: [String: Int]) throws(TrigRTError) {
    for (name, v) in opsets.sorted(by: { $0.key < $1.key }) where ctx.opset < v && node.attributes[name] != nil {
      throw ctx.fail(.malformed, node, "attribute '\(name)' is not part of \(node.opType) before opset \(v) (the model imports opset \(ctx.opset))")
    }
  }

  static func lower(_ node: Node, _ kind: PoolKind, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let x = try ctx.batchedInput(node, 0, "X")
    let shape = ctx.values[x].shape
    guard shape.count == 2 || shape.count == 3 else {
      if shape.count > 3 {
        throw ctx.fail(.unsupported, node, "X is \(ctx.describe(x)): \(shape.count - 1)-D pooling is not supported (trigrt pools 1-D and 2-D)")
      }
      throw ctx.fail(.shape, node, "X is \(ctx.describe(x)); \(node.opType) needs [N, C, W] or [N, C, H, W]")
    }
    let rank = shape.count - 1
    guard let kernel = try ctx.ints(node, "kernel_shape") else { throw ctx.fail(.malformed, node, "attribute 'kernel_shape' is required") }
    guard kernel.count == rank else {
      throw ctx.fail(.malformed, node, "kernel_shape \(kernel) has \(kernel.count) values; X \(ctx.describe(x)) has \(rank) spatial dimension\(rank == 1 ? "" : "s")")
    }
    guard kernel.allSatisfy({ $0 >= 1 }) else { throw ctx.fail(.malformed, node, "kernel_shape \(kernel) must be positive") }
    let ceil = try ctx.int(node, "ceil_mode", default: 0)
    guard ceil == 0 || ceil == 1 else { throw ctx.fail(.malformed, node, "ceil_mode \(ceil) must be 0 or 1") }
    let axes = try Window.axes(node, ctx, input: Array(shape.dropFirst()), kernel: kernel, ceilMode: ceil == 1, pooling: true)
    let (ah, aw) = rank == 1 ? (Window.Axis.unit, axes[0]) : (axes[0], axes[1])
    let spec = PoolSpec(kind: kind, global: false, spatialRank: rank, channels: shape[0], inH: ah.input, inW: aw.input,
                        kernelH: ah.kernel, kernelW: aw.kernel, strideH: ah.stride, strideW: aw.stride,
                        dilationH: ah.dilation, dilationW: aw.dilation,
                        padTop: ah.padBegin, padLeft: aw.padBegin, padBottom: ah.padEnd, padRight: aw.padEnd,
                        outH: ah.output, outW: aw.output)
    let out = rank == 1 ? [shape[0], aw.output] : [shape[0], ah.output, aw.output]
    try ctx.layer(node, .pool(spec), inputs: [x], outputShape: out)
  }

  static func lowerGlobal(_ node: Node, _ kind: PoolKind, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let x = try ctx.batchedInput(node, 0, "X")
    let shape = ctx.values[x].shape
    guard shape.count >= 2 else {
      throw ctx.fail(.shape, node, "X is \(ctx.describe(x)); \(node.opType) needs [N, C, spatial…] with at least one spatial dimension")
    }
    let inner = Shapes.count(Array(shape.dropFirst()))
    let spec = PoolSpec(kind: kind, global: true, spatialRank: shape.count - 1, channels: shape[0], inH: 1, inW: inner,
                        kernelH: 1, kernelW: inner, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
                        padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outH: 1, outW: 1, inner: inner)
    try ctx.layer(node, .pool(spec), inputs: [x], outputShape: [shape[0]] + [Int](repeating: 1, count: shape.count - 1))
  }

  /// Reference: the plain loops in double, for tests.
  static func reference(_ s: PoolSpec, _ x: [Float]) -> [Float] {
    var y: [Float] = []
    let h = Window.Axis(input: s.inH, kernel: s.kernelH, stride: s.strideH, dilation: s.dilationH, padBegin: s.padTop, padEnd: s.padBottom, output: s.outH)
    let w = Window.Axis(input: s.inW, kernel: s.kernelW, stride: s.strideW, dilation: s.dilationW, padBegin: s.padLeft, padEnd: s.padRight, output: s.outW)
    for c in 0..<s.channels {
      for oy in 0..<s.outH {
        for ox in 0..<s.outW {
          var mx = -Float.infinity, sum = 0.0, n = 0
          for ky in h.valid(oy) {
            for kx in w.valid(ox) {
              let v = x[(c * s.inH + oy * s.strideH - s.padTop + ky * s.dilationH) * s.inW + ox * s.strideW - s.padLeft + kx * s.dilationW]
              mx = max(mx, v); sum += Double(v); n += 1
            }
          }
          switch s.kind {
          case .max: y.append(mx)
          case .average(let include): y.append(Float(sum / Double(include ? h.insidePadding(oy) * w.insidePadding(ox) : n)))
          }
        }
      }
    }
    return y
  }
}
