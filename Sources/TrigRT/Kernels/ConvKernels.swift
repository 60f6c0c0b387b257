/// Float kernels of the convolution family: Conv (im2col + SIMD16 matrix product) and the
/// pools. Every size, range and window was checked when the plan was built; the loops below
/// index raw pointers only inside those ranges.
///
/// Conv, per sample (first copied into zero-padded planes at the start of the plan's scratch
/// region when the Conv has pads, so no tap needs a bounds check), then per group, in chunks of
/// output positions (row-major over OH × OW):
///  1. im2col: the chunk's input patches are copied into the scratch region after it as a
///     [K][chunk] matrix (K = C/group · kH · kW, one row per kernel tap, each output-row segment
///     one contiguous or strided copy, the row length rounded up to 16 and zero-filled). Chunks
///     hold at most `chunkBudget` floats, so a chunk stays in L2 while every output channel
///     reads it.
///  2. Y[m][p] = act(b[m] + Σ_k W[m][k] · col[k][p]): four output channels × 16 positions in
///     registers (each column vector loaded once for four channels, one FMA per weight and
///     lane), one channel at a time for the remainder. Results are stored straight into the
///     NCHW output, whose positions are contiguous per channel.
/// With stride 1 along W and output rows of at least 16, step 1 is skipped: the product reads
/// the 16 values of each tap straight from the padded copy (one offset per tap, precomputed).
/// Float summation order: k ascending per accumulator (taps c, ky, kx row-major) in the
/// four-channel kernel; the single-channel kernel splits k into even and odd partial sums. This
/// differs from ONNX Runtime's order at the float rounding level only; sums of exactly
/// representable products (QONNX fake-quantised tensors) are exact in both.
import Glibc

struct ConvFloatStep {
  var x: Int32
  var y: Int32
  var scratch: Int32
  var channels: Int          // C
  var h: Int, w: Int
  var groups: Int
  var cg: Int                // input channels per group
  var mg: Int                // output channels per group
  var kh: Int, kw: Int
  var sh: Int, sw: Int
  var dh: Int, dw: Int
  var padTop: Int, padLeft: Int
  /// The zero-padded input plane the taps read (H + pads, W + pads); equal to h, w without pads.
  var hp: Int, wp: Int
  var padded: Bool
  var oh: Int, ow: Int
  var k: Int                 // cg · kh · kw
  var chunk: Int             // output positions per im2col chunk (a multiple of 16)
  /// Stride 1 along W and rows of at least 16 outputs: no im2col, the product reads the taps of
  /// 16 consecutive outputs straight from the padded copy (`taps[kk]` + the row's offset).
  var direct: Bool
  var taps: UnsafePointer<Int>        // [k]: ci·hp·wp + ky·dh·wp + kx·dw
  var weights: UnsafePointer<Float>   // [M][k]
  var bias: UnsafePointer<Float>      // [M], zeros without a bias
  var epilogue: Epilogue

  /// Floats of one im2col chunk at most (128 KiB), unless one 16-position tile needs more.
  static let chunkBudget = 32768

  init(_ c: ConvSpec, x: Int32, y: Int32, scratch: Int32, store: ConstantStore) {
    self.x = x
    self.y = y
    self.scratch = scratch
    channels = c.inChannels
    h = c.inH
    w = c.inW
    groups = c.group
    cg = c.inChannels / c.group
    mg = c.outChannels / c.group
    kh = c.kernelH
    kw = c.kernelW
    sh = c.strideH
    sw = c.strideW
    dh = c.dilationH
    dw = c.dilationW
    padTop = c.padTop
    padLeft = c.padLeft
    // Every tap lies inside the padded input: (out − 1)·stride + extent ≤ in + pads.
    hp = c.inH + c.padTop + c.padBottom
    wp = c.inW + c.padLeft + c.padRight
    direct = c.strideW == 1 && c.outW >= 16
    // The direct path always reads a copy (its last tile reads up to 15 floats past a row).
    padded = hp != c.inH || wp != c.inW || direct
    oh = c.outH
    ow = c.outW
    k = c.kernelSize
    let positions = (c.outH * c.outW + 15) / 16 * 16
    chunk = direct ? 0 : min(positions, max(16, ConvFloatStep.chunkBudget / k / 16 * 16))
    var offsets: [Int] = []
    for ci in 0..<cg { for ky in 0..<kh { for kx in 0..<kw { offsets.append((ci * hp + ky * dh) * wp + kx * dw) } } }
    taps = UnsafePointer(store.store(offsets))
    weights = UnsafePointer(store.store(c.weights))
    bias = UnsafePointer(store.store(c.bias ?? [Float](repeating: 0, count: c.outChannels)))
    epilogue = Epilogue(c.activation)
  }

