/// HLSGraph → fixed-point steps: quantised weights (through hls4ml's weights path), tables,
/// precomputed conversions. Everything that can be computed before `run` is computed here.
import FixedPoint
import Glibc

enum WeightsPath {
  /// hls4ml writes each constant with exactly max(0, F) decimals (`'{:.Ff}'.format(value)`,
  /// correctly rounded from the double), and the C simulation reads the text back as a double
  /// (then converts it with the type's Q/O). This returns that double.
  static func textRoundTrip(_ v: Double, decimals: Int) -> Double {
    guard v.isFinite else { return v }
    var buf = [CChar](repeating: 0, count: 512)
    let n = withVaList([Int32(decimals), v]) { vsnprintf(&buf, buf.count, "%.*f", $0) }
    guard n > 0 && n < 512 else { return v }
    return strtod(buf, nil)
  }

  /// A constant as the firmware holds it: the raw integer of `format` (integer kinds print 0
  /// decimals and convert toward zero).
  static func raw(_ v: Double, _ format: FixedFormat) -> Int64 {
    format.quantize(textRoundTrip(v, decimals: format.isInteger ? 0 : max(0, format.fractionalBits))).raw
  }
}

extension FixedFormat {
  static func exactFormat(_ e: ExactFormat) -> String { e.description }
}

