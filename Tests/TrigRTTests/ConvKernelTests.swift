import Testing
@testable import TrigRT
import TrigRTTools

/// The Conv and pool kernels against plain double-precision loops over random geometries:
/// 1-D and 2-D, strides, dilations, asymmetric pads (also wider than the kernel), groups,
/// every activation, im2col chunks from one 16-position tile up, batches 1…3. Guards after the
/// output and the scratch region catch any write past them.
@Suite struct ConvKernelTests {
  static func randomSpec(_ rng: inout some RandomNumberGenerator) -> ConvSpec {
    let rank = Int.random(in: 1...2, using: &rng)
    let group = [1, 1, 2, 3].randomElement(using: &rng)!
    let cg = Int.random(in: 1...5, using: &rng), mg = Int.random(in: 1...9, using: &rng)
    func axis(_ on: Bool, widest: Int) -> Window.Axis {
      guard on else { return .unit }
      let k = Int.random(in: 1...4, using: &rng), d = Int.random(in: 1...2, using: &rng)
      let input = Int.random(in: max(1, (k - 1) * d + 1 - 2)...widest, using: &rng)
      // Stride 1 half the time: rows of 16 outputs and more take the direct (no im2col) path.
      var a = Window.Axis(input: input, kernel: k, stride: Bool.random(using: &rng) ? 1 : Int.random(in: 2...3, using: &rng), dilation: d,
                          padBegin: Int.random(in: 0...3, using: &rng), padEnd: Int.random(in: 0...3, using: &rng), output: 0)
      while a.input + a.padBegin + a.padEnd < a.extent { a.padEnd += 1 }
      a.output = (a.input + a.padBegin + a.padEnd - a.extent) / a.stride + 1
      return a
    }
    let h = axis(rank == 2, widest: 13), w = axis(true, widest: Bool.random(using: &rng) ? 13 : 40)
    let m = mg * group, c = cg * group
    let acts: [Activation] = [.identity, .relu, .leakyRelu(alpha: 0.1), .sigmoid, .tanh, .clip(min: -0.3, max: 0.4)]
    let k = cg * h.kernel * w.kernel
    return ConvSpec(spatialRank: rank, inChannels: c, outChannels: m, group: group, inH: h.input, inW: w.input,
                    kernelH: h.kernel, kernelW: w.kernel, strideH: h.stride, strideW: w.stride, dilationH: h.dilation, dilationW: w.dilation,
                    padTop: h.padBegin, padLeft: w.padBegin, padBottom: h.padEnd, padRight: w.padEnd, outH: h.output, outW: w.output,
                    weights: (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) },
                    bias: Bool.random(using: &rng) ? (0..<m).map { _ in Float.random(in: -1...1, using: &rng) } : nil,
                    activation: acts.randomElement(using: &rng)!)
  }

  /// Runs one step over `x` with `slots` [x, y, scratch]; returns y.
  static func run(_ x: [Float], outCount: Int, scratchFloats: Int, batch: Int, _ body: (Slots) -> Void) -> (y: [Float], guardsIntact: Bool) {
    var y = [Float](repeating: .nan, count: outCount * batch + 16)
    var scratch = [Float](repeating: .nan, count: scratchFloats + 16)
    for i in 0..<16 { y[outCount * batch + i] = 12345; scratch[scratchFloats + i] = 12345 }
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        scratch.withUnsafeMutableBufferPointer { sp in
          let slots = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 3)
          slots[0] = UnsafeMutableRawPointer(mutating: xp.baseAddress!)
          slots[1] = UnsafeMutableRawPointer(yp.baseAddress!)
          slots[2] = UnsafeMutableRawPointer(sp.baseAddress!)
          body(UnsafePointer(slots))
          slots.deallocate()
        }
      }
    }
    let intact = (0..<16).allSatisfy { y[outCount * batch + $0] == 12345 && scratch[scratchFloats + $0] == 12345 }
    return (Array(y.prefix(outCount * batch)), intact)
  }

  @Test func convMatchesReference() {
    var rng = SystemRandomNumberGenerator()
    var directCount = 0
    for trial in 0..<400 {
      let spec = Self.randomSpec(&rng)
      let store = ConstantStore()
      var step = ConvFloatStep(spec, x: 0, y: 1, scratch: 2, store: store)
      // Small chunks too, so chunk boundaries fall anywhere inside output rows.
      if trial % 2 == 1 && !step.direct { step.chunk = min(step.chunk, [16, 32, 48].randomElement(using: &rng)!) }
      if step.direct { directCount += 1 }
      let inCount = spec.inChannels * spec.inH * spec.inW, outCount = spec.outChannels * spec.outH * spec.outW
      let batch = Int.random(in: 1...3, using: &rng)
      let x = (0..<(inCount * batch)).map { _ in Float.random(in: -2...2, using: &rng) }
      let (y, intact) = Self.run(x, outCount: outCount, scratchFloats: step.scratchBytes / 4, batch: batch) {
        ConvKernel.run(step, $0, batch: batch)
      }
      withExtendedLifetime(store) {}
      #expect(intact, "write past the output or the scratch region: \(spec)")
      var want: [Float] = []
      for n in 0..<batch { want += Conv.reference(spec, Array(x[(n * inCount)..<((n + 1) * inCount)])) }
      let tol = Float(1e-5) * Float(spec.kernelSize).squareRoot() * 4
      let worst = zip(y, want).map { abs($0 - $1) }.max() ?? 0
      #expect(worst <= tol, "trial \(trial): \(worst) for \(spec)")
      #expect(!y.contains { $0.isNaN })
    }
    #expect(directCount >= 20, "only \(directCount) of 400 geometries took the direct path")
  }

  @Test func poolsMatchReference() {
    var rng = SystemRandomNumberGenerator()
    for trial in 0..<400 {
      let rank = Int.random(in: 1...2, using: &rng)
      let ceil = Bool.random(using: &rng)
      func axis(_ on: Bool, widest: Int) -> Window.Axis? {
        guard on else { return .unit }
        let k = Int.random(in: 1...4, using: &rng), d = Int.random(in: 1...2, using: &rng)
        var a = Window.Axis(input: Int.random(in: ((k - 1) * d + 1)...widest, using: &rng), kernel: k, stride: Int.random(in: 1...3, using: &rng),
                            dilation: d, padBegin: Int.random(in: 0..<k, using: &rng), padEnd: Int.random(in: 0..<k, using: &rng), output: 0)
        let span = a.input + a.padBegin + a.padEnd - a.extent
        a.output = (ceil ? (span + a.stride - 1) / a.stride : span / a.stride) + 1
        if ceil && (a.output - 1) * a.stride >= a.input + a.padBegin { a.output -= 1 }
        // The lowering refuses windows without input elements; so does this generator.
        return (0..<a.output).allSatisfy { !a.valid($0).isEmpty } ? a : nil
      }
      // Wide rows too, so the 16- and 8-output vector paths over full windows run.
      guard let h = axis(rank == 2, widest: 12), var w = axis(true, widest: 48) else { continue }
      if trial % 4 == 0 {   // the 2-wide, stride-2 window (MaxPool 2×2/2) over rows of 4 to 20 outputs
        w = Window.Axis(input: Int.random(in: (trial % 8 == 0 ? 8 : 16)...(trial % 8 == 0 ? 15 : 40), using: &rng), kernel: 2, stride: 2, dilation: 1,
                        padBegin: Int.random(in: 0...1, using: &rng), padEnd: Int.random(in: 0...1, using: &rng), output: 0)
        w.output = (w.input + w.padBegin + w.padEnd - 2) / 2 + 1
      }
      let kind: PoolKind = [.max, .average(countIncludePad: false), .average(countIncludePad: true)].randomElement(using: &rng)!
      let spec = PoolSpec(kind: kind, global: false, spatialRank: rank, channels: Int.random(in: 1...4, using: &rng), inH: h.input, inW: w.input,
                          kernelH: h.kernel, kernelW: w.kernel, strideH: h.stride, strideW: w.stride, dilationH: h.dilation, dilationW: w.dilation,
                          padTop: h.padBegin, padLeft: w.padBegin, padBottom: h.padEnd, padRight: w.padEnd, outH: h.output, outW: w.output)
      let store = ConstantStore()   // owns the step's tables: keep it alive while the step runs
      let step = PoolFloatStep(spec, x: 0, y: 1, store: store)
      let inCount = spec.channels * spec.inH * spec.inW, outCount = spec.channels * spec.outH * spec.outW
      let batch = Int.random(in: 1...3, using: &rng)
      let x = (0..<(inCount * batch)).map { _ in Float.random(in: -2...2, using: &rng) }
      let (y, intact) = Self.run(x, outCount: outCount, scratchFloats: 0, batch: batch) { PoolKernel.run(step, $0, batch: batch) }
      withExtendedLifetime(store) {}
      #expect(intact)
      var want: [Float] = []
      for n in 0..<batch { want += Pooling.reference(spec, Array(x[(n * inCount)..<((n + 1) * inCount)])) }
      let worst = zip(y, want).map { abs($0 - $1) }.max() ?? 0
      #expect(worst <= 1e-6, "trial \(trial) \(kind): \(worst) for \(spec)")
    }
  }

  @Test func globalPoolsMatchReference() {
    var rng = SystemRandomNumberGenerator()
    for inner in [1, 5, 15, 16, 17, 33, 64, 100] {
      for kind in [PoolKind.max, .average(countIncludePad: false)] {
        let spec = PoolSpec(kind: kind, global: true, spatialRank: 1, channels: 3, inH: 1, inW: inner, kernelH: 1, kernelW: inner,
                            strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0,
                            outH: 1, outW: 1, inner: inner)
        let store = ConstantStore()   // owns the step's tables: keep it alive while the step runs
      let step = PoolFloatStep(spec, x: 0, y: 1, store: store)
        var x = (0..<(3 * inner * 2)).map { _ in Float.random(in: -2...2, using: &rng) }
        x[inner + inner / 2] = .nan   // channel 1 of sample 0: NaN propagates through both pools
        let (y, intact) = Self.run(x, outCount: 3, scratchFloats: 0, batch: 2) { PoolKernel.run(step, $0, batch: 2) }
        withExtendedLifetime(store) {}
        #expect(intact)
        for ch in 0..<6 {
          let v = x[(ch * inner)..<((ch + 1) * inner)]
          if ch == 1 { #expect(y[ch].isNaN, "\(kind) inner \(inner): NaN lost"); continue }
          let want = kind == .max ? v.max()! : Float(v.map(Double.init).reduce(0, +) / Double(inner))
          #expect(abs(y[ch] - want) <= 1e-6, "\(kind) inner \(inner) channel \(ch): \(y[ch]) vs \(want)")
        }
      }
    }
  }

  /// Bytes of the CNN fixture flipped at random: every variant fails to load with a message or
  /// loads and runs (whatever geometry the flips produced) without trapping.
  @Test func mutatedCNNsLoadOrFailAndRunWithoutTrapping() throws {
    let bytes = try ONNXReader.readFile(Paths.fixture("ops/cnn_chain.onnx"))
    var rng = SystemRandomNumberGenerator()
    var loaded = 0
    for _ in 0..<500 {
      var m = bytes
      for _ in 0..<Int.random(in: 1...3, using: &rng) { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
      let r: Result<Model, TrigRTError> = m.withUnsafeBytes { b in Result { () throws(TrigRTError) in try Model.load(bytes: b) } }
      switch r {
      case .failure(let e): #expect(!e.message.isEmpty)
      case .success(let model):
        guard model.inputs.count == 1, model.outputs.count == 1, model.inputs[0].count <= 1 << 16,
              (model.arenaBytes(maxBatch: 3) ?? .max) <= 1 << 26 else { continue }
        loaded += 1
        let x = NPYArray(shape: [3] + model.inputs[0].shape,
                         values: (0..<(3 * model.inputs[0].count)).map { _ in Double.random(in: -2...2, using: &rng) })
        _ = try runAll(model, x, batch: 3, f64: false)
      }
    }
    #expect(loaded > 0)
  }
}
