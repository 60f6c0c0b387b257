import TrigRT
@_cdecl("trigrt_abi_version") public func trigrt_abi_version() -> UInt32 { 1 }