enum FixedPlanner {
  /// Builds the fixed step of one hls4ml layer. `input(i)` is the format of input i.
  static func step(_ l: HLSLayer, ins: [Int32], out: Int32, inputFormats: [FixedFormat], valueShape: (Int) -> [Int],
                   store: ConstantStore, statsIndex: Int32, scratch: Int32, scratchBytes: inout Int,
                   source: String) throws(TrigRTError) -> (Step, LayerInfo) {
    let result = l.resolved["result"]!
    let inF = inputFormats[0]
    var info = LayerInfo(name: l.name, opTypes: [l.className], kind: "", outputShape: valueShape(l.output), macs: 0, parameterBytes: 0)
    info.formats = l.resolved.mapValues(\.description)
    info.formats["input"] = inF.description
    info.notes = l.notes
    info.constants.merge(l.constants) { a, _ in a }
    let count = Shapes.count(valueShape(l.output))
    switch l.op {
    case .dense(let d, let weights, let bias):
      let w = l.resolved["weight"]!, b = l.resolved["bias"]!, accum = l.resolved["accum"]!
      info.kind = "dense \(d.inFeatures)→\(d.outFeatures)"
      info.macs = d.rowsPerSample * d.inFeatures * d.outFeatures
      info.parameterBytes = (weights.count * w.width + d.outFeatures * b.width + 7) / 8
      let wr = store.allocate(weights.count, of: Int64.self)
      for (i, v) in weights.enumerated() { wr[i] = WeightsPath.raw(v, w) }
      let toAccum = FixedCast(from: b, to: accum)
      let ab = store.allocate((d.outFeatures + 7) / 8 * 8, of: Int64.self)
      for j in 0..<d.outFeatures { ab[j] = toAccum.apply(WeightsPath.raw(bias[j], b)) }
      let product = ExactFormat.product(inF.exact, w.exact)
      let sum = ExactFormat.sum(accum.exact, accum.exact)
      var s = DenseFixedStep(x: ins[0], y: out, k: d.inFeatures, m: d.outFeatures, rowsPerSample: d.rowsPerSample,
                             w: UnsafePointer(wr), accBias: UnsafePointer(ab),
                             productCast: store.cast(FixedCast(from: product, to: accum)), sumCast: store.cast(FixedCast(from: sum, to: accum)),
                             resultCast: store.cast(FixedCast(from: accum, to: result)),
                             productFitsInt64: product.width <= 63, sumFitsInt64: sum.width <= 63, stats: statsIndex, fast: nil)
      info.exactFractionalBits = accum.fractionalBits
      // Known traps (hls4ml #324, HLS4ML-SEMANTICS P7): an accumulator narrower than its inputs' products.
      let need = Passes.ceilLog2(d.inFeatures)
      if accum.fractionalBits < product.fractionalBits {
        info.notes.append("trap: accum_t \(accum) keeps \(accum.fractionalBits) fractional bits, the products of \(inF) × \(w) carry \(product.fractionalBits): every product is rounded (\(accum.quantization == .trn ? "floored" : "rounded")) before it is added (hls4ml #324)")
      }
      if accum.integerBits < product.integerBits + need {
        info.notes.append("trap: accum_t \(accum) has \(accum.integerBits) integer bits; \(d.inFeatures) products of \(inF) × \(w) can need \(product.integerBits + need): partial sums can \(accum.overflow == .wrap ? "wrap" : "saturate")")
      }
      s.fast = fastPlan(d, input: inF, weight: w, accum: accum, result: result, product: product, weights: UnsafePointer(wr),
                        bias: UnsafePointer(ab), store: store)
      if let fp = s.fast {
        s.scratch = scratch
        scratchBytes = max(scratchBytes, max(d.inFeatures * 4, fp.kPad * 2))
      }
      info.kind += s.fast == nil ? " (general path)" : (s.fast?.high16 != nil ? " (16-bit mulhi fast path)" : s.fast?.int16Weights != nil ? " (16-bit fast path)" : " (32-bit fast path)")
      return (.denseFixed(s), info)
    case .normalize(let scale, let bias):
      return (.normalizeFixed(try normalize(l, scale: scale, bias: bias, channels: scale.count, inner: 1, channelsLast: true,
                                            inF: inF, ins: ins, out: out, count: count, store: store, stats: statsIndex, info: &info, source: source)), info)
    case .batchNorm(let scale, let bias, let channels, let inner):
      return (.normalizeFixed(try normalize(l, scale: scale, bias: bias, channels: channels, inner: inner, channelsLast: false,
                                            inF: inF, ins: ins, out: out, count: count, store: store, stats: statsIndex, info: &info, source: source)), info)
    case .activation(let a):
      info.kind = a == .identity ? "linear" : a.name
      info.exactFractionalBits = inF.fractionalBits
      var s = ActivationFixedStep(x: ins[0], y: out, count: count, kind: .linear, cast: store.cast(FixedCast(from: inF, to: result)),
                                  alpha: 0, alphaCast: store.cast(FixedCast(from: inF, to: result)), lo: 0, hi: 0, loResult: 0, hiResult: 0,
                                  table: nil, tableSize: 0, divisor: 1, inputFractionalBits: inF.fractionalBits, stats: statsIndex,
                                  lane: (LaneCast.make32(from: inF.exact, to: result) ?? LaneCast.make(from: inF.exact, to: result)).map { store.box($0) })
      switch a {
      case .identity: s.kind = .linear
      case .relu: s.kind = .relu
      case .leakyRelu(let alpha):
        let p = l.resolved["param"]!
        s.kind = .leakyRelu
        // hls4ml passes activ_param as a C++ double literal, converted to param_t directly.
        s.alpha = p.quantize(Double(alpha)).raw
        s.alphaCast = store.cast(FixedCast(from: .product(p.exact, inF.exact), to: result))
        s.paramFractionalBits = p.fractionalBits
        info.exactFractionalBits = inF.fractionalBits + p.fractionalBits
      case .sigmoid, .tanh:
        let t = l.resolved["table"]!
        let n = l.tableSize
        let entries = a == .sigmoid ? ActivationTables.sigmoid(size: n, table: t) : ActivationTables.tanh(size: n, table: t)
        let toResult = FixedCast(from: t, to: result)
        let table = store.allocate(n, of: Int64.self)
        for (i, e) in entries.enumerated() { table[i] = toResult.apply(e) }
        s.kind = .table
        s.table = UnsafePointer(table)
        s.tableSize = n
        s.divisor = a == .sigmoid ? 16 : 8
        info.exactFractionalBits = result.fractionalBits
        info.kind += " (table \(n) × \(t))"
        let range = a == .sigmoid ? 8.0 : 4.0
        if inF.toDouble(inF.maxRaw) > range || inF.toDouble(inF.minRaw) < -range {
          info.notes.append("note: the table covers [−\(Int(range)), \(Int(range))); inputs of \(inF) beyond it read the end entries")
        }
        info.constants["table_size"] = "\(n)"
      case .clip:
        throw TrigRTError(.unsupported, "\(source): fixed mode: \(l.name): Clip has no hls4ml 1.3.0 ONNX counterpart")
      }
      return (.activationFixed(s), info)
    case .softmax(let sm):
      return (.softmaxFixed(try softmax(l, sm, inF: inF, ins: ins, out: out, store: store, stats: statsIndex, info: &info, source: source)), info)
    case .merge(let op):
      let aF = inputFormats[0], bF = inputFormats[1]
      let cA = valueShape(l.inputs[0]).reduce(1, *), cB = valueShape(l.inputs[1]).reduce(1, *)
      let f = max(aF.fractionalBits, bF.fractionalBits)
      let exact: ExactFormat
      switch op {
      case .add, .maximum, .minimum: exact = .sum(aF.exact, bF.exact)
      case .sub: exact = .difference(aF.exact, bF.exact)
      case .mul: exact = .product(aF.exact, bF.exact)
      case .average:
        let s = ExactFormat.sum(aF.exact, bF.exact)
        exact = ExactFormat.product(s, try! ExactFormat(width: 1, integerBits: 0, isSigned: false))
      }
      info.kind = "merge \(op)"
      info.exactFractionalBits = op == .mul ? aF.fractionalBits + bF.fractionalBits : (op == .average ? f + 1 : f)
      return (.mergeFixed(MergeFixedStep(a: ins[0], b: ins[1], y: out, op: op, count: count, countA: cA, countB: cB,
                                         shiftA: f - aF.fractionalBits, shiftB: f - bF.fractionalBits,
                                         cast: store.cast(FixedCast(from: exact, to: result)), castA: store.cast(FixedCast(from: aF, to: result)),
                                         castB: store.cast(FixedCast(from: bF, to: result)), stats: statsIndex)), info)
    case .quantizeFloat:
      info.kind = "quant (float32 → \(result))"
      info.formats["input"] = "float32"
      return (.quantizeFixed(QuantizeFixedStep(x: ins[0], y: out, count: count, quantizer: store.box(InputQuantizer(result)))), info)
    case .toFloat:
      info.kind = "to float32"
      info.formats["result"] = "float32"
      return (.toFloat(ToFloatStep(x: ins[0], y: out, count: count, converter: store.box(OutputConverter(inF)))), info)
    case .window(let w):
      return (.windowFixed(window(l, w, inF: inF, ins: ins, out: out, valueShape: valueShape, store: store, stats: statsIndex, info: &info)), info)
    case .concat(let c):
      info.kind = "concatenate"
      info.exactFractionalBits = inF.fractionalBits
      let inputs = store.allocate(ins.count, of: Int32.self)
      for (i, s) in ins.enumerated() { inputs[i] = s }
      let casts = store.allocate(ins.count, of: FixedCast.self)
      for (i, f) in inputFormats.enumerated() { (casts + i).initialize(to: FixedCast(from: f, to: result)) }
      return (.concatFixed(ConcatFixedStep(inputs: UnsafePointer(inputs), blocks: UnsafePointer(store.store(c.blocks)), casts: UnsafePointer(casts),
                                           count: ins.count, outer: c.outer, y: out, outBlock: c.blocks.reduce(0, +), stats: statsIndex)), info)
    }
  }

