/// Exports for tools (inspect, trace): they allocate and are not for the hot path.
import CTrigRTHeader
import TrigRT
import TrigRTTools

@_cdecl("trigrt_model_describe_json")
public func trigrt_model_describe_json(_ p: OpaquePointer?, _ buf: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
  guard let m = model(p) else { return 0 }
  let text = Array(describeModel(m).text.utf8)
  if let buf, size > 0 {
    let n = min(text.count, size - 1)
    text.withUnsafeBufferPointer { src in
      UnsafeMutableRawPointer(buf).copyMemory(from: src.baseAddress!, byteCount: n)
    }
    buf[n] = 0
  }
  return text.count
}

@_cdecl("trigrt_session_trace_f64")
public func trigrt_session_trace_f64(_ p: OpaquePointer?, _ inputs: UnsafePointer<UnsafePointer<Double>?>?, _ batch: UInt32,
                                     _ callback: trigrt_trace_callback?, _ user: UnsafeMutableRawPointer?,
                                     _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let s = session(p) else { return report(err, .invalidArgument, "trigrt_session_trace_f64: session is NULL") }
  guard let callback else { return report(err, .invalidArgument, "trigrt_session_trace_f64: callback is NULL") }
  guard s.statsCount > 0 else {
    return report(err, .invalidArgument, "trigrt_session_trace_f64: the model is in float mode; the trace is a fixed-mode feature")
  }
  guard let inputs else { return report(err, .invalidArgument, "trigrt_session_trace_f64: inputs is NULL") }
  let m = s.model
  guard batch >= 1, Int(batch) <= s.maxBatch else {
    return report(err, .batch, "trigrt_session_trace_f64: batch \(batch) is outside 1...max_batch (\(s.maxBatch))")
  }
  var arrays: [[Double]] = []
  for (i, t) in m.inputs.enumerated() {
    guard let x = inputs[i] else { return report(err, .invalidArgument, "trigrt_session_trace_f64: inputs[\(i)] is NULL") }
    arrays.append(Array(UnsafeBufferPointer(start: x, count: Int(batch) * t.count)))
  }
  let failure = s.trace(inputs: arrays, batch: Int(batch)) { rec in
    rec.values.withUnsafeBufferPointer { v in callback(user, Int32(rec.layer), v.baseAddress, v.count) }
  }
  if let f = failure { return reportRun(err, f, "trigrt_session_trace_f64") }
  return ok(err)
}
