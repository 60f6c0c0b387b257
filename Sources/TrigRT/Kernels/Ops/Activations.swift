import Glibc
/// ONNX `Relu`, `LeakyRelu`, `Sigmoid`, `Tanh`, `Clip`: element-wise activations. When they
/// follow a Dense layer the planner fuses them into its epilogue; otherwise they run as their own
/// layer (Kernels/Elementwise.swift). hls4ml counterparts: `nnet::relu`, `leaky_relu`,
/// `sigmoid`, `tanh`, `relu6` / clip.

enum Relu {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try ActivationOp.lower(node, .relu, &ctx)
  }
}

enum LeakyRelu {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: ["alpha"])
    try ActivationOp.lower(node, .leakyRelu(alpha: try ctx.float(node, "alpha", default: 0.01)), &ctx)
  }
}

enum Sigmoid {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try ActivationOp.lower(node, .sigmoid, &ctx)
  }
}

enum Tanh {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...1)
    try ctx.attributes(node, allowed: [])
    try ActivationOp.lower(node, .tanh, &ctx)
  }
}

/// Opset ≥ 11: bounds are optional scalar inputs (min, max).
enum Clip {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 1...3)
    try ctx.attributes(node, allowed: [])
    func bound(_ i: Int, _ role: String, _ d: Float) throws(TrigRTError) -> Float {
      guard let c = try ctx.optionalConstantInput(node, i, role) else { return d }
      guard c.count == 1 else { throw ctx.fail(.malformed, node, "\(role) must be a scalar, has shape \(c.dims)") }
      return Float(c.values[0])
    }
    let lo = try bound(1, "min", -.infinity), hi = try bound(2, "max", .infinity)
    try ActivationOp.lower(node, .clip(min: lo, max: hi), &ctx)
  }
}

enum ActivationOp {
  static func lower(_ node: Node, _ act: Activation, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let x = try ctx.batchedInput(node, 0, "X")
    try ctx.layer(node, .activation(act), inputs: [x], outputShape: ctx.values[x].shape)
  }

  /// Reference scalar definition, used for folding and as the test oracle of the SIMD kernels.
  static func apply(_ act: Activation, _ x: Float) -> Float {
    switch act {
    case .identity: return x
    case .relu: return x < 0 ? 0 : x
    case .leakyRelu(let a): return x < 0 ? a * x : x
    case .sigmoid: return 1 / (1 + expf(-x))
    case .tanh: return tanhf(x)
    case .clip(let lo, let hi): return x < lo ? lo : (x > hi ? hi : x)
    }
  }
}
