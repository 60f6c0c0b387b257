import FixedPoint
/// The lowered graph: ONNX nodes interpreted into trigrt layers with resolved shapes. Constants
/// are folded into the layers that use them; shape-only ops (Identity, Reshape, Flatten, …)
/// become aliases that share storage with their input.

/// A tensor of the lowered graph.
struct Value {
  var name: String
  /// Dimensions of one sample (after the batch dimension) for batched values; all dimensions
  /// for constants.
  var shape: [Int]
  var isBatched: Bool
  var constant: Constant?
  /// The value whose storage this one shares (Reshape, Flatten, Identity, …), if any.
  var aliasOf: Int?

  var count: Int { shape.reduce(1, *) }
  var isConstant: Bool { constant != nil }
}

/// Element-wise activation functions (ONNX Relu, LeakyRelu, Sigmoid, Tanh, Clip; hls4ml's
/// linear / relu / leaky_relu / sigmoid / tanh / relu6).
enum Activation: Equatable, Sendable {
  case identity
  case relu
  case leakyRelu(alpha: Float)
  case sigmoid
  case tanh
  case clip(min: Float, max: Float)

  var name: String {
    switch self {
    case .identity: return "linear"
    case .relu: return "relu"
    case .leakyRelu(let a): return "leaky_relu(\(a))"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    case .clip(let lo, let hi): return "clip(\(lo), \(hi))"
    }
  }
}

/// y = act(x · W + b) over the last dimension of x. Gemm and MatMul lower to this.
struct DenseSpec {
  var inFeatures: Int          // K
  var outFeatures: Int         // M
  var rowsPerSample: Int       // > 1 when x has more than one row per sample (MatMul on rank-3 x)
  /// Row-major [K][M]: weights[k * M + m].
  var weights: [Float]
  var bias: [Float]?           // M values
  var activation: Activation
  /// Gemm's alpha and beta (already applied to weights and bias), for fixed mode's checks.
  var fromGemm = false
  var alpha: Float = 1
  var beta: Float = 1
  /// The ap_fixed formats of QONNX-quantised weights and bias, when a Quant produced them.
  var weightFormat: FixedFormat? = nil
  var biasFormat: FixedFormat? = nil
}

enum BinaryOp: String, Sendable {
  case add = "Add", sub = "Sub", mul = "Mul", div = "Div"
}

/// An element-wise binary op with numpy broadcasting. Operands are values (batched or constant).
struct BinarySpec {
  var op: BinaryOp
  /// Output dims (per sample).
  var shape: [Int]
}

/// Softmax over `axisSize` consecutive elements; each sample holds `outer × axisSize × inner`.
struct SoftmaxSpec {
  var outer: Int
  var axisSize: Int
  var inner: Int
}

/// y = x · scale[c] + bias[c] per channel c (BatchNormalization in inference).
struct ChannelAffineSpec {
  var channels: Int
  var inner: Int               // elements per channel within a sample
  var scale: [Float]
  var bias: [Float]
}

struct ConcatSpec {
  /// Per input: elements of one contiguous block (the input's dims from the axis on).
  var blocks: [Int]
  var outer: Int               // blocks per sample
}

/// y = act(conv(x, W) + b) over 1 or 2 spatial dimensions, NCHW (1-D as H = 1, NCW). Conv
/// lowers to this; groups split channels (group = C is depthwise).
struct ConvSpec {
  var spatialRank: Int         // 1 or 2
  var inChannels: Int          // C
  var outChannels: Int         // M
  var group: Int
  var inH: Int, inW: Int
  var kernelH: Int, kernelW: Int
  var strideH: Int, strideW: Int
  var dilationH: Int, dilationW: Int
  /// Zero padding before (top, left) and after (bottom, right) each spatial dimension.
  var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
  var outH: Int, outW: Int
  /// Row-major [M][C/group][kH][kW]: weights[m * K + (c * kH + ky) * kW + kx], K = C/group·kH·kW.
  var weights: [Float]
  var bias: [Float]?           // M values
  var activation: Activation

  var kernelSize: Int { inChannels / group * kernelH * kernelW }
  var outShape: [Int] { spatialRank == 1 ? [outChannels, outW] : [outChannels, outH, outW] }
}