  /// Max pooling, im2col, Transpose (Kernels/PoolFixed.swift).
  static func window(_ l: HLSLayer, _ w: WindowSpec, inF: FixedFormat, ins: [Int32], out: Int32, valueShape: (Int) -> [Int],
                     store: ConstantStore, stats: Int32, info: inout LayerInfo) -> WindowFixedStep {
    let result = l.resolved["result"]!
    let accum = l.resolved["accum"] ?? result
    let idx = store.allocate(max(w.indices.count, 1), of: Int32.self)
    for (i, v) in w.indices.enumerated() { idx[i] = v }
    switch w.mode {
    case .copy: info.kind = "im2col (\(w.outCount) values)"
    case .cast: info.kind = "transpose"
    case .max: info.kind = "max pool \(w.window) → 1"
    case .average: info.kind = w.divisors == nil ? "average pool \(w.window) → 1" : "average pool \(w.window) → 1 (÷ real cells)"
    }
    info.exactFractionalBits = inF.fractionalBits
    // hls4ml's pad_val<data_T, Max>: only the top bit of data_T set.
    let pad: Int64 = inF.isSigned ? inF.minRaw : (inF.width < 63 ? Int64(1) << (inF.width - 1) : 0)
    var s = WindowFixedStep(x: ins[0], y: out, mode: w.mode, inCount: Shapes.count(valueShape(l.inputs[0])), outCount: w.outCount,
                            window: w.window, indices: UnsafePointer(idx), padRaw: pad,
                            toAccum: store.cast(FixedCast(from: inF, to: accum)), toResult: store.cast(FixedCast(from: w.mode == .cast ? inF : accum, to: result)),
                            stats: stats)
    if w.mode == .average, let a = WindowFixedStep.averaging(input: inF, accum: accum, store: store) {
      (s.sumCast, s.accumShift, s.dataShift) = a
      s.wrapOnce(input: inF, accum: accum)
      // (HLSGraph gives one divisor per output, each ≥ 1, or refuses the layer)
      if let d = w.divisors {
        let p = store.allocate(d.count, of: Int32.self)
        for (i, v) in d.enumerated() { p[i] = v }
        s.divisors = UnsafePointer(p)
      }
    }
    return s
  }

  static func normalize(_ l: HLSLayer, scale: [Double], bias: [Double], channels: Int, inner: Int, channelsLast: Bool,
                        inF: FixedFormat, ins: [Int32], out: Int32, count: Int, store: ConstantStore, stats: Int32,
                        info: inout LayerInfo, source: String) throws(TrigRTError) -> NormalizeFixedStep {
    let sF = l.resolved["scale"]!, bF = l.resolved["bias"]!, result = l.resolved["result"]!
    info.kind = l.className == "BatchNormalization" ? "batchnorm" : "normalize (x·scale + bias)"
    info.macs = count
    info.parameterBytes = (channels * (sF.width + bF.width) + 7) / 8
    let product = ExactFormat.product(inF.exact, sF.exact)
    let sum = ExactFormat.sum(product, bF.exact)
    let f = max(product.fractionalBits, bF.fractionalBits)
    info.exactFractionalBits = f
    let sr = store.allocate(channels, of: Int64.self), br = store.allocate(channels, of: Int64.self)
    let biasShift = f - bF.fractionalBits
    for c in 0..<channels {
      sr[c] = WeightsPath.raw(scale[c], sF)
      br[c] = WeightsPath.raw(bias[c], bF) << biasShift
    }
    let perElement = channelsLast && channels == count
    let unit = (0..<channels).allSatisfy { sr[$0] == 1 }
    // 32-bit lanes need x << shift and the biases to fit too (x·1 + b with |x| and |b| < 2^29).
    let lane32 = unit && inF.width + (f - product.fractionalBits) <= 29 && bF.width + biasShift <= 29 ? LaneCast.make32(from: sum, to: result) : nil
    let lane = perElement && product.width <= 62 && sum.width <= 62 ? (lane32 ?? LaneCast.make(from: sum, to: result)).map { store.box($0) } : nil
    return NormalizeFixedStep(x: ins[0], y: out, count: count, channels: channels, inner: inner, channelsLast: channelsLast,
                              scale: UnsafePointer(sr), bias: UnsafePointer(br), productShift: f - product.fractionalBits,
                              wide: sum.width > 62, cast: store.cast(FixedCast(from: sum, to: result)), stats: stats,
                              lane: lane, unitScale: unit)
  }

