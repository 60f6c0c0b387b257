/// ONNX `Resize` (opsets 10–21) and `Upsample` (to opset 10) with mode "nearest", as autoencoder
/// decoders use them: scales or sizes constant, every coordinate_transformation_mode that ONNX Runtime
/// runs for nearest (not tf_crop_and_resize, tf_half_pixel_for_nearest), every nearest_mode, opset 18's `axes`; the batch axis is not resized.
/// The source position of each output element is computed at load exactly as ONNX Runtime
/// computes it (float32 coordinates, then the rounding rule, then clamped into the input) and
/// stored as one table (GatherKernel). Modes linear and cubic are refused. hls4ml counterpart:
/// `nnet::resize_nearest` (fixed mode refuses it for now).
enum Resize {
  enum Transform: String {
    case halfPixel = "half_pixel", asymmetric, alignCorners = "align_corners", pytorchHalfPixel = "pytorch_half_pixel"
    case halfPixelSymmetric = "half_pixel_symmetric"
  }
  enum Rounding: String {
    case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil
    /// Upsample and Resize-10: floor when upsampling, ceil when downsampling.
    case simple
  }

  static func string(_ node: Node, _ name: String, default d: String, _ ctx: LoweringContext) throws(TrigRTError) -> String {
    guard let a = node.attributes[name] else { return d }
    guard case .string(let s) = a else { throw ctx.fail(.malformed, node, "attribute '\(name)' should be a string, not \(a.typeName)") }
    return s
  }

