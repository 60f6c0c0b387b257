import FixedPoint
import Testing
@testable import TrigRT

/// The fast fixed-point paths (16- and 32-bit SIMD Dense, LaneCast epilogues and element-wise
/// kernels) against the general path, which converts every value through FixedCast: random
/// formats (all Q and O modes), random weights and inputs, exact equality of raw integers. The
/// general path is what an observed run executes, so each case runs twice: plain (the planner's
/// fast path where it proved one) and observed.
@Suite struct FixedKernelTests {
  struct RNG: RandomNumberGenerator {
    var s: UInt64
    mutating func next() -> UInt64 {
      s = s &* 6364136223846793005 &+ 1442695040888963407
      var x = s
      x ^= x >> 33; x = x &* 0xff51afd7ed558ccd; x ^= x >> 33
      return x
    }
  }

  static func format(_ r: inout RNG, maxWidth: Int) -> FixedFormat {
    let w = Int.random(in: 2...maxWidth, using: &r)
    let i = Int.random(in: -3...(w + 3), using: &r)
    let q = FixedFormat.Quantization.allCases.filter { $0 != .rndConvOdd }.randomElement(using: &r)!
    let o = FixedFormat.Overflow.allCases.randomElement(using: &r)!
    return try! FixedFormat(kind: .apFixed, width: w, integerBits: i, isSigned: Bool.random(using: &r), quantization: q, overflow: o, saturationBits: 0)
  }

  static func raw(_ f: FixedFormat, _ r: inout RNG) -> Int64 { Int64.random(in: f.minRaw...f.maxRaw, using: &r) }

