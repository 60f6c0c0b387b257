/// The Dense layer that Gemm and MatMul lower to: y[r, m] = act(Σ_k x[r, k] · W[k, m] + b[m]).
///
/// Float kernels, hand-vectorised with concrete `SIMD16<Float>` and FMA (needs the x86-64-v3
/// build, SWIFT-NOTES P1). Weights are packed at load into tiles of 16 output columns,
/// tile-major: `w[t][k][0..<16]`, zero-padded past M, so every tile streams contiguously.
///  - one row (batch 1): up to 4 tiles (64 outputs) in flight, one broadcast of x[k] per k;
///  - four rows at once (batches ≥ 4): a 4-row × 16-column register block, each weight vector
///    loaded once for four rows.
/// Float summation order: k ascending within each accumulator, as the plain C loop does; the
/// single-tile kernel splits k into even and odd partial sums for latency, which changes the
/// result at the float rounding level only.
import Glibc

/// Activation codes for kernel epilogues (the payload of `Activation` without Swift enums in
/// the hot path).
enum ActCode: UInt8 { case identity, relu, leakyRelu, sigmoid, tanh, clip }

struct Epilogue {
  var code: ActCode
  var alpha: Float
  var lo: Float
  var hi: Float

  init(_ a: Activation) {
    switch a {
    case .identity: self.init(code: .identity, alpha: 0, lo: 0, hi: 0)
    case .relu: self.init(code: .relu, alpha: 0, lo: 0, hi: 0)
    case .leakyRelu(let al): self.init(code: .leakyRelu, alpha: al, lo: 0, hi: 0)
    case .sigmoid: self.init(code: .sigmoid, alpha: 0, lo: 0, hi: 0)
    case .tanh: self.init(code: .tanh, alpha: 0, lo: 0, hi: 0)
    case .clip(let l, let h): self.init(code: .clip, alpha: 0, lo: l, hi: h)
    }
  }

  init(code: ActCode, alpha: Float, lo: Float, hi: Float) {
    self.code = code
    self.alpha = alpha
    self.lo = lo
    self.hi = hi
  }

  /// NaN propagates through every activation (comparisons with NaN are false).
  @inline(__always)
  func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
    switch code {
    case .identity: return v
    case .relu: return v.replacing(with: 0, where: v .< 0)
    case .leakyRelu: return v.replacing(with: v * alpha, where: v .< 0)
    case .clip: return v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
    case .sigmoid:
      var r = v
      for i in 0..<16 { r[i] = 1 / (1 + expf(-v[i])) }
      return r
    case .tanh:
      var r = v
      for i in 0..<16 { r[i] = tanhf(v[i]) }
      return r
    }
  }

  @inline(__always)
  func apply(_ x: Float) -> Float {
    switch code {
    case .identity: return x
    case .relu: return x < 0 ? 0 : x
    case .leakyRelu: return x < 0 ? alpha * x : x
    case .clip: return x < lo ? lo : (x > hi ? hi : x)
    case .sigmoid: return 1 / (1 + expf(-x))
    case .tanh: return tanhf(x)
    }
  }
}

struct DenseFloatStep {
  var x: Int32
  var y: Int32
  var k: Int
  var m: Int
  var tiles: Int
  var rowsPerSample: Int
  var w: UnsafePointer<Float>
  var b: UnsafePointer<Float>
  var epilogue: Epilogue

  /// Packs W [K][M] and b into tiles.
  init(_ d: DenseSpec, x: Int32, y: Int32, store: ConstantStore) {
    self.x = x
    self.y = y
    k = d.inFeatures
    m = d.outFeatures
    tiles = (m + 15) / 16
    rowsPerSample = d.rowsPerSample
    let packed = store.allocate(tiles * 16 * k, of: Float.self)
    for t in 0..<tiles {
      for kk in 0..<k {
        for l in 0..<16 where t * 16 + l < m {
          packed[(t * k + kk) * 16 + l] = d.weights[kk * m + t * 16 + l]
        }
      }
    }
    let bias = store.allocate(tiles * 16, of: Float.self)
    if let bv = d.bias { for i in 0..<m { bias[i] = bv[i] } }
    w = UnsafePointer(packed)
    b = UnsafePointer(bias)
    epilogue = Epilogue(d.activation)
  }
}

@inline(__always) func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

enum DenseKernel {
  static func run(_ s: DenseFloatStep, _ slots: UnsafePointer<UnsafeMutableRawPointer>, batch: Int) {
    let x = UnsafePointer(slots[Int(s.x)].assumingMemoryBound(to: Float.self))
    let y = slots[Int(s.y)].assumingMemoryBound(to: Float.self)
    let rows = batch &* s.rowsPerSample
    var r = 0
    while r &+ 4 <= rows {
      rows4(s, x + r &* s.k, y + r &* s.m)
      r &+= 4
    }
    while r < rows {
      row(s, x + r &* s.k, y + r &* s.m)
      r &+= 1
    }
  }

  /// Stores columns [m0, m0+16) of one row, clipped to M (the caller's buffer ends at M).
  @inline(__always)
  static func store(_ v: SIMD16<Float>, _ s: DenseFloatStep, _ y: UnsafeMutablePointer<Float>, _ m0: Int) {
    let v = s.epilogue.apply(v)
    if m0 &+ 16 <= s.m {
      UnsafeMutableRawPointer(y + m0).storeBytes(of: v, as: SIMD16<Float>.self)
    } else {
      for l in 0..<(s.m &- m0) { y[m0 &+ l] = v[l] }
    }
  }