  static func lower(upsample: Bool, _ node: Node, _ ctx: inout LoweringContext) throws(TrigRTError) {
    let legacy = upsample || ctx.opset < 11
    if upsample && ctx.opset > 10 {
      throw ctx.fail(.unsupported, node, "Upsample was removed from the default domain after opset 10; use Resize")
    }
    var allowed: Set<String> = ["mode"]
    if !legacy {
      allowed.formUnion(["coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "nearest_mode"])
      if ctx.opset >= 18 { allowed.formUnion(["antialias", "axes", "keep_aspect_ratio_policy"]) }
    }
    try ctx.attributes(node, allowed: allowed)
    try ctx.arity(node, inputs: legacy ? 2...2 : (ctx.opset >= 13 ? 1...4 : 3...4))
    let mode = try string(node, "mode", default: "nearest", ctx)
    guard mode == "nearest" else {
      throw ctx.fail(.unsupported, node, "mode '\(mode)' is not supported (trigrt resizes with mode 'nearest')")
    }
    let transformName = legacy ? "asymmetric" : try string(node, "coordinate_transformation_mode", default: "half_pixel", ctx)
    guard let transform = Transform(rawValue: transformName) else {
      if transformName == "tf_crop_and_resize" || transformName == "tf_half_pixel_for_nearest" {
        throw ctx.fail(.unsupported, node, "coordinate_transformation_mode '\(transformName)' is not supported (nor by ONNX Runtime for nearest)")
      }
      throw ctx.fail(.malformed, node, "coordinate_transformation_mode '\(transformName)' is not one of half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nearest, tf_crop_and_resize")
    }
    if transform == .halfPixelSymmetric && ctx.opset < 19 {
      throw ctx.fail(.malformed, node, "coordinate_transformation_mode 'half_pixel_symmetric' is not part of Resize before opset 19")
    }
    let roundingName = legacy ? "simple" : try string(node, "nearest_mode", default: "round_prefer_floor", ctx)
    guard let rounding = Rounding(rawValue: roundingName), rounding != .simple || legacy else {
      throw ctx.fail(.malformed, node, "nearest_mode '\(roundingName)' is not one of round_prefer_floor, round_prefer_ceil, floor, ceil")
    }
    let policy = try string(node, "keep_aspect_ratio_policy", default: "stretch", ctx)
    let x = try ctx.input(node, 0, "X")
    guard ctx.values[x].isBatched else { throw ctx.fail(.unsupported, node, "resizing a constant is not supported") }
    let inDims = [1] + ctx.values[x].shape
    let rank = inDims.count
    var axes = Array(0..<rank)
    if let a = try ctx.ints(node, "axes") {
      var seen = Set<Int>()
      axes = []
      for v in a {
        let n = try ctx.axis(node, v, rank: rank)
        guard seen.insert(n).inserted else { throw ctx.fail(.malformed, node, "axis \(v) is listed twice") }
        axes.append(n)
      }
    }
    let scalesIndex = legacy ? 1 : 2
    let scalesC = try ctx.optionalConstantInput(node, scalesIndex, "scales")
    let sizesC = legacy ? nil : try ctx.optionalConstantInput(node, 3, "sizes")
    var scale = [Float](repeating: 1, count: rank)
    var outDims = inDims
    if let s = scalesC, s.count > 0 {
      guard sizesC == nil || sizesC!.count == 0 else { throw ctx.fail(.malformed, node, "has both scales and sizes") }
      guard s.count == axes.count else { throw ctx.fail(.shape, node, "scales has \(s.count) values for \(axes.count) axes") }
      for (j, a) in axes.enumerated() {
        let f = Float(s.values[j])
        guard f > 0, f.isFinite else { throw ctx.fail(.malformed, node, "scale \(s.values[j]) is not positive") }
        scale[a] = f
        let d = f * Float(inDims[a])
        guard d < 2.0e9 else { throw ctx.fail(.unsupported, node, "scale \(f) makes axis \(a) longer than 2^31") }
        outDims[a] = Int(d)
      }
    } else if let z = sizesC, z.count > 0 {
      guard let sizes = z.integers, sizes.count == axes.count else { throw ctx.fail(.shape, node, "sizes must hold one integer per axis (\(axes.count))") }
      guard policy == "stretch" else {
        throw ctx.fail(.unsupported, node, "keep_aspect_ratio_policy '\(policy)' is not supported (trigrt resizes with 'stretch')")
      }
      for (j, a) in axes.enumerated() {
        guard sizes[j] > 0 else { throw ctx.fail(.shape, node, "size \(sizes[j]) is not positive") }
        outDims[a] = sizes[j]
        scale[a] = Float(sizes[j]) / Float(inDims[a])
      }
    } else {
      throw ctx.fail(.malformed, node, "needs constant scales or sizes")
    }
    guard outDims[0] == 1, scale[0] == 1 else {
      throw ctx.fail(.unsupported, node, "resizes the batch axis 0 (scale \(scale[0])); trigrt keeps the batch")
    }
    let out = Array(outDims.dropFirst()), inShape = Array(inDims.dropFirst())
    try ctx.checkSize(node, out)
    try ctx.checkTable(node, "the gather table (one source per output element of \(out))", elements: Shapes.count(out))
    // Per axis: the source coordinate of each output coordinate.
    var maps: [[Int]] = []
    for a in 1..<rank {
      var m: [Int] = []
      for o in 0..<outDims[a] {
        m.append(source(o, inLength: inDims[a], outLength: outDims[a], scale: scale[a], transform, rounding))
      }
      maps.append(m)
    }
    var inStride = [Int](repeating: 1, count: inShape.count)
    var s = 1
    for a in stride(from: inShape.count - 1, through: 0, by: -1) { inStride[a] = s; s *= inShape[a] }
    let n = Shapes.count(out)
    var table = [Int32](repeating: 0, count: n)
    for i in 0..<n {
      var rem = i, src = 0
      for a in stride(from: out.count - 1, through: 0, by: -1) { src += maps[a][rem % out[a]] * inStride[a]; rem /= out[a] }
      table[i] = Int32(src)
    }
    try ctx.layer(node, .gather(GatherSpec(inCount: Shapes.count(inShape), source: table)), inputs: [x], outputShape: out)
  }

  /// ONNX Runtime's nearest-mode mapping (upsamplebase.h), in float32.
  static func source(_ o: Int, inLength: Int, outLength: Int, scale: Float, _ t: Transform, _ r: Rounding) -> Int {
    let xr = Float(o), li = Float(inLength), lo = Float(outLength)
    let xo: Float
    switch t {
    case .halfPixel: xo = (xr + 0.5) / scale - 0.5
    case .asymmetric: xo = xr / scale
    case .pytorchHalfPixel: xo = outLength > 1 ? (xr + 0.5) / scale - 0.5 : 0
    case .alignCorners: xo = outLength == 1 ? 0 : xr * (li - 1) / (lo - 1)
    case .halfPixelSymmetric:
      let adjustment = lo / (scale * li)
      let center = li / 2
      let offset = center * (1 - adjustment)
      xo = offset + (xr + 0.5) / scale - 0.5
    }
    let xc = Swift.min(Swift.max(xo.isNaN ? 0 : xo, -1), li)   // same result after the clamp below; no trap in Int()
    var i: Int
    switch r {
    case .roundPreferFloor: i = xc == Float(Int(xc)) + 0.5 ? Int(xc.rounded(.down)) : Int(xc.rounded(.toNearestOrAwayFromZero))
    case .roundPreferCeil: i = Int(xc.rounded(.toNearestOrAwayFromZero))
    case .floor: i = Int(xc.rounded(.down))
    case .ceil: i = Int(xc.rounded(.up))
    case .simple: i = scale < 1 ? Int(xc.rounded(.up)) : Int(xc)
    }
    if i < 0 { i = 0 }
    if i >= inLength { i = inLength - 1 }
    return i
  }
}

enum Upsample { static func lower(_ n: Node, _ c: inout LoweringContext) throws(TrigRTError) { try Resize.lower(upsample: true, n, &c) } }