  static func softmax(_ l: HLSLayer, _ sm: SoftmaxSpec, inF: FixedFormat, ins: [Int32], out: Int32, store: ConstantStore,
                      stats: Int32, info: inout LayerInfo, source: String) throws(TrigRTError) -> SoftmaxFixedStep {
    let result = l.resolved["result"]!
    func fail(_ m: String) -> TrigRTError { TrigRTError(.unsupported, "\(source): fixed mode: \(l.name): \(m)") }
    let zero = try! FixedFormat(parsing: "ap_fixed<2,2>")
    var s = SoftmaxFixedStep(x: ins[0], y: out, impl: .stable, outer: sm.outer, slice: sm.axisSize, inner: sm.inner,
                             normCast: store.cast(FixedCast(from: zero, to: zero)), indexWidth: inF.width, expBits: 1, expAccum: nil,
                             sumCast: store.cast(FixedCast(from: zero, to: zero)), toInvInput: store.cast(FixedCast(from: zero, to: zero)), invWidth: 1, invBits: 1,
                             invTable: nil, resultCast: store.cast(FixedCast(from: zero, to: zero)), legacyExp: nil, legacyInvResult: nil, legacyOne: 0,
                             legacySum: store.cast(FixedCast(from: zero, to: zero)), expSize: l.tableSize, invSize: l.tableSize,
                             dataFractionalBits: inF.fractionalBits, tableFractionalBits: 0, zero: 0, one: 0, stats: stats)
    info.kind = "softmax (\(l.implementation))"
    info.exactFractionalBits = result.fractionalBits
    info.constants["implementation"] = l.implementation
    info.constants["exp_table_size"] = "\(l.expTableSize)"
    info.constants["inv_table_size"] = "\(l.invTableSize)"
    switch l.implementation {
    case "argmax":
      s.impl = .argmax
      s.zero = result.quantize(0.0).raw
      s.one = result.quantize(1.0).raw
    case "legacy":
      s.impl = .legacy
      let t = l.resolved["table"]!
      let expT = store.allocate(l.expTableSize, of: Int64.self), invR = store.allocate(l.invTableSize, of: Int64.self)
      for (i, e) in SoftmaxTables.legacyExp(size: l.expTableSize, table: t).enumerated() { expT[i] = e }
      let toResult = FixedCast(from: t, to: result)
      for (i, e) in SoftmaxTables.legacyInvert(size: l.invTableSize, table: t).enumerated() { invR[i] = toResult.apply(e) }
      s.legacyExp = UnsafePointer(expT)
      s.legacyInvResult = UnsafePointer(invR)
      s.legacyOne = t.quantize(1.0).raw
      s.legacySum = store.cast(FixedCast(from: .sum(t.exact, t.exact), to: t))
      s.tableFractionalBits = t.fractionalBits
      s.expSize = l.expTableSize
      s.invSize = l.invTableSize
      info.kind += " (tables \(l.expTableSize) / \(l.invTableSize) × \(t))"
      if t.toDouble(t.maxRaw) < exp(8.0) {
        info.notes.append("trap: legacy softmax: exp-table entries up to e^8 = 2981 wrap in \(t) (the table type hls4ml 1.3.0 always uses): outputs above 1 are possible")
      }
    case "stable", "latency":
      let expT = l.resolved["exp_table"]!, invT = l.resolved["inv_table"]!, invInp = l.resolved["inv_inp"]!, accum = l.resolved["accum"]!
      // Table sizes and inp_norm_t as hls4ml's config template writes them (the frontend resolves them).
      let expSize = l.expTableSize
      let indexFormat: FixedFormat
      if l.implementation == "stable" {
        s.impl = .stable
        guard let norm = l.resolved["inp_norm"] else { throw fail("inp_norm_t is not resolved") }
        indexFormat = norm
        s.normCast = store.cast(FixedCast(from: .difference(inF.exact, inF.exact), to: indexFormat))
        info.formats["inp_norm"] = indexFormat.description
      } else {
        s.impl = .latency
        indexFormat = inF
      }
      let expBits = SoftmaxTables.ceilLog2(expSize), invBits = SoftmaxTables.ceilLog2(l.invTableSize)
      guard expBits <= indexFormat.width else {
        throw fail("a \(expSize)-entry exp table needs \(expBits) index bits but \(indexFormat) has \(indexFormat.width)")
      }
      guard invBits <= invInp.width else { throw fail("a \(l.invTableSize)-entry inverse table needs \(invBits) index bits but inv_inp_t \(invInp) has \(invInp.width)") }
      let exps = SoftmaxTables.exp(size: expSize, indexFormat: indexFormat, scale: l.expScale, negate: s.impl == .stable, table: expT)
      let toAccum = FixedCast(from: expT, to: accum)
      let ea = store.allocate(expSize, of: Int64.self)
      for (i, e) in exps.enumerated() { ea[i] = toAccum.apply(e) }
      let inv = store.allocate(l.invTableSize, of: Int64.self)
      for (i, e) in SoftmaxTables.invert(size: l.invTableSize, indexFormat: invInp, table: invT).enumerated() { inv[i] = e }
      s.indexWidth = indexFormat.width
      s.expBits = expBits
      s.expAccum = UnsafePointer(ea)
      s.sumCast = store.cast(FixedCast(from: .sum(accum.exact, accum.exact), to: accum))
      s.toInvInput = store.cast(FixedCast(from: accum, to: invInp))
      s.invWidth = invInp.width
      s.invBits = invBits
      s.invTable = UnsafePointer(inv)
      s.resultCast = store.cast(FixedCast(from: .product(accum.exact, invT.exact), to: result))
      info.exactFractionalBits = accum.fractionalBits + invT.fractionalBits
      s.expSize = expSize
      s.invSize = l.invTableSize
      info.kind += " (exp table \(expSize) × \(expT), inverse \(l.invTableSize) × \(invT))"
      // Known traps (HLS4ML-SEMANTICS P1–P3, hls4ml-tutorial PR #111, #1512): table addressing by top bits.
      let step = Double(sign: .plus, exponent: indexFormat.width - expBits - indexFormat.fractionalBits, significand: 1)
      if step >= 1 {
        info.notes.append("trap: the exp table is addressed by the top \(expBits) bits of \(indexFormat): inputs \(step) apart share one entry; with a wide (auto) input every output can be the same (hls4ml-tutorial PR #111)")
      }
      if s.impl == .stable {
        let wrapAt = Double(sign: .plus, exponent: indexFormat.integerBits, significand: 1)
        info.notes.append("note: stable softmax: differences x_max − x_i of \(wrapAt) or more wrap in \(indexFormat) (AP_WRAP), giving large probabilities to small logits")
      }
      let invStep = Double(sign: .plus, exponent: invInp.width - invBits - invInp.fractionalBits, significand: 1)
      if invStep >= 0.125 {
        info.notes.append("note: the 1/sum table is addressed in steps of \(invStep) of the sum (\(invInp)): probabilities can sum to more or less than 1 (hls4ml #1512)")
      }
      info.constants["exp_table_size"] = "\(expSize)"
      info.constants["inv_table_size"] = "\(l.invTableSize)"
      let identity = LaneCast.make(from: accum.exact, to: accum)
      if let norm = s.impl == .stable ? LaneCast.make(from: .difference(inF.exact, inF.exact), to: indexFormat) : identity,
         let sum = LaneCast.make(from: .sum(accum.exact, accum.exact), to: accum),
         let invIn = LaneCast.make(from: accum.exact, to: invInp),
         let res = LaneCast.make(from: .product(accum.exact, invT.exact), to: result) {
        s.lanes = store.box(SoftmaxLanes(norm: norm, sum: sum, invInput: invIn, result: res))
      }
    default:
      throw fail("unknown softmax implementation \(l.implementation)")
    }
    return s
  }

