// swift-tools-version:5.9
// pnconv: the toolkit around PocketNet multi-step knowledge distillation.
// Layers depend one way (see ../shared/DESIGN.md and docs/architecture.md):
// CLI -> KD | Export -> Runtime -> ONNXImport / ModelFile -> IR -> HDF5 / Support -> C shims.
import PackageDescription

let package = Package(
    name: "pnconv",
    products: [
        .executable(name: "pnconv", targets: ["CLI"]),
    ],
    targets: [
        // C shims: Debian -dev packages found through pkg-config.
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .target(name: "ONNXProto", dependencies: ["CProtobufC"]),

        .target(name: "Support", dependencies: ["CCrypto"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "Support"]),
        .target(name: "IR", dependencies: ["Support"]),
        .target(name: "ONNXImport", dependencies: ["IR", "ONNXProto", "CProtobufC", "Support"]),
        .target(name: "ModelFile", dependencies: ["IR", "HDF5", "Support"]),
        .target(name: "Runtime", dependencies: ["IR", "COpenBLAS", "Support"]),
        .target(name: "TensorIO", dependencies: ["IR", "Support"]),
        .target(name: "KD", dependencies: ["Runtime", "Images", "HDF5", "Support"]),
        .target(name: "Export", dependencies: ["IR", "Support"]),
        .target(name: "Images", dependencies: ["Support", "CTurboJPEG", "CPNG"]),
        .target(name: "Eval", dependencies: ["Runtime", "Images", "Support"]),
        .executableTarget(name: "CLI", dependencies: ["IR", "ONNXImport", "ModelFile", "Runtime", "TensorIO", "Images", "HDF5", "KD", "Eval", "Export", "Support"]),

        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "IRTests", dependencies: ["IR"]),
        .testTarget(name: "ONNXImportTests", dependencies: ["ONNXImport", "IR"]),
        .testTarget(name: "ModelFileTests", dependencies: ["ModelFile", "IR", "HDF5", "ONNXImport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "IR", "ONNXImport"]),
        .testTarget(name: "TensorIOTests", dependencies: ["TensorIO", "IR", "Support"]),
        .testTarget(name: "KDTests", dependencies: ["KD"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "IR", "Runtime", "Support"]),
        .testTarget(name: "ImagesTests", dependencies: ["Images", "Support", "CTurboJPEG"]),
        .testTarget(name: "CLITests", dependencies: ["CLI"]),
        .testTarget(name: "EvalTests", dependencies: ["Eval"]),
    ]
)
