/// Float kernels of the element-wise layers: binary arithmetic with broadcasting (Add, Sub, Mul,
/// Div), stand-alone activations, per-channel affine (BatchNormalization), softmax, concat and
/// copy. Straight-line loops over raw pointers; every size was checked when the plan was built.
import Glibc

typealias Slots = UnsafePointer<UnsafeMutableRawPointer>

@inline(__always) func floats(_ slots: Slots, _ i: Int32) -> UnsafeMutablePointer<Float> {
  slots[Int(i)].assumingMemoryBound(to: Float.self)
}

struct BinaryFloatStep {
  enum Mode: UInt8 {
    /// Both operands have the output's shape.
    case same
    /// Operand b (a constant, or any operand whose index repeats with period p within a sample
    /// and across samples) broadcast against a full-shape a.
    case periodicB
    /// The same with a as the periodic operand (the order matters for Sub and Div).
    case periodicA
    /// Anything else: strided indexing per output element.
    case general
  }
  var a: Int32
  var b: Int32
  var y: Int32
  var op: BinaryOp
  var mode: Mode
  var count: Int             // output elements per sample
  var period: Int            // periodic modes
  var aBatchStride: Int      // general mode: 0 for a constant, else its per-sample count
  var bBatchStride: Int
  var rank: Int
  var dims: UnsafePointer<Int>      // per-sample output dims (general mode)
  var aStrides: UnsafePointer<Int>  // per-sample strides, 0 where broadcast
  var bStrides: UnsafePointer<Int>
}

enum BinaryKernel {
  static func run(_ s: BinaryFloatStep, _ slots: Slots, batch: Int) {
    switch s.op {
    case .add: apply(s, slots, batch) { $0 + $1 }
    case .sub: apply(s, slots, batch) { $0 - $1 }
    case .mul: apply(s, slots, batch) { $0 * $1 }
    case .div: apply(s, slots, batch) { $0 / $1 }
    }
  }

  @inline(__always)
  static func apply(_ s: BinaryFloatStep, _ slots: Slots, _ batch: Int, _ f: (Float, Float) -> Float) {
    let a = UnsafePointer(floats(slots, s.a)), b = UnsafePointer(floats(slots, s.b)), y = floats(slots, s.y)
    switch s.mode {
    case .same:
      for i in 0..<(batch &* s.count) { y[i] = f(a[i], b[i]) }
    case .periodicB:
      let p = s.period
      for j in 0..<(batch &* s.count / p) {
        let o = j &* p
        for i in 0..<p { y[o &+ i] = f(a[o &+ i], b[i]) }
      }
    case .periodicA:
      let p = s.period
      for j in 0..<(batch &* s.count / p) {
        let o = j &* p
        for i in 0..<p { y[o &+ i] = f(a[i], b[o &+ i]) }
      }
    case .general:
      for n in 0..<batch {
        let ab = a + n &* s.aBatchStride, bb = b + n &* s.bBatchStride, yb = y + n &* s.count
        for i in 0..<s.count {
          var rem = i, ia = 0, ib = 0
          var d = s.rank &- 1
          while d >= 0 {
            let dim = s.dims[d]
            let c = rem % dim
            rem /= dim
            ia &+= c &* s.aStrides[d]
            ib &+= c &* s.bStrides[d]
            d &-= 1
          }
          yb[i] = f(ab[ia], bb[ib])
        }
      }
    }
  }
}

struct ActivationFloatStep {
  var x: Int32
  var y: Int32
  var count: Int
  var epilogue: Epilogue
}

enum ActivationKernel {
  static func run(_ s: ActivationFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let n = batch &* s.count
    var i = 0
    while i &+ 16 <= n {
      UnsafeMutableRawPointer(y + i).storeBytes(of: s.epilogue.apply(load16(x + i)), as: SIMD16<Float>.self)
      i &+= 16
    }
    while i < n { y[i] = s.epilogue.apply(x[i]); i &+= 1 }
  }
}

struct ChannelAffineFloatStep {
  var x: Int32
  var y: Int32
  var channels: Int
  var inner: Int
  var scale: UnsafePointer<Float>
  var bias: UnsafePointer<Float>
}

enum ChannelAffineKernel {
  static func run(_ s: ChannelAffineFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    var o = 0
    for _ in 0..<batch {
      for c in 0..<s.channels {
        let sc = s.scale[c], bi = s.bias[c]
        for _ in 0..<s.inner { y[o] = x[o] * sc + bi; o &+= 1 }
      }
    }
  }
}

struct SoftmaxFloatStep {
  var x: Int32
  var y: Int32
  var outer: Int
  var axis: Int
  var inner: Int
}

enum SoftmaxKernel {
  /// exp(x − max) / Σ exp(x − max) per slice, as ONNX Runtime computes it.
  static func run(_ s: SoftmaxFloatStep, _ slots: Slots, batch: Int) {
    let x = UnsafePointer(floats(slots, s.x)), y = floats(slots, s.y)
    let slice = s.axis &* s.inner
    for o in 0..<(batch &* s.outer) {
      for i in 0..<s.inner {
        let base = o &* slice &+ i
        var mx = -Float.infinity
        var nan = false
        for j in 0..<s.axis {
          let v = x[base &+ j &* s.inner]
          if v > mx { mx = v }
          if v.isNaN { nan = true }
        }
        if nan { mx = .nan }
        var sum: Float = 0
        for j in 0..<s.axis {
          let e = expf(x[base &+ j &* s.inner] - mx)
          y[base &+ j &* s.inner] = e
          sum += e
        }
        for j in 0..<s.axis { y[base &+ j &* s.inner] /= sum }
      }
    }
  }
}

struct ConcatFloatStep {
  var inputs: UnsafePointer<Int32>
  var blocks: UnsafePointer<Int>
  var count: Int        // number of inputs
  var outer: Int
  var y: Int32
  var outBlock: Int     // Σ blocks
}

enum ConcatKernel {
  static func run(_ s: ConcatFloatStep, _ slots: Slots, batch: Int, elementSize: Int) {
    let y = slots[Int(s.y)]
    for o in 0..<(batch &* s.outer) {
      var off = o &* s.outBlock
      for j in 0..<s.count {
        let blk = s.blocks[j]
        let src = slots[Int(s.inputs[j])] + o &* blk &* elementSize
        (y + off &* elementSize).copyMemory(from: src, byteCount: blk &* elementSize)
        off &+= blk
      }
    }
  }
}

struct CopyStep {
  var x: Int32
  var y: Int32
  var bytesPerSample: Int
}

enum CopyKernel {
  static func run(_ s: CopyStep, _ slots: Slots, batch: Int) {
    slots[Int(s.y)].copyMemory(from: slots[Int(s.x)], byteCount: batch &* s.bytesPerSample)
  }
}
