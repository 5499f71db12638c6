// Package conformance checks the action against the official Huawei Cloud
// Go SDK (github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.1.207) and, where
// the SDK has no definition, against the API reference pages.
//
// It is a module of its own so that the action's module and image stay
// free of the SDK's weight; its module path lies below the action's, which
// lets it import the action's internal packages. Everything is in its
// tests: `go test ./...` in this directory runs
//
//   - the signer corpus (signer_test.go): the action's client and the SDK's
//     signer sign the same requests and must agree on the Authorization
//     header and on the path and query that go on the wire;
//   - the demo run (demo_test.go): the built action runs all four
//     operations against the simulator, every request is matched to the
//     SDK's request definition or a definition written from the API pages
//     (defs_test.go), and every answer of the simulator must decode into
//     the SDK's response model or the documented shape.
package conformance
