@testable import CLI