  /// The 32-bit fast path, when it is provably identical to the general one (see DenseFixed.swift).
  static func fastPlan(_ d: DenseSpec, input x: FixedFormat, weight w: FixedFormat, accum a: FixedFormat, result: FixedFormat,
                       product p: ExactFormat, weights: UnsafePointer<Int64>, bias: UnsafePointer<Int64>,
                       store: ConstantStore) -> DenseFastPlan? {
    guard a.kind == .apFixed, a.saturationBits == 0 || a.overflow != .wrap else { return nil }
    func fits32(_ f: FixedFormat) -> Bool { f.isSigned ? f.width <= 32 : f.width <= 31 }
    guard fits32(x), fits32(w), p.isSigned ? p.width <= 32 : p.width <= 31 else { return nil }
    let dShift = p.fractionalBits - a.fractionalBits
    // Deferred wrap needs W ≤ 32 (mod 2^32 ⊇ mod 2^W). Saturating sums need every accum_t value
    // and the sum of two in Int32: W ≤ 30 signed (29 unsigned), and a left-shifted product that
    // still fits before it is clamped.
    let accumulation: DenseFastPlan.Accumulation
    let productCast = FixedCast(from: p, to: a)
    switch a.overflow {
    case .wrap:
      guard a.width <= 32 else { return nil }
      accumulation = .wrapDeferred
    case .sat, .satSym, .satZero:
      guard a.isSigned ? a.width <= 30 : a.width <= 29 else { return nil }
      if dShift < 0 && p.width - dShift > 31 { return nil }
      let maxRaw = a.isSigned ? (Int32(1) << (a.width - 1)) - 1 : (Int32(1) << a.width) - 1
      let minRaw = a.isSigned ? -(Int32(1) << (a.width - 1)) : 0
      let lo = a.overflow == .satSym && a.isSigned && a.width > 1 ? -maxRaw : minRaw
      accumulation = .saturate(lo: lo, hi: maxRaw, zero: a.overflow == .satZero)
    }
    let rounding: ProductRounding
    if dShift == 0 {
      rounding = ProductRounding(kind: .exact, shift: 0, c0: 0, cs: 0, cl: 0)
    } else if dShift < 0 {
      guard -dShift < 32 else { return nil }
      rounding = ProductRounding(kind: .left, shift: Int32(-dShift), c0: 0, cs: 0, cl: 0)
    } else {
      guard var r = ProductRounding.rightShift(a.quantization, dShift) else { return nil }
      // Products of at most 30 bits leave room for the rounding constants: one add and a shift.
      if r.kind == .round && (p.isSigned ? p.width <= 30 : p.width <= 29) {
        r.kind = r.cs == 0 && r.cl == 0 ? .roundAdd : .roundShort
      }
      rounding = r
    }
    func fits16(_ f: FixedFormat) -> Bool { f.isSigned ? f.width <= 16 : f.width <= 15 }
    let high16 = accumulation == .wrapDeferred && a.width <= 16 && fits16(x) ? high16Plan(d, rounding, weights, store).map { store.box($0) } : nil
    // The 32-bit weights, unless the high-half path (always preferred) makes them dead.
    let tiles = (d.outFeatures + 7) / 8
    let packed = store.allocate(high16 == nil ? tiles * 8 * d.inFeatures : 1, of: Int32.self)
    for t in 0..<tiles where high16 == nil {
      for k in 0..<d.inFeatures {
        for l in 0..<8 where t * 8 + l < d.outFeatures {
          packed[(t * d.inFeatures + k) * 8 + l] = Int32(truncatingIfNeeded: weights[k * d.outFeatures + t * 8 + l])
        }
      }
    }
    let toResult = FixedCast(from: a, to: result)
    let identity = a.fractionalBits == result.fractionalBits && !toResult.canOverflow && result.kind == .apFixed
    // The 16-bit path (see DenseFastPlan.int16Weights).
    var w16: UnsafePointer<Int16>? = nil
    let kPad = (d.inFeatures + 15) / 16 * 16
    // Dot-product form: one horizontal sum per output, which only pays off on long rows (on the
    // QONNX jet tagger's k = 16…64 layers it cost 1.9 instructions per MAC against the 32-bit
    // path's 0.8; Benchmarks/ANALYSIS.md).
    if high16 == nil, fits16(x), fits16(w), accumulation == .wrapDeferred, rounding.kind == .exact || rounding.kind == .left, kPad >= 128 {
      let p16 = store.allocate(d.outFeatures * kPad, of: Int16.self)
      for m in 0..<d.outFeatures {
        for k in 0..<d.inFeatures { p16[m * kPad + k] = Int16(truncatingIfNeeded: weights[k * d.outFeatures + m]) }
      }
      w16 = UnsafePointer(p16)
    }
    return DenseFastPlan(w: UnsafePointer(packed), tiles: tiles, rounding: rounding, accumWidth: a.width, accumSigned: a.isSigned,
                         resultIsIdentity: identity, resultLane: LaneCast.make(from: a.exact, to: result).map { store.box($0) },
                         resultLane32: LaneCast.make32(from: a.exact, to: result).map { store.box($0) },
                         int16Weights: w16, kPad: kPad,
                         high16: high16,
                         accumulation: accumulation, bias: bias, productCanOverflow: productCast.canOverflow)
  }

