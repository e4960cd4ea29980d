@testable import CLI
import XCTest

final class ArgumentParserTests: XCTestCase {
    private let spec = CommandSpec(
        name: "demo", summary: "A demo.", positionals: ["MODEL"], positionalCount: 1...2,
        options: [
            OptionSpec(names: ["-o", "--output"], valueName: "OUT", help: "output"),
            OptionSpec(names: ["--teacher"], valueName: "M", help: "a teacher", repeatable: true),
            OptionSpec(names: ["--json"], valueName: nil, help: "json"),
            OptionSpec(names: ["--batch"], valueName: "N", help: "batch"),
        ])

    func testOptionsFlagsAndPositionals() throws {
        let parsed = try ParsedArguments.parse(["m.onnx", "-o", "x.pnm", "--teacher=a", "--teacher", "b", "--json", "--batch", "8"], spec: spec)
        XCTAssertEqual(parsed.positionals, ["m.onnx"])
        XCTAssertEqual(parsed.value("output"), "x.pnm")
        XCTAssertEqual(parsed.all("teacher"), ["a", "b"])
        XCTAssertTrue(parsed.flag("json"))
        XCTAssertEqual(try parsed.integer("batch"), 8)
        XCTAssertEqual(try ParsedArguments.parse(["--", "-odd-name.onnx"], spec: spec).positionals, ["-odd-name.onnx"])
    }

    func testMistakesAreUsageErrors() {
        let mistakes: [([String], String)] = [
            ([], "missing MODEL"),
            (["a", "b", "c"], "too many"),
            (["a", "--nope"], "unknown option '--nope'"),
            (["a", "-o"], "needs a value"),
            (["a", "-o", "x", "--output", "y"], "more than once"),
            (["a", "--json=yes"], "takes no value"),
        ]
        for (arguments, expected) in mistakes {
            XCTAssertThrowsError(try ParsedArguments.parse(arguments, spec: spec)) { error in
                guard let usage = error as? UsageError else { return XCTFail("\(arguments): \(error)") }
                XCTAssertTrue(usage.message.contains(expected), "\(arguments): \(usage.message)")
            }
        }
        XCTAssertThrowsError(try ParsedArguments.parse(["a", "--batch", "eight"], spec: spec).integer("batch"))
    }

    func testHelpListsEveryOption() {
        XCTAssertThrowsError(try ParsedArguments.parse(["--help"], spec: spec)) { error in
            guard let help = error as? HelpRequested else { return XCTFail("\(error)") }
            for name in ["--output", "--teacher", "--json", "--batch", "--help"] {
                XCTAssertTrue(help.text.contains(name), name)
            }
        }
    }

    func testExitCodes() {
        XCTAssertEqual(PNConv.run([]), 64)
        XCTAssertEqual(PNConv.run(["--help"]), 0)
        XCTAssertEqual(PNConv.run(["frobnicate"]), 64)
        XCTAssertEqual(PNConv.run(["inspect"]), 64)
        XCTAssertEqual(PNConv.run(["inspect", "--help"]), 0)
        XCTAssertEqual(PNConv.run(["inspect", "/nonexistent/model.onnx"]), 1)
    }
}
