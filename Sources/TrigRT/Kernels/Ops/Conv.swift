/// ONNX `Conv` (opsets 1 and 11 define the same attributes) over 1 or 2 spatial dimensions,
/// NCW / NCHW, with a constant weight W [M, C/group, kH(, kW)] and an optional constant bias B
/// [M]. Lowers to a Conv layer (Kernels/ConvKernels.swift: im2col into the plan's scratch
/// region, then a register-blocked SIMD16 product over output positions). A following bias Add,
/// per-channel Mul, BatchNormalization and activation are fused into it (Planner/Fusion.swift).
/// hls4ml counterpart: `nnet::conv_1d_cl` / `conv_2d_cl` (channels-last; fixed mode reads qonnx's
/// channels-last graph: Fixed/HLSConv.swift, Kernels/PoolFixed.swift, Kernels/Ops/ChannelsLast.swift).
///
/// Supported: kernel_shape (checked against W), strides, dilations, pads (asymmetric, ≥ 0),
/// auto_pad NOTSET / VALID / SAME_UPPER / SAME_LOWER (SAME with dilation 1, as ONNX Runtime),
/// any group that divides C and M (group = C is depthwise). Refused with the reason: 3-D and
/// higher convolutions, run-time weights or bias, negative pads, SAME with dilations.
enum Conv {
  static func lower(_ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    try ctx.arity(node, inputs: 2...3)
    try ctx.attributes(node, allowed: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
    let x = try ctx.batchedInput(node, 0, "X")
    let shape = ctx.values[x].shape
    guard shape.count == 2 || shape.count == 3 else {
      if shape.count > 3 {
        throw ctx.fail(.unsupported, node, "X is \(ctx.describe(x)): \(shape.count - 1)-D convolution is not supported (trigrt runs 1-D and 2-D Conv)")
      }
      throw ctx.fail(.shape, node, "X is \(ctx.describe(x)); Conv needs [N, C, W] or [N, C, H, W]")
    }
    let rank = shape.count - 1
    let c = shape[0]
    let w = try ctx.constantInput(node, 1, "W")
    guard w.dims.count == rank + 2 else {
      throw ctx.fail(.shape, node, "W has shape \(w.dims); a \(rank)-D Conv of X \(ctx.describe(x)) needs [M, C/group, \(rank == 1 ? "kW" : "kH, kW")]")
    }
    let m = w.dims[0]
    let kernel = Array(w.dims[2...])
    if let ks = try ctx.ints(node, "kernel_shape"), ks != kernel {
      throw ctx.fail(.shape, node, "kernel_shape \(ks) differs from the kernel dimensions \(kernel) of W \(w.dims)")
    }
    let group = try ctx.int(node, "group", default: 1)
    guard group >= 1 else { throw ctx.fail(.malformed, node, "group \(group) must be at least 1") }
    guard c % group == 0, m % group == 0 else {
      throw ctx.fail(.shape, node, "group \(group) does not divide the \(c) input channels and \(m) output channels")
    }
    guard w.dims[1] == c / group else {
      throw ctx.fail(.shape, node, "W has shape \(w.dims): dimension 1 must be C/group = \(c / group) for X \(ctx.describe(x)) and group \(group)")
    }
    guard m >= 1, kernel.allSatisfy({ $0 >= 1 }) else { throw ctx.fail(.shape, node, "W has an empty dimension: \(w.dims)") }
    var bias: [Float]? = nil
    if let b = try ctx.optionalConstantInput(node, 2, "B") {
      guard b.dims == [m] else { throw ctx.fail(.shape, node, "B has shape \(b.dims); expected [\(m)] (one bias per output channel)") }
      bias = b.values.map { Float($0) }
    }
    let axes = try Window.axes(node, ctx, input: Array(shape.dropFirst()), kernel: kernel, ceilMode: false, pooling: false)
    let (ah, aw) = rank == 1 ? (Window.Axis.unit, axes[0]) : (axes[0], axes[1])
    let spec = ConvSpec(spatialRank: rank, inChannels: c, outChannels: m, group: group, inH: ah.input, inW: aw.input,
                        kernelH: ah.kernel, kernelW: aw.kernel, strideH: ah.stride, strideW: aw.stride,
                        dilationH: ah.dilation, dilationW: aw.dilation,
                        padTop: ah.padBegin, padLeft: aw.padBegin, padBottom: ah.padEnd, padRight: aw.padEnd,
                        outH: ah.output, outW: aw.output, weights: w.values.map { Float($0) }, bias: bias, activation: .identity)
    let (macs, o) = (spec.outShape.reduce(1, *)).multipliedReportingOverflow(by: spec.kernelSize)
    guard !o, macs <= 1 << 40 else { throw ctx.fail(.unsupported, node, "needs more than 2^40 multiply-accumulates per sample") }
    // The kernel reads a zero-padded copy of each sample (Kernels/ConvKernels.swift).
    let padded = c * (ah.input + ah.padBegin + ah.padEnd) * (aw.input + aw.padBegin + aw.padEnd)
    guard padded <= ONNXReader.maxElements else {
      throw ctx.fail(.unsupported, node, "the padded input [\(c), \(ah.input + ah.padBegin + ah.padEnd), \(aw.input + aw.padBegin + aw.padEnd)] has more than 2^31 elements")
    }
    try ctx.layer(node, .conv(spec), inputs: [x], outputShape: spec.outShape)
  }

  /// Reference: the plain loop in double, for tests.
  static func reference(_ s: ConvSpec, _ x: [Float]) -> [Float] {
    let cg = s.inChannels / s.group, mg = s.outChannels / s.group
    var y = [Float](repeating: 0, count: s.outChannels * s.outH * s.outW)
    for m in 0..<s.outChannels {
      let g = m / mg
      for oy in 0..<s.outH {
        for ox in 0..<s.outW {
          var acc = Double(s.bias?[m] ?? 0)
          for ci in 0..<cg {
            for ky in 0..<s.kernelH {
              let iy = oy * s.strideH - s.padTop + ky * s.dilationH
              guard iy >= 0, iy < s.inH else { continue }
              for kx in 0..<s.kernelW {
                let ix = ox * s.strideW - s.padLeft + kx * s.dilationW
                guard ix >= 0, ix < s.inW else { continue }
                let wv = s.weights[((m * cg + ci) * s.kernelH + ky) * s.kernelW + kx]
                acc += Double(wv) * Double(x[((g * cg + ci) * s.inH + iy) * s.inW + ix])
              }
            }
          }
          y[(m * s.outH + oy) * s.outW + ox] = ActivationOp.apply(s.activation, Float(acc))
        }
      }
    }
    return y
  }
}

/// Sliding-window geometry shared by Conv and the pools: ONNX's strides, dilations, pads,
/// auto_pad and ceil_mode, resolved per spatial axis as ONNX Runtime resolves them.
enum Window {
  struct Axis: Equatable {
    var input: Int
    var kernel: Int
    var stride: Int
    var dilation: Int
    var padBegin: Int
    var padEnd: Int
    var output: Int