  /// The 16-bit high-half path (DenseFixedHigh16.swift) for a wrapping accumulator of at most 16
  /// bits and inputs that fit Int16 (the caller checks those): its weights W′ = w·2^(16−s), split
  /// into A·2^16 + B, for a per-product conversion that is exact, a left shift or a floor (AP_TRN)
  /// by s ≤ 16 bits. Only bits 0…31 of W′ matter, so the shift may wrap.
  static func high16Plan(_ d: DenseSpec, _ rounding: ProductRounding, _ weights: UnsafePointer<Int64>, _ store: ConstantStore) -> DenseHigh16Plan? {
    let up: Int
    switch rounding.kind {
    case .exact: up = 16
    case .left: up = 16 + Int(rounding.shift)
    case .floor where rounding.shift <= 16: up = 16 - Int(rounding.shift)
    default: return nil
    }
    let k = d.inFeatures, m = d.outFeatures
    let tiles = (m + 15) / 16
    let high = store.allocate(tiles * k * 16, of: Int16.self), low = store.allocate(tiles * k * 16, of: Int16.self)
    let kinds = store.allocate(tiles, of: UInt8.self)
    for t in 0..<tiles {
      var kind: UInt8 = 0
      for j in t * 16..<min(m, t * 16 + 16) {
        let lane = DenseHigh16Plan.lane(j - t * 16)
        for i in 0..<k {
          let wp = weights[i * m + j] &<< Int64(up)
          let b = Int16(truncatingIfNeeded: wp), a = Int16(truncatingIfNeeded: (wp &- Int64(b)) >> 16)
          high[(t * k + i) * 16 + lane] = b
          low[(t * k + i) * 16 + lane] = a
          if b != 0 { kind |= 1 }
          if a != 0 { kind |= 2 }
        }
      }
      kinds[t] = kind
    }
    return DenseHigh16Plan(high: UnsafePointer(high), low: UnsafePointer(low), tiles: tiles, kinds: UnsafePointer(kinds))
  }
}

