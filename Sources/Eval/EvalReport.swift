import Foundation

/// The results of `pnconv eval`: every model on every pairs file, as a table for people or
/// JSON for scripts.
public struct EvalReport: Encodable, Sendable {
    /// One model on one pairs file.
    public struct Entry: Encodable, Sendable {
        public var model: String
        public var pairsFile: String
        public var result: VerificationResult

        public init(model: String, pairsFile: String, result: VerificationResult) {
            self.model = model
            self.pairsFile = pairsFile
            self.result = result
        }

        private enum Keys: String, CodingKey {
            case model, pairsFile = "pairs_file", pairs, samePairs = "same_pairs", accuracy, accuracyStd = "accuracy_std"
            case bestThreshold = "best_threshold", foldAccuracies = "fold_accuracies", foldThresholds = "fold_thresholds"
        }

        private struct FARKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        private struct TAREncoding: Encodable {
            let value: TARAtFAR
            private enum Keys: String, CodingKey { case tar, tarStd = "tar_std", far }
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(value.tar, forKey: .tar)
                try container.encode(value.tarStd, forKey: .tarStd)
                try container.encode(value.far, forKey: .far)
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(model, forKey: .model)
            try container.encode(pairsFile, forKey: .pairsFile)
            try container.encode(result.pairs, forKey: .pairs)
            try container.encode(result.samePairs, forKey: .samePairs)
            try container.encode(result.accuracy, forKey: .accuracy)
            try container.encode(result.accuracyStd, forKey: .accuracyStd)
            try container.encode(result.bestThreshold, forKey: .bestThreshold)
            try container.encode(result.foldAccuracies, forKey: .foldAccuracies)
            try container.encode(result.foldThresholds, forKey: .foldThresholds)
            var tars = encoder.container(keyedBy: FARKey.self)
            for (far, value) in result.tarAtFAR {
                try tars.encode(value.map(TAREncoding.init), forKey: FARKey(stringValue: EvalReport.farName(far)))
            }
        }
    }

    /// The models and pairs files, in the order given, and the results model by model.
    public var models: [String]
    public var pairsFiles: [String]
    public var results: [Entry]

    public init(models: [String], pairsFiles: [String], results: [Entry]) {
        self.models = models
        self.pairsFiles = pairsFiles
        self.results = results
    }

    private enum Keys: String, CodingKey { case models, pairsFiles = "pairs_files", results }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(models, forKey: .models)
        try container.encode(pairsFiles, forKey: .pairsFiles)
        try container.encode(results, forKey: .results)
    }

    /// The JSON document: `models`, `pairs_files` and `results` (one object per model and
    /// file with `accuracy`, `accuracy_std`, `best_threshold`, the per-fold numbers and
    /// `tar_at_far_1e-3` / `tar_at_far_1e-4`, null where there are too few different pairs).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The key of a target FAR in JSON: `tar_at_far_1e-3`.
    static func farName(_ far: Double) -> String {
        "tar_at_far_" + farLabel(far)
    }

    static func farLabel(_ far: Double) -> String {
        let exponent = Int(log10(far).rounded())
        return "1e\(exponent)"
    }

    /// A table: a row per model; per pairs file its accuracy (percent, mean ± std over the
    /// folds) and, where the file has enough different pairs, TAR at each FAR.
    public func table() -> String {
        var header = ["model"]
        var columns: [(file: String, far: Double?)] = []
        for file in pairsFiles {
            let entries = results.filter { $0.pairsFile == file }
            let pairs = entries.first.map { " (\($0.result.pairs) pairs)" } ?? ""
            let name = URL(fileURLWithPath: file).lastPathComponent
            header.append("\(name)\(pairs) accuracy %")
            columns.append((file, nil))
            for far in VerificationProtocol.targetFARs where entries.contains(where: { $0.result.tarAtFAR.contains { $0.far == far && $0.value != nil } }) {
                header.append("TAR@FAR=\(Self.farLabel(far)) %")
                columns.append((file, far))
            }
        }
        var rows = [header]
        for model in models {
            var row = [URL(fileURLWithPath: model).lastPathComponent]
            for column in columns {
                guard let result = results.first(where: { $0.model == model && $0.pairsFile == column.file })?.result else {
                    row.append("-")
                    continue
                }
                if let far = column.far {
                    let value = result.tarAtFAR.first { $0.far == far }?.value
                    row.append(value.map { String(format: "%.2f", 100 * $0.tar) } ?? "-")
                } else {
                    row.append(String(format: "%.2f ± %.2f", 100 * result.accuracy, 100 * result.accuracyStd))
                }
            }
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }
}