enum PoolKind: Equatable {
  case max
  /// Divides by the window's positions inside the padded input (count_include_pad = 1) or by
  /// its positions inside the input (count_include_pad = 0), as ONNX Runtime does.
  case average(countIncludePad: Bool)
}

/// MaxPool / AveragePool over 1 or 2 spatial dimensions (NCHW, 1-D as H = 1), and the global
/// pools (one window per channel over every spatial element, any spatial rank).
struct PoolSpec {
  var kind: PoolKind
  var global: Bool
  var spatialRank: Int
  var channels: Int
  var inH: Int, inW: Int
  var kernelH: Int, kernelW: Int
  var strideH: Int, strideW: Int
  var dilationH: Int, dilationW: Int
  var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
  var outH: Int, outW: Int
  /// Global pools: elements per channel.
  var inner: Int = 1
}

/// Run-time Transpose of one sample: output axis i is input axis perm[i] (per-sample axes; the
/// batch axis stays first).
struct TransposeSpec {
  var inShape: [Int]
  var perm: [Int]
}

/// Constant-mode Pad of one sample (the batch axis is never padded).
struct PadSpec {
  var inShape: [Int]
  var begin: [Int]
  var end: [Int]
  var value: Float
}

/// y[i] = x[source[i]] within one sample: Resize/Upsample (nearest) and Gather with constant
/// indices, as one table of source positions.
struct GatherSpec {
  var inCount: Int
  var source: [Int32]
}

/// Gather from a constant table with run-time indices (embedding lookup): each index of the
/// sample selects one row of `rowSize` values.
struct EmbeddingSpec {
  var rows: Int
  var rowSize: Int
  var indices: Int             // indices per sample
  var table: [Float]
}

enum ReduceKind: String { case sum = "ReduceSum", mean = "ReduceMean", max = "ReduceMax" }

/// ReduceSum / ReduceMean / ReduceMax over non-batch axes: every input element of a sample
/// adds into (or is compared with) output element target[i].
struct ReduceSpec {
  var kind: ReduceKind
  var outCount: Int
  var target: [Int32]
  var divisor: Float           // elements per output (mean)
}

/// Element-wise Max / Min of two operands with numpy broadcasting (chains of them for more).
struct MinMaxSpec {
  var isMax: Bool
  var shape: [Int]
}

/// Cast of a run-time float tensor to an integer type: truncation toward zero, then the
/// target's wrap-around (bits < 64), or to bool (x != 0).
struct CastSpec {
  enum Mode: Equatable { case integer(bits: Int, signed: Bool), bool }
  var mode: Mode
}

enum LayerOp {
  case dense(DenseSpec)
  case gather(GatherSpec)
  case embedding(EmbeddingSpec)
  case reduce(ReduceSpec)
  case minMax(MinMaxSpec)
  case cast(CastSpec)
  case conv(ConvSpec)
  case pool(PoolSpec)
  case transpose(TransposeSpec)
  case pad(PadSpec)
  case binary(BinarySpec)
  case activation(Activation)
  case softmax(SoftmaxSpec)
  case channelAffine(ChannelAffineSpec)
  case concat(ConcatSpec)
  case quant(QuantSpec)
  /// Fixed mode: one hls4ml layer with its types resolved.
  case hls(HLSLayer)
  case copy
}

/// One computing step of the lowered graph.
struct Layer {
  /// The ONNX node it came from (its name or "#index").
  var name: String
  /// The ONNX ops it computes, e.g. ["MatMul", "Add", "Relu"] after fusion.
  var opTypes: [String]
  var op: LayerOp
  var inputs: [Int]
  var output: Int
  /// Index of the ONNX node in the file (nil for layers the planner adds).
  var nodeIndex: Int? = nil
}

struct LoweredGraph {
  var values: [Value]
  var layers: [Layer]
  var inputs: [Int]
  var outputs: [Int]
  var outputNames: [String]
  /// ONNX nodes evaluated at load time (all inputs constant) or that only make constants.
  var foldedNodes: Set<Int> = []

  /// Follows aliases to the value that owns the storage.
  func root(_ v: Int) -> Int {
    var v = v
    while let a = values[v].aliasOf { v = a }
    return v
  }
}