extension FixedPlanner {
  /// After `foldEpilogues`: every high-half Dense whose result is only wrapped after the sum
  /// (`Dense16Step`: no epilogue stage left, the identity result conversion, W ≤ 16
  /// signed or ≤ 15 unsigned) finishes on its 16-bit lanes; its tiles are put in natural lane
  /// order. Where such a Dense's result tensor is the session's own (`isArena`) and its only
  /// reader is another such Dense, the two pass it as Int16. Unobserved runs only: observed ones
  /// run the general kernels, which read and write Int64 raws throughout.
  static func chain16(_ steps: inout [Step], readers: [Int32: Int], isArena: (Int32) -> Bool, store: ConstantStore) {
    var chains: [Int: Dense16Step] = [:]
    for i in steps.indices {
      guard case .denseFixed(let d) = steps[i], let f = d.fast, let hp = f.high16 else { continue }
      let h = hp.pointee
      let relu: Bool, y: Int32
      if let e = d.epilogue {
        guard e.count == 0 else { continue }
        relu = e.relu
        y = e.y
      } else {
        guard f.resultIsIdentity else { continue }
        relu = false
        y = d.y
      }
      let w = f.accumWidth
      guard w >= 1, f.accumSigned ? w <= 16 : w <= 15 else { continue }
      let bias = store.allocate(h.tiles * 16, of: Int16.self)
      for j in 0..<d.m { bias[j] = Int16(truncatingIfNeeded: f.bias[j]) }
      // Interleaved → natural lane order, in place (the interleaved tiles have no other user).
      for p in [h.high, h.low] {
        let q = UnsafeMutablePointer(mutating: p)
        for r in 0..<(h.tiles * d.k) {
          let old = (0..<16).map { q[r * 16 + DenseHigh16Plan.lane($0)] }
          for j in 0..<16 { q[r * 16 + j] = old[j] }
        }
      }
      let codes = DenseFixedKernel.blockCodes(tiles: h.tiles, kinds: h.kinds)
      let blocks = store.allocate(max(codes.count, 1), of: UInt8.self)
      for (b, code) in codes.enumerated() { blocks[b] = code }
      chains[i] = Dense16Step(x: d.x, y: y, scratch: d.scratch, k: d.k, m: d.m, rowsPerSample: d.rowsPerSample, skip: d.epilogue?.skip ?? 0,
                              tiles: h, blocks: UnsafePointer(blocks), blockCount: codes.count, bias: UnsafePointer(bias), shift: Int16(16 - w), mask: f.accumSigned ? -1 : Int16((1 << w) - 1),
                              signed: f.accumSigned, relu: relu)
    }
    let order = chains.keys.sorted()
    for i in order {
      guard let y = chains[i]?.y, readers[y] == 1, isArena(y),
            let j = order.first(where: { $0 > i && chains[$0]?.x == y }) else { continue }
      chains[i]?.outputInt16 = true
      chains[j]?.inputInt16 = true
    }
    for (i, c) in chains {
      guard case .denseFixed(var d) = steps[i] else { continue }
      d.chain = store.box(c)
      steps[i] = .denseFixed(d)
    }
  }
}

