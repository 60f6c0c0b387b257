import CONNX

/// A walk over the protobuf wire format of a ModelProto before protobuf-c unpacks it.
///
/// protobuf-c unpacks nested messages recursively and has no depth limit, so a file of a few
/// megabytes that nests (say) AttributeProto.g → GraphProto.node → NodeProto.attribute → … a
/// hundred thousand times overflows the host thread's stack inside the C parser. This walk
/// follows exactly the fields that protobuf-c would recurse into (message-typed fields of the
/// generated descriptors; unknown fields are skipped, as protobuf-c keeps them as bytes),
/// iteratively, and refuses a nesting deeper than `Limits.maxNesting`. It also refuses what
/// protobuf-c would refuse anyway (a truncated tag or length, a length beyond its message, a
/// group or reserved wire type), so that nothing malformed reaches the recursion.
enum WireCheck {
  static func check(_ bytes: UnsafeRawBufferPointer, source: String) throws(TrigRTError) {
    try withUnsafePointer(to: onnx__model_proto__descriptor) { (root) throws(TrigRTError) in
      try walk(bytes, root: root, source: source)
    }
  }

  static func walk(_ bytes: UnsafeRawBufferPointer, root: UnsafePointer<ProtobufCMessageDescriptor>, source: String) throws(TrigRTError) {
    guard let base = bytes.baseAddress else { return }
    let p = base.assumingMemoryBound(to: UInt8.self)
    let n = bytes.count
    var pos = 0
    // (descriptor of the message being read, offset where it ends)
    var stack: [(UnsafePointer<ProtobufCMessageDescriptor>, Int)] = []
    stack.reserveCapacity(Limits.maxNesting + 1)
    stack.append((root, n))

    func malformed(_ why: String) -> TrigRTError {
      TrigRTError(.malformed, "\(source): not a valid ONNX model (protobuf: \(why) at byte \(pos) of \(n))")
    }
    func varint(_ end: Int) throws(TrigRTError) -> UInt64 {
      var v: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard pos < end else { throw malformed("truncated varint") }
        let b = p[pos]
        pos += 1
        guard shift < 64 else { throw malformed("varint longer than 10 bytes") }
        v |= UInt64(b & 0x7F) << shift
        if b & 0x80 == 0 { return v }
        shift += 7
      }
    }

    while let (desc, end) = stack.last {
      if pos == end {
        stack.removeLast()
        continue
      }
      let tag = try varint(end)
      let field = tag >> 3
      guard field >= 1, field <= 536_870_911 else { throw malformed("field number \(field)") }
      switch tag & 7 {
      case 0: _ = try varint(end)
      case 1:
        guard end - pos >= 8 else { throw malformed("truncated fixed64") }
        pos += 8
      case 5:
        guard end - pos >= 4 else { throw malformed("truncated fixed32") }
        pos += 4
      case 2:
        let len = try varint(end)
        guard len <= UInt64(end - pos) else { throw malformed("length \(len) beyond its message") }
        let stop = pos + Int(len)
        if let child = messageField(desc, UInt32(field)) {
          guard stack.count < Limits.maxNesting else {
            throw TrigRTError(.limit, "\(source): messages nest deeper than \(Limits.maxNesting) levels (at byte \(pos)); trigrt refuses such files (the protobuf parser would recurse that deep)")
          }
          stack.append((child, stop))
        } else {
          pos = stop
        }
      default:
        throw malformed("wire type \(tag & 7) (groups are not supported)")
      }
    }
  }

  /// The descriptor of a message-typed field `id` of `desc`, nil for other and unknown fields.
  static func messageField(_ desc: UnsafePointer<ProtobufCMessageDescriptor>, _ id: UInt32) -> UnsafePointer<ProtobufCMessageDescriptor>? {
    let d = desc.pointee
    guard let fields = d.fields else { return nil }
    for i in 0..<Int(d.n_fields) where fields[i].id == id {
      guard fields[i].type == PROTOBUF_C_TYPE_MESSAGE, let child = fields[i].descriptor else { return nil }
      return child.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    }
    return nil
  }
}