  /// One row: tiles in groups of 4, then 2, then 1.
  @inline(__always)
  static func row(_ s: DenseFloatStep, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    let k = s.k
    let ts = k &* 16
    var t = 0
    while t &+ 4 <= s.tiles {
      let w0 = s.w + t &* ts, w1 = w0 + ts, w2 = w1 + ts, w3 = w2 + ts
      let bp = s.b + t &* 16
      var a0 = load16(bp), a1 = load16(bp + 16), a2 = load16(bp + 32), a3 = load16(bp + 48)
      for kk in 0..<k {
        let xv = SIMD16<Float>(repeating: x[kk])
        let o = kk &* 16
        a0 = a0.addingProduct(load16(w0 + o), xv)
        a1 = a1.addingProduct(load16(w1 + o), xv)
        a2 = a2.addingProduct(load16(w2 + o), xv)
        a3 = a3.addingProduct(load16(w3 + o), xv)
      }
      store(a0, s, y, t &* 16); store(a1, s, y, t &* 16 &+ 16)
      store(a2, s, y, t &* 16 &+ 32); store(a3, s, y, t &* 16 &+ 48)
      t &+= 4
    }
    if t &+ 2 <= s.tiles {
      let w0 = s.w + t &* ts, w1 = w0 + ts
      let bp = s.b + t &* 16
      var a0 = load16(bp), a1 = load16(bp + 16)
      var c0 = SIMD16<Float>(), c1 = SIMD16<Float>()
      var kk = 0
      while kk &+ 2 <= k {
        let o = kk &* 16
        let xv = SIMD16<Float>(repeating: x[kk]), xw = SIMD16<Float>(repeating: x[kk &+ 1])
        a0 = a0.addingProduct(load16(w0 + o), xv)
        a1 = a1.addingProduct(load16(w1 + o), xv)
        c0 = c0.addingProduct(load16(w0 + o + 16), xw)
        c1 = c1.addingProduct(load16(w1 + o + 16), xw)
        kk &+= 2
      }
      if kk < k {
        let o = kk &* 16
        let xv = SIMD16<Float>(repeating: x[kk])
        a0 = a0.addingProduct(load16(w0 + o), xv)
        a1 = a1.addingProduct(load16(w1 + o), xv)
      }
      store(a0 + c0, s, y, t &* 16); store(a1 + c1, s, y, t &* 16 &+ 16)
      t &+= 2
    }
    if t < s.tiles {
      let w0 = s.w + t &* ts
      var a0 = load16(s.b + t &* 16)
      var c0 = SIMD16<Float>(), d0 = SIMD16<Float>(), e0 = SIMD16<Float>()
      var kk = 0
      while kk &+ 4 <= k {
        let o = kk &* 16
        a0 = a0.addingProduct(load16(w0 + o), SIMD16<Float>(repeating: x[kk]))
        c0 = c0.addingProduct(load16(w0 + o + 16), SIMD16<Float>(repeating: x[kk &+ 1]))
        d0 = d0.addingProduct(load16(w0 + o + 32), SIMD16<Float>(repeating: x[kk &+ 2]))
        e0 = e0.addingProduct(load16(w0 + o + 48), SIMD16<Float>(repeating: x[kk &+ 3]))
        kk &+= 4
      }
      while kk < k {
        a0 = a0.addingProduct(load16(w0 + kk &* 16), SIMD16<Float>(repeating: x[kk]))
        kk &+= 1
      }
      store((a0 + c0) + (d0 + e0), s, y, t &* 16)
    }
  }

  /// Four rows × one 16-column tile at a time: each weight vector is loaded once per four rows.
  @inline(__always)
  static func rows4(_ s: DenseFloatStep, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    let k = s.k, m = s.m
    let x0 = x, x1 = x + k, x2 = x1 + k, x3 = x2 + k
    for t in 0..<s.tiles {
      let w = s.w + t &* k &* 16
      let bv = load16(s.b + t &* 16)
      var a0 = bv, a1 = bv, a2 = bv, a3 = bv
      for kk in 0..<k {
        let wv = load16(w + kk &* 16)
        a0 = a0.addingProduct(wv, SIMD16<Float>(repeating: x0[kk]))
        a1 = a1.addingProduct(wv, SIMD16<Float>(repeating: x1[kk]))
        a2 = a2.addingProduct(wv, SIMD16<Float>(repeating: x2[kk]))
        a3 = a3.addingProduct(wv, SIMD16<Float>(repeating: x3[kk]))
      }
      let m0 = t &* 16
      store(a0, s, y, m0); store(a1, s, y + m, m0)
      store(a2, s, y + 2 &* m, m0); store(a3, s, y + 3 &* m, m0)
    }
  }

  /// Reference: the plain loop, in double, for tests.
  static func reference(_ d: DenseSpec, _ x: [Float]) -> [Float] {
    let rows = x.count / d.inFeatures
    var y = [Float](repeating: 0, count: rows * d.outFeatures)
    for r in 0..<rows {
      for m in 0..<d.outFeatures {
        var acc = Double(d.bias?[m] ?? 0)
        for k in 0..<d.inFeatures { acc += Double(x[r * d.inFeatures + k]) * Double(d.weights[k * d.outFeatures + m]) }
        y[r * d.outFeatures + m] = ActivationOp.apply(d.activation, Float(acc))
      }
    }
    return y
  }
}