extension FixedPlanner {
  /// Folds the unit-scale `ApplyAlpha` and linear / ReLU layers that follow a fast Dense into
  /// its epilogue (see `DenseEpilogue`). A layer is folded only when the tensor it reads has no
  /// other reader (`readers[slot] == 1`) and is the session's own (`isArena`), it is per
  /// element over the Dense's outputs, and its conversion has a LaneCast. Returns, per fold,
  /// the Dense's step index and the slot its epilogue writes: that slot is live from the Dense
  /// on, which the caller gives the arena planner.
  static func foldEpilogues(_ steps: inout [Step], readers: [Int32: Int], isArena: (Int32) -> Bool,
                            store: ConstantStore, scratchBytes: inout Int) -> [(step: Int, slot: Int32)] {
    var folds: [(step: Int, slot: Int32)] = []
    var i = 0
    while i < steps.count {
      guard case .denseFixed(var d) = steps[i], let f = d.fast, d.rowsPerSample == 1 else { i += 1; continue }
      var stages: [EpilogueStage] = []
      var lanes32 = f.resultIsIdentity || f.resultLane32 != nil

      var y = d.y
      var j = i + 1
      var skip = 0
      chain: while j < steps.count, readers[y] == 1, isArena(y) {
        switch steps[j] {
        case .normalizeFixed(let n) where n.x == y && n.unitScale && !n.wide && n.channelsLast && n.channels == n.count && n.count == d.m:
          guard let lc = n.lane else { break chain }
          let bias = store.allocate((d.m + 7) / 8 * 8, of: Int64.self), bias32 = store.allocate((d.m + 7) / 8 * 8, of: Int32.self)
          for c in 0..<d.m { bias[c] = n.bias[c]; bias32[c] = Int32(truncatingIfNeeded: n.bias[c]) }   // the padding stays 0
          stages.append(EpilogueStage(kind: .addBias, shift: Int32(n.productShift), bias: UnsafePointer(bias), cast: lc.pointee,
                                      bias32: UnsafePointer(bias32)))
          lanes32 = lanes32 && lc.pointee.fits32
          skip += 1
          y = n.y
        case .activationFixed(let a) where a.x == y && (a.kind == .relu || a.kind == .linear) && a.count == d.m:
          guard let lc = a.lane else { break chain }
          let c = lc.pointee
          lanes32 = lanes32 && c.fits32
          if c.rightShift == 0 && c.leftShift == 0 && c.overflow == .none && !stages.isEmpty {
            // The identity conversion: a linear layer vanishes, a ReLU is max(v, 0) in the previous pass.
            if a.kind == .relu { stages[stages.count - 1].reluAfter = true }
          } else {
            stages.append(EpilogueStage(kind: a.kind == .relu ? .relu : .linear, shift: 0, bias: d.accBias, cast: c,
                                        bias32: UnsafePointer(store.allocate(1, of: Int32.self))))
          }
          skip += 1
          y = a.y
        default:
          break chain
        }
        j += 1
      }
      // A first stage that adds a bias (shift 0) and only wraps, into a type no wider than a
      // wrapping accum_t whose result conversion is the identity: wrap_W2(wrap_W(acc + b1) + b2)
      // = wrap_W2(acc + b1 + b2) for W2 ≤ W (arithmetic mod 2^W2), so the fast path adds b1 + b2
      // and wraps to that layer's type; a ReLU merged after it stays a max (only when it is the
      // last stage). hls4ml's default types (Dense → bn_Add → ReLU, all ap_fixed<16,6>) fold so.
      var relu = false
      if skip > 0, f.accumulation == .wrapDeferred, f.resultIsIdentity, let first = stages.first, first.kind == .addBias, first.shift == 0,
         first.cast.rightShift == 0, first.cast.leftShift == 0, first.cast.overflow == .wrapSigned || first.cast.overflow == .wrapUnsigned,
         64 - Int(first.cast.wrapShift) <= f.accumWidth, !(first.reluAfter && stages.count > 1) {
        let merged = store.allocate((d.m + 7) / 8 * 8, of: Int64.self)
        for c in 0..<d.m { merged[c] = d.accBias[c] &+ first.bias[c] }
        var f2 = f
        f2.bias = UnsafePointer(merged)
        f2.accumWidth = 64 - Int(first.cast.wrapShift)
        f2.accumSigned = first.cast.overflow == .wrapSigned
        d.fast = f2
        relu = first.reluAfter
        stages.removeFirst()
        if stages.isEmpty { lanes32 = false }
      }
      if skip > 0 {
        // On 32-bit lanes the Dense's own result conversion is the first pass (finish stores accum_t).
        if lanes32 && !f.resultIsIdentity, let rl = f.resultLane32 {
          stages.insert(EpilogueStage(kind: .linear, shift: 0, bias: d.accBias, cast: rl.pointee,
                                      bias32: UnsafePointer(store.allocate(1, of: Int32.self))), at: 0)
        }
        let sp = store.allocate(stages.count, of: EpilogueStage.self)
        for (k, st) in stages.enumerated() { (sp + k).initialize(to: st) }
        // The 32-bit row buffer follows the input row copy in the step's scratch region.
        let rowOffset = (max(d.k * 4, f.kPad * 2) + 63) / 64 * 16
        if lanes32 { scratchBytes = max(scratchBytes, rowOffset * 4 + (d.m + 7) / 8 * 32) }
        d.epilogue = DenseEpilogue(skip: skip, stages: UnsafePointer(sp), count: stages.count, rowOffset: rowOffset, y: y,
                                   lanes32: lanes32, relu: relu)
        steps[i] = .denseFixed(d)
        folds.append((i, y))
      }
      i = j
    }
    return folds
  }
}