  /// Runs one step on `x` (raws), plain and observed; returns both outputs.
  static func run(_ step: Step, x: [Int64], outCount: Int, batch: Int, scratch: Int) -> (plain: [Int64], observed: [Int64]) {
    var results: [[Int64]] = []
    for observed in [false, true] {
      var xs = x
      var y = [Int64](repeating: 0x5a5a, count: outCount * batch)
      var sc = [Int64](repeating: 0, count: max(scratch, 1))
      var stats = [LayerStats](repeating: LayerStats(), count: 1)
      xs.withUnsafeMutableBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          sc.withUnsafeMutableBufferPointer { sp in
            stats.withUnsafeMutableBufferPointer { st in
              var slots: [UnsafeMutableRawPointer] = [UnsafeMutableRawPointer(xp.baseAddress!), UnsafeMutableRawPointer(yp.baseAddress!),
                                                     UnsafeMutableRawPointer(sp.baseAddress!)]
              slots.withUnsafeMutableBufferPointer { sl in
                let steps = UnsafeMutableBufferPointer<Step>.allocate(capacity: 1)
                steps[0] = step
                if observed {
                  Executor.executeObserved(steps, UnsafePointer(sl.baseAddress!), batch: batch, stats: st.baseAddress!)
                } else {
                  Executor.execute(steps, UnsafePointer(sl.baseAddress!), batch: batch)
                }
                steps.deallocate()
              }
            }
          }
        }
      }
      results.append(y)
    }
    return (results[0], results[1])
  }

  /// Runs `steps` over one buffer per slot (`sizes` Int64 each; slot 0 gets `x`, the last one
  /// is scratch and starts at 0, the others at a marker), plain or observed; returns slot `out`.
  static func execute(_ steps: [Step], sizes: [Int], x: [Int64], batch: Int, observed: Bool, out: Int, count: Int) -> [Int64] {
    let bufs = sizes.map { UnsafeMutablePointer<Int64>.allocate(capacity: $0) }
    defer { bufs.forEach { $0.deallocate() } }
    for (i, n) in sizes.enumerated() { bufs[i].initialize(repeating: i == 0 || i == sizes.count - 1 ? 0 : 0x5a5a, count: n) }
    for (i, v) in x.enumerated() { bufs[0][i] = v }
    let stats = UnsafeMutablePointer<LayerStats>.allocate(capacity: steps.count)
    stats.initialize(repeating: LayerStats(), count: steps.count)
    defer { stats.deallocate() }
    let slots = bufs.map { UnsafeMutableRawPointer($0) }
    let b = UnsafeMutableBufferPointer<Step>.allocate(capacity: steps.count)
    _ = b.initialize(from: steps)
    defer { b.deallocate() }
    slots.withUnsafeBufferPointer { sl in
      if observed { Executor.executeObserved(b, sl.baseAddress!, batch: batch, stats: stats) }
      else { Executor.execute(b, sl.baseAddress!, batch: batch) }
    }
    return Array(UnsafeBufferPointer(start: bufs[out], count: count))
  }

  /// The types of a unit-scale ApplyAlpha whose bias can merge into a wrapping Dense's
  /// (`FixedPlanner.foldEpilogues`): a wrapping bias of at most `acc`'s fractional bits (up to
  /// `drop` fewer) and a wrapping result of acc's resolution, no wider; the result's Q mode
  /// `quantization`, or random.
  static func mergeableBias(_ r: inout RNG, after acc: FixedFormat, drop: Int, quantization: FixedFormat.Quantization?) throws -> (FixedFormat, FixedFormat) {
    let bw = Int.random(in: 2...16, using: &r), bf = acc.fractionalBits - Int.random(in: 0...drop, using: &r)
    let nb = try FixedFormat(kind: .apFixed, width: bw, integerBits: bw - bf, isSigned: Bool.random(using: &r), quantization: .trn,
                             overflow: .wrap, saturationBits: 0)
    let nw = Int.random(in: 2...acc.width, using: &r)
    let nres = try FixedFormat(kind: .apFixed, width: nw, integerBits: nw - acc.fractionalBits, isSigned: Bool.random(using: &r),
                               quantization: quantization ?? Self.format(&r, maxWidth: 8).quantization, overflow: .wrap, saturationBits: 0)
    return (nb, nres)
  }

  /// A Dense layer x (slot 0) → y (slot 1) with its resolved types.
  static func denseLayer(k: Int, m: Int, weights: [Float], bias: [Double], types: [String: FixedFormat]) -> HLSLayer {
    let spec = DenseSpec(inFeatures: k, outFeatures: m, rowsPerSample: 1, weights: weights, bias: nil, activation: .identity)
    var l = HLSLayer(name: "d", configKey: "d", className: "Dense", op: .dense(spec, weights: weights.map { Double($0) }, bias: bias), inputs: [0], output: 1)
    l.resolved = types
    return l
  }

  @Test func denseFastPathsEqualTheGeneralPath() throws {
    var r = RNG(s: 20261201)
    var fast32 = 0, fast16 = 0, high16 = 0, general = 0
    var kinds: [ProductRounding.Kind: Int] = [:]
    for trial in 0..<400 {
      // Narrow formats so that the fast paths qualify often; every fourth trial arbitrary.
      let x = Self.format(&r, maxWidth: trial % 4 == 0 ? 24 : 16)
      let w = Self.format(&r, maxWidth: trial % 4 == 0 ? 24 : 16)
      var acc = Self.format(&r, maxWidth: 32)
      if trial % 3 == 0 {
        // Wide enough that products convert exactly (the 16-bit path's condition).
        let p = FixedFormat.product(x, w)
        acc = try FixedFormat(kind: .apFixed, width: min(32, p.width + 4), integerBits: p.integerBits + 4 - max(0, p.width + 4 - 32),
                              isSigned: true, quantization: .trn, overflow: .wrap, saturationBits: 0)
      }
      let b = Self.format(&r, maxWidth: 16), res = Self.format(&r, maxWidth: 20)
      // Long rows in the exact-product trials (the 16-bit path needs k > 112).
      let k = trial % 3 == 0 ? Int.random(in: 100...200, using: &r) : Int.random(in: 1...70, using: &r), m = Int.random(in: 1...40, using: &r)
      let weights = (0..<(k * m)).map { _ in Float(w.toDouble(Self.raw(w, &r))) }
      let bias = (0..<m).map { _ in b.toDouble(Self.raw(b, &r)) }
      let l = Self.denseLayer(k: k, m: m, weights: weights, bias: bias, types: ["weight": w, "bias": b, "accum": acc, "result": res])
      let store = ConstantStore()
      var scratch = 0
      let (step, info) = try FixedPlanner.step(l, ins: [0], out: 1, inputFormats: [x], valueShape: { $0 == 0 ? [k] : [m] },
                                              store: store, statsIndex: 0, scratch: 2, scratchBytes: &scratch, source: "test")
      if info.kind.contains("16-bit mulhi") { high16 += 1 } else if info.kind.contains("16-bit") { fast16 += 1 }
      else if info.kind.contains("32-bit") { fast32 += 1 } else { general += 1 }
      if case .denseFixed(let d) = step, let f = d.fast { kinds[f.rounding.kind, default: 0] += 1 }
      let batch = Int.random(in: 1...5, using: &r)
      let xs = (0..<(k * batch)).map { _ in Self.raw(x, &r) }
      let (plain, observed) = Self.run(step, x: xs, outCount: m, batch: batch, scratch: scratch / 8 + 8)
      #expect(plain == observed, "trial \(trial): \(x) × \(w) → accum \(acc) → \(res), k=\(k) m=\(m), \(info.kind)")
    }
    #expect(fast16 > 20 && fast32 > 50 && high16 > 5, "paths taken: 16-bit \(fast16), 16-bit mulhi \(high16), 32-bit \(fast32), general \(general)")
    #expect([.floor, .round, .roundAdd, .roundShort].allSatisfy { kinds[$0, default: 0] >= 3 }, "product roundings: \(kinds)")
  }

  /// The executor switches over `Step` for every step of every run; LLVM copies a payload of
  /// at most 256 bytes inline (eight 32-byte moves) and calls memcpy above that, which cost the
  /// jet tagger ~9% of its instructions per call when DenseFixedStep grew to 264 bytes.
  @Test func stepsAreCopiedInline() {
    #expect(MemoryLayout<Step>.size <= 256, "Step is \(MemoryLayout<Step>.size) bytes; DenseFixedStep \(MemoryLayout<DenseFixedStep>.size)")
  }

  /// The 16-bit high-half Dense (DenseFixedHigh16.swift): wrapping accumulators of ≤ 16 bits,
  /// AP_TRN (and exact or left-shifted) products, inputs ≤ 16 bits; weights drawn either over
  /// their whole format or small (so that tiles with every A = 0, the mulhi-only loop, occur),
  /// m up to 70 (blocks of four tiles and single tiles), with and without a folded epilogue.
  @Test func high16DenseEqualsTheGeneralPath() throws {
    var r = RNG(s: 20261203)
    var taken = 0, foldedTaken = 0
    var tileKinds: [UInt8: Int] = [:]
    var shifts: Set<Int32> = []
    for trial in 0..<300 {
      var x = Self.format(&r, maxWidth: 16)
      if !x.isSigned && x.width == 16 { x = try FixedFormat(kind: .apFixed, width: 15, integerBits: x.integerBits, isSigned: false,
                                                           quantization: x.quantization, overflow: x.overflow, saturationBits: 0) }
      let w = Self.format(&r, maxWidth: 16)
      let aw = Int.random(in: 2...16, using: &r)
      let p = FixedFormat.product(x, w)
      // accum_t's fractional bits: 0…16 below the products' (floor by s), or at or above them.
      let af = p.fractionalBits - Int.random(in: -3...16, using: &r)
      let acc = try FixedFormat(kind: .apFixed, width: aw, integerBits: aw - af, isSigned: Bool.random(using: &r),
                                quantization: trial % 7 == 0 ? .rnd : .trn, overflow: .wrap, saturationBits: 0)
      let b = Self.format(&r, maxWidth: 16), res = Self.format(&r, maxWidth: 20)
      let k = Int.random(in: 1...130, using: &r), m = Int.random(in: 1...70, using: &r)
      let small = trial % 3 == 0
      let weights = (0..<(k * m)).map { _ -> Float in
        let raw = small ? Int64.random(in: max(w.minRaw, -40)...min(w.maxRaw, 40), using: &r) : Self.raw(w, &r)
        return Float(w.toDouble(raw))
      }
      let bias = (0..<m).map { _ in b.toDouble(Self.raw(b, &r)) }
      let l = Self.denseLayer(k: k, m: m, weights: weights, bias: bias, types: ["weight": w, "bias": b, "accum": acc, "result": res])
      let store = ConstantStore()
      var scratch = 0
      // Every other case with a ReLU after it (an identity-format one half the time), folded into
      // the epilogue, which moves the result into the 32-bit row buffer. Slots: x 0, Dense 1,
      // ReLU 2, scratch 3 (2 without the ReLU, as `run` expects).
      let chain = trial % 2 == 1
      let sc: Int32 = chain ? 3 : 2
      let shapes: (Int) -> [Int] = { $0 == 0 ? [k] : [m] }
      let (step, info) = try FixedPlanner.step(l, ins: [0], out: 1, inputFormats: [x], valueShape: shapes,
                                              store: store, statsIndex: 0, scratch: sc, scratchBytes: &scratch, source: "test")
      guard case .denseFixed(let d) = step, let f = d.fast, let h = f.high16?.pointee else {
        #expect(acc.quantization == .rnd && acc.fractionalBits < p.fractionalBits || p.width > 32 || acc.fractionalBits + 16 < p.fractionalBits,
                "trial \(trial): \(x) × \(w) → \(acc) not on the 16-bit high-half path (\(info.kind))")
        continue
      }
      #expect(info.kind.contains("16-bit mulhi"))
      taken += 1
      shifts.insert(f.rounding.kind == .floor ? f.rounding.shift : -f.rounding.shift)
      for t in 0..<h.tiles { tileKinds[h.kinds[t], default: 0] += 1 }
      let batch = Int.random(in: 1...3, using: &r)
      let xs = (0..<(k * batch)).map { _ in Self.raw(x, &r) }
      if !chain {
        let (plain, observed) = Self.run(step, x: xs, outCount: m, batch: batch, scratch: scratch / 8 + 8)
        #expect(plain == observed, "trial \(trial): \(x) × \(w) → accum \(acc) → \(res), k=\(k) m=\(m)")
        continue
      }
      var al = HLSLayer(name: "a", configKey: "a", className: "Activation", op: .activation(.relu), inputs: [1], output: 2)
      al.resolved = ["result": trial % 4 == 1 ? res : Self.format(&r, maxWidth: 20)]
      let (as_, _) = try FixedPlanner.step(al, ins: [1], out: 2, inputFormats: [res], valueShape: shapes,
                                           store: store, statsIndex: 1, scratch: 3, scratchBytes: &scratch, source: "test")
      var steps = [step, as_]
      let unfolded = steps
      let folds = FixedPlanner.foldEpilogues(&steps, readers: [0: 1, 1: 1], isArena: { _ in true }, store: store, scratchBytes: &scratch)
      if !folds.isEmpty { foldedTaken += 1 }
      let sizes = [k * batch, m * batch, m * batch, scratch / 8 + 8]
      func execute(_ st: [Step], observed: Bool) -> [Int64] {
        Self.execute(st, sizes: sizes, x: xs, batch: batch, observed: observed, out: 2, count: m * batch)
      }
      #expect(execute(steps, observed: false) == execute(unfolded, observed: true),
              "trial \(trial) (folded ReLU): \(x) × \(w) → accum \(acc) → \(res), k=\(k) m=\(m)")
    }
    #expect(taken > 150 && foldedTaken > 40, "16-bit high-half path taken \(taken) times, \(foldedTaken) with a folded ReLU")
    #expect(tileKinds[1, default: 0] > 20 && tileKinds[3, default: 0] > 20 && tileKinds[2, default: 0] > 5, "tile kinds \(tileKinds)")
    #expect(shifts.contains(16) && shifts.contains(0) && shifts.contains { $0 < 0 } && shifts.contains { $0 > 0 && $0 < 16 }, "shifts \(shifts)")
  }

  /// Chains of two or three Dense layers (each with a unit-scale ApplyAlpha and a ReLU after it
  /// in most trials) planned as a session plans them: `foldEpilogues`, then `chain16`, which
  /// finishes high-half Dense layers on their 16-bit lanes and passes Int16 results from one to
  /// the next. Against the unfolded steps run observed (the general kernels). Most trials use
  /// hls4ml-default-like types (wrapping accumulators of 2…16 bits, either sign, identity result
  /// conversions, merged biases); the others random ones, which must still agree.
  @Test func chainedHigh16DenseEqualsTheGeneralPath() throws {
    var r = RNG(s: 20261204)
    var simple = 0, chained = 0, relu = 0, unsigned = 0, narrow = 0, partial = 0, plain = 0
    for trial in 0..<250 {
      let layers = Int.random(in: 2...3, using: &r)
      let defaults = trial % 5 != 4
      var x = Self.format(&r, maxWidth: 16)
      if !x.isSigned && x.width == 16 { x = try FixedFormat(parsing: "ap_ufixed<15,5>") }
      let input = x
      let batch = Int.random(in: 1...3, using: &r)
      var k = Int.random(in: 1...40, using: &r)
      let k0 = k
      var steps: [Step] = [], unfolded: [Step] = []
      var sizes = [k * batch]
      var readers: [Int32: Int] = [:]
      var slot: Int32 = 0
      var descr: [String] = []
      let store = ConstantStore()
      var scratch = 0
      var layerSteps: [(HLSLayer, FixedFormat, Int, Int)] = []
      for _ in 0..<layers {
        let m = [1, 5, 16, 17, 32, 40, 64].randomElement(using: &r)!
        let w = Self.format(&r, maxWidth: 16)
        let p = FixedFormat.product(x, w)
        var acc = Self.format(&r, maxWidth: 20), res = Self.format(&r, maxWidth: 20)
        if defaults {
          let aw = Int.random(in: 2...16, using: &r)
          let af = p.fractionalBits - Int.random(in: -2...16, using: &r)
          acc = try FixedFormat(kind: .apFixed, width: aw, integerBits: aw - af, isSigned: Bool.random(using: &r), quantization: .trn,
                                overflow: .wrap, saturationBits: 0)
          res = acc
        }
        let b = Self.format(&r, maxWidth: 16)
        let weights = (0..<(k * m)).map { _ -> Float in
          let raw = trial % 3 == 0 ? Int64.random(in: max(w.minRaw, -40)...min(w.maxRaw, 40), using: &r) : Self.raw(w, &r)
          return Float(w.toDouble(raw))
        }
        var dl = Self.denseLayer(k: k, m: m, weights: weights, bias: (0..<m).map { _ in b.toDouble(Self.raw(b, &r)) },
                                 types: ["weight": w, "bias": b, "accum": acc, "result": res])
        dl.inputs = [Int(slot)]
        dl.output = Int(slot) + 1
        layerSteps.append((dl, x, k, m))
        readers[slot, default: 0] += 1
        slot += 1
        sizes.append(m * batch)
        x = res
        descr.append("\(k)→\(m) \(w) acc \(acc)")
        // ApplyAlpha(1, b) (merging into the Dense's bias in the default pattern), then a ReLU.
        if Int.random(in: 0..<4, using: &r) != 0 {
          var nb = Self.format(&r, maxWidth: 16), nres = Self.format(&r, maxWidth: 20)
          if defaults { (nb, nres) = try Self.mergeableBias(&r, after: acc, drop: 4, quantization: .trn) }
          var nl = HLSLayer(name: "n", configKey: "n", className: "ApplyAlpha",
                            op: .normalize(scale: [Double](repeating: 1, count: m), bias: (0..<m).map { _ in nb.toDouble(Self.raw(nb, &r)) }),
                            inputs: [Int(slot)], output: Int(slot) + 1)
          nl.resolved = ["scale": try FixedFormat(parsing: "ap_uint<1>"), "bias": nb, "result": nres]
          layerSteps.append((nl, x, m, m))
          readers[slot, default: 0] += 1
          slot += 1
          sizes.append(m * batch)
          x = nres
          if Int.random(in: 0..<3, using: &r) != 0 {
            var al = HLSLayer(name: "a", configKey: "a", className: "Activation", op: .activation(.relu), inputs: [Int(slot)], output: Int(slot) + 1)
            let ares = defaults ? nres : Self.format(&r, maxWidth: 20)
            al.resolved = ["result": ares]
            layerSteps.append((al, x, m, m))
            readers[slot, default: 0] += 1
            slot += 1
            sizes.append(m * batch)
            x = ares
          }
        }
        k = m
        if !(x.isSigned ? x.width <= 16 : x.width <= 15) { break }
      }
      let sc = slot + 1
      for (i, (l, inF, nIn, nOut)) in layerSteps.enumerated() {
        let shapes: (Int) -> [Int] = { v in v == l.inputs[0] ? [nIn] : [nOut] }
        let (st, _) = try FixedPlanner.step(l, ins: [Int32(l.inputs[0])], out: Int32(l.output), inputFormats: [inF], valueShape: shapes,
                                            store: store, statsIndex: Int32(i), scratch: sc, scratchBytes: &scratch, source: "test")
        steps.append(st)
      }
      unfolded = steps
      _ = FixedPlanner.foldEpilogues(&steps, readers: readers, isArena: { _ in true }, store: store, scratchBytes: &scratch)
      FixedPlanner.chain16(&steps, readers: readers, isArena: { _ in true }, store: store)
      for st in steps {
        guard case .denseFixed(let d) = st, d.fast?.high16 != nil else { continue }
        guard let e = d.chain?.pointee else { plain += 1; continue }
        simple += 1
        if e.inputInt16 { chained += 1 }
        if e.relu { relu += 1 }
        if !e.signed { unsigned += 1 }
        if e.shift > 0 { narrow += 1 }
        if d.m % 16 != 0 { partial += 1 }
      }
      let xs = (0..<(k0 * batch)).map { _ in Self.raw(input, &r) }
      let all = sizes + [scratch / 8 + 8]
      func execute(_ st: [Step], observed: Bool) -> [Int64] {
        Self.execute(st, sizes: all, x: xs, batch: batch, observed: observed, out: Int(slot), count: sizes[Int(slot)])
      }
      #expect(execute(steps, observed: false) == execute(unfolded, observed: true), "trial \(trial): \(input) → \(descr.joined(separator: " → "))")
    }
    #expect(simple > 200 && chained > 80 && relu > 40 && unsigned > 30 && narrow > 100 && partial > 60,
            "16-bit epilogue \(simple) (high-half without it \(plain)): Int16 input \(chained), ReLU \(relu), unsigned \(unsigned), W < 16 \(narrow), m % 16 ≠ 0 \(partial)")
  }

  /// Dense → unit-scale ApplyAlpha → ReLU / linear chains: the fast Dense with the layers folded
  /// into its epilogue (an unobserved run, `FixedPlanner.foldEpilogues`) against the same steps
  /// run one by one, observed (the general kernels). Random formats of every Q and O mode.
  @Test func foldedEpiloguesEqualTheUnfoldedLayers() throws {
    var r = RNG(s: 20261202)
    var folded = 0, folded32 = 0, mergedRelu = 0, merged = 0, mergedAll = 0, mergedAllRelu = 0
    for trial in 0..<300 {
      let x = Self.format(&r, maxWidth: 16), w = Self.format(&r, maxWidth: 16)
      var acc = Self.format(&r, maxWidth: 32), res = Self.format(&r, maxWidth: 20)
      // Every fourth trial hls4ml's default pattern: a wrapping accumulator, the Dense's result in
      // the same type, a bias of no more fractional bits and a wrapping result of the same
      // resolution, no wider (the bias merges into the fast path's: `merged` below).
      let defaults = trial % 4 == 2
      if defaults {
        let aw = Int.random(in: 4...24, using: &r)
        acc = try FixedFormat(kind: .apFixed, width: aw, integerBits: Int.random(in: -2...(aw + 2), using: &r), isSigned: Bool.random(using: &r),
                              quantization: .trn, overflow: .wrap, saturationBits: 0)
        res = acc
      }
      let b = Self.format(&r, maxWidth: 16)
      let k = Int.random(in: 1...40, using: &r), m = Int.random(in: 1...40, using: &r)
      let weights = (0..<(k * m)).map { _ in Float(w.toDouble(Self.raw(w, &r))) }
      let spec = DenseSpec(inFeatures: k, outFeatures: m, rowsPerSample: 1, weights: weights, bias: nil, activation: .identity)
      var dl = HLSLayer(name: "d", configKey: "d", className: "Dense", op: .dense(spec, weights: weights.map { Double($0) }, bias: [Double](repeating: 0, count: m)), inputs: [0], output: 1)
      dl.resolved = ["weight": w, "bias": b, "accum": acc, "result": res]
      // ApplyAlpha(scale 1, bias) then, in most trials, an activation.
      var nb = Self.format(&r, maxWidth: 16), nres = Self.format(&r, maxWidth: 20)
      if defaults { (nb, nres) = try Self.mergeableBias(&r, after: acc, drop: 6, quantization: nil) }
      // Every fifth trial (every other default-pattern one) the activation keeps its input format
      // (its conversion is the identity).
      let ares = trial % 5 == 1 || trial % 8 == 2 ? nres : Self.format(&r, maxWidth: 20)
      var nl = HLSLayer(name: "n", configKey: "n", className: "ApplyAlpha",
                        op: .normalize(scale: [Double](repeating: 1, count: m), bias: (0..<m).map { _ in nb.toDouble(Self.raw(nb, &r)) }), inputs: [1], output: 2)
      nl.resolved = ["scale": try FixedFormat(parsing: "ap_uint<1>"), "bias": nb, "result": nres]
      let act: Activation = trial % 3 == 0 ? .identity : .relu
      var al = HLSLayer(name: "a", configKey: "a", className: "Activation", op: .activation(act), inputs: [2], output: 3)
      al.resolved = ["result": ares]
      let withActivation = trial % 4 != 3
      let store = ConstantStore()
      var scratch = 0
      let shapes: (Int) -> [Int] = { $0 == 0 ? [k] : [m] }
      let (ds, _) = try FixedPlanner.step(dl, ins: [0], out: 1, inputFormats: [x], valueShape: shapes, store: store, statsIndex: 0,
                                          scratch: 4, scratchBytes: &scratch, source: "test")
      let (ns, _) = try FixedPlanner.step(nl, ins: [1], out: 2, inputFormats: [res], valueShape: shapes, store: store, statsIndex: 1,
                                          scratch: 4, scratchBytes: &scratch, source: "test")
      let (as_, _) = try FixedPlanner.step(al, ins: [2], out: 3, inputFormats: [nres], valueShape: shapes, store: store, statsIndex: 2,
                                           scratch: 4, scratchBytes: &scratch, source: "test")
      var steps = withActivation ? [ds, ns, as_] : [ds, ns]
      let last = withActivation ? 3 : 2
      let unfolded = steps
      let folds = FixedPlanner.foldEpilogues(&steps, readers: [0: 1, 1: 1, 2: 1], isArena: { _ in true }, store: store, scratchBytes: &scratch)
      guard let fold = folds.first else { continue }
      #expect(fold.step == 0 && fold.slot == Int32(last))
      folded += 1
      if case .denseFixed(let d) = steps[0], let e = d.epilogue {
        if e.lanes32 { folded32 += 1 }
        if e.count > 0 && e.stages[e.count - 1].reluAfter { mergedRelu += 1 }
        if let f = d.fast, f.bias != d.accBias { merged += 1; if e.count == 0 { mergedAll += 1; if e.relu { mergedAllRelu += 1 } } }
      }
      let batch = Int.random(in: 1...4, using: &r)
      let xs = (0..<(k * batch)).map { _ in Self.raw(x, &r) }
      func execute(_ st: [Step], observed: Bool) -> [Int64] {
        Self.execute(st, sizes: [k * batch, m * batch, m * batch, m * batch, scratch / 8 + 8], x: xs, batch: batch, observed: observed,
                     out: last, count: m * batch)
      }
      let want = execute(unfolded, observed: true)
      #expect(execute(steps, observed: false) == want, "trial \(trial): \(x) × \(w) → \(acc) → \(res) → +\(nb) → \(nres)\(withActivation ? " → \(act) \(ares)" : ""), k=\(k) m=\(m)")
      // Observed runs of the folded plan still execute every layer.
      #expect(execute(steps, observed: true) == want)
    }
    #expect(folded > 100 && folded32 > 30 && mergedRelu > 10, "folded \(folded), on 32-bit lanes \(folded32), identity ReLU merged \(mergedRelu)")
    #expect(merged > 30 && mergedAll > 15 && mergedAllRelu > 5 && merged > mergedAll,
            "bias merged into the Dense \(merged) times, with no stage left \(mergedAll), then a ReLU \(mergedAllRelu)")
  }

  /// Stable and latency softmax: the LaneCast path of unobserved runs against the observed
  /// (FixedCast) path, random formats and table sizes, 1–9 values per slice.
  @Test func softmaxLanesEqualTheGeneralPath() throws {
    var r = RNG(s: 31)
    var withLanes = 0
    for trial in 0..<300 {
      var x = Self.format(&r, maxWidth: 18)
      // (see the saturating accum_t below: inputs within ±1, exps of similar size)
      if trial % 3 == 2 { x = try FixedFormat(kind: .apFixed, width: 10, integerBits: 1, isSigned: true, quantization: .trn, overflow: .wrap, saturationBits: 0) }
      let n = Int.random(in: 1...9, using: &r)
      var l = HLSLayer(name: "s", configKey: "s", className: "Softmax", op: .softmax(SoftmaxSpec(outer: 1, axisSize: n, inner: 1)), inputs: [0], output: 1)
      l.implementation = trial % 2 == 0 ? "stable" : "latency"
      let size = [64, 256, 1024][Int.random(in: 0..<3, using: &r)]
      l.expTableSize = size; l.invTableSize = size; l.tableSize = size
      func wide(_ minWidth: Int) -> FixedFormat {
        var f = Self.format(&r, maxWidth: 24)
        while f.width < minWidth { f = Self.format(&r, maxWidth: 24) }
        return f
      }
      l.resolved = ["result": Self.format(&r, maxWidth: 18), "exp_table": wide(10), "inv_table": wide(10), "inv_inp": wide(10),
                    "accum": wide(10), "inp_norm": wide(10)]
      // Every third trial a saturating accum_t of 1–3 integer bits, which sums of the exp values
      // overflow: with AP_SAT_ZERO the order of hls4ml's reduce tree then shows in the sum.
      if trial % 3 == 2 {
        let aw = Int.random(in: 6...12, using: &r)
        l.resolved["accum"] = try FixedFormat(kind: .apFixed, width: aw, integerBits: Int.random(in: 1...3, using: &r), isSigned: true,
                                              quantization: .trn, overflow: trial % 2 == 0 ? .sat : .satZero, saturationBits: 0)
      }
      let store = ConstantStore()
      var scratch = 0
      guard let (step, _) = try? FixedPlanner.step(l, ins: [0], out: 1, inputFormats: [x], valueShape: { _ in [n] }, store: store,
                                                   statsIndex: 0, scratch: 2, scratchBytes: &scratch, source: "test") else { continue }
      if case .softmaxFixed(let sm) = step, sm.lanes != nil { withLanes += 1 }
      let batch = Int.random(in: 1...3, using: &r)
      let xs = (0..<(n * batch)).map { _ in Self.raw(x, &r) }
      let (plain, observed) = Self.run(step, x: xs, outCount: n, batch: batch, scratch: 8)
      #expect(plain == observed, "trial \(trial): \(l.implementation) \(x) n=\(n) \(l.resolved)")
    }
    #expect(withLanes > 100, "softmax layers with lanes: \(withLanes)")
  }

  /// The small-slice softmax (≤ 8 values, `SoftmaxFixedKernel.small`) with hls4ml-like types:
  /// inputs of a few integer bits, so outputs differ; a third of the trials with a narrow
  /// accum_t that the sums of the exp values overflow (AP_SAT_ZERO: the reduce tree's order
  /// shows). Unobserved (lanes) against observed (FixedCast).
  @Test func smallSoftmaxEqualsTheGeneralPath() throws {
    var r = RNG(s: 20261205)
    var spread = 0
    for trial in 0..<700 {
      let n = 2 + trial % 7
      let xw = Int.random(in: 10...16, using: &r)
      let x = try FixedFormat(kind: .apFixed, width: xw, integerBits: Int.random(in: 1...4, using: &r), isSigned: true, quantization: .trn,
                              overflow: .wrap, saturationBits: 0)
      var l = HLSLayer(name: "s", configKey: "s", className: "Softmax", op: .softmax(SoftmaxSpec(outer: 1, axisSize: n, inner: 1)), inputs: [0], output: 1)
      l.implementation = trial % 2 == 0 ? "stable" : "latency"
      let table = try FixedFormat(parsing: "ap_fixed<18,8,AP_RND,AP_SAT>")
      let accum = trial % 3 == 0
        ? try FixedFormat(kind: .apFixed, width: Int.random(in: 8...12, using: &r), integerBits: 2, isSigned: true, quantization: .trn,
                          overflow: .satZero, saturationBits: 0)
        : try FixedFormat(parsing: "ap_fixed<16,6>")
      l.resolved = ["result": try FixedFormat(parsing: "ap_fixed<16,6>"), "exp_table": table, "inv_table": table, "inv_inp": table,
                    "accum": accum, "inp_norm": try FixedFormat(parsing: "ap_ufixed<15,5>")]
      let store = ConstantStore()
      var scratch = 0
      let (step, _) = try FixedPlanner.step(l, ins: [0], out: 1, inputFormats: [x], valueShape: { _ in [n] }, store: store,
                                            statsIndex: 0, scratch: 2, scratchBytes: &scratch, source: "test")
      guard case .softmaxFixed(let sm) = step, sm.lanes != nil else { Issue.record("trial \(trial): no lanes"); continue }
      let batch = Int.random(in: 1...3, using: &r)
      let xs = (0..<(n * batch)).map { _ in Self.raw(x, &r) }
      let (plain, observed) = Self.run(step, x: xs, outCount: n, batch: batch, scratch: 8)
      if Set(observed).count > 2 { spread += 1 }
      #expect(plain == observed, "trial \(trial): \(l.implementation) \(x) n=\(n) accum \(accum)")
    }
    #expect(spread > 450, "trials with more than two distinct outputs: \(spread)")
  }

  @Test func laneCastEqualsFixedCast() throws {
    var r = RNG(s: 7)
    var checked = 0
    for _ in 0..<3000 {
      let srcF = Self.format(&r, maxWidth: 40), dst = Self.format(&r, maxWidth: 30)
      let src = srcF.exact
      let fc = FixedCast(from: src, to: dst)
      for (lc, name) in [(LaneCast.make(from: src, to: dst), "64"), (LaneCast.make32(from: src, to: dst), "32")] {
        guard let lc else { continue }
        var v = SIMD8<Int64>()
        for i in 0..<8 { v[i] = i < 2 ? (i == 0 ? srcF.minRaw : srcF.maxRaw) : Self.raw(srcF, &r) }
        let got: SIMD8<Int64> = name == "64" ? lc.apply(v) : SIMD8<Int64>(truncatingIfNeeded: lc.apply32(SIMD8<Int32>(truncatingIfNeeded: v)))
        for i in 0..<8 {
          #expect(got[i] == fc.apply(v[i]), "\(srcF) → \(dst) (\(name)-bit lanes), raw \(v[i]): \(got[i]) vs \(fc.apply(v[i]))")
          #expect(lc.apply(v[i]) == fc.apply(v[i]))
        }
        checked += 1
      }
    }
    #expect(checked > 2000)
  }

  /// A random ap_fixed input format (2–30 bits, every Q and O mode of ap_fixed) and its
  /// quantizer's eight-lane plan, if it has one.
  static func vectorQuantizer(_ r: inout RNG) throws -> (FixedFormat, InputQuantizer.VectorPlan?) {
    let w = Int.random(in: 2...30, using: &r)
    let f = try FixedFormat(kind: .apFixed, width: w, integerBits: Int.random(in: -3...(w + 3), using: &r),
                            isSigned: Bool.random(using: &r), quantization: FixedFormat.Quantization.allCases.filter { $0 != .rndConvOdd }.randomElement(using: &r)!,
                            overflow: FixedFormat.Overflow.allCases.randomElement(using: &r)!, saturationBits: 0)
    return (f, InputQuantizer(f).vector)
  }

  /// The eight-lane input quantizer (float inputs of `run`) against FixedFormat.quantize on
  /// random formats of every quantization mode: values in and around the range, exact ties,
  /// wrapping and saturating magnitudes, ±0, subnormals, ±inf and NaN.
  @Test func vectorInputQuantizerEqualsQuantize() throws {
    var r = RNG(s: 11)
    var vectorLanes = 0
    for _ in 0..<4000 {
      let (f, plan) = try Self.vectorQuantizer(&r)
      guard let plan else { continue }
      let q = InputQuantizer(f)
      let w = f.width
      let step = Float(sign: .plus, exponent: -f.fractionalBits, significand: 1)
      var x = SIMD8<Float>()
      for l in 0..<8 {
        let k = Float(Int.random(in: -(1 << min(w + 2, 24))...(1 << min(w + 2, 24)), using: &r))
        switch Int.random(in: 0..<12, using: &r) {
        case 0: x[l] = (k + 0.5) * step                                   // a tie
        case 1: x[l] = [0, -0.0, .infinity, -.infinity, .nan, Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude][Int.random(in: 0..<7, using: &r)]
        case 2: x[l] = k * step * Float(1 << Int.random(in: 1...12, using: &r))   // far out of range
        case 3: x[l] = k * step                                         // exactly representable
        default: x[l] = (k + Float.random(in: 0..<1, using: &r)) * step
        }
      }
      var out = [Int64](repeating: 0, count: 8)
      out.withUnsafeMutableBufferPointer { o in withUnsafePointer(to: q) { InputQuantizer.quantize8(x, plan, o.baseAddress!, $0) } }
      for l in 0..<8 {
        let want = f.quantize(Double(x[l])).raw
        #expect(out[l] == want, "\(f): x = \(x[l]) (\(x[l].bitPattern)): \(out[l]) vs \(want)")
        if x[l].isFinite { vectorLanes += 1 }
      }
    }
    #expect(vectorLanes > 20000)
  }

  /// The same for doubles (run_f64's eight-lane quantizer): ties, values far out of range,
  /// subnormal results, ±0, ±inf, NaN, and doubles that no float can hold.
  @Test func vectorDoubleQuantizerEqualsQuantize() throws {
    var r = RNG(s: 12)
    var vectorLanes = 0
    for _ in 0..<4000 {
      let (f, plan) = try Self.vectorQuantizer(&r)
      guard let plan else { continue }
      let q = InputQuantizer(f)
      let w = f.width
      let step = Double(sign: .plus, exponent: -f.fractionalBits, significand: 1)
      var x = [Double](repeating: 0, count: 8)
      for l in 0..<8 {
        let k = Double(Int.random(in: -(1 << min(w + 2, 40))...(1 << min(w + 2, 40)), using: &r))
        switch Int.random(in: 0..<12, using: &r) {
        case 0: x[l] = (k + 0.5) * step
        case 1: x[l] = [0, -0.0, .infinity, -.infinity, .nan, Double.leastNonzeroMagnitude, -Double.leastNormalMagnitude, 0x1p29 * step, -0x1p29 * step][Int.random(in: 0..<9, using: &r)]
        case 2: x[l] = k * step * Double(1 << Int.random(in: 1...30, using: &r))
        case 3: x[l] = k * step
        case 4: x[l] = (k + 0.5 + 0x1p-40) * step                       // just past a tie
        default: x[l] = (k + Double.random(in: 0..<1, using: &r)) * step
        }
      }
      var out = [Int64](repeating: 0, count: 8)
      out.withUnsafeMutableBufferPointer {
        q.quantize8(SIMD4(x[0], x[1], x[2], x[3]), SIMD4(x[4], x[5], x[6], x[7]), plan, $0.baseAddress!)
      }
      for l in 0..<8 {
        let want = f.quantize(x[l]).raw
        #expect(out[l] == want, "\(f): x = \(x[l]) (\(x[l].bitPattern)): \(out[l]) vs \(want)")
        if x[l].isFinite { vectorLanes += 1 }
      }
    }
    #expect(vectorLanes > 20000)
  }

  @Test func elementwiseFastPathsEqualTheGeneralPath() throws {
    var r = RNG(s: 99)
    for trial in 0..<500 {
      let x = Self.format(&r, maxWidth: 28), res = Self.format(&r, maxWidth: 24)
      let n = Int.random(in: 1...37, using: &r)
      let store = ConstantStore()
      var scratch = 0
      var l: HLSLayer
      if trial % 2 == 0 {
        l = HLSLayer(name: "a", configKey: "a", className: "Activation", op: .activation(trial % 4 == 0 ? .relu : .identity), inputs: [0], output: 1)
        l.resolved = ["result": res]
      } else {
        let b = Self.format(&r, maxWidth: 20)
        let bias = (0..<n).map { _ in b.toDouble(Self.raw(b, &r)) }
        l = HLSLayer(name: "n", configKey: "n", className: "ApplyAlpha", op: .normalize(scale: [Double](repeating: 1, count: n), bias: bias),
                     inputs: [0], output: 1)
        l.resolved = ["scale": try FixedFormat(parsing: "ap_uint<1>"), "bias": b, "result": res]
      }
      let (step, _) = try FixedPlanner.step(l, ins: [0], out: 1, inputFormats: [x], valueShape: { _ in [n] }, store: store,
                                            statsIndex: 0, scratch: 2, scratchBytes: &scratch, source: "test")
      let batch = Int.random(in: 1...4, using: &r)
      let xs = (0..<(n * batch)).map { _ in Self.raw(x, &r) }
      let (plain, observed) = Self.run(step, x: xs, outCount: n, batch: batch, scratch: 8)
      #expect(plain == observed, "trial \(trial): \(l.className) \(x) → \(res)")
    }
  }
}
