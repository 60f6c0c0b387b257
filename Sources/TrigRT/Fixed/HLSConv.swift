/// hls4ml 1.3.0's channels-last convolution, pooling and transpose layers, as its ONNX frontend
/// builds them from the graph qonnx's `ConvertToChannelsLastAndClean` makes (nodes of domain
/// `qonnx.custom_op.channels_last`, inputs [H, W, C] / [W, C]):
///
/// - `Conv_k` → `Conv2D_Conv_k` (Conv2D) or `Conv1D_Conv_k` (Conv1D; PointwiseConv1D when the
///   kernel is 1 wide), weights (F, kh, kw, C) stored as hls4ml holds them, (kh, kw, c) rows ×
///   F columns; the config entry of `Conv_k` applies (hls4ml copies it to the new name);
/// - `MaxPool_k` (2-D) → Pooling2D (pool_op Max), name kept;
/// - `AveragePool_k` (2-D) → Pooling2D (pool_op Average), name kept: `parse_pool_layer` builds it
///   from a channels-last AveragePool as from a MaxPool (qonnx 1.0.0 itself leaves AveragePool
///   channels-first; firmware-sim's preprocessing moves it through qonnx's MaxPool rule).
///   `count_pad` is never set by the ONNX frontend, so every window divides by its real
///   (non-padding) cells — ONNX's count_include_pad = 0;
/// - `Transpose_k` → Transpose (result = the input's type, as hls4ml's `Transpose.initialize`;
///   `nnet::transpose` maps every output index to its input index through `perm_strides`, a
///   plain permutation of the per-sample axes), removed when it reads the model input and moves
///   a single channel (`remove_single_channel_transpose`, io_parallel) or is 1-D
///   (`remove_nop_transpose`);
/// - a channels-last `BatchNormalization` (parsed in HLSGraph.swift) is `nnet::normalize` with
///   n_filt = C: scale[i mod C], bias[i mod C].
///
/// `auto` (unspecified) types on these layers are resolved by `infer_precision_types`
/// (Passes.swift: `_infer_conv_precision`, `_infer_pooling_precision`, output matching for
/// Transpose; GlobalPooling takes the default).
///
/// Out of scope and refused: 1-D max pooling (hls4ml 1.3.0 raises converting it), 1-D average pooling,
/// count_include_pad = 1 with padding, auto_pad, padded max pooling, dilations,
/// grouped convolutions, ceil_mode, weights that are not plain initialisers (QONNX Quant on a
/// convolution weight), channels-first (non-converted) Conv / pooling.
struct ConvGeometry {
  var rank: Int                 // 1 or 2 spatial dimensions
  var inH = 1, inW: Int, channels: Int
  var filters: Int              // Conv: F; pooling: = channels
  var kH = 1, kW: Int
  var sH = 1, sW: Int
  var padTop = 0, padBottom = 0, padLeft: Int, padRight: Int
  var outH = 1, outW: Int

  var pixels: Int { outH * outW }
  var isPointwise: Bool { kH == 1 && kW == 1 && sH == 1 && sW == 1 && padTop == 0 && padBottom == 0 && padLeft == 0 && padRight == 0 }

  /// The input element (channels-last) that window cell (kh, kw) of output pixel (oh, ow) reads
  /// in channel c, or −1 for a padding cell.
  func source(_ oh: Int, _ ow: Int, _ kh: Int, _ kw: Int, _ c: Int) -> Int32 {
    let ih = oh * sH + kh - padTop, iw = ow * sW + kw - padLeft
    return ih >= 0 && ih < inH && iw >= 0 && iw < inW ? Int32((ih * inW + iw) * channels + c) : -1
  }

  /// im2col: for output pixel p and column (kh, kw, c), the input element index (channels-last),
  /// or −1 for a padding cell.
  func im2col() -> [Int32] {
    var r: [Int32] = []
    r.reserveCapacity(pixels * kH * kW * channels)
    for oh in 0..<outH {
      for ow in 0..<outW {
        for kh in 0..<kH {
          for kw in 0..<kW {
            for c in 0..<channels { r.append(source(oh, ow, kh, kw, c)) }
          }
        }
      }
    }
    return r
  }

  /// `pooling2d_cl`'s divisor per output (oh, ow, f) with count_pad false: the window's real
  /// (non-padding) cells, `overlap_pixel`.
  func poolDivisors() -> [Int32] {
    var r: [Int32] = []
    r.reserveCapacity(pixels * channels)
    for oh in 0..<outH {
      for ow in 0..<outW {
        var n: Int32 = 0
        for kh in 0..<kH { for kw in 0..<kW where source(oh, ow, kh, kw, 0) >= 0 { n += 1 } }
        for _ in 0..<channels { r.append(n) }
      }
    }
    return r
  }

