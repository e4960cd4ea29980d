/// Tensor names become HDF5 dataset names: '%', '/' and a leading '.' are percent-escaped,
/// so that any ONNX name is one dataset and the original name comes back exactly.
enum DatasetNames {
    static func escape(_ name: String) -> String {
        var result = ""
        for (index, character) in name.enumerated() {
            switch character {
            case "%": result += "%25"
            case "/": result += "%2F"
            case "." where index == 0: result += "%2E"
            default: result.append(character)
            }
        }
        return result.isEmpty ? "%" : result
    }

    static func unescape(_ key: String) -> String {
        if key == "%" { return "" }
        var result = ""
        var rest = Substring(key)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            let code = rest[percent...].prefix(3)
            switch code {
            case "%25": result += "%"
            case "%2F": result += "/"
            case "%2E": result += "."
            default: result += code
            }
            rest = rest[percent...].dropFirst(code.count)
        }
        return result + rest
    }
}
