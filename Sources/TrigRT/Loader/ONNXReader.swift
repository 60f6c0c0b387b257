import CONNX

#if canImport(Glibc)
import Glibc
#endif

/// Reads ONNX `ModelProto` bytes into a `Graph`, trusting nothing: protobuf-c parses the wire
/// format, then every count, index, dimension, data type and byte count is checked here before
/// it is used. Corresponds to onnx.proto of onnx 1.23 (ONNX IR versions 3–14).
enum ONNXReader {
  /// Largest element count trigrt accepts for one tensor (2^31): far above any trigger net,
  /// small enough that sizes never overflow. The weight cap (`Limits.maxWeightBytes`) is lower.
  static let maxElements = Limits.maxElements

  /// Reads a whole file. Fails with `.io` (missing, unreadable, a directory), `.malformed`
  /// (empty) or `.limit` (over 2 GiB). `what` names the expected content in messages.
  static func readFile(_ path: String, what: String = "an ONNX model") throws(TrigRTError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let reason = String(cString: strerror(errno))
      throw TrigRTError(.io, "cannot open '\(path)': \(reason)")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw TrigRTError(.io, "cannot stat '\(path)': \(String(cString: strerror(errno)))") }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw TrigRTError(.io, "'\(path)' is not a regular file") }
    let size = Int(st.st_size)
    guard size > 0 else { throw TrigRTError(.malformed, "'\(path)' is empty (0 bytes): not \(what)") }
    guard size <= 1 << 31 else { throw TrigRTError(.limit, "'\(path)' is \(size) bytes; trigrt reads files up to 2 GiB") }
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    let failed: Bool = bytes.withUnsafeMutableBytes { buf in
      while done < size {
        let n = read(fd, buf.baseAddress! + done, size - done)
        if n < 0 { if errno == EINTR { continue }; return true }
        if n == 0 { return true }
        done += n
      }
      return false
    }
    if failed { throw TrigRTError(.io, "cannot read '\(path)': read \(done) of \(size) bytes") }
    return bytes
  }

  /// Parses model bytes. `source` names the file in messages.
  static func parse(_ bytes: UnsafeRawBufferPointer, source: String, limits: Limits = Limits()) throws(TrigRTError) -> Graph {
    guard bytes.count > 0, let base = bytes.baseAddress else {
      throw TrigRTError(.malformed, "\(source): empty input (0 bytes): not an ONNX model")
    }
    guard bytes.count <= 1 << 31 else { throw TrigRTError(.limit, "\(source): \(bytes.count) bytes; trigrt reads models up to 2 GiB") }
    try WireCheck.check(bytes, source: source)   // protobuf-c recurses without a depth limit
    guard let model = onnx__model_proto__unpack(nil, bytes.count, base.assumingMemoryBound(to: UInt8.self)) else {
      throw TrigRTError(.malformed, "\(source): not a valid ONNX model (protobuf parse failed: truncated, corrupt or not ONNX, \(bytes.count) bytes)")
    }
    defer { onnx__model_proto__free_unpacked(model, nil) }
    var reader = Reader(source: source, limits: limits)
    return try reader.graph(of: model.pointee)
  }
}

/// Walks the unpacked protobuf-c structs. Every C string may be NULL; every repeated field is a
/// pointer + count that is checked against NULL before it is touched.
private struct Reader {
  let source: String
  let limits: Limits
  /// Elements of all constants read so far (against the weight cap).
  var constantElements = 0

  func fail(_ code: Status, _ message: String) -> TrigRTError {
    TrigRTError(code, "\(source): \(message)")
  }