  /// Floats of the padded input copy at the start of the scratch region (0 without one): 16
  /// zeros of slack after it (the direct path's last tile), rounded up to 16 so the im2col
  /// chunk after it stays 64-byte aligned.
  var paddedFloats: Int { padded ? (channels * hp * wp + 16 + 15) / 16 * 16 : 0 }

  /// Scratch bytes the step needs: the padded input and one im2col chunk.
  var scratchBytes: Int { (paddedFloats + k * chunk) * 4 }
}

enum ConvKernel {
  static func run(_ s: ConvFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y), scratch = floats(slots, s.scratch)
    let col = scratch + s.paddedFloats
    let plane = s.h &* s.w, paddedPlane = s.hp &* s.wp
    let positions = s.oh &* s.ow
    let inCount = s.channels &* plane, outCount = s.groups &* s.mg &* positions
    for n in 0..<batch {
      var xn = x + n &* inCount
      if s.padded {
        pad(s, xn, scratch)
        xn = UnsafePointer(scratch)
      }
      for g in 0..<s.groups {
        let xg = xn + g &* s.cg &* paddedPlane
        let yg = y + n &* outCount + g &* s.mg &* positions
        let wg = s.weights + g &* s.mg &* s.k, bg = s.bias + g &* s.mg
        if s.direct {
          for oy in 0..<s.oh {
            product(s, wg, bg, Taps(base: xg + oy &* s.sh &* s.wp, offsets: s.taps), s.ow, yg + oy &* s.ow, positions)
          }
          continue
        }
        var p0 = 0
        while p0 < positions {
          let pc = min(s.chunk, positions &- p0)
          pack(s, xg, col, p0, pc)
          product(s, wg, bg, Im2col(col: UnsafePointer(col), stride: s.chunk), pc, yg + p0, positions)
          p0 &+= pc
        }
      }
    }
  }

  /// Copies one sample into the zero-padded planes [C][hp][wp].
  @inline(__always)
  static func pad(_ s: ConvFloatStep, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
    var o = out
    let top = s.padTop &* s.wp, bottom = (s.hp &- s.padTop &- s.h) &* s.wp, right = s.wp &- s.padLeft &- s.w
    for c in 0..<s.channels {
      o.update(repeating: 0, count: top)
      o += top
      var src = x + c &* s.h &* s.w
      for _ in 0..<s.h {
        for j in 0..<s.padLeft { o[j] = 0 }
        copy(o + s.padLeft, src, s.w, stride: 1)
        for j in 0..<right { o[s.padLeft &+ s.w &+ j] = 0 }
        o += s.wp
        src += s.w
      }
      o.update(repeating: 0, count: bottom)
      o += bottom
    }
    o.update(repeating: 0, count: 16)
  }

  /// dst[j] = src[j · stride] for j < n.
  @inline(__always)
  static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int, stride: Int) {
    var j = 0
    if stride == 1 {
      while j &+ 16 <= n {
        UnsafeMutableRawPointer(dst + j).storeBytes(of: load16(src + j), as: SIMD16<Float>.self)
        j &+= 16
      }
      // Short rows (8 × 8 planes after a pool): 8 and 4 at a time.
      if j &+ 8 <= n {
        UnsafeMutableRawPointer(dst + j).storeBytes(of: UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        j &+= 8
      }
      if j &+ 4 <= n {
        UnsafeMutableRawPointer(dst + j).storeBytes(of: UnsafeRawPointer(src + j).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
        j &+= 4
      }
      while j < n { dst[j] = src[j]; j &+= 1 }
    } else {
      while j < n { dst[j] = src[j &* stride]; j &+= 1 }
    }
  }

  /// im2col of output positions [p0, p0 + pc) into col [k][chunk], reading the (padded) input
  /// planes x [cg][hp][wp]: no bounds to check, each output-row segment one strided copy.
  @inline(__always)
  static func pack(_ s: ConvFloatStep, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ p0: Int, _ pc: Int) {
    let tail = (pc &+ 15) & ~15
    let oy0 = p0 / s.ow, ox0 = p0 &- oy0 &* s.ow
    let rowStep = s.sh &* s.wp
    var row = col
    for ci in 0..<s.cg {
      let xc = x + ci &* s.hp &* s.wp
      for ky in 0..<s.kh {
        for kx in 0..<s.kw {
          // Tap (ky, kx) of output (oy, ox) reads xc[(oy·sh + ky·dh)·wp + ox·sw + kx·dw].
          var src = xc + ((oy0 &* s.sh &+ ky &* s.dh) &* s.wp &+ kx &* s.dw)
          var ox = ox0, done = 0
          while done < pc {
            let n = min(s.ow &- ox, pc &- done)
            copy(row + done, src + ox &* s.sw, n, stride: s.sw)
            done &+= n
            ox = 0
            src += rowStep
          }
          for i in pc..<tail { row[i] = 0 }
          row += s.chunk
        }
      }
    }
  }

  /// Where the product finds the 16 values of tap kk for outputs [t, t + 16).
  protocol Columns {
    func at(_ kk: Int, _ t: Int) -> UnsafePointer<Float>
  }

  /// The im2col chunk: row kk, `stride` floats apart.
  struct Im2col: Columns {
    let col: UnsafePointer<Float>
    let stride: Int
    @inline(__always) func at(_ kk: Int, _ t: Int) -> UnsafePointer<Float> { col + (kk &* stride &+ t) }
  }

  /// The padded input itself (stride 1 along W): tap kk of output row `base` sits at taps[kk].
  struct Taps: Columns {
    let base: UnsafePointer<Float>
    let offsets: UnsafePointer<Int>
    @inline(__always) func at(_ kk: Int, _ t: Int) -> UnsafePointer<Float> { base + (offsets[kk] &+ t) }
  }

  /// Y[m][p] for the group's mg channels over pc positions.
  @inline(__always)
  static func product<C: Columns>(_ s: ConvFloatStep, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: C,
                                  _ pc: Int, _ y: UnsafeMutablePointer<Float>, _ yStride: Int) {
    var m = 0
    while m &+ 4 <= s.mg {
      var t = 0
      while t < pc {
        rows4(s, w + m &* s.k, b + m, c, t, pc &- t, y + m &* yStride + t, yStride)
        t &+= 16
      }
      m &+= 4
    }
    while m < s.mg {
      row1(s, w + m &* s.k, b[m], c, pc, y + m &* yStride)
      m &+= 1
    }
  }

  @inline(__always)
  static func store(_ v: SIMD16<Float>, _ e: Epilogue, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let r = e.apply(v)
    if n >= 16 {
      UnsafeMutableRawPointer(y).storeBytes(of: r, as: SIMD16<Float>.self)
    } else {
      for l in 0..<n { y[l] = r[l] }
    }
  }

  /// Four output channels × the 16 positions from t (n of them stored).
  @inline(__always)
  static func rows4<C: Columns>(_ s: ConvFloatStep, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: C,
                                _ t: Int, _ n: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
    let k = s.k
    let w0 = w, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k
    var a0 = SIMD16<Float>(repeating: b[0]), a1 = SIMD16<Float>(repeating: b[1])
    var a2 = SIMD16<Float>(repeating: b[2]), a3 = SIMD16<Float>(repeating: b[3])
    for kk in 0..<k {
      let v = load16(c.at(kk, t))
      a0 = a0.addingProduct(v, SIMD16<Float>(repeating: w0[kk]))
      a1 = a1.addingProduct(v, SIMD16<Float>(repeating: w1[kk]))
      a2 = a2.addingProduct(v, SIMD16<Float>(repeating: w2[kk]))
      a3 = a3.addingProduct(v, SIMD16<Float>(repeating: w3[kk]))
    }
    store(a0, s.epilogue, y, n); store(a1, s.epilogue, y + ys, n)
    store(a2, s.epilogue, y + 2 &* ys, n); store(a3, s.epilogue, y + 3 &* ys, n)
  }

  /// One output channel: two 16-position tiles at a time, k split into even and odd sums.
  @inline(__always)
  static func row1<C: Columns>(_ s: ConvFloatStep, _ w: UnsafePointer<Float>, _ b: Float, _ c: C,
                               _ pc: Int, _ y: UnsafeMutablePointer<Float>) {
    let k = s.k
    let bv = SIMD16<Float>(repeating: b)
    var t = 0
    while t < pc {
      var a0 = bv, a1 = SIMD16<Float>(), c0 = bv, c1 = SIMD16<Float>()
      var kk = 0
      if t &+ 16 < pc {
        while kk &+ 2 <= k {
          let wa = SIMD16<Float>(repeating: w[kk]), wb = SIMD16<Float>(repeating: w[kk &+ 1])
          let p = c.at(kk, t), q = c.at(kk &+ 1, t)
          a0 = a0.addingProduct(load16(p), wa)
          c0 = c0.addingProduct(load16(p + 16), wa)
          a1 = a1.addingProduct(load16(q), wb)
          c1 = c1.addingProduct(load16(q + 16), wb)
          kk &+= 2
        }
        if kk < k {
          let wa = SIMD16<Float>(repeating: w[kk])
          let p = c.at(kk, t)
          a0 = a0.addingProduct(load16(p), wa)
          c0 = c0.addingProduct(load16(p + 16), wa)
        }
        store(a0 + a1, s.epilogue, y + t, pc &- t)
        store(c0 + c1, s.epilogue, y + (t &+ 16), pc &- t &- 16)
        t &+= 32
      } else {
        while kk &+ 2 <= k {
          a0 = a0.addingProduct(load16(c.at(kk, t)), SIMD16<Float>(repeating: w[kk]))
          a1 = a1.addingProduct(load16(c.at(kk &+ 1, t)), SIMD16<Float>(repeating: w[kk &+ 1]))
          kk &+= 2
        }
        if kk < k { a0 = a0.addingProduct(load16(c.at(kk, t)), SIMD16<Float>(repeating: w[kk])) }
        store(a0 + a1, s.epilogue, y + t, pc &- t)
        t &+= 16
      }
    }
  }
}

/// MaxPool / AveragePool / the global pools. Window taps inside the input are precomputed per
/// output row and column ([lo, hi) tap ranges, and count_include_pad's divisors). Windows that
/// lie wholly inside the input (full rows, columns [fullLo, fullHi)) run 16 outputs at a time
/// for stride 1 and 8 (or, in rows of 4 to 7 such windows, 4) at a time for the 2-wide, stride-2
/// window; the rest one output at a time.
/// Every path takes the taps in the same order (ky, then kx), so averages round identically;
/// a NaN tap makes a max NaN.
struct PoolFloatStep {
  enum Mode: UInt8 { case max, averageExcludePad, averageIncludePad, globalMax, globalAverage }
  var x: Int32
  var y: Int32
  var mode: Mode
  var channels: Int
  var h: Int, w: Int
  var oh: Int, ow: Int
  var kh: Int, kw: Int
  var sh: Int, sw: Int
  var dh: Int, dw: Int
  var padTop: Int, padLeft: Int
  var rows: UnsafePointer<Int>        // oh × (lo, hi, positions inside the padded input)
  var cols: UnsafePointer<Int>        // ow × (lo, hi, positions inside the padded input)
  /// Output columns whose windows hold all kw taps (fullLo = fullHi when none).
  var fullLo: Int, fullHi: Int
  var inner: Int                      // global pools: elements per channel

  init(_ p: PoolSpec, x: Int32, y: Int32, store: ConstantStore) {
    self.x = x
    self.y = y
    switch (p.kind, p.global) {
    case (.max, false): mode = .max
    case (.max, true): mode = .globalMax
    case (.average, true): mode = .globalAverage
    case (.average(let include), false): mode = include ? .averageIncludePad : .averageExcludePad
    }
    channels = p.channels
    h = p.inH
    w = p.inW
    oh = p.outH
    ow = p.outW
    kh = p.kernelH
    kw = p.kernelW
    sh = p.strideH
    sw = p.strideW
    dh = p.dilationH
    dw = p.dilationW
    padTop = p.padTop
    padLeft = p.padLeft
    inner = p.inner
    let ah = Window.Axis(input: p.inH, kernel: p.kernelH, stride: p.strideH, dilation: p.dilationH, padBegin: p.padTop, padEnd: p.padBottom, output: p.outH)
    let aw = Window.Axis(input: p.inW, kernel: p.kernelW, stride: p.strideW, dilation: p.dilationW, padBegin: p.padLeft, padEnd: p.padRight, output: p.outW)
    func table(_ a: Window.Axis) -> [Int] {
      (0..<a.output).flatMap { o -> [Int] in
        let r = a.valid(o)
        return [r.lowerBound, r.upperBound, a.insidePadding(o)]
      }
    }
    rows = UnsafePointer(store.store(p.global ? [0, 1, 1] : table(ah)))
    cols = UnsafePointer(store.store(p.global ? [0, 1, 1] : table(aw)))
    // Full windows form one run of columns (the valid range only shrinks at the borders).
    let full = (0..<p.outW).filter { aw.valid($0) == 0..<p.kernelW }
    fullLo = p.global ? 0 : (full.first ?? 0)
    fullHi = p.global ? 0 : (full.last.map { $0 + 1 } ?? 0)
  }
}

enum PoolKernel {
  static func run(_ s: PoolFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    switch s.mode {
    case .globalMax, .globalAverage:
      global(s, x, y, batch: batch)
      return
    default:
      break
    }
    let plane = s.h &* s.w
    for nc in 0..<(batch &* s.channels) {
      let xc = x + nc &* plane
      for oy in 0..<s.oh {
        let yr = y + (nc &* s.oh &+ oy) &* s.ow
        let ry = s.rows + oy &* 3
        if ry[0] == 0 && ry[1] == s.kh && s.fullLo < s.fullHi {
          scalar(s, xc, oy, yr, 0, s.fullLo)
          let next = s.mode == .max ? full(s, xc, oy, yr, Max.self) : full(s, xc, oy, yr, Sum.self)
          scalar(s, xc, oy, yr, next, s.ow)
        } else {
          scalar(s, xc, oy, yr, 0, s.ow)
        }
      }
    }
  }

  /// How the lanes of a window combine: the maximum (NaN wins) or the sum.
  protocol Reduce {
    static var initial: Float { get }
    static func add(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float>
    static func add(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func add(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float>
  }
  enum Max: Reduce {
    static var initial: Float { -.infinity }
    @inline(__always) static func add(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
      a.replacing(with: b, where: (b .> a) .| (b .!= b))
    }
    @inline(__always) static func add(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
      a.replacing(with: b, where: (b .> a) .| (b .!= b))
    }
    @inline(__always) static func add(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
      a.replacing(with: b, where: (b .> a) .| (b .!= b))
    }
  }
  enum Sum: Reduce {
    static var initial: Float { 0 }
    @inline(__always) static func add(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a + b }
    @inline(__always) static func add(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) static func add(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a + b }
  }

  /// Full windows of output row oy from column fullLo on, as many as the vector paths take;
  /// returns the first column left for the scalar path. Divisors are kh·kw here.
  @inline(__always)
  static func full<R: Reduce>(_ s: PoolFloatStep, _ xc: UnsafePointer<Float>, _ oy: Int, _ y: UnsafeMutablePointer<Float>, _: R.Type) -> Int {
    var ox = s.fullLo
    let top = xc + (oy &* s.sh &- s.padTop) &* s.w
    let scale = SIMD16<Float>(repeating: Float(s.kh &* s.kw))
    // A last vector that would run past fullHi starts at fullHi − width instead and recomputes a
    // few outputs (to the same values) rather than leaving them to the scalar path.
    if s.sw == 1 && s.fullHi &- ox >= 16 {
      while ox < s.fullHi {
        ox = min(ox, s.fullHi &- 16)
        var v = SIMD16<Float>(repeating: R.initial)
        let base = top + (ox &- s.padLeft)
        for ky in 0..<s.kh {
          let r = base + ky &* s.dh &* s.w
          for kx in 0..<s.kw { v = R.add(v, load16(r + kx &* s.dw)) }
        }
        if R.self == Sum.self { v = v / scale }
        UnsafeMutableRawPointer(y + ox).storeBytes(of: v, as: SIMD16<Float>.self)
        ox &+= 16
      }
    } else if s.sw == 2 && s.kw == 2 && s.dw == 1 && s.fullHi &- ox >= 8 {
      // 8 windows cover 16 consecutive inputs: taps kx = 0, 1 are the even and odd lanes.
      while ox < s.fullHi {
        ox = min(ox, s.fullHi &- 8)
        var v = SIMD8<Float>(repeating: R.initial)
        let base = top + (2 &* ox &- s.padLeft)
        for ky in 0..<s.kh {
          let u = load16(base + ky &* s.dh &* s.w)
          v = R.add(R.add(v, u.evenHalf), u.oddHalf)
        }
        if R.self == Sum.self { v = v / scale.lowHalf }
        UnsafeMutableRawPointer(y + ox).storeBytes(of: v, as: SIMD8<Float>.self)
        ox &+= 8
      }
    } else if s.sw == 2 && s.kw == 2 && s.dw == 1 && s.fullHi &- ox >= 4 {
      // Rows of 4 to 7 full windows (e.g. 8 → 4 after the second pool of a small CNN): 4 at a
      // time from 8 consecutive inputs.
      while ox < s.fullHi {
        ox = min(ox, s.fullHi &- 4)
        var v = SIMD4<Float>(repeating: R.initial)
        let base = top + (2 &* ox &- s.padLeft)
        for ky in 0..<s.kh {
          let u = UnsafeRawPointer(base + ky &* s.dh &* s.w).loadUnaligned(as: SIMD8<Float>.self)
          v = R.add(R.add(v, u.evenHalf), u.oddHalf)
        }
        if R.self == Sum.self { v = v / scale.lowHalf.lowHalf }
        UnsafeMutableRawPointer(y + ox).storeBytes(of: v, as: SIMD4<Float>.self)
        ox &+= 4
      }
    }
    return ox
  }

  /// Outputs [from, to) of row oy, one at a time over their valid taps.
  @inline(__always)
  static func scalar(_ s: PoolFloatStep, _ xc: UnsafePointer<Float>, _ oy: Int, _ y: UnsafeMutablePointer<Float>, _ from: Int, _ to: Int) {
    let ry = s.rows + oy &* 3
    let iy0 = oy &* s.sh &- s.padTop
    var ox = from
    while ox < to {
      let rx = s.cols + ox &* 3
      let ix0 = ox &* s.sw &- s.padLeft
      if s.mode == .max {
        var m = -Float.infinity
        for ky in ry[0]..<ry[1] {
          let r = xc + ((iy0 &+ ky &* s.dh) &* s.w &+ ix0)
          for kx in rx[0]..<rx[1] {
            let v = r[kx &* s.dw]
            if v > m || v.isNaN { m = v }
          }
        }
        y[ox] = m
      } else {
        var sum: Float = 0
        for ky in ry[0]..<ry[1] {
          let r = xc + ((iy0 &+ ky &* s.dh) &* s.w &+ ix0)
          for kx in rx[0]..<rx[1] { sum += r[kx &* s.dw] }
        }
        let n = s.mode == .averageIncludePad ? ry[2] &* rx[2] : (ry[1] &- ry[0]) &* (rx[1] &- rx[0])
        y[ox] = sum / Float(n)
      }
      ox &+= 1
    }
  }

  /// One value per channel over `inner` contiguous elements: 16 lanes at a time.
  @inline(__always)
  static func global(_ s: PoolFloatStep, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int) {
    let n = s.inner
    for nc in 0..<(batch &* s.channels) {
      let p = x + nc &* n
      var i = 0
      if s.mode == .globalMax {
        var m = -Float.infinity
        if n >= 16 {
          var v = load16(p)
          var nan = v .!= v
          i = 16
          while i &+ 16 <= n {
            let u = load16(p + i)
            v = v.replacing(with: u, where: u .> v)
            nan = nan .| (u .!= u)
            i &+= 16
          }
          if any(nan) { m = .nan } else { m = v.max() }
        }
        while i < n {
          let u = p[i]
          if u > m || u.isNaN { m = u }
          i &+= 1
        }
        y[nc] = m
      } else {
        var acc = SIMD16<Float>()
        while i &+ 16 <= n { acc += load16(p + i); i &+= 16 }
        var sum = acc.sum()
        while i < n { sum += p[i]; i &+= 1 }
        y[nc] = sum / Float(n)
      }
    }
  }
}