  /// Pooling windows in hls4ml's order: output (oh, ow, f), window (kh, kw); −1 = padding.
  func poolWindows() -> [Int32] {
    var r: [Int32] = []
    r.reserveCapacity(pixels * channels * kH * kW)
    for oh in 0..<outH {
      for ow in 0..<outW {
        for f in 0..<channels {
          for kh in 0..<kH {
            for kw in 0..<kW {
              r.append(source(oh, ow, kh, kw, f))
            }
          }
        }
      }
    }
    return r
  }
}

extension HLSModel {
  static let channelsLastDomain = "qonnx.custom_op.channels_last"

  /// Conv, MaxPool, AveragePool and Transpose nodes of the cleaned graph. Returns nil when the
  /// node became no layer (a removed single-channel Transpose).
  func parseChannelsLast(_ n: HLSPreprocess.Node, inputs ins: [String], graph g: HLSPreprocess.Cleaned,
                         skipped: inout [String: String]) throws(TrigRTError) -> HLayer? {
    let name = HLSModel.sanitized(n.name, n.opType.lowercased())
    func ints(_ k: String) -> [Int]? {
      switch n.attributes[k] {
      case .ints(let v)?: return v
      case .int(let v)?: return [v]
      default: return nil
      }
    }
    func out(_ why: String) -> TrigRTError {
      fail("\(name) (\(n.opType)): \(why)", code: .unsupported)
    }
    guard let x = ins.first, let inVar = outputVars[x] else { throw fail("RuntimeError: Could not find the shape for input 0 of \(name)") }
    if n.opType == "Transpose" {
      let rank = inVar.shape.count
      let onnxPerm = ints("perm") ?? Array((0...rank).reversed())
      guard onnxPerm.count == rank + 1, onnxPerm.first == 0 else { throw out("perm \(onnxPerm) moves the batch axis") }
      let perm = onnxPerm.dropFirst().map { $0 - 1 }
      guard Set(perm) == Set(0..<rank), perm.count == rank else { throw out("perm \(onnxPerm) is not a permutation of the input's axes") }
      // remove_nop_transpose: a 1-D transpose (perm [0]) is removed.
      if perm == [0] {
        skipped[n.outputs[0]] = x
        return nil
      }
      // remove_single_channel_transpose (io_parallel): the model input's array is unchanged.
      if let p = producer(x), p.cls == .input, inVar.shape.first == 1, perm != Array(0..<rank) {
        inVar.shape.append(inVar.shape.removeFirst())
        skipped[n.outputs[0]] = x
        p.notes.append("remove_single_channel_transpose: \(name) folded into the input")
        return nil
      }
      return try make(.transpose, name, inputs: [x], outputs: n.outputs) { $0.perm = Array(perm) }
    }
    // qonnx's conversion has no channels-last AveragePool, so hls4ml refuses it (as here).
    guard n.domain == HLSModel.channelsLastDomain else {
      throw fail("RuntimeError: Please convert the model to channels-last format with qonnx-to-channels-last (\(name))")
    }
    let shape = inVar.shape
    guard shape.count == 2 || shape.count == 3 else { throw out("input shape \(shape): 1-D or 2-D channels-last only") }
    let rank = shape.count - 1
    if let d = ints("dilations"), d.contains(where: { $0 != 1 }) { throw out("dilations \(d) are not supported") }
    let k = ints("kernel_shape") ?? []
    let strides = ints("strides") ?? Array(repeating: 1, count: rank)
    let pads = ints("pads") ?? Array(repeating: 0, count: 2 * rank)
    guard k.count == rank, strides.count == rank, pads.count == 2 * rank else {
      throw out("kernel_shape \(k), strides \(strides), pads \(pads) for a \(rank)-D input")
    }
    // (bounded before any arithmetic: a hostile file must not overflow the size computations)
    guard (k + strides + pads).allSatisfy({ $0 >= 0 && $0 <= 1 << 20 }), k.allSatisfy({ $0 >= 1 }) else {
      throw out("kernel_shape \(k), strides \(strides), pads \(pads) out of range")
    }
    var geo = ConvGeometry(rank: rank, inW: shape[rank - 1], channels: shape[rank], filters: shape[rank], kW: k[rank - 1], sW: strides[rank - 1],
                           padLeft: pads[rank - 1], padRight: pads[2 * rank - 1], outW: 0)
    if rank == 2 {
      geo.inH = shape[0]
      geo.kH = k[0]
      geo.sH = strides[0]
      geo.padTop = pads[0]
      geo.padBottom = pads[2]
    }
    guard geo.sH > 0, geo.sW > 0, !pads.contains(where: { $0 < 0 }) else { throw out("strides \(strides) / pads \(pads)") }
    geo.outH = (geo.inH + geo.padTop + geo.padBottom - geo.kH) / geo.sH + 1
    geo.outW = (geo.inW + geo.padLeft + geo.padRight - geo.kW) / geo.sW + 1
    guard geo.outH > 0, geo.outW > 0 else { throw out("the window is larger than the padded input \(shape)") }

    let l: HLayer
    if n.opType == "AveragePool" {
      // parse_pool_layer reads ceil_mode, count_include_pad and auto_pad not at all: refused
      // where the firmware would then differ from the ONNX model.
      if case .int(let c)? = n.attributes["ceil_mode"], c != 0 { throw out("ceil_mode 1 is not supported (hls4ml's output size rounds down)") }
      if case .string(let v)? = n.attributes["auto_pad"], v != "NOTSET" {
        throw out("auto_pad \(v) is not supported (hls4ml reads only explicit pads)")
      }
      if case .int(let c)? = n.attributes["count_include_pad"], c != 0, pads.contains(where: { $0 != 0 }) {
        throw out("count_include_pad 1 with pads \(pads) is not supported (hls4ml's ONNX frontend never sets count_pad: the firmware divides by the real cells of each window)")
      }
      // 1-D: parse_pool_layer takes n_filt and n_in from axes 1 and 2 of the channels-last
      // [N, W, C] input, i.e. swapped; no golden set shows what the firmware then computes.
      guard rank == 2 else { throw out("1-D average pooling is not supported (no golden set; hls4ml's parse_pool_layer reads a channels-last [W, C] input's n_filt from W)") }
      l = try make(.pooling2d, name, inputs: [x], outputs: n.outputs) {
        $0.conv = geo
        $0.attrs["pool_op"] = .str("Average")
      }
    } else if n.opType == "MaxPool" {
      // 1-D: hls4ml 1.3.0 cannot build the layer. parse_pool_layer's 1-D branch never sets
      // pad_left / pad_right, so ModelGraph raises on the Pooling1D (and it takes n_filt / n_in
      // from axes 1 and 2 of the channels-last [N, W, C] input, i.e. swapped). No firmware exists
      // to be bit-exact with: refused.
      guard rank == 2 else {
        throw out("1-D max pooling is not supported: hls4ml 1.3.0 cannot convert it (its parse_pool_layer never sets pad_left / pad_right for Pooling1D, so conversion raises 'Exception: Attribute \"pad_left\" of layer \(name) (Pooling1D) not set and no default value is specified.'; it also reads a channels-last [W, C] input's n_filt from W)")
      }
      if case .int(let c)? = n.attributes["ceil_mode"], c != 0 { throw out("ceil_mode 1 is not supported") }
      // hls4ml fills padding cells with pad_val (data_T with only its top bit set: for an
      // unsigned type a large positive value); no golden set exercises it, so it is refused.
      guard !pads.contains(where: { $0 != 0 }) else { throw out("padded max pooling (pads \(pads)) is not supported") }
      l = try make(rank == 2 ? .pooling2d : .pooling1d, name, inputs: [x], outputs: n.outputs) {
        $0.conv = geo
        $0.attrs["pool_op"] = .str("Max")
      }
    } else {
      if case .int(let gr)? = n.attributes["group"], gr != 1 { throw out("group \(gr): grouped / depthwise convolutions are not supported") }
      guard ins.count >= 2, let wc = g.initializers[ins[1]], wc.dims.count == rank + 2 else {
        throw out("the weight is not a constant initialiser of rank \(rank + 2) (a QONNX Quant on a convolution weight is not supported)")
      }
      let f = wc.dims[0]
      guard f > 0 else { throw out("a weight with no filters") }
      guard Array(wc.dims[1...]) == (rank == 2 ? [geo.kH, geo.kW, geo.channels] : [geo.kW, geo.channels]) else {
        throw out("weight shape \(wc.dims) for kernel \(k) and \(geo.channels) channels")
      }
      geo.filters = f
      // (F, kh, kw, C) → rows (kh, kw, c), columns f: hls4ml's weight array order.
      let rows = wc.count / f
      var w = [Double](repeating: 0, count: wc.count)
      for o in 0..<f { for r in 0..<rows { w[r * f + o] = wc.values[o * rows + r] } }
      var b = [Double](repeating: 0, count: f)
      if ins.count >= 3, !ins[2].isEmpty {
        guard let bc = g.initializers[ins[2]], bc.count == f else { throw out("the bias is not a constant initialiser of \(f) values") }
        b = bc.values
      }
      let wType = NPType.of(wc.dataType) ?? .f32
      let cls: HClass = rank == 2 ? .conv2d : (geo.kW == 1 ? .pointwiseConv1d : .conv1d)
      l = try make(cls, name, inputs: [x], outputs: n.outputs) {
        $0.conv = geo
        $0.weightData = NDArray(shape: [rows, f], data: w, dtype: wType)
        $0.biasData = NDArray(shape: [f], data: b, dtype: wType)
        $0.nIn = rows
        $0.nOut = f
      }
      // conv_to_conv_x_d absorbs the weight and bias constants.
      for t in ins.dropFirst() where !t.isEmpty {
        if let c = layers.first(where: { $0.cls == .constant && $0.outputs.first == HLSModel.sanitized(t, "constant") }) { try remove(c) }
      }
      l.name = (rank == 2 ? "Conv2D_" : "Conv1D_") + name
    }
    // `auto` types are resolved by infer_precision_types (Passes.swift, Inference).
    return l
  }