    /// The extra leading axis of a 1-D window (H = 1).
    static let unit = Axis(input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, output: 1)

    /// The span of the dilated kernel.
    var extent: Int { (kernel - 1) * dilation + 1 }
  }

  /// Resolves every spatial axis. `pooling` adds the pool rules of ONNX Runtime: pads smaller
  /// than the kernel, and no window without an input element.
  static func axes(_ node: Node, _ ctx: LoweringContext, input: [Int], kernel: [Int], ceilMode: Bool,
                   pooling: Bool) throws(TrigRTError) -> [Axis] {
    let r = input.count
    func list(_ name: String, _ d: Int, count: Int) throws(TrigRTError) -> [Int] {
      guard let v = try ctx.ints(node, name) else { return [Int](repeating: d, count: count) }
      guard v.count == count else {
        throw ctx.fail(.malformed, node, "\(name) \(v) has \(v.count) values; \(count) expected for \(r) spatial dimension\(r == 1 ? "" : "s")")
      }
      return v
    }
    let strides = try list("strides", 1, count: r)
    let dilations = try list("dilations", 1, count: r)
    for (name, v) in [("strides", strides), ("dilations", dilations)] where v.contains(where: { $0 < 1 }) {
      throw ctx.fail(.malformed, node, "\(name) \(v) must all be at least 1")
    }
    let autoPad = try ctx.string(node, "auto_pad", default: "NOTSET")
    guard ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) else {
      throw ctx.fail(.malformed, node, "auto_pad '\(autoPad)' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
    }
    let explicitPads = try ctx.ints(node, "pads")
    if let p = explicitPads {
      guard p.count == 2 * r else { throw ctx.fail(.malformed, node, "pads \(p) has \(p.count) values; \(2 * r) expected (begin and end of each spatial dimension)") }
      if p.contains(where: { $0 < 0 }) { throw ctx.fail(.unsupported, node, "negative pads \(p) (cropping) are not supported") }
      if autoPad != "NOTSET" && p.contains(where: { $0 != 0 }) {
        throw ctx.fail(.malformed, node, "pads \(p) and auto_pad \(autoPad) cannot be used together")
      }
    }
    if autoPad.hasPrefix("SAME"), dilations.contains(where: { $0 != 1 }) {
      throw ctx.fail(.unsupported, node, "auto_pad \(autoPad) with dilations \(dilations) is not supported (ONNX Runtime refuses it as well; give explicit pads)")
    }
    var out: [Axis] = []
    for i in 0..<r {
      var a = Axis(input: input[i], kernel: kernel[i], stride: strides[i], dilation: dilations[i], padBegin: 0, padEnd: 0, output: 0)
      guard a.kernel >= 1, a.kernel <= 1 << 20 else { throw ctx.fail(.malformed, node, "kernel dimension \(a.kernel) is out of range") }
      switch autoPad {
      case "NOTSET":
        if let p = explicitPads { a.padBegin = p[i]; a.padEnd = p[r + i] }
      case "VALID":
        break
      default:
        let target = (a.input + a.stride - 1) / a.stride
        let total = max(0, (target - 1) * a.stride + a.extent - a.input)
        a.padBegin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
        a.padEnd = total - a.padBegin
      }
      guard a.padBegin <= 1 << 20, a.padEnd <= 1 << 20, a.stride <= 1 << 20, a.dilation <= 1 << 20 else {
        throw ctx.fail(.malformed, node, "pads, strides or dilations out of range")
      }
      if pooling && (a.padBegin >= a.kernel || a.padEnd >= a.kernel) {
        throw ctx.fail(.unsupported, node, "pads [\(a.padBegin), \(a.padEnd)] of spatial dimension \(i) are not smaller than the kernel \(a.kernel) (ONNX Runtime requires pads smaller than the kernel)")
      }
      let span = a.input + a.padBegin + a.padEnd - a.extent
      guard span >= 0 else {
        throw ctx.fail(.shape, node, "the kernel spans \(a.extent) elements of spatial dimension \(i), more than the \(a.input + a.padBegin + a.padEnd) of the padded input \(input)")
      }
      a.output = (ceilMode ? (span + a.stride - 1) / a.stride : span / a.stride) + 1
      // ceil_mode: the last window must start inside the input or its leading padding.
      if ceilMode && (a.output - 1) * a.stride >= a.input + a.padBegin { a.output -= 1 }
      guard a.output <= ONNXReader.maxElements else {
        throw ctx.fail(.unsupported, node, "spatial dimension \(i) has \(a.output) outputs; more than 2^31 elements per sample")
      }
      if pooling {
        for o in 0..<a.output where a.valid(o).isEmpty {
          throw ctx.fail(.unsupported, node, "output \(o) of spatial dimension \(i) has a window without input elements (only padding)")
        }
      }
      out.append(a)
    }
    return out
  }
}

extension Window.Axis {
  /// Kernel taps j of output o that fall inside the input: 0 ≤ o·stride − padBegin + j·dilation < input.
  func valid(_ o: Int) -> Range<Int> {
    let start = o * stride - padBegin
    let lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation
    let last = input - 1 - start
    let hi = last < 0 ? 0 : min(kernel, last / dilation + 1)
    return lo < hi ? lo..<hi : 0..<0
  }

  /// Kernel taps of output o inside the padded input (count_include_pad's divisor): the taps
  /// j with o·stride − padBegin + j·dilation < input + padEnd (none fall before the padding).
  func insidePadding(_ o: Int) -> Int {
    let room = input + padEnd - (o * stride - padBegin)
    return room <= 0 ? 0 : min(kernel, (room - 1) / dilation + 1)
  }
}

extension LoweringContext {
  func string(_ node: Node, _ name: String, default d: String) throws(TrigRTError) -> String {
    guard let a = node.attributes[name] else { return d }
    guard case .string(let v) = a else { throw fail(.malformed, node, "attribute '\(name)' should be a string, not \(a.typeName)") }
    return v
  }
}