  func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p else { return "" }
    return String(cString: p)
  }

  /// A repeated message field as an array of pointers, checking every element.
  func repeated<T>(_ p: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ n: Int, _ what: String,
                   limit: Int = Limits.maxGraphEntries) throws(TrigRTError) -> [UnsafeMutablePointer<T>] {
    if n == 0 { return [] }
    guard n <= limit else { throw fail(.limit, "\(what): \(n) entries; trigrt reads at most \(limit)") }
    guard let p else { throw fail(.malformed, "\(what): \(n) entries declared but no data") }
    var out: [UnsafeMutablePointer<T>] = []
    out.reserveCapacity(n)
    for i in 0..<n {
      guard let e = p[i] else { throw fail(.malformed, "\(what) #\(i) is missing") }
      out.append(e)
    }
    return out
  }

  func strings(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ n: Int, _ what: String) throws(TrigRTError) -> [String] {
    if n == 0 { return [] }
    guard n <= Limits.maxNodeArity else { throw fail(.limit, "\(what): \(n) entries; trigrt reads at most \(Limits.maxNodeArity)") }
    guard let p else { throw fail(.malformed, "\(what): \(n) entries declared but no data") }
    var out: [String] = []
    out.reserveCapacity(n)
    for i in 0..<n { out.append(try name(p[i], "\(what) #\(i)")) }
    return out
  }

  /// A name (tensor, node, attribute): at most `Limits.maxStringBytes` bytes.
  func name(_ p: UnsafeMutablePointer<CChar>?, _ what: String) throws(TrigRTError) -> String {
    guard let p else { return "" }
    let n = strnlen(p, Limits.maxStringBytes + 1)
    guard n <= Limits.maxStringBytes else { throw fail(.limit, "\(what) is longer than \(Limits.maxStringBytes) bytes") }
    return String(cString: p)
  }

  mutating func graph(of model: Onnx__ModelProto) throws(TrigRTError) -> Graph {
    let newest = Int64(ONNX__VERSION__IR_VERSION.rawValue)   // of the onnx.proto the reader was generated from
    if model.has_ir_version != 0 && (model.ir_version < 3 || model.ir_version > newest) {
      throw fail(.unsupported, "ONNX IR version \(model.ir_version) is not supported (trigrt reads IR versions 3 to \(newest))")
    }
    var imports: [(domain: String, version: Int)] = []
    for op in try repeated(model.opset_import, model.n_opset_import, "opset_import") {
      let domain = string(op.pointee.domain)
      let version = op.pointee.has_version != 0 ? Int(op.pointee.version) : 1
      imports.append((domain, version))
    }
    guard let opset = imports.first(where: { $0.domain == "" || $0.domain == "ai.onnx" })?.version else {
      throw fail(.malformed, "the model imports no version of the default ONNX operator set (opset_import has no \"\" or \"ai.onnx\" entry)")
    }
    guard let g = model.graph else { throw fail(.malformed, "the model has no graph") }
    let gp = g.pointee
    if gp.n_sparse_initializer > 0 {
      throw fail(.unsupported, "sparse initialisers are not supported (\(gp.n_sparse_initializer) in the graph)")
    }
    var initializers: [String: Constant] = [:]
    for (i, t) in try repeated(gp.initializer, gp.n_initializer, "graph initializer").enumerated() {
      let name = try self.name(t.pointee.name, "the name of initializer #\(i)")
      guard !name.isEmpty else { throw fail(.malformed, "initializer #\(i) has no name") }
      guard initializers[name] == nil else { throw fail(.malformed, "initializer '\(name)' is defined twice") }
      initializers[name] = try constant(t.pointee, what: "initializer '\(name)'")
    }
    var inputs: [ValueInfo] = []
    var seenInputs = Set<String>()
    for (i, v) in try repeated(gp.input, gp.n_input, "graph input").enumerated() {
      let info = try valueInfo(v.pointee, what: "graph input #\(i)")
      guard seenInputs.insert(info.name).inserted else { throw fail(.malformed, "graph input '\(info.name)' is declared twice") }
      if initializers[info.name] == nil { inputs.append(info) }   // IR < 4 lists initialisers as inputs too
    }
    var outputs: [ValueInfo] = []
    for (i, v) in try repeated(gp.output, gp.n_output, "graph output").enumerated() {
      outputs.append(try valueInfo(v.pointee, what: "graph output #\(i)"))
    }
    guard !outputs.isEmpty else { throw fail(.malformed, "the graph has no outputs") }
    var nodes: [Node] = []
    for (i, n) in try repeated(gp.node, gp.n_node, "graph node").enumerated() {
      nodes.append(try node(n.pointee, index: i))
    }
    return Graph(name: string(gp.name), nodes: nodes, initializers: initializers, inputs: inputs,
                 outputs: outputs, opset: opset, opsetImports: imports)
  }

  func valueInfo(_ v: Onnx__ValueInfoProto, what: String) throws(TrigRTError) -> ValueInfo {
    let name = try self.name(v.name, "the name of \(what)")
    guard !name.isEmpty else { throw fail(.malformed, "\(what) has no name") }
    guard let tp = v.type else { return ValueInfo(name: name, elementType: nil, dims: nil) }
    guard tp.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tt = tp.pointee.tensor_type else {
      throw fail(.unsupported, "'\(name)' is not a tensor (sequences, maps and optionals are not supported)")
    }
    let elem: Int32? = tt.pointee.has_elem_type != 0 ? tt.pointee.elem_type : nil
    guard let shape = tt.pointee.shape else { return ValueInfo(name: name, elementType: elem, dims: nil) }
    var dims: [Dim] = []
    for d in try repeated(shape.pointee.dim, shape.pointee.n_dim, "shape of '\(name)'", limit: 64) {
      switch d.pointee.value_case {
      case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
        let v = d.pointee.dim_value
        guard v >= 0, v <= Int64(ONNXReader.maxElements) else {
          throw fail(.malformed, "'\(name)' declares dimension \(v)")
        }
        dims.append(.value(Int(v)))
      case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
        dims.append(.param(string(d.pointee.dim_param)))
      default:
        dims.append(.unknown)
      }
    }
    return ValueInfo(name: name, elementType: elem, dims: dims)
  }

  mutating func node(_ n: Onnx__NodeProto, index: Int) throws(TrigRTError) -> Node {
    let opType = try self.name(n.op_type, "the op_type of node #\(index)")
    let name = try self.name(n.name, "the name of node #\(index)")
    let label = name.isEmpty ? "node #\(index)" : "node '\(name)'"
    guard !opType.isEmpty else { throw fail(.malformed, "\(label) has no op_type") }
    let inputs = try strings(n.input, n.n_input, "inputs of \(label)")
    let outputs = try strings(n.output, n.n_output, "outputs of \(label)")
    var attributes: [String: Attribute] = [:]
    for a in try repeated(n.attribute, n.n_attribute, "attributes of \(label)", limit: Limits.maxNodeArity) {
      let an = try self.name(a.pointee.name, "an attribute name of \(label)")
      guard !an.isEmpty else { throw fail(.malformed, "\(label) (\(opType)) has an attribute without a name") }
      guard attributes[an] == nil else { throw fail(.malformed, "\(label) (\(opType)) sets attribute '\(an)' twice") }
      if a.pointee.ref_attr_name != nil && !string(a.pointee.ref_attr_name).isEmpty {
        throw fail(.unsupported, "\(label) (\(opType)): attribute '\(an)' refers to a function attribute; functions are not supported")
      }
      attributes[an] = try attribute(a.pointee, what: "attribute '\(an)' of \(label) (\(opType))")
    }
    return Node(name: name, opType: opType, domain: try self.name(n.domain, "the domain of \(label)"), inputs: inputs, outputs: outputs,
                attributes: attributes, index: index)
  }

  mutating func attribute(_ a: Onnx__AttributeProto, what: String) throws(TrigRTError) -> Attribute {
    var type = a.has_type != 0 ? a.type.rawValue : 0
    if type == 0 {   // very old exporters leave `type` unset: infer it from the field that is set
      if a.has_f != 0 { type = 1 } else if a.has_i != 0 { type = 2 } else if a.has_s != 0 { type = 3 }
      else if a.t != nil { type = 4 } else if a.n_floats > 0 { type = 6 } else if a.n_ints > 0 { type = 7 }
      else if a.n_strings > 0 { type = 8 }
    }
    func bytesString(_ b: ProtobufCBinaryData) throws(TrigRTError) -> String {
      guard b.len > 0, let d = b.data else { return "" }
      guard b.len <= Limits.maxStringBytes else { throw fail(.limit, "\(what) is a string of \(b.len) bytes; trigrt reads at most \(Limits.maxStringBytes)") }
      return String(decoding: UnsafeBufferPointer(start: d, count: b.len), as: UTF8.self)
    }
    for (count, kind) in [(a.n_floats, "floats"), (a.n_ints, "ints"), (a.n_strings, "strings"), (a.n_tensors, "tensors"), (a.n_graphs, "graphs")]
    where count > Limits.maxAttributeElements {
      throw fail(.limit, "\(what) lists \(count) \(kind); trigrt reads attribute lists of up to \(Limits.maxAttributeElements) elements")
    }
    switch type {
    case 1: return .float(a.f)
    case 2:
      guard a.i >= Int64(Int32.min) * 4, a.i <= Int64(Int.max) / 4 else { throw fail(.malformed, "\(what) is out of range: \(a.i)") }
      return .int(Int(a.i))
    case 3: return .string(try bytesString(a.s))
    case 4:
      guard let t = a.t else { throw fail(.malformed, "\(what) is a tensor attribute without a tensor") }
      return .tensor(try constant(t.pointee, what: what))
    case 6:
      if a.n_floats > 0 && a.floats == nil { throw fail(.malformed, "\(what): \(a.n_floats) floats declared but no data") }
      return .floats(a.n_floats == 0 ? [] : Array(UnsafeBufferPointer(start: a.floats, count: a.n_floats)))
    case 7:
      if a.n_ints > 0 && a.ints == nil { throw fail(.malformed, "\(what): \(a.n_ints) ints declared but no data") }
      let raw = a.n_ints == 0 ? [] : Array(UnsafeBufferPointer(start: a.ints, count: a.n_ints))
      return .ints(raw.map { Int($0) })
    case 8:
      if a.n_strings > 0 && a.strings == nil { throw fail(.malformed, "\(what): \(a.n_strings) strings declared but no data") }
      var list: [String] = []
      for i in 0..<a.n_strings { list.append(try bytesString(a.strings[i])) }
      return .strings(list)
    default:
      return .other(typeCode: Int32(type))
    }
  }

  /// A TensorProto as a Constant: data type, dimensions and byte counts all checked.
  mutating func constant(_ t: Onnx__TensorProto, what: String) throws(TrigRTError) -> Constant {
    if t.segment != nil { throw fail(.unsupported, "\(what) is a segmented tensor; not supported") }
    if (t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) || t.n_external_data > 0 {
      throw fail(.unsupported, "\(what) stores its data in an external file; trigrt reads self-contained models only (save the model with onnx.save(model, path, save_as_external_data=False))")
    }
    let code = t.has_data_type != 0 ? t.data_type : 0
    guard let dtype = DataType(rawValue: code) else {
      throw fail(.unsupported, "\(what) has data type \(DataType.name(ofCode: code)); trigrt reads float, double, float16 and integer tensors")
    }
    if t.n_dims > 0 && t.dims == nil { throw fail(.malformed, "\(what): \(t.n_dims) dimensions declared but no data") }
    guard t.n_dims <= 8 else { throw fail(.unsupported, "\(what) has rank \(t.n_dims); trigrt supports up to rank 8") }
    var dims: [Int] = []
    var count = 1
    for i in 0..<t.n_dims {
      let d = t.dims[i]
      guard d >= 0, d <= Int64(ONNXReader.maxElements) else { throw fail(.malformed, "\(what) has dimension \(d)") }
      dims.append(Int(d))
      let (c, o) = count.multipliedReportingOverflow(by: Int(d))
      guard !o, c <= ONNXReader.maxElements else { throw fail(.limit, "\(what) has more than 2^31 elements") }
      count = c
    }
    // The declared size must match the data actually in the file before anything is
    // allocated for it, and fit the weight cap.
    guard count <= limits.maxConstantElements else { throw limits.weightError(source, what, elements: count) }
    let (total, over) = constantElements.addingReportingOverflow(count)
    guard !over, total <= limits.maxConstantElements else {
      throw limits.weightError(source, "the model's constants (up to \(what))", elements: over ? Int.max : total)
    }
    constantElements = total
    var values = [Double]()
    if t.has_raw_data != 0 && t.raw_data.len > 0 {
      let expected = count * dtype.byteSize
      guard t.raw_data.len == expected, let data = t.raw_data.data else {
        throw fail(.malformed, "\(what): raw_data holds \(t.raw_data.len) bytes, but \(dims) \(dtype) needs \(expected)")
      }
      values.reserveCapacity(count)
      let raw = UnsafeRawPointer(data)
      for i in 0..<count { values.append(Reader.decode(raw, i, dtype)) }
    } else {
      func check(_ n: Int, _ field: String) throws(TrigRTError) {
        guard n == count else { throw fail(.malformed, "\(what): \(field) holds \(n) values, but dims \(dims) need \(count)") }
      }
      switch dtype {
      case .float:
        try check(t.n_float_data, "float_data")
        if count > 0 { values = UnsafeBufferPointer(start: t.float_data, count: count).map { Double($0) } }
      case .double:
        try check(t.n_double_data, "double_data")
        if count > 0 { values = Array(UnsafeBufferPointer(start: t.double_data, count: count)) }
      case .int64:
        try check(t.n_int64_data, "int64_data")
        if count > 0 { values = UnsafeBufferPointer(start: t.int64_data, count: count).map { Double($0) } }
      case .uint32, .uint64:
        try check(t.n_uint64_data, "uint64_data")
        if count > 0 { values = UnsafeBufferPointer(start: t.uint64_data, count: count).map { Double($0) } }
      case .float16:
        try check(t.n_int32_data, "int32_data")
        if count > 0 {
          values = UnsafeBufferPointer(start: t.int32_data, count: count).map { Double(Reader.half(UInt16(truncatingIfNeeded: $0))) }
        }
      case .int32, .int16, .int8, .uint16, .uint8, .bool:
        try check(t.n_int32_data, "int32_data")
        if count > 0 { values = UnsafeBufferPointer(start: t.int32_data, count: count).map { Double($0) } }
      }
      if count > 0 && values.count != count { throw fail(.malformed, "\(what): data missing") }
    }
    return Constant(dims: dims, dataType: dtype, values: values)
  }

  /// Element i of little-endian raw_data.
  static func decode(_ p: UnsafeRawPointer, _ i: Int, _ t: DataType) -> Double {
    switch t {
    case .float: return Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))
    case .double: return Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
    case .float16: return Double(half(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
    case .int8: return Double(p.load(fromByteOffset: i, as: Int8.self))
    case .uint8, .bool: return Double(p.load(fromByteOffset: i, as: UInt8.self))
    case .int16: return Double(Int16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
    case .uint16: return Double(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
    case .int32: return Double(Int32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
    case .uint32: return Double(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
    case .int64: return Double(Int64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
    case .uint64: return Double(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
    }
  }

  /// IEEE binary16 → Float, written out so it does not depend on Float16 availability.
  static func half(_ h: UInt16) -> Float {
    let sign: Float = (h & 0x8000) != 0 ? -1 : 1
    let exp = Int((h >> 10) & 0x1f)
    let frac = Float(h & 0x3ff)
    if exp == 0 { return sign * frac * 0x1p-24 }
    if exp == 31 { return frac == 0 ? sign * .infinity : .nan }
    return sign * (1 + frac / 1024) * Float(sign: .plus, exponent: exp - 15, significand: 1)
  }
}