  /// `parse_global_pooling_layer`: GlobalAveragePool / GlobalMaxPool of ONNX rank 3 or 4 →
  /// GlobalPooling1D / GlobalPooling2D (pool_op Average / Max) with n_filt = dimension 1 of the
  /// ONNX shape (channels-first: qonnx does not convert global pooling) and n_in = the spatial
  /// size; the layer keeps its ONNX name. The template indexes its input channels-last
  /// (`data[i·n_filt + f]`), so on a channels-first array of more than one channel and pixel each
  /// output mixes channels: the firmware computes that, trigrt reproduces it and flags the trap.
  func parseGlobalPooling(_ n: HLSPreprocess.Node, inputs ins: [String]) throws(TrigRTError) -> HLayer {
    let name = HLSModel.sanitized(n.name, n.opType.lowercased())
    guard let x = ins.first, let inVar = outputVars[x] else { throw fail("RuntimeError: Could not find the shape for input 0 of \(name)") }
    let shape = inVar.shape
    guard shape.count == 2 || shape.count == 3, shape.allSatisfy({ $0 >= 1 }) else {
      throw fail("\(name) (\(n.opType)): input shape \(shape): hls4ml converts only 1-D and 2-D global pooling", code: .unsupported)
    }
    let op = n.opType == "GlobalAveragePool" ? "Average" : "Max"
    let l = try make(shape.count == 3 ? .globalPooling2d : .globalPooling1d, name, inputs: [x], outputs: n.outputs) {
      $0.attrs["pool_op"] = .str(op)
      $0.nFilt = shape[0]
      $0.nIn = shape.dropFirst().reduce(1, *)
    }
    // `auto` types: GlobalPooling has no infer_precision_types rule; they become the default.
    if shape[0] > 1 && l.nIn > 1 {
      let spatial = shape.dropFirst().map(String.init).joined(separator: "×")
      l.globalPoolTrap = "trap: hls4ml's \(l.className) indexes its input \(shape) channels-last (output f pools data[i·\(shape[0]) + f]), but the array is channels-first (qonnx leaves global pooling channels-first): each output mixes values of every channel instead of pooling channel f's \(spatial) plane, so the firmware's \(n.opType) differs from the ONNX model's (float mode)"
    }
    return l
  }

  func initializeChannelsLast(_ l: HLayer) throws(TrigRTError) {
    switch l.cls {
    case .globalPooling1d, .globalPooling2d:
      try addOutput(l, shape: [l.nFilt])
    case .transpose:
      let inV = try inputVar(l)
      let p = l.perm ?? []
      try addOutput(l, shape: p.map { inV.shape[$0] }, precision: inV.type.precision)
    case .pooling1d, .pooling2d:
      let g = l.conv!
      try addOutput(l, shape: g.rank == 2 ? [g.outH, g.outW, g.channels] : [g.outW, g.channels])
    default:
      let g = l.conv!
      try addOutput(l, shape: g.rank == 2 ? [g.outH, g.outW, g.filters] : [g.outW, g.filters])
      try addWeight(l, "weight", data: l.weightData!, quantizer: nil, precision: nil)
      try addWeight(l, "bias", data: l.biasData!, quantizer: nil, precision: nil)
    }
  }
}
